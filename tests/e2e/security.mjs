// Security end to end: the page runs under its Content-Security-Policy (.ci/csp.mjs) with no
// violation, markup typed into any field or sent by the server never runs, the policy stops
// an inline script even if one got in, and a recognisable key never appears in the log, the
// DOM, the console, a file name, a page URL or storage. Called from e2e.mjs.

import { inSettings } from './look.mjs';

const PAYLOAD = `<img src=x onerror="window.e2ePwned='img'"><script>window.e2ePwned='script'</script>`;

/** Collects CSP violations from the first script on (an init script is not subject to CSP). */
function watchViolations(page) {
  return page.addInitScript(() => {
    window.e2eViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.e2eViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
}

export async function injection(base, h) {
  const browser = await h.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await watchViolations(page);
    const response = await page.goto(base);
    const html = await response.text();
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    h.check('csp: the page carries its policy (no inline script but trunk\'s loader by hash, no inline style, wasm allowed)',
      policy.includes("default-src 'none'") && /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]{43}='$|script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]{43}=';/.test(policy)
        && policy.includes("style-src 'self';") && policy.includes('wss://generativelanguage.googleapis.com'), policy);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    const tools = JSON.stringify([{ name: 'lookup_order', description: PAYLOAD, response: { status: PAYLOAD } }]);
    await inSettings(page, async () => {
      await page.fill('#instruction', PAYLOAD);
      await page.fill('#tools', tools);
    });
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    await page.fill('#text', PAYLOAD);
    await page.press('#text', 'Enter');
    // The stand-in answers with a transcription that holds the typed text: server text.
    const echoed = await page
      .waitForFunction(() => [...document.querySelectorAll('#transcript li.model')].some((l) => l.textContent.includes('(you typed: <img')), null, { timeout: 10_000 })
      .then(() => true, () => false);
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    const found = await page.evaluate(() => ({
      pwned: window.e2ePwned ?? null,
      elements: document.querySelectorAll('#transcript img, #transcript script, #log img, #log script, #setup-sent img, #setup-sent script, #banner img').length,
      yours: [...document.querySelectorAll('#transcript li.you')].map((l) => l.textContent),
      setup: document.querySelector('#setup-sent').textContent,
    }));
    h.check('injection: markup in the instruction, tool JSON, a typed message and the server\'s text is shown as text and never runs',
      echoed && found.pwned === null && found.elements === 0 && found.yours.includes(PAYLOAD) && found.setup.includes('<img src=x onerror='),
      JSON.stringify({ echoed, ...found, setup: found.setup.slice(0, 80) }));
    const clean = await page.evaluate(() => window.e2eViolations.slice());
    const consoleErrors = errors.slice();
    // Were markup ever to get in, the policy stops it: an inline script added now does not run.
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.e2eInline = 1';
      document.body.append(s);
      await new Promise((ok) => setTimeout(ok, 100));
      return [window.e2eInline ?? null, window.e2eViolations.slice()];
    });
    h.check('csp: a whole conversation (talk, typed text, tools, playback, recording) raises no violation',
      clean.length === 0 && consoleErrors.length === 0, [...clean, ...consoleErrors].join('; '));
    h.check('csp: an inline script inserted into the page is refused',
      ran[0] === null && ran[1].some((v) => v.startsWith('script-src-elem inline')), ran[1].join('; '));
  } finally {
    await browser.close();
  }
}

/** A recognisable key through a conversation with failures: it must not surface anywhere. */
export async function keyNeverLeaks(base, emulator, h) {
  const key = emulator.key;
  const browser = await h.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${h.speechPath}`]);
  try {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const seen = [];
    page.on('console', (m) => seen.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => seen.push(`error: ${e}`));
    page.on('framenavigated', (f) => seen.push(`navigated: ${f.url()}`));
    page.on('request', (r) => seen.push(`request: ${r.url()}`));
    page.on('download', (d) => seen.push(`download: ${d.suggestedFilename()}`));
    // The control: the key does go where it must (the Live API takes it in the socket's URL).
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    // A conversation that drops once (a reconnect with the key), then a refused key.
    const url = `${emulator.url}?fault=drop&fault_after_ms=1500`;
    await page.goto(`${base}?backend=url&url=${encodeURIComponent(url)}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await inSettings(page, () => page.fill('#secret', key));
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    await page
      .waitForFunction(() => [...document.querySelectorAll('#log li')].some((l) => l.textContent.startsWith('Reconnected')), null, { timeout: 15_000 })
      .catch(() => seen.push('(no reconnect seen)'));
    await page.waitForTimeout(1_000);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-save')]);
    await download.path();
    await page.click('#disconnect');
    await page.waitForSelector('#status[data-state="closed"]', { timeout: 10_000 });
    await inSettings(page, () => page.fill('#secret', `${key}-wrong`));
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="error"]', { timeout: 10_000 });
    const where = await page.evaluate(async () => {
      const names = [];
      try {
        for await (const name of (await navigator.storage.getDirectory()).keys()) names.push(name);
      } catch (e) { names.push(`(no OPFS: ${e})`); }
      return {
        dom: document.documentElement.outerHTML,
        text: document.body.innerText,
        storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
        files: names.join(' '),
        cookies: document.cookie,
      };
    });
    const leaks = Object.entries({ ...where, events: seen.join('\n') }).filter(([, v]) => v.includes(key)).map(([k]) => k);
    h.check(`key: typed, used through a reconnect and a refusal (in the socket URLs, as the API wants), it appears in no log line, DOM, console message, error, file name, page URL or storage (${seen.length} events searched)`,
      leaks.length === 0 && !seen.includes('(no reconnect seen)') && sockets.filter((u) => u.includes(`key=${key}`)).length >= 2,
      leaks.length ? `found in ${leaks.join(', ')}` : `${sockets.length} sockets ${seen.filter((s) => s.startsWith('(')).join(' ')}`);
  } finally {
    await browser.close();
  }
}

/** The token backend end to end: a backend (here this driver) mints a one-use token from the
 * emulator with the API key; the page, given only the token, talks on the constrained route;
 * a second session with the spent token is refused in words; the token stays out of the log. */
export async function ephemeralToken(base, emulator, h) {
  const host = emulator.url.replace(/^ws:\/\//, '').split('/')[0];
  const minted = await fetch(`http://${host}/v1alpha/auth_tokens`, {
    method: 'POST',
    headers: { 'x-goog-api-key': emulator.key, 'content-type': 'application/json' },
    body: JSON.stringify({
      uses: 1,
      expireTime: new Date(Date.now() + 30 * 60_000).toISOString(),
      newSessionExpireTime: new Date(Date.now() + 60_000).toISOString(),
    }),
  }).then((r) => r.json());
  const token = minted.name ?? '';
  const route = emulator.url.replace('v1beta.GenerativeService.BidiGenerateContent', 'v1alpha.GenerativeService.BidiGenerateContentConstrained');
  const browser = await h.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${h.speechPath}%noloop`]);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}?backend=url&url=${encodeURIComponent(route)}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await inSettings(page, () => page.fill('#secret', token));
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    const replied = await page.waitForSelector('#status[data-state="speaking"]', { timeout: 15_000 }).then(() => true, () => false);
    await page.click('#disconnect');
    await page.waitForSelector('#status[data-state="closed"]', { timeout: 10_000 });
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="error"]', { timeout: 10_000 });
    const refused = await page.$eval('#status', (e) => e.textContent);
    const log = await page.$$eval('#log li', (lis) => lis.map((l) => l.textContent).join('\n'));
    h.check('ephemeral token: minted by a backend with the key (uses 1), it opens a conversation on the constrained route; the model answers',
      /^auth_tokens\/emu-token-\d+$/.test(token) && replied && log.includes('BidiGenerateContentConstrained?access_token=***'), `${token} ${replied}`);
    h.check('ephemeral token: a second session with the spent token is refused in words; the token is not in the log',
      refused.includes('Token has been used too many times') && !log.includes(token.split('/')[1]) && errors.length === 0, `${refused} ${errors.join('; ')}`);
  } finally {
    await browser.close();
  }
}
