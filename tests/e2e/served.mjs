// End to end: the page served by the token server (server/, `live-token-server`) with the
// emulator as its Live API. One click on Talk with the backend "This server": the page asks
// the server for a token, talks on the constrained route with only that token, and the key
// is nowhere in the page. Also the headers the server adds. Called from e2e.mjs (--look).

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port. */
function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function servedByServer(dist, emulator, binary, h) {
  const port = await freePort();
  const upstream = new URL(emulator.url.replace(/^ws/, 'http')).origin;
  const logs = [];
  const server = spawn(binary, [], {
    env: { ...process.env, GEMINI_API_KEY: emulator.key, UPSTREAM: upstream, DIST: dist, LISTEN: `127.0.0.1:${port}`, RUST_LOG: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => logs.push(String(d)));
  server.stderr.on('data', (d) => logs.push(String(d)));
  const base = `http://127.0.0.1:${port}/`;
  try {
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready = await fetch(`${base}readyz`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    h.check('token server: ready, serving the page', ready, logs.join('').slice(-300));
    const page0 = await fetch(base);
    const csp = page0.headers.get('content-security-policy') ?? '';
    h.check('token server: the page comes with the policy as a header (frame-ancestors too) and no-cache',
      csp.includes("default-src 'none'") && csp.endsWith("frame-ancestors 'none'") && page0.headers.get('cache-control') === 'no-cache',
      `${csp.slice(0, 60)}...${csp.slice(-40)}; ${page0.headers.get('cache-control')}`);

    const browser = await h.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${h.speechPath}%noloop`]);
    try {
      const page = await browser.newPage();
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${base}?backend=server&format=stereo`);
      await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
      await page.click('#talk');
      await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
      await h.watchStates(page);
      await page.waitForTimeout(9_000); // both sentences, the first reply cut, the second
      const states = await page.evaluate(() => window.e2eStates);
      const log = await page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));
      const connecting = log.find((l) => l.includes('Connecting to')) ?? '';
      h.check('token server: one click asks the server for a token and talks on the constrained route with it',
        log.some((l) => l.endsWith('Asking this server for a token...'))
          && /Connecting to ws:\/\/127\.0\.0\.1:\d+\/ws\/google\.ai\.generativelanguage\.v1alpha\.GenerativeService\.BidiGenerateContentConstrained\?access_token=\*\*\*$/.test(connecting)
          && states.includes('speaking'),
        `${connecting}; states ${states.join(', ')}`);
      const found = await page.evaluate((key) => ({
        dom: document.documentElement.outerHTML.includes(key),
        storage: JSON.stringify({ ...localStorage, ...sessionStorage }).includes(key),
      }), emulator.key);
      h.check('token server: the key is nowhere in the page, its storage or the server\'s log',
        !found.dom && !found.storage && !logs.join('').includes(emulator.key), JSON.stringify(found));
      h.check('token server: no error in the page\'s log or console',
        !log.some((l) => l.startsWith('error')) && errors.length === 0, [...errors, ...log.filter((l) => l.startsWith('error'))].join(' | '));
    } finally {
      await browser.close();
    }
    h.check('token server: its log names each token minted (without the key)',
      logs.join('').includes('token minted'), logs.join('').slice(-400));
  } finally {
    server.kill('SIGTERM');
  }
}
