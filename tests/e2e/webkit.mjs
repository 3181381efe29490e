// The built page in WebKit, Safari's engine (and every iPhone browser's): WebKitGTK's
// MiniBrowser under Xvfb, driven through WebKitWebDriver with selenium-webdriver (the W3C
// WebDriver project's own client: four dependencies, it speaks to any driver server by URL
// and downloads nothing; Playwright's WebKit is a build of its own that cannot be fetched
// here). Clicks are WebDriver element clicks, a trusted pointer sequence as a person's:
// WebKit dropped the first click on Talk when the page replaced the button's text node
// between press and release (issue 38), which a script's `click()` never shows.
//
// The whole conversation on the offline stand-in, with WebKit's mock microphone (a tone):
// Talk with one click, the model's reply after Stop, a barge-in (talking over the reply),
// Disconnect, the conversation stored in IndexedDB (WebKit has no OPFS `getDirectory`) and
// listed again after a reload. Save offers the recording.
//
//   node webkit.mjs --dist DIR
//
// Needs WebKitWebDriver, MiniBrowser and xvfb-run (Debian's webkit2gtk-driver and xvfb:
// .ci/setup --test) and a sound server: PULSE_SERVER=$(bash .ci/sound-server). Prints one
// line per check and a cargo-style "test result:" line; exits 1 on any failure.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Builder, By } from 'selenium-webdriver';
import { serve } from './serve.mjs';

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const dist = resolve(process.argv[process.argv.indexOf('--dist') + 1]);
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'FAILED'} - webkit: ${name}${detail ? ` (${detail})` : ''}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await serve(dist);
const base = `http://127.0.0.1:${server.address().port}/`;
const port = 5000 + Math.floor(Math.random() * 1000);
// Its own process group, so that Xvfb, the driver and the browser all end with it.
const xvfb = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], {
  stdio: 'ignore', detached: true, env: process.env,
});

let driver;
try {
  if (!existsSync(MINIBROWSER)) throw new Error(`${MINIBROWSER} is missing (bash .ci/setup --test installs webkit2gtk-driver)`);
  for (let i = 0; i < 100 && !driver; i++) {
    driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities({
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': {
          binary: MINIBROWSER,
          args: ['--automation', '--enable-mock-capture-devices=true', '--enable-media-stream=true',
            '--enable-webaudio=true', '--media-playback-requires-user-gesture=false'],
        },
      })
      .build()
      .catch(() => sleep(200).then(() => undefined));
  }
  if (!driver) throw new Error('WebKitWebDriver gave no session');
  const run = (script, ...args) => driver.executeScript(script, ...args);
  const waitFor = async (script, ms) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
      const v = await run(script);
      if (v) return v;
    }
    return null;
  };
  const state = () => run("return document.querySelector('#status').dataset.state");
  const inState = (states, ms) => waitFor(`return ${JSON.stringify(states)}.includes(document.querySelector('#status').dataset.state)`, ms);
  const click = async (id) => (await driver.findElement(By.id(id))).click();
  const watch = () => run(`
    window.e2eErrors = [];
    addEventListener('error', (e) => e2eErrors.push(String(e.message)));
    addEventListener('unhandledrejection', (e) => e2eErrors.push(String(e.reason)));
    window.e2eStates = [];
    const status = document.querySelector('#status');
    new MutationObserver(() => e2eStates.push(status.dataset.state)).observe(status, { attributes: true });`);

  await driver.get(base);
  check('the page starts (idle), on the offline stand-in', await inState(['idle'], 20_000), await state());
  await watch();
  // One click: it must connect and start the microphone (WebKit dropped this one).
  await click('talk');
  check('one click on Talk starts the conversation (connected, microphone on)', await inState(['listening'], 15_000), await state());
  const micOn = await run("return [...document.querySelectorAll('#log li')].map((l) => l.textContent).find((t) => t.startsWith('Microphone on')) ?? ''");
  check('the microphone runs at the device rate and is sent as 16 kHz', /^Microphone on \(\d+ Hz device rate, sent as 16 kHz\)$/.test(micOn), micOn);
  // The mock microphone's tone for 3 s, then Stop: the trailing silence ends the turn on
  // 3.8 Live (the default) and the stand-in answers.
  await sleep(3_000);
  await click('talk');
  const replied = await inState(['speaking'], 15_000);
  check('Stop: the model replies and is heard', Boolean(replied), (await run('return window.e2eStates.join(", ")')));
  // Talking over the reply: the microphone again, its tone interrupts the model.
  await click('talk');
  const cut = await waitFor("return window.e2eStates.includes('interrupted')", 10_000);
  check('talking over the reply interrupts it (barge-in)', Boolean(cut), (await run('return window.e2eStates.join(", ")')));
  await sleep(1_000);
  await click('talk');
  await inState(['ready', 'speaking'], 10_000);
  const saved = await run(`
    const done = [];
    const url = URL.createObjectURL;
    URL.createObjectURL = (b) => { done.push(b.size); return url.call(URL, b); };
    return true;`);
  await click('rec-save');
  const blob = await waitFor("return document.querySelector('#log') && [...document.querySelectorAll('#log li')].map((l) => l.textContent).find((t) => t.startsWith('Recording saved'))", 10_000);
  check('Save offers the recording as a WAV', saved && /^Recording saved: conversation-.*\.wav \(\d+:\d\d, (\d+ kB|[\d.]+ MB)\)$/.test(blob ?? ''), blob ?? 'no "Recording saved" line');
  await click('disconnect');
  check('Disconnect: closed', await inState(['closed'], 10_000), await state());
  const listed = "return [...document.querySelectorAll('#rec-stored li span')].map((l) => l.textContent).find((t) => t.startsWith('Conversation of'))";
  const stored = await waitFor(listed, 10_000);
  const engine = await run("return typeof navigator.storage?.getDirectory === 'function' ? 'OPFS' : 'IndexedDB'");
  check('the conversation is stored and listed', /^Conversation of \d{4}-\d\d-\d\d \d\d:\d\d \(\d+:\d\d, (\d+ kB|[\d.]+ MB)\)$/.test(stored ?? ''), `${stored ?? 'nothing listed'} (${engine})`);
  const log = await run("return [...document.querySelectorAll('#log li')].filter((l) => l.className === 'error').map((l) => l.textContent)");
  const errors = await run('return window.e2eErrors');
  check('no error in the page\'s log, no uncaught error or panic', log.length === 0 && errors.length === 0, [...log, ...errors].join(' | '));
  // A new visit finds it again in the browser's storage.
  await driver.navigate().refresh();
  await inState(['idle'], 20_000);
  const again = await waitFor(listed, 10_000);
  check(`a new visit lists the stored conversation again (${engine})`, again === stored, again ?? 'nothing listed');
  // Review: the page's second module (later.js, imported the first time), in Safari's engine.
  // Clicked by a script at the moment it is found: the list is drawn again when the stored
  // conversations change (a WebDriver element found before then goes stale).
  await waitFor("const b = document.querySelector('#rec-stored button[data-action=\"review\"]'); if (b) b.click(); return Boolean(b)", 10_000);
  const reviewed = await waitFor("return document.querySelector('#review[open] #review-lines li') && document.querySelector('#review-summary').textContent", 15_000);
  const lines = await run("return document.querySelectorAll('#review-lines li').length");
  check('Review opens the stored conversation with its turns (the second module)', /^\d+ turns? of yours, \d+ repl/.test(reviewed ?? '') && lines >= 2, `${reviewed ?? 'no review'}; ${lines} lines`);
} catch (e) {
  check('the run completes', false, String(e));
} finally {
  if (driver) await driver.quit().catch(() => {});
  try { process.kill(-xvfb.pid, 'SIGTERM'); } catch { /* already gone */ }
  server.close();
}
console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed (end-to-end, WebKit)`);
process.exit(failed ? 1 : 0);
