// End to end: the page served by the token server (server/, `live-token-server`) with the
// emulator as its Live API. One click on Talk with the backend "This server": the page asks
// the server for a token, talks on the constrained route with only that token, and the key
// is nowhere in the page. Also the headers the server adds. Called from e2e.mjs (--look).

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ORGANISATION = 'Acme QA';
const TERMS = `This conversation is recorded and kept by ${ORGANISATION} for 30 days.`;

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
  // The team's archive on: a local directory (issue 39).
  const archive = mkdtempSync(join(tmpdir(), 'live-archive-'));
  const server = spawn(binary, [], {
    env: {
      ...process.env, GEMINI_API_KEY: emulator.key, UPSTREAM: upstream, DIST: dist, LISTEN: `127.0.0.1:${port}`, RUST_LOG: 'info',
      ARCHIVE_DIR: archive, ARCHIVE_ORGANISATION: ORGANISATION, RETENTION_DAYS: '30',
    },
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
      // One profile for the whole visit and the next (the crashed tab's conversation is in it).
      const context = await browser.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${base}?backend=server&format=stereo`);
      await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
      const terms = await page.waitForSelector('#archive-terms:not([hidden])', { timeout: 10_000 }).then((e) => e.textContent(), () => '');
      h.check('archive: before the first Talk the page says who keeps the conversation and for how long', terms === TERMS, terms);
      const talkAt = Date.now();
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
      const first = await checkArchived(page, archive, talkAt, logs, h);
      await crashedTabUploads(context, base, archive, first, logs, h);
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
  await reconnectsWithFreshTokens(dist, emulator, binary, h);
}

/** Disconnect: the conversation goes to the archive (`dir`), its recording byte for byte as
 * the page saves it, its record with the line shown before the first Talk. */
async function checkArchived(page, dir, talkAt, logs, h) {
  await page.click('#disconnect');
  const kept = await page.waitForFunction(() => [...document.querySelectorAll('#log li')]
    .map((l) => l.textContent).find((t) => t.includes("the team's archive")), null, { timeout: 60_000 })
    .then((l) => l.jsonValue(), () => '');
  const id = /as (conversation-[\w-]+) \(/.exec(kept)?.[1] ?? '';
  const files = id && existsSync(join(dir, id)) ? readdirSync(join(dir, id)).sort() : [];
  h.check('archive: at Disconnect the conversation is kept under its id, its recording and its record',
    kept.startsWith('Kept in the team\'s archive as conversation-') && files.join(' ') === 'audio.wav record.json summary.json',
    `${kept}; ${JSON.stringify(readdirSync(dir))} ${files.join(' ')}`);
  if (!files.length) return;
  const audio = readFileSync(join(dir, id, 'audio.wav'));
  // The page's CSP keeps its own fetch from blob: URLs: the download itself is compared.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-save')]);
  const saved = readFileSync(await download.path());
  const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
  h.check('archive: the archived recording is the one the page saves, byte for byte',
    audio.length === saved.length && sha(audio) === sha(saved) && audio.length > 44 + 5 * 24_000 * 4,
    `${audio.length} B ${sha(audio).slice(0, 12)} vs saved ${saved.length} B ${sha(saved).slice(0, 12)}`);
  const record = JSON.parse(readFileSync(join(dir, id, 'record.json'), 'utf8'));
  const shown = Date.parse(record.consent?.shown_at ?? '');
  h.check('archive: the record keeps the line as shown and when, before the conversation began',
    record.consent?.text === TERMS && shown > talkAt - 60_000 && shown < talkAt && record.turns.length >= 3,
    `${JSON.stringify(record.consent)}, Talk clicked ${new Date(talkAt).toISOString()}; ${record.turns.length} turns`);
  h.check('archive: the server logs each upload with who and what',
    (logs.join('').match(/archived/g) ?? []).length >= 2 && logs.join('').includes(id), logs.join('').split('\n').filter((l) => l.includes('archiv')).slice(-2).join(' | '));
  return id;
}

/** A tab that dies mid-conversation: the next visit (same profile) sends what it left, and
 * only that (the conversation already kept, `kept`, is not sent again). */
async function crashedTabUploads(context, base, dir, kept, logs, h) {
  let page = await context.newPage();
  await page.goto(`${base}?backend=server&format=stereo`);
  await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
  await page.waitForSelector('#archive-terms:not([hidden])', { timeout: 10_000 });
  await page.click('#talk');
  await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
  await page.waitForTimeout(4_000);
  const cdp = await context.newCDPSession(page);
  const settle = (promise) => Promise.race([promise.catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
  await settle(cdp.send('Page.crash'));
  await settle(page.close());
  const before = (logs.join('').match(/archived/g) ?? []).length;
  page = await context.newPage();
  await page.goto(`${base}?backend=server&format=stereo`);
  const sent = await page.waitForFunction(() => [...document.querySelectorAll('#log li')]
    .map((l) => l.textContent).find((t) => t.includes("the team's archive")), null, { timeout: 60_000 })
    .then((l) => l.jsonValue(), () => '');
  const id = /as (conversation-[\w-]+) \(/.exec(sent)?.[1] ?? '';
  const files = id && existsSync(join(dir, id)) ? readdirSync(join(dir, id)).sort().join(' ') : '';
  const record = files ? JSON.parse(readFileSync(join(dir, id, 'record.json'), 'utf8')) : {};
  const audio = files ? readFileSync(join(dir, id, 'audio.wav')) : Buffer.alloc(0);
  await page.waitForTimeout(1_000);
  const uploads = (logs.join('').match(/archived/g) ?? []).length - before;
  h.check('archive: a tab that died mid-conversation is sent on the next visit, and nothing already kept again',
    sent.startsWith('Kept in the team\'s archive as ') && id !== kept && files === 'audio.wav record.json summary.json'
      && record.consent?.id === id && audio.length > 44 + 24_000 * 4 && uploads === 2,
    `${sent}; ${files}; ${audio.length} B; ${uploads} files uploaded on this visit`);
  await page.close();
}

/** Starts `binary` with `env`, its output kept in `logs`; resolves once `ready(logs)`. */
async function started(binary, args, env, logs, ready) {
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => logs.push(String(d)));
  child.stderr.on('data', (d) => logs.push(String(d)));
  for (let i = 0; i < 100 && !(await ready(logs.join(''))); i++) await new Promise((r) => setTimeout(r, 100));
  return child;
}

/**
 * A conversation that outlives its token's session window: tokens of one use (the server's
 * default; the live service counts a resumption as a use, discuss.ai.google.dev/t/118180),
 * a new session only in the first 2-3 s (the server writes the time in whole seconds, so
 * START_SECONDS=1 left 0-1 s: a loaded run missed it), and an emulator whose connections
 * each end with goAway 6 s after they are ready. The page must ask for a fresh token for each connection.
 */
async function reconnectsWithFreshTokens(dist, emulator, binary, h) {
  const emulatorBinary = binary.replace(/live-token-server$/, 'live-emulator');
  const emulatorLogs = [];
  const upstreamEmulator = await started(emulatorBinary,
    ['--port', '0', '--key', emulator.key, '--quiet', '--goaway-after-ms', '6000'], {}, emulatorLogs,
    async (text) => text.includes('listening '));
  const url = /listening (\S+)/.exec(emulatorLogs.join(''))?.[1] ?? '';
  const port = await freePort();
  const logs = [];
  const server = await started(binary, [], {
    GEMINI_API_KEY: emulator.key, UPSTREAM: new URL(url.replace(/^ws/, 'http')).origin, DIST: dist,
    LISTEN: `127.0.0.1:${port}`, RUST_LOG: 'info', START_SECONDS: '3',
  }, logs, () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false));
  const browser = await h.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${h.speechPath}%noloop`]);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/?backend=server`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.waitForTimeout(500);
    const termsHidden = await page.$eval('#archive-terms', (e) => e.hidden);
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    // Two goAways (6 s after each connection is ready), past the first token's window; read
    // at once after the second reconnect (the next goAway is 6 s away).
    await page.waitForFunction(() => [...document.querySelectorAll('#log li')]
      .filter((l) => l.textContent.includes('Reconnected; the conversation continues')).length >= 2, null, { timeout: 40_000 })
      .catch(() => {});
    const log = await page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));
    const reconnected = log.filter((l) => l.includes('Reconnected; the conversation continues')).length;
    const minted = (logs.join('').match(/token minted/g) ?? []).length;
    h.check('token server: a conversation outlives its token: each later connection gets a fresh token and resumes',
      reconnected === 2 && minted === 3 && !log.some((l) => l.startsWith('error')) && errors.length === 0,
      `${reconnected} reconnects, ${minted} tokens minted; ${[...errors, ...log.filter((l) => l.startsWith('error'))].join(' | ')}`);
    await page.click('#disconnect');
    await page.waitForTimeout(1_000);
    const after = await page.$$eval('#log li', (lis) => lis.map((l) => l.textContent));
    h.check('archive: a server that keeps nothing: no line by Talk, no upload',
      termsHidden && !after.some((l) => l.includes('archive')) && !/archived|archive refused/.test(logs.join('')),
      `line hidden ${termsHidden}; ${after.filter((l) => l.includes('archive')).join(' | ')}`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    upstreamEmulator.kill('SIGTERM');
  }
}
