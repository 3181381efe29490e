// A WebDriver server for wasm-bindgen-test-runner that starts WebKitGTK's MiniBrowser: the
// runner speaks to chromedriver, geckodriver and safaridriver, and asks a safaridriver for a
// session with no capabilities; WebKitWebDriver needs `webkitgtk:browserOptions` (which
// browser to start, with which switches). This forwards every request to a WebKitWebDriver
// under Xvfb (node's own http client and server) and gives the new-session request those
// capabilities. `.ci/test-webkit` runs the browser tests through it (SAFARIDRIVER_REMOTE).
// It prints `listening http://127.0.0.1:PORT` once the driver answers, and ends (with Xvfb,
// the driver and the browser) on SIGTERM or SIGINT.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
/** The switches the browser tests need: the mock capture devices (a tone for a microphone),
 * media streams, Web Audio, and audio that starts without a gesture (`--autoplay-policy=allow`:
 * the tests build AudioContexts with no click, as Chromium's `--autoplay-policy=no-user-
 * gesture-required` in webdriver.json lets them; the end-to-end WebKit run keeps the policy
 * and clicks, as a person does). */
export const BROWSER_ARGS = ['--automation', '--enable-mock-capture-devices=true', '--enable-media-stream=true',
  '--enable-webaudio=true', '--media-playback-requires-user-gesture=false', '--autoplay-policy=allow'];
export const CAPABILITIES = {
  browserName: 'MiniBrowser',
  'webkitgtk:browserOptions': { binary: MINIBROWSER, args: BROWSER_ARGS },
};

const freePort = () => new Promise((done) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => done(port)); });
});

async function main() {
  if (!existsSync(MINIBROWSER)) {
    console.error(`${MINIBROWSER} is missing (bash .ci/setup --test installs webkit2gtk-driver)`);
    process.exit(1);
  }
  const port = await freePort();
  // Its own process group, so that Xvfb, the driver and the browser all end with it.
  const driver = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], { stdio: 'ignore', detached: true });
  const stop = () => { try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* gone */ } process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      let body = Buffer.concat(parts);
      if (req.method === 'POST' && req.url === '/session') {
        body = Buffer.from(JSON.stringify({ capabilities: { alwaysMatch: CAPABILITIES } }));
      }
      const headers = { ...req.headers, 'content-length': body.length, host: `127.0.0.1:${port}` };
      const out = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers }, (reply) => {
        res.writeHead(reply.statusCode, reply.headers);
        reply.pipe(res);
      });
      out.on('error', (e) => { res.writeHead(502); res.end(JSON.stringify({ value: { error: 'unknown error', message: String(e) } })); });
      out.end(body);
    });
  });
  // Ready once the driver answers its status.
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((done) => http.get({ host: '127.0.0.1', port, path: '/status' }, (r) => { r.resume(); done(r.statusCode === 200); }).on('error', () => done(false)));
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
