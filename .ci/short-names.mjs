// Run by .ci/post-build on every build: the names the page's two wasm-bindgen modules and
// their glue share, made short. wasm-bindgen names each import after its JS function and a
// hash (`__wbg_appendChild_fb8c52e7dd8484ea`), written twice (the module's import section
// and the glue's import object), 16 hex digits that compress to nothing: about 8 KB gzip
// of the first load. binaryen renames them (its `--minify-imports-and-exports-and-modules`
// pass, which prints the old and new names); this script puts the same names into the glue
// and the new hash into index.html's `integrity` attribute. It checks that no old name is
// left in the glue and that each one it renames was there.
//
//   node .ci/short-names.mjs DIST
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue'];

const dist = process.argv[2];
const pairs = readdirSync(dist).filter((f) => f.endsWith('_bg.wasm'))
  .map((wasm) => ({ wasm, js: wasm.replace(/_bg\.wasm$/, '.js') }));
if (!pairs.length) throw new Error(`${dist}: no *_bg.wasm`);

const escape = (name) => name.replace(/[$]/g, '\\$');
let html = readFileSync(join(dist, 'index.html'), 'utf8');
for (const { wasm, js } of pairs) {
  const wasmPath = join(dist, wasm);
  const jsPath = join(dist, js);
  const before = readFileSync(wasmPath);
  const printed = execFileSync('wasm-opt', ['--minify-imports-and-exports-and-modules', ...FEATURES,
    wasmPath, '-o', wasmPath], { encoding: 'utf8' });
  const map = JSON.parse(printed.slice(printed.indexOf('{')));
  const after = readFileSync(wasmPath);
  // The module names are not in binaryen's map: the import sections side by side give them.
  const oldImports = WebAssembly.Module.imports(new WebAssembly.Module(before));
  const newImports = WebAssembly.Module.imports(new WebAssembly.Module(after));
  const renamed = new Map(map.imports.map(([, from, to]) => [from, to]));
  const modules = new Map();
  oldImports.forEach((imp, i) => {
    if (renamed.get(imp.name) !== newImports[i].name) throw new Error(`${wasm}: import ${i} does not line up`);
    modules.set(imp.module, newImports[i].module);
  });
  let glue = readFileSync(jsPath, 'utf8');
  const swap = (pattern, to, what, required = true) => {
    let n = 0;
    glue = glue.replace(pattern, () => { n += 1; return to; });
    if (!n && required) throw new Error(`${js}: ${what} is not in the glue`);
  };
  for (const [from, to] of modules) swap(new RegExp(`(["'])${escape(from.replace(/[.*+?^{}()|[\]\\/]/g, '\\$&'))}\\1`, 'g'), `"${to}"`, `module ${from}`);
  for (const [from, to] of renamed) swap(new RegExp(`\\b${from}\\b`, 'g'), to, `import ${from}`);
  // Some exports the glue never calls (`__abort_handler`): renamed all the same.
  for (const [from, to] of map.exports) swap(new RegExp(`\\bwasm\\.${from}\\b`, 'g'), `wasm.${to}`, `export ${from}`, false);
  const left = [...renamed.keys()].find((from) => new RegExp(`\\b${from}\\b`).test(glue))
    ?? map.exports.map(([from]) => `wasm.${from}`).find((from) => new RegExp(`\\b${from}\\b`).test(glue));
  if (left) throw new Error(`${js}: ${left} is still in the glue`);
  writeFileSync(jsPath, glue);
  const sri = (body) => `sha384-${createHash('sha384').update(body).digest('base64')}`;
  html = html.replace(/<link\b[^>]*>/g, (tag) => {
    if (tag.includes(`/${wasm}`)) return tag.replace(/integrity="?sha384-[A-Za-z0-9+/=]+"?/, `integrity="${sri(after)}"`);
    if (tag.includes(`/${js}`)) return tag.replace(/integrity="?sha384-[A-Za-z0-9+/=]+"?/, `integrity="${sri(glue)}"`);
    return tag;
  });
  console.log(`short-names: ${wasm} ${before.length} -> ${after.length} B (${renamed.size} imports, ${map.exports.length} exports)`);
}
writeFileSync(join(dist, 'index.html'), html);
