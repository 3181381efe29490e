// Puts the page's Content-Security-Policy into the built index.html (run by the post_build
// hook, after trunk has written the page, for `trunk serve` and release builds alike).
//
// The policy allows only what the page needs: its own scripts, styles, wasm (compiling it
// needs 'wasm-unsafe-eval'), worker and worklet; trunk's inline loader script (and in
// `trunk serve` its reload script), each by its SHA-256 (they change with every build, so
// they are hashed here); blob: media (the recording's player); and WebSocket connections to
// the Live API, to loopback (the emulator, `trunk serve`'s reload socket) and to whatever
// the builder lists in LIVE_CSP_CONNECT (space-separated, e.g. "wss://proxy.example.com").
// A meta policy cannot be widened at run time: a person using another server URL builds
// with it listed, or serves the page with their own Content-Security-Policy header.
//
//   node .ci/csp.mjs DIST/index.html
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const file = process.argv[2];
let html = readFileSync(file, 'utf8');
if (html.includes('http-equiv="Content-Security-Policy"')) process.exit(0);
// `trunk serve`'s live-reload script carries placeholders trunk fills in as it serves the page
// (its address and base), so its hash here would not be the served script's and the policy
// would block it. It reads them from the page's own location instead: nothing is left to
// fill in, and the hash holds.
html = html
  .replace("'{{__TRUNK_ADDRESS__}}'", 'window.location.host')
  .replace("'{{__TRUNK_WS_BASE__}}'", `'${process.env.TRUNK_PUBLIC_URL || '/'}'`);
const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
  .map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
const connect = [
  "'self'", 'wss://generativelanguage.googleapis.com',
  'ws://127.0.0.1:*', 'ws://localhost:*',
  ...(process.env.LIVE_CSP_CONNECT ?? '').split(/\s+/).filter(Boolean),
];
const policy = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`,
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  `connect-src ${connect.join(' ')}`,
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
// Before anything that loads: right after <meta charset>.
const at = html.search(/<meta charset=[^>]*>/i);
if (at < 0) throw new Error(`${file}: no <meta charset> to put the policy after`);
const end = html.indexOf('>', at) + 1;
html = `${html.slice(0, end)}<meta http-equiv="Content-Security-Policy" content="${policy}">${html.slice(end)}`;
writeFileSync(file, html);
console.log(`csp: ${hashes.length} inline script(s) hashed into ${file}`);
