// Release builds only (run by .ci/post-build): makes the wasm module's names between it and
// its wasm-bindgen JS glue short, minifies the glue, and puts the changed files' hashes back
// into index.html's `integrity` attributes.
//
// wasm-bindgen names each import `__wbg_<method>_<16 hex digits>` and each closure adapter
// `..._invoke__h<16 hex digits>`: the names stand twice on the page (the wasm's import
// section, the glue's import object), and 16 random hex digits are about 8 bytes no
// compressor can shrink. Here every import of the glue's module and every export the glue
// reaches only as `wasm.<name>` gets a one- or two-letter name, in both files (and the
// toolchain's `producers` and `target_features` sections go). Nothing is
// guessed: each name must occur in the glue exactly where expected (an import once, as a
// key; an export only as `wasm.<name>`), or the build stops with the name that did not.
// The glue is then minified with terser (trunk's own JS minifier cannot parse it).
//
//   node .ci/shrink-glue.mjs DIST
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const dist = process.argv[2];
const wasmFile = readdirSync(dist).find((f) => f.endsWith('_bg.wasm'));
if (!wasmFile) throw new Error(`${dist}: no *_bg.wasm`);
const jsFile = wasmFile.replace(/_bg\.wasm$/, '.js');
const wasmPath = join(dist, wasmFile);
const jsPath = join(dist, jsFile);
let js = readFileSync(jsPath, 'utf8');
const before = { wasm: readFileSync(wasmPath), js: Buffer.from(js) };

// One- and two-letter identifiers: a..z A..Z, then two characters.
const first = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const rest = `${first}0123456789_`;
const shortName = (i) => {
  if (i >= first.length * rest.length) throw new Error(`more than ${first.length * rest.length} names to shorten`);
  return i < first.length ? first[i] : first[Math.floor(i / rest.length)] + rest[i % rest.length];
};
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const count = (re) => (js.match(re) ?? []).length;

// --- the wasm binary: sections are (id, size, body); only imports (2) and exports (7) change.
const wasm = before.wasm;
if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${wasmFile}: not a wasm module`);
let at = 8;
const u32 = () => {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = wasm[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return value;
};
const leb = (n) => {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
};
const name = () => {
  const len = u32();
  const s = wasm.toString('utf8', at, at + len);
  at += len;
  return s;
};
const vecName = (s) => Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);
const limits = () => {
  const flags = wasm[at++];
  u32();
  if (flags & 1) u32();
};

const glueModule = `./${jsFile.replace(/-[0-9a-f]{16}\.js$/, '')}_bg.js`;
const renamedImports = [];
const renamedExports = [];
let strippedSections = 0;
const sections = [wasm.subarray(0, 8)];
while (at < wasm.length) {
  const start = at;
  const id = wasm[at++];
  const size = u32();
  const body = at;
  const end = body + size;
  if (id === 2) {
    const parts = [];
    const n = u32();
    for (let i = 0; i < n; i++) {
      let module = name();
      let field = name();
      const descStart = at;
      const kind = wasm[at++];
      if (kind === 0) u32();
      else if (kind === 1) { at++; limits(); }
      else if (kind === 2) limits();
      else if (kind === 3) at += 2;
      else if (kind === 4) { at++; u32(); }
      else throw new Error(`${wasmFile}: import of unknown kind ${kind}`);
      if (module === glueModule) {
        const short = shortName(renamedImports.length);
        if (count(new RegExp(`\\b${escape(field)}\\b`, 'g')) !== 1 || !js.includes(`${field}: function`)) {
          throw new Error(`${jsFile}: import ${field} is not a single key of the import object`);
        }
        js = js.replace(`${field}: function`, `${short}: function`);
        renamedImports.push(field);
        module = 'a';
        field = short;
      }
      parts.push(vecName(module), vecName(field), wasm.subarray(descStart, at));
    }
    const content = Buffer.concat([leb(n), ...parts]);
    sections.push(Buffer.from([id]), leb(content.length), content);
  } else if (id === 7) {
    const parts = [];
    const n = u32();
    for (let i = 0; i < n; i++) {
      let field = name();
      const descStart = at;
      at++;
      u32();
      const all = count(new RegExp(`\\b${escape(field)}\\b`, 'g'));
      const viaWasm = count(new RegExp(`\\bwasm\\.${escape(field)}\\b`, 'g'));
      if (all > 0 && all === viaWasm) {
        const short = shortName(renamedExports.length);
        js = js.replace(new RegExp(`\\bwasm\\.${escape(field)}\\b`, 'g'), `wasm.${short}`);
        renamedExports.push(field);
        field = short;
      }
      parts.push(vecName(field), wasm.subarray(descStart, at));
    }
    const content = Buffer.concat([leb(n), ...parts]);
    sections.push(Buffer.from([id]), leb(content.length), content);
  } else if (id === 0 && ['producers', 'target_features'].includes(name())) {
    // The toolchain's custom sections: the browser does not read them.
    strippedSections += 1;
  } else {
    sections.push(wasm.subarray(start, end));
  }
  at = end;
}
if (!renamedImports.length) throw new Error(`${wasmFile}: no imports from ${glueModule}`);
const moduleKey = `"${glueModule}": import0`;
if (count(new RegExp(escape(`"${glueModule}"`), 'g')) !== 1 || !js.includes(moduleKey)) {
  throw new Error(`${jsFile}: the import object's module key ${glueModule} is not where expected`);
}
js = js.replace(moduleKey, '"a": import0');
const after = { wasm: Buffer.concat(sections) };
new WebAssembly.Module(after.wasm); // still a valid module (throws if not)
writeFileSync(wasmPath, after.wasm);

// --- minify the glue (terser, installed by .ci/setup); kept as renamed if it is missing.
writeFileSync(jsPath, js);
try {
  execFileSync('terser', [jsPath, '--module', '--compress', '--mangle', '--output', jsPath], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
  console.warn('shrink-glue: terser not found (bash .ci/setup installs it); the glue is not minified');
}
after.js = readFileSync(jsPath);

// --- the page's subresource integrity for the two changed files.
const htmlPath = join(dist, 'index.html');
let html = readFileSync(htmlPath, 'utf8');
for (const [file, bytes] of [[wasmFile, after.wasm], [jsFile, after.js]]) {
  const sri = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
  let found = 0;
  html = html.replace(/<link\b[^>]*>/g, (tag) => {
    if (!new RegExp(`href="?/?${escape(file)}[\\s">]`).test(tag)) return tag;
    found += 1;
    return tag.replace(/integrity="?sha384-[A-Za-z0-9+/=]+"?/, `integrity="${sri}"`);
  });
  if (!found && html.includes('integrity=')) throw new Error(`index.html: no link to ${file} to update`);
}
writeFileSync(htmlPath, html);
console.log(
  `shrink-glue: ${renamedImports.length} imports and ${renamedExports.length} exports renamed, ${strippedSections} custom sections dropped;` +
    ` wasm ${before.wasm.length} -> ${after.wasm.length} B, glue ${before.js.length} -> ${after.js.length} B`,
);
