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
// The page's glue and the second module's (later.js: .ci/build-worklet); only the page's is
// linked from index.html.
const wasmFiles = readdirSync(dist).filter((f) => f.endsWith('_bg.wasm'));
if (!wasmFiles.length) throw new Error(`${dist}: no *_bg.wasm`);
const htmlPath = join(dist, 'index.html');
let html = readFileSync(htmlPath, 'utf8');
for (const wasmFile of wasmFiles) {
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
  html = html.replace(/<link\b[^>]*>/g, (tag) => {
    if (!tag.includes(jsFile)) return tag;
    return tag.replace(/integrity="?sha384-[A-Za-z0-9+/=]+"?/, `integrity="${sri}"`);
  });
  console.log(`minify-glue: ${jsFile} ${before} -> ${after.length} B`);
}
writeFileSync(htmlPath, html);
