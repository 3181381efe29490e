// Release builds only (run by .ci/post-build): minifies wasm-bindgen's JS glue with terser
// (trunk's own minifier cannot parse it and leaves it as written), then puts its new hash
// back into index.html's `integrity` attribute. The glue's code is not otherwise changed.
//
//   node .ci/minify-glue.mjs DIST
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const dist = process.argv[2];
// The page's module (later_bg.wasm, the second module, has its own glue: .ci/build-worklet).
const wasmFile = readdirSync(dist).find((f) => f.endsWith('_bg.wasm') && f !== 'later_bg.wasm');
if (!wasmFile) throw new Error(`${dist}: no *_bg.wasm`);
const jsFile = wasmFile.replace(/_bg\.wasm$/, '.js');
const jsPath = join(dist, jsFile);
const before = readFileSync(jsPath).length;
try {
  execFileSync('terser', [jsPath, '--module', '--compress', '--mangle', '--output', jsPath], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
  console.warn('minify-glue: terser not found (bash .ci/setup installs it); the glue is not minified');
  process.exit(0);
}
const after = readFileSync(jsPath);
const sri = `sha384-${createHash('sha384').update(after).digest('base64')}`;
const htmlPath = join(dist, 'index.html');
let found = 0;
const html = readFileSync(htmlPath, 'utf8').replace(/<link\b[^>]*>/g, (tag) => {
  if (!tag.includes(jsFile)) return tag;
  found += 1;
  return tag.replace(/integrity="?sha384-[A-Za-z0-9+/=]+"?/, `integrity="${sri}"`);
});
if (!found && html.includes('integrity=')) throw new Error(`index.html: no link to ${jsFile} to update`);
writeFileSync(htmlPath, html);
console.log(`minify-glue: ${jsFile} ${before} -> ${after.length} B`);
