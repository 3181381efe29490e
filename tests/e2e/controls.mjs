// End-to-end runs of the talk controls: one-click Talk with typed messages and a tool round
// trip on the offline stand-in (a silent microphone), and push-to-talk held on the space bar
// against the emulator (which refuses activity markers the service would refuse). Each run
// checks the saved recording, as the conversation run does. Called from e2e.mjs.

import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inSettings } from './look.mjs';

/** A WAV of `seconds` of digital silence (16 kHz mono), for a microphone that hears nothing. */
export function silence(path, seconds) {
  const n = seconds * 16_000;
  const buf = Buffer.alloc(44 + 2 * n);
  buf.write('RIFF', 0, 'latin1'); buf.writeUInt32LE(36 + 2 * n, 4); buf.write('WAVEfmt ', 8, 'latin1');
  buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22); buf.writeUInt32LE(16_000, 24);
  buf.writeUInt32LE(32_000, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1'); buf.writeUInt32LE(2 * n, 40);
  writeFileSync(path, buf);
}

/** Chromium whose microphone hears 30 s of digital silence (typed messages, tools). */
export function withQuietMicrophone(h) {
  const quiet = join(h.outDir, 'silence.wav');
  silence(quiet, 30);
  return withMicrophone(h, quiet);
}

/** Chromium with fake devices whose microphones play `file`. */
export function withMicrophone(h, file) {
  return h.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${file}`]);
}

export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

export async function save(page, file) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-save')]);
  await download.saveAs(file);
  return readFileSync(file);
}

export const logOf = (page) => page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));

/** One click to talk, two typed messages (the first asks the time: a tool call). */
export async function typedAndTools(base, h) {
  const browser = await withQuietMicrophone(h);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(`${base}?format=stereo`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    const pressed = await page.$eval('#talk', (b) => [b.textContent, b.getAttribute('aria-pressed')]);
    h.check('one-click talk: one click connects and starts the microphone', pressed[0] === 'Stop talking' && pressed[1] === 'true', pressed.join(', '));

    await page.fill('#text', 'What time is it?');
    await page.press('#text', 'Enter');
    const answered = await page
      .waitForFunction(() => [...document.querySelectorAll('#log li')].map((l) => l.textContent).find((t) => t.startsWith('Tool call get_current_time')), null, { timeout: 10_000 })
      .then((x) => x.jsonValue(), () => '');
    h.check('tools: the time question becomes a tool call, answered by the page', /^Tool call get_current_time \(standin-call-1\) answered: the time \(.+\)\.$/.test(answered), answered);
    const cards = await page.$$eval('#transcript li.tool', (lis) => lis.map((l) => l.textContent));
    h.check('tools: the call shows in the conversation as a card (the log line)',
      cards.length === 1 && cards[0] === answered, cards.join(' | '));
    const spoken = await page
      .waitForFunction(() => [...document.querySelectorAll('#transcript li.model')].map((l) => l.textContent).find((t) => t.includes('the tool said')), null, { timeout: 10_000 })
      .then((x) => x.jsonValue(), () => '');
    h.check('tools: the answer comes back spoken, with the time the page gave', /\(the tool said: \{"utc":"\d{4}-\d\d-\d\dT[\d:.]+Z","local":".+","timeZone":".*"\}\)/.test(spoken), spoken);
    await page.waitForTimeout(3_000); // the 2 s answer plays out
    await page.fill('#text', 'hello there');
    await page.click('#text-send');
    await page.waitForTimeout(2_500); // 1.04 s of reply, and its buffer
    await page.screenshot({ path: join(h.outDir, 'talk-controls.png'), fullPage: true });
    const yours = await page.$$eval('#transcript li.you', (lis) => lis.map((l) => l.textContent));
    h.check('typed messages: shown as your turns', yours.includes('What time is it?') && yours.includes('hello there'), yours.join(' | '));
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 10_000 });
    h.check('one-click talk: a second click stops the microphone, the session stays', (await page.$eval('#talk', (b) => b.textContent)) === 'Talk'
      && !(await page.$eval('#disconnect', (b) => b.disabled)));

    const wav = h.parseWav(await save(page, join(h.outDir, 'typed.wav')));
    const you = h.segments(h.channel(wav, 0), wav.rate);
    const model = h.segments(h.channel(wav, 1), wav.rate);
    const lengths = model.map((s) => (s.end - s.start).toFixed(2));
    h.check('typed messages: the recording holds both spoken answers (2.00 s, 1.04 s) and a silent microphone',
      you.length === 0 && model.length === 2 && Math.abs(model[0].end - model[0].start - 2.0) <= 0.06 && Math.abs(model[1].end - model[1].start - 1.04) <= 0.06,
      `you ${you.length} segments, model ${lengths.join(', ')} s`);
    const log = await logOf(page);
    h.check('typed messages and tools: no error in the log or the console', !log.some((l) => l.startsWith('error')) && errors.length === 0,
      [...errors, ...log.filter((l) => l.startsWith('error'))].join(' | '));
  } finally {
    await browser.close();
  }
}

/** Push-to-talk on the space bar: the first sentence held, the second not. */
/** On 3.8 Live (the default) a declared slow tool runs while the model keeps speaking: its
 * card goes running -> answered, and its answer (scheduled WHEN_IDLE) is spoken after the
 * speech it waited for. */
export async function asyncTool(base, h) {
  const browser = await withQuietMicrophone(h);
  const tools = JSON.stringify([{ name: 'slow_lookup', delay_ms: 2500, scheduling: 'WHEN_IDLE', response: { found: 3 } }]);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(`${base}?format=stereo&tools=${encodeURIComponent(tools)}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    const notes = await page.$eval('#model-notes', (p) => p.textContent);
    h.check('models: Settings says what the page does with the default model (3.8 Live)',
      notes.startsWith('Stable. Typed messages go as a turn and interrupt the model.'), notes);
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    await page.fill('#text', 'please run slow_lookup');
    await page.press('#text', 'Enter');
    const card = () => page.$$eval('#transcript li.tool', (lis) => lis.map((l) => l.textContent));
    await page.waitForFunction(() => document.querySelector('#transcript li.tool'), null, { timeout: 10_000 });
    const running = await card();
    h.check('asynchronous tools: the card shows the call running',
      running.length === 1 && running[0] === 'Tool call slow_lookup (standin-call-1) running: it answers in 2.5 s.', running.join(' | '));
    const spoken = () => page.$$eval('#transcript li.model', (lis) => lis.map((l) => l.textContent));
    await page.waitForFunction(() => [...document.querySelectorAll('#transcript li.model')].some((l) => l.textContent.includes('the tool said')), null, { timeout: 10_000 });
    const answered = await card();
    h.check('asynchronous tools: the same card then shows it answered',
      answered.length === 1 && answered[0] === 'Tool call slow_lookup (standin-call-1) answered: its response from the settings.', answered.join(' | '));
    const said = await spoken();
    h.check('asynchronous tools: the model spoke while the call ran, then the answer',
      said.length === 2 && said[0] === '(working on it: slow_lookup runs)' && said[1] === '(the tool said: {"found":3})', said.join(' | '));
    await page.waitForTimeout(2_500); // the 2 s answer plays out

    // A new instruction mid-conversation: on 3.8 Live a contextUpdate, no reconnect.
    await inSettings(page, () => page.fill('#instruction', 'Answer in French.'));
    await page.fill('#text', 'hello');
    await page.press('#text', 'Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('#transcript li.model')].some((l) => l.textContent.includes('instruction:')), null, { timeout: 10_000 })
      .catch(() => {});
    const followed = (await spoken()).pop();
    h.check('mid-session: the reply follows the instruction changed in Settings', followed === '(you typed: hello) (instruction: Answer in French.)', followed);
    const updated = await logOf(page);
    h.check('mid-session: sent as a contextUpdate, on the same connection',
      updated.some((l) => l.endsWith('(contextUpdate sent, no reconnect).')) && updated.filter((l) => l.includes('Connecting to')).length === 1,
      updated.filter((l) => l.includes('contextUpdate') || l.includes('Connecting')).join(' | '));
    await page.waitForTimeout(2_000); // the reply (0.8 s) plays out

    const wav = h.parseWav(await save(page, join(h.outDir, 'async-tool.wav')));
    const model = h.segments(h.channel(wav, 1), wav.rate);
    const lengths = model.map((s) => `${(s.end - s.start).toFixed(2)} s at ${s.start.toFixed(2)}`);
    // 1.5 s of speech while the call runs, the 2.0 s answer once the call answers (2.5 s
    // after it began: a second of quiet between), then the reply after the new instruction
    // (0.8 s), all in one recording.
    h.check('asynchronous tools: the recording holds the speech during the call and the answer after it, and runs on',
      model.length === 3 && Math.abs(model[0].end - model[0].start - 1.5) <= 0.06 && Math.abs(model[1].end - model[1].start - 2.0) <= 0.06
      && model[1].start - model[0].start >= 2.4 && Math.abs(model[2].end - model[2].start - 0.8) <= 0.06,
      lengths.join(', '));
    const log = await logOf(page);
    h.check('asynchronous tools: no error in the log or the console', !log.some((l) => l.startsWith('error')) && errors.length === 0,
      [...errors, ...log.filter((l) => l.startsWith('error'))].join(' | '));
  } finally {
    await browser.close();
  }
}

export async function pushToTalk(base, emulator, h) {
  const browser = await withMicrophone(h, `${h.speechPath}%noloop`);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(`${base}?backend=url&turns=push&format=stereo&url=${encodeURIComponent(emulator.url)}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await inSettings(page, () => page.fill('#secret', emulator.key));
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    const hint = await page.$eval('#status', (e) => e.textContent);
    h.check('push-to-talk: the page says to hold the talk button or the space bar', hint === 'Hold the talk button (or the space bar) to talk.', hint);
    // The speech file starts when the microphone does: hold through the first sentence.
    // When the page saw the space bar go down and up, and the microphone start (its status).
    await page.evaluate(() => {
      window.e2eHold = {};
      const at = (name) => { window.e2eHold[name] ??= performance.now(); };
      addEventListener('keydown', (e) => { if (e.key === ' ') at('down'); }, true);
      addEventListener('keyup', (e) => { if (e.key === ' ') at('up'); }, true);
      const status = document.querySelector('#status');
      new MutationObserver(() => { if (status.dataset.state === 'listening') at('listening'); })
        .observe(status, { attributes: true });
    });
    await page.keyboard.down(' ');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 10_000 });
    const held = await page.$eval('#talk', (b) => [b.textContent, b.getAttribute('aria-pressed')]);
    await page.waitForTimeout((h.A.end + 0.3) * 1000);
    await page.keyboard.up(' ');
    // The second sentence is spoken with the key up: the model never gets it.
    await page.waitForTimeout((h.speechSeconds - h.A.end + 0.5) * 1000);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    h.check('push-to-talk: held, the control says so', held[0] === 'Release to send' && held[1] === 'true', held.join(', '));

    const wav = h.parseWav(await save(page, join(h.outDir, 'push-to-talk.wav')));
    const you = h.segments(h.channel(wav, 0), wav.rate);
    const model = h.segments(h.channel(wav, 1), wav.rate);
    const spans = (s) => s.map((x) => `${x.start.toFixed(2)}-${x.end.toFixed(2)}`).join(', ');
    h.check('push-to-talk: the recording holds the held sentence only (the room between turns stays out)',
      you.length === 1 && Math.abs(you[0].end - you[0].start - (h.A.end - h.A.start)) <= 0.06, spans(you));
    h.check('push-to-talk: one reply, after the release', model.length === 1 && you.length === 1 && model[0].start > you[0].end, spans(model));
    // The record: the hold is your turn (press to release), the sentence inside it, and the
    // reply's latency counts from the release.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-record')]);
    const record = JSON.parse(readFileSync(await download.path(), 'utf8'));
    const turns = record.turns.filter((t) => t.who === 'you');
    const reply = record.turns.find((t) => t.who === 'model');
    // The hold started the microphone, so the turn starts with the file and runs from the
    // microphone's start (the status saying so) to the key's release, as the page saw both.
    const times = await page.evaluate(() => window.e2eHold);
    const hold = (times.up - Math.max(times.down, times.listening)) / 1000;
    h.check('push-to-talk: the record has the hold as your turn, the sentence within it, the reply timed from the release',
      turns.length === 1 && turns[0].start === 0 && Math.abs(turns[0].end - turns[0].start - hold) <= 0.05 && you.length === 1
        && turns[0].start <= you[0].start && you[0].end <= turns[0].end + 0.05
        && reply?.latency && Math.abs(reply.start - turns[0].end - reply.latency.total_ms / 1000) < 0.001,
      `hold ${hold.toFixed(3)} s (${JSON.stringify(times)}); turns ${turns.map((t) => `${t.start}-${t.end}`).join(', ')}; sentence ${spans(you)}; reply ${reply?.start} (${JSON.stringify(reply?.latency)})`);
    const log = await logOf(page);
    h.check('push-to-talk: the emulator took every marker (no error), no console error',
      !log.some((l) => l.startsWith('error')) && errors.length === 0, [...errors, ...log.filter((l) => l.startsWith('error'))].join(' | '));
  } finally {
    await browser.close();
  }
}

/** Chromium's two fake microphones and speakers: the pickers list them, the microphone is
 * switched mid-conversation (the recording goes on), a chosen speaker warns about echo. */
export async function deviceSwitch(base, h) {
  const browser = await withMicrophone(h, `${h.speechPath}%noloop`);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(`${base}?format=mono16`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    const started = Date.now();
    const mics = await page
      .waitForFunction(() => {
        const labels = [...document.querySelectorAll('#mic-device option')].map((o) => o.textContent);
        return labels.includes('Fake Audio Input 2') && labels;
      }, null, { timeout: 10_000 })
      .then((x) => x.jsonValue(), () => []);
    h.check('devices: the microphone picker lists the fake microphones once allowed', mics[0] === 'System default' && mics.includes('Fake Audio Input 1'), mics.join(', '));
    await page.waitForTimeout(4_500); // the first sentence, and its reply
    const switchedAt = (Date.now() - started) / 1000;
    await inSettings(page, () => page.selectOption('#mic-device', { label: 'Fake Audio Input 2' }));
    const reopened = await page
      .waitForFunction(() => {
        const log = [...document.querySelectorAll('#log li')].map((l) => l.textContent);
        const i = log.indexOf('Switching to the chosen microphone.');
        return i >= 0 && log.slice(i).some((l) => l.startsWith('Microphone on'));
      }, null, { timeout: 10_000 })
      .then(() => true, () => false);
    h.check('devices: switching the microphone mid-conversation reopens it, the session goes on', reopened
      && (await page.$eval('#status', (e) => e.dataset.state)) !== 'error');
    const speakers = await page.$$eval('#speaker-device option', (os) => os.map((o) => o.textContent));
    await inSettings(page, () => page.selectOption('#speaker-device', { label: 'Fake Audio Output 1' }));
    await page.waitForTimeout(500);
    const warned = !(await page.$eval('#speaker-warning', (e) => e.hidden));
    h.check('devices: a chosen speaker is applied and the page warns about echo cancellation', warned && speakers.includes('Fake Audio Output 1'), speakers.join(', '));
    await page.waitForTimeout(4_000); // the new microphone plays the file from its start
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    const wav = h.parseWav(await save(page, join(h.outDir, 'device-switch.wav')));
    const you = h.segments(h.channel(wav, 0), wav.rate);
    const seconds = wav.samples.length / wav.rate;
    const spans = you.map((x) => `${x.start.toFixed(2)}-${x.end.toFixed(2)}`).join(', ');
    h.check('devices: the recording goes on across the switch (speech before and after it, one timeline)',
      you.some((s) => s.end < switchedAt) && you.some((s) => s.start > switchedAt - 0.5) && seconds >= switchedAt + 3, `${spans}; switched at ${switchedAt.toFixed(2)} s; ${seconds.toFixed(2)} s`);
    const log = await logOf(page);
    h.check('devices: no error in the log or the console', !log.some((l) => l.startsWith('error')) && errors.length === 0,
      [...errors, ...log.filter((l) => /^(error|warn)/.test(l))].join(' | '));
  } finally {
    await browser.close();
  }
}

/** A reply on the offline stand-in while its tab is in the background, where Chrome runs the
 * page's timers only on one-second wake-ups (a dedicated worker's are left alone): it plays at
 * pace, one stretch of sound as long as in front, nothing inserted. Headless Chromium never
 * hides a page (a tab opened in the background and a minimised window both stay "visible",
 * untrottled: tried), so the page's timers are throttled here as Chrome throttles a hidden
 * page's: an init script puts every timer with a delay on the next whole second. */
export async function backgroundTab(base, h) {
  const browser = await h.launch();
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    await page.addInitScript(() => {
      const wake = (ms) => Math.ceil((performance.now() + ms) / 1000) * 1000 - performance.now();
      const timeout = window.setTimeout.bind(window);
      const clear = window.clearTimeout.bind(window);
      window.setTimeout = (fn, ms, ...a) => timeout(fn, ms > 0 ? wake(ms) : ms, ...a);
      const intervals = new Map();
      let next = 1;
      window.setInterval = (fn, ms, ...a) => {
        const id = next++;
        const again = () => intervals.set(id, timeout(() => { again(); fn(...a); }, wake(Math.max(ms, 1))));
        again();
        return id;
      };
      window.clearInterval = (id) => { clear(intervals.get(id)); intervals.delete(id); };
    });
    const errors = watchErrors(page);
    await page.goto(`${base}?format=stereo`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    // The time between two ticks of a 20 ms interval: a second, as in a hidden page.
    const tick = await page.evaluate(() => new Promise((r) => {
      const at = [];
      const i = setInterval(() => { if (at.push(performance.now()) === 2) { clearInterval(i); r(at[1] - at[0]); } }, 20);
    }));
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    // 45 characters: a reply of 0.6 s + 40 ms each = 2.40 s (the stand-in's rule), in 20 ms
    // chunks paced by the clock.
    const text = 'please answer me while this tab is not shown.';
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
    await page.waitForTimeout(5_000);
    const wav = h.parseWav(await save(page, join(h.outDir, 'background-tab.wav')));
    const model = h.segments(h.channel(wav, 1), wav.rate);
    const expect = Math.min(3, 0.6 + 0.04 * text.length);
    const spans = model.map((s) => `${s.start.toFixed(2)}-${s.end.toFixed(2)}`).join(', ');
    h.check('background tab: with the page\'s timers on one-second wake-ups, the stand-in\'s reply plays at pace, one stretch as long as in front',
      tick >= 900 && model.length === 1 && Math.abs(model[0].end - model[0].start - expect) <= 0.06,
      `a 20 ms interval ticked ${tick.toFixed(0)} ms apart; model ${spans} (expected one of ${expect.toFixed(2)} s)`);
    const log = await logOf(page);
    const stats = log.filter((l) => /underrun|silence inserted/i.test(l));
    h.check('background tab: no error in the page\'s log or console', errors.length === 0 && !log.some((l) => l.startsWith('error')),
      [...errors, ...log.filter((l) => l.startsWith('error')), ...stats].join(' | '));
  } finally {
    await browser.close();
  }
}

/**
 * One click on Talk starts the conversation, and the control keeps its text node from press
 * to release: WebKit fires no `click` on a button whose text node was replaced between
 * `mousedown` and `mouseup`, and the page's first event used to re-render the label there,
 * so the first click on Talk did nothing in Safari (Chromium clicks regardless: this checks
 * the node itself).
 */
export async function oneClickTalk(base, h) {
  const browser = await withQuietMicrophone(h);
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(base);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.evaluate(() => {
      const talk = document.querySelector('#talk');
      window.e2eNodes = { clicks: 0 };
      addEventListener('pointerdown', () => { window.e2eNodes.down = talk.firstChild; }, true);
      talk.addEventListener('mouseup', () => { window.e2eNodes.kept = talk.firstChild === window.e2eNodes.down; });
      talk.addEventListener('click', () => { window.e2eNodes.clicks += 1; });
    });
    await page.click('#talk');
    const started = await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 }).then(() => true, () => false);
    const nodes = await page.evaluate(() => ({ kept: window.e2eNodes.kept, clicks: window.e2eNodes.clicks }));
    h.check('one click on Talk starts the conversation; the control keeps its text node from press to release',
      started && nodes.kept === true && nodes.clicks === 1 && errors.length === 0, `${JSON.stringify(nodes)} ${errors.join(' | ')}`);
  } finally {
    await browser.close();
  }
}

/**
 * The browser pauses the audio mid-conversation (iOS puts a context in "interrupted" for a
 * call; here the test suspends it, which the page cannot tell apart): the status line says
 * so, and the person's next click anywhere resumes it and the conversation goes on.
 */
export async function pausedAudioResumes(base, h) {
  const browser = await withQuietMicrophone(h);
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    // The page's AudioContext, kept where the test can reach it.
    await page.addInitScript(() => {
      const Made = window.AudioContext;
      window.AudioContext = class extends Made {
        constructor(...args) { super(...args); window.e2eContext = this; }
      };
    });
    await page.goto(base);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    await page.evaluate(() => window.e2eContext.suspend());
    const said = await page.waitForSelector('#status[data-state="paused"]', { timeout: 5_000 })
      .then((s) => s.textContent(), () => null);
    await page.mouse.click(5, 5);
    const back = await page.waitForSelector('#status[data-state="listening"]', { timeout: 5_000 }).then(() => true, () => false);
    const state = await page.evaluate(() => window.e2eContext.state);
    h.check('a paused AudioContext is said in the status line and resumes on the next click',
      said === 'The browser paused the audio (suspended). Click anywhere or press a key to resume it.' && back && state === 'running' && errors.length === 0,
      `${said}; back ${back}, ${state} ${errors.join(' | ')}`);
  } finally {
    await browser.close();
  }
}

/**
 * The browser reports echo cancellation off for the microphone (asked for, not granted: here
 * the track's settings are made to say so): the log warns, with what to do; with it on (the
 * fake device's own report) nothing is said.
 */
export async function echoCancellationOff(base, h) {
  const browser = await withQuietMicrophone(h);
  try {
    const warning = 'The browser did not turn on echo cancellation for this microphone: through speakers the model may hear itself and stop. Use headphones, or another microphone or browser.';
    const refused = 'The browser did not grant persistent storage: it may clear stored conversations when space runs low. Download the ones to keep.';
    const said = [];
    // Echo cancellation reported off, storage persistence as headless Chromium answers it
    // (refused); then both granted.
    for (const off of [true, false]) {
      const page = await browser.newPage();
      const errors = watchErrors(page);
      if (off) {
        await page.addInitScript(() => {
          const settings = MediaStreamTrack.prototype.getSettings;
          MediaStreamTrack.prototype.getSettings = function () { return { ...settings.call(this), echoCancellation: false }; };
        });
      } else {
        await page.addInitScript(() => { StorageManager.prototype.persist = async () => true; });
      }
      await page.goto(base);
      await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
      await page.click('#talk');
      await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
      await page.waitForTimeout(2_000); // the recording card is told once a second
      const log = await page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));
      said.push({ echo: log.includes(`warn | ${warning}`), persist: log.filter((l) => l === `info | ${refused}`).length, errors: errors.length });
      await page.close();
    }
    h.check('echo cancellation the browser reports off is said with what to do (and only then)',
      said[0].echo && !said[1].echo && said.every((s) => s.errors === 0), JSON.stringify(said));
    h.check('persistent storage the browser refuses is said once, with what to do (and not when granted)',
      said[0].persist === 1 && said[1].persist === 0, JSON.stringify(said));
  } finally {
    await browser.close();
  }
}
