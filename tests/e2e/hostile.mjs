// End-to-end: a server that sends hostile or broken frames (the emulator's `fault=hostile|huge|
// parts50|flood`), or stops sending (`fault=stall`). The page must say what it could not read, stay usable, never freeze for
// long, and its recording must hold only the model audio that was actually heard. Called from
// e2e.mjs; the figures go in docs/testing.md's table.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inSettings } from './look.mjs';

async function open(base, emulator, h, fault) {
  const browser = await h.launch();
  const page = await browser.newPage({ acceptDownloads: true });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const url = `${emulator.url}?fault=${fault}&fault_after_ms=300`;
  // The audio clock, which the main thread's load does not hold back: when the first model
  // buffer starts, and, as each Save is handled, how far the context has played since.
  await page.addInitScript(() => {
    window.e2eSaves = [];
    let first = null;
    const start = AudioBufferSourceNode.prototype.start;
    AudioBufferSourceNode.prototype.start = function (when = 0, ...rest) {
      if (first === null) first = { ctx: this.context, at: Math.max(when, this.context.currentTime) };
      return start.call(this, when, ...rest);
    };
    document.addEventListener('click', (e) => {
      if (e.target?.id === 'rec-save' && first) window.e2eSaves.push(first.ctx.currentTime - first.at);
    }, true);
  });
  await page.goto(`${base}?backend=url&format=stereo&url=${encodeURIComponent(url)}`);
  await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
  await inSettings(page, () => page.fill('#secret', emulator.key));
  await page.evaluate(() => {
    window.e2eLong = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.e2eLong.push(e.duration); }).observe({ type: 'longtask' });
  });
  await page.click('#connect');
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
  return { browser, page, errors };
}

/**
 * The seconds of model audio in the saved recording (right channel) and its spans, and
 * `played`: the seconds the audio context had played since the first model buffer began, read
 * on the audio clock as the page handled the Save click (null before any model audio).
 */
async function heard(page, h, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-save')]);
  const file = join(h.outDir, `hostile-${name}.wav`);
  await download.saveAs(file);
  const wav = h.parseWav(readFileSync(file));
  const model = h.segments(h.channel(wav, 1), wav.rate);
  const played = await page.evaluate(() => window.e2eSaves.at(-1) ?? null);
  return { seconds: model.reduce((a, s) => a + s.end - s.start, 0), spans: model.map((s) => `${s.start.toFixed(2)}-${s.end.toFixed(2)}`).join(', '), played };
}

async function finish(page, errors, h, name) {
  const log = await page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));
  const long = await page.evaluate(() => window.e2eLong);
  await page.click('#disconnect');
  const closed = await page.waitForSelector('#status[data-state="closed"]', { timeout: 10_000 }).then(() => true, () => false);
  h.check(`hostile ${name}: the page stays usable (Disconnect works), no console error, no error in the log`,
    closed && errors.length === 0 && !log.some((l) => l.startsWith('error')), [...errors, ...log.filter((l) => l.startsWith('error'))].join(' | '));
  return { log, longest: Math.max(0, ...long), count: long.length };
}

export async function hostileServer(base, emulator, h) {
  const figures = {};
  // Broken frames of every kind, then valid 16 kHz audio.
  {
    const { browser, page, errors } = await open(base, emulator, h, 'hostile');
    try {
      await page.waitForTimeout(3_000);
      const state = await page.$eval('#status', (e) => e.dataset.state);
      const { seconds, spans } = await heard(page, h, 'mixed');
      const { log, longest, count } = await finish(page, errors, h, 'mixed');
      const warned = log.filter((l) => l.startsWith('warn'));
      const said = (s) => warned.some((l) => l.includes(s));
      h.check('hostile mixed: each unreadable frame is reported in words, the rest ignored',
        said('server frame is not JSON (') && said('not UTF-8') && said('needs an even number') && said('not valid base64')
        && said('"audio/mpeg"') && said('""') && warned.length === 6, warned.map((l) => l.slice(7, 90)).join(' / '));
      h.check('hostile mixed: still connected after them; the valid 16 kHz audio was played and recorded (0.50 s)',
        state === 'ready' && Math.abs(seconds - 0.5) <= 0.06, `${state}; model ${spans}`);
      figures.mixed = { longest, count, seconds };
    } finally { await browser.close(); }
  }
  // 150 s of audio in one 9.6 MB frame: a recording saved 3 s later holds what was heard.
  for (const [fault, expect] of [['huge', null], ['parts50', 5.0], ['flood', null]]) {
    const { browser, page, errors } = await open(base, emulator, h, fault);
    try {
      const started = await page.waitForSelector('#status[data-state="speaking"]', { timeout: 20_000 }).then(() => Date.now(), () => 0);
      await page.waitForTimeout(expect ? 6_000 : 3_000);
      const first = await heard(page, h, fault);
      const { seconds, spans, played } = first;
      let again = null;
      if (!expect) {
        // Two seconds later, a second Save holds two seconds more: the reply is recorded as
        // it is heard, not all at once when it arrives (150 s / 50 s of audio were sent).
        await page.waitForTimeout(2_000);
        again = await heard(page, h, `${fault}-again`);
      }
      const { longest, count } = await finish(page, errors, h, fault);
      if (expect) {
        h.check(`hostile ${fault}: all 50 parts played and recorded (5.00 s)`, started && Math.abs(seconds - expect) <= 0.06, `model ${spans}`);
      } else {
        // Held against the audio clock as each Save was handled: the recording holds the
        // buffers that finished playing, so what it holds is what was played, less at most
        // the piece still playing (the page cuts the huge frame into 0.5 s pieces; the flood
        // comes as 10 ms frames), and never more. 20 ms for where the WAV's spans are read.
        const piece = fault === 'huge' ? 0.5 : 0.01;
        const held = (x) => x.played !== null && x.seconds <= x.played + 0.02 && x.seconds >= x.played - piece - 0.02;
        h.check(`hostile ${fault}: a recording saved mid-reply holds what was heard so far, and grows as it plays`,
          started && held(first) && held(again) && again.played - first.played >= 1.5,
          `${first.seconds.toFixed(2)} s held after ${first.played?.toFixed(3)} s played, then ${again.seconds.toFixed(2)} s after ${again.played?.toFixed(3)} s`);
      }
      figures[fault] = { longest, count, seconds, played };
    } finally { await browser.close(); }
  }
  // A server that stops sending with the socket open: noticed when an answer is overdue.
  {
    const { browser, page, errors } = await open(base, emulator, h, 'stall');
    try {
      await page.waitForTimeout(500); // the stall begins 300 ms after setupComplete
      await page.fill('#text', 'hello');
      const sent = Date.now();
      await page.press('#text', 'Enter');
      const noticed = await page.waitForSelector('#status[data-state="stalled"]', { timeout: 20_000 }).then(() => (Date.now() - sent) / 1000, () => 0);
      const text = await page.$eval('#status', (e) => e.textContent);
      await finish(page, errors, h, 'stall');
      h.check('hostile stall: a server silent on an open socket is noticed 10 s after an answer was due, in words',
        noticed >= 10 && noticed <= 11.5 && text.startsWith('The server has sent nothing for 10 s'), `after ${noticed.toFixed(1)} s: ${text}`);
      figures.stall = { longest: 0, count: 0, seconds: 0, noticed };
    } finally { await browser.close(); }
  }
  // Closes mid-session: refusals end the conversation in words; server trouble is retried
  // (0.5, 1, 2 s), and a server that fails every new connection is given up on.
  for (const [code, words, retries] of [[1007, 'rejected a request as invalid (1007)', 0], [1008, '(1008)', 0], [1011, '(1011', 3]]) {
    const { browser, page, errors } = await open(base, emulator, h, `close${code}`);
    try {
      const ended = await page.waitForSelector('#status[data-state="error"]', { timeout: 15_000 }).then(() => true, () => false);
      const text = await page.$eval('#status', (e) => e.textContent);
      const log = await page.$$eval('#log li', (lis) => lis.map((l) => l.textContent));
      const reconnects = log.filter((l) => l.includes('Reconnecting with the resumption handle')).length;
      const connectAgain = !(await page.$eval('#connect', (e) => e.disabled));
      h.check(`hostile close ${code} mid-session: said in words, ${retries ? `retried ${retries} times, then given up` : 'not retried'}, Connect usable, no console error`,
        ended && text.includes(words) && reconnects === retries && connectAgain && errors.length === 0, `${reconnects} reconnects: ${text}`);
    } finally { await browser.close(); }
  }
  // Closes in answer to `setup` (the handshake never completes): said in words at once, the
  // page usable; a refusal is final, and so is server trouble on a first connection. Then a
  // server that takes the socket and never answers `setup`: given up at the page's 15 s.
  const atSetup = async (faults, timeout) => {
    const browser = await h.launch();
    try {
      const page = await browser.newPage();
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${base}?backend=url&url=${encodeURIComponent(`${emulator.url}?${faults}`)}`);
      await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
      await inSettings(page, () => page.fill('#secret', emulator.key));
      const clicked = Date.now();
      await page.click('#connect');
      const ended = await page.waitForSelector('#status[data-state="error"]', { timeout }).then(() => (Date.now() - clicked) / 1000, () => 0);
      const log = await page.$$eval('#log li', (lis) => lis.map((l) => l.textContent));
      return {
        ended,
        errors,
        text: await page.$eval('#status', (e) => e.textContent),
        ready: log.some((l) => l.startsWith('Connected')),
        retried: log.some((l) => l.includes('Reconnecting')),
        banner: await page.$eval('#banner', (b) => !b.hidden),
        connectAgain: !(await page.$eval('#connect', (e) => e.disabled)),
      };
    } finally { await browser.close(); }
  };
  for (const [code, words] of [[1007, 'rejected a request as invalid (1007)'], [1008, '(1008)'], [1011, '(1011']]) {
    const r = await atSetup(`fault=close${code}&fault_at=setup`, 15_000);
    figures[`close ${code} at setup`] = { text: r.text };
    h.check(`hostile close ${code} at setup: said in words (status and banner), never ready, Connect usable, no console error`,
      r.ended && r.text.includes(words) && !r.ready && !r.retried && r.banner && r.connectAgain && r.errors.length === 0, r.text);
  }
  {
    const r = await atSetup('fault=silent', 25_000);
    figures['never answering setup'] = { text: `after ${r.ended.toFixed(1)} s: ${r.text}` };
    h.check('hostile silent at setup: given up 15 s after Connect, in words (status and banner), not retried, Connect usable, no console error',
      r.ended >= 15 && r.ended <= 16.5 && r.text.startsWith('The server did not confirm the session within 15.0 s') && r.banner && !r.retried && r.connectAgain && r.errors.length === 0,
      `after ${r.ended.toFixed(1)} s: ${r.text}`);
  }
  for (const [name, f] of Object.entries(figures)) {
    if (f.text) {
      console.log(`  hostile ${name}: ${f.text}`);
      continue;
    }
    console.log(`  hostile ${name}: main-thread tasks over 50 ms: ${f.count} (longest ${f.longest.toFixed(0)} ms); model audio recorded ${f.seconds.toFixed(2)} s`);
  }
}
