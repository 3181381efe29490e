// Where the client wasm's bytes go: code size per crate and the largest functions, read from
// the wasm's own name section (no tools to install: twiggy 0.7 cannot read the bulk-memory
// opcodes rustc emits today).
//
//   node tests/e2e/wasm-size.mjs FILE.wasm [TOP]
//
// FILE is a wasm with its name section: the shipped module as .ci/size builds it
// (wasm-bindgen --keep-debug, then wasm-opt -Oz -g: the same code as the page's, names kept),
// or cargo's release output before wasm-bindgen (mangled names, glue not yet removed).

import { readFileSync } from 'node:fs';

const bytes = readFileSync(process.argv[2]);
const top = Number(process.argv[3] ?? 25);
let p = 8;
const leb = () => {
  let result = 0, shift = 0, byte;
  do { byte = bytes[p++]; result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return result;
};
const text = () => { const n = leb(); const s = bytes.subarray(p, p + n).toString(); p += n; return s; };

const sections = [];
let imported = 0;
const bodies = [];
const names = new Map();
while (p < bytes.length) {
  const id = bytes[p++];
  const size = leb();
  const end = p + size;
  if (id === 0) {
    const name = text();
    sections.push([`custom "${name}"`, size]);
    if (name === 'name') {
      while (p < end) {
        const sub = bytes[p++];
        const length = leb();
        const subEnd = p + length;
        if (sub === 1) for (let n = leb(); n > 0; n--) { const idx = leb(); names.set(idx, text()); }
        p = subEnd;
      }
    }
  } else {
    sections.push([['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'data count'][id] ?? `#${id}`, size]);
    if (id === 2) {
      for (let n = leb(); n > 0; n--) { text(); text(); const kind = bytes[p++]; if (kind === 0) { imported++; leb(); } else if (kind === 1) { p++; const f = bytes[p++]; leb(); if (f & 1) leb(); } else if (kind === 2) { const f = bytes[p++]; leb(); if (f & 1) leb(); } else { p += 2; } }
    } else if (id === 10) {
      for (let n = leb(); n > 0; n--) { const len = leb(); bodies.push(len); p += len; }
    }
  }
  p = end;
}

/** A legacy-mangled name (`_ZN` <len><ident>... `E`) as its path segments. */
function segments(name) {
  const out = [];
  let i = 3;
  while (i < name.length && name[i] !== 'E') {
    const m = /^\d+/.exec(name.slice(i));
    if (!m) break;
    i += m[0].length;
    out.push(name.substr(i, Number(m[0])));
    i += Number(m[0]);
  }
  return out.map((s) => s.replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ')
    .replace(/\$RF\$/g, '&').replace(/\$C\$/g, ',').replace(/\$u7b\$/g, '{').replace(/\$u7d\$/g, '}').replace(/\.\./g, '::'));
}

/** The crate a name belongs to: legacy (`_ZN...`), v0 (`_R...`, std's), or glue. */
function crate(name) {
  if (name.startsWith('_ZN')) {
    const root = (segments(name)[0] ?? 'other').replace(/^_</, '<');
    // Trait impls are mangled under `<impl ...>`: the crate of the type is the first word.
    return root.startsWith('<') ? (/^<&?(?:mut )?([a-z_0-9]+)/.exec(root)?.[1] ?? root) : root;
  }
  if (name.startsWith('_R')) {
    const m = /C[sn]?[0-9A-Za-z]*_(\d+)/.exec(name);
    return m ? name.substr(m.index + m[0].length, Number(m[1])) : 'std';
  }
  if (name.startsWith('__wbg') || name.startsWith('__wbindgen')) return 'wasm-bindgen glue';
  // Already demangled (wasm-bindgen --keep-debug): `core[1a2b]::fmt::...`, `<alloc::... as ...>`.
  const m = /^<?&?(?:mut )?(?:dyn )?([A-Za-z_][A-Za-z_0-9]*)(?:\[[0-9a-f]+\])?::/.exec(name);
  return m ? m[1] : 'other';
}
const demangle = (name) => (name.startsWith('_ZN')
  ? segments(name).filter((s) => !/^h[0-9a-f]{16}$/.test(s)).join('::').replace(/^_</, '<')
  : name.replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]+\]/g, ''));

const perCrate = new Map();
const functions = bodies.map((size, i) => {
  const name = names.get(imported + i) ?? `#${imported + i}`;
  perCrate.set(crate(name), (perCrate.get(crate(name)) ?? 0) + size);
  return [size, demangle(name)];
});
const total = bodies.reduce((a, b) => a + b, 0);
const kb = (n) => `${(n / 1024).toFixed(1).padStart(7)} KB`;
console.log(`sections of ${process.argv[2]}:`);
for (const [name, size] of sections) console.log(`  ${kb(size)}  ${name}`);
console.log(`\ncode by crate (${bodies.length} functions, ${kb(total).trim()} of function bodies):`);
for (const [name, size] of [...perCrate].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`  ${kb(size)}  ${(100 * size / total).toFixed(1).padStart(5)}%  ${name}`);
}
console.log(`\nthe ${top} largest functions:`);
for (const [size, name] of functions.sort((a, b) => b[0] - a[0]).slice(0, top)) {
  console.log(`  ${kb(size)}  ${name.slice(0, 110)}`);
}
