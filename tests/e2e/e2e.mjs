// End-to-end: the trunk-built page in headless Chromium, a fake microphone playing a speech
// file, against the in-page offline stand-in and against the emulator over a real WebSocket.
// Start Mic, the reply plays, the second sentence talks over it (barge-in), Stop Mic, Save
// recording; then the downloaded WAV is checked sample by sample against the speech file.
//
//   node e2e.mjs --dist DIR --speech FILE [--emulator URL --key KEY] [--out DIR] [--bench]
//                [--look | --soak | --long MINUTES | --only storage|hostile|background|jitter|tools|controls|offline|stop|served]
//
// Prints one line per check and a cargo-style "test result:" line; exits 1 on any failure.
// With --bench it also prints the page weight and the timing figures (see docs/benchmarks.md).

import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { typedAndTools, asyncTool, pushToTalk, deviceSwitch, backgroundTab, oneClickTalk, pausedAudioResumes, echoCancellationOff } from './controls.mjs';
import { perModel, extendedThinkingCall } from './models.mjs';
import { microphoneLost } from './lost.mjs';
import { stopRightAfterSpeech } from './stop.mjs';
import { saveRecord, checkRecord } from './record.mjs';
import { checkReview } from './review.mjs';
import { checkWeight, beforeTalk, everything } from './weight.mjs';
import { chunkLatency } from './chunks.mjs';
import { servedByServer } from './served.mjs';
import { plainConnect } from './connect.mjs';
import { hostileServer } from './hostile.mjs';
import { inSettings, lookAndFeel, keyboard, remembered } from './look.mjs';
import { injection, keyNeverLeaks, ephemeralToken } from './security.mjs';
import { soak } from './soak.mjs';
import { serve } from './serve.mjs';
import { crashRecovery, twoTabs, storageRefused } from './storage.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]?.startsWith('--') ? true : all[i + 1] ?? true]);
    return pairs;
  }, []),
);
const dist = resolve(args.dist ?? 'dist');
const speechPath = resolve(args.speech);
const outDir = resolve(args.out ?? 'target/e2e');
mkdirSync(outDir, { recursive: true });

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'FAILED'} - ${name}${detail ? ` (${detail})` : ''}`);
  return ok;
}
/** The offline stand-in's module: fetched only when the stand-in is the chosen backend. */
const STANDIN = 'standin.wasm';
const within = (x, lo, hi) => x >= lo && x <= hi;
const f3 = (x) => x.toFixed(3);

// ---------------------------------------------------------------- WAV reading and analysis

function parseWav(buf) {
  const text = (o, n) => buf.toString('latin1', o, o + n);
  if (text(0, 4) !== 'RIFF' || text(8, 4) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let o = 12;
  let fmt = null;
  while (o + 8 <= buf.length) {
    const id = text(o, 4);
    const size = buf.readUInt32LE(o + 4);
    if (id === 'fmt ') {
      fmt = {
        format: buf.readUInt16LE(o + 8), channels: buf.readUInt16LE(o + 10), rate: buf.readUInt32LE(o + 12),
        byteRate: buf.readUInt32LE(o + 16), blockAlign: buf.readUInt16LE(o + 20), bits: buf.readUInt16LE(o + 22),
        size,
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('data before fmt');
      const bytes = buf.subarray(o + 8, o + 8 + size);
      const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      return { ...fmt, dataOffset: o + 8, dataSize: size, riffSize: buf.readUInt32LE(4), samples };
    }
    o += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** The ids of the chunks after the data chunk, each whole (an id `?` for a broken one). */
function chunksAfterData(buf, wav) {
  const ids = [];
  let o = wav.dataOffset + wav.dataSize + (wav.dataSize & 1);
  while (o < buf.length) {
    if (o + 8 > buf.length) return [...ids, '?'];
    const size = buf.readUInt32LE(o + 4);
    ids.push(o + 8 + size <= buf.length ? buf.toString('latin1', o, o + 4) : '?');
    o += 8 + size + (size & 1);
  }
  return ids;
}

function channel(wav, c) {
  const out = new Float32Array(wav.samples.length / wav.channels);
  for (let i = 0; i < out.length; i++) out[i] = wav.samples[i * wav.channels + c] / 32768;
  return out;
}

/** Stretches of sound: 10 ms frames above -40 dBFS, joined across gaps under 300 ms. */
function segments(x, rate) {
  const frame = Math.round(rate / 100);
  const found = [];
  let current = null;
  for (let i = 0; i + frame <= x.length; i += frame) {
    let sum = 0;
    for (let j = i; j < i + frame; j++) sum += x[j] * x[j];
    const db = 10 * Math.log10(sum / frame + 1e-20);
    const t = i / rate;
    if (db > -40) {
      if (current && t - current.end < 0.3) current.end = t + frame / rate;
      else {
        if (current) found.push(current);
        current = { start: t, end: t + frame / rate };
      }
    }
  }
  if (current) found.push(current);
  return found.filter((s) => s.end - s.start >= 0.1);
}

/** Inside each stretch of `x`'s sound: gaps (runs of digital silence of 5 ms or more; the
 * speech file's own pauses hold at most ~1.6 ms of zeros) and clicks (a sample above -26 dBFS
 * next to two of digital silence: a cut or a start without a fade; a fade's last sample is a
 * 96th of the level before it). */
function gapsAndClicks(x, rate, stretches, gapMs = 5) {
  const gaps = [];
  const clicks = [];
  const minGap = Math.round((gapMs / 1000) * rate);
  const loud = 0.05;
  for (const s of stretches) {
    const [a, b] = [Math.round(s.start * rate), Math.min(Math.round(s.end * rate), x.length)];
    let run = 0;
    for (let i = a; i < b; i++) {
      if (x[i] === 0) { run++; continue; }
      if (run >= minGap) gaps.push({ at: (i - run) / rate, ms: (run / rate) * 1000 });
      run = 0;
      const before = i >= 2 && x[i - 1] === 0 && x[i - 2] === 0;
      const after = i + 2 < x.length && x[i + 1] === 0 && x[i + 2] === 0;
      if (Math.abs(x[i]) > loud && (before || after)) clicks.push(`${f3(i / rate)} s (${x[i].toFixed(3)})`);
    }
  }
  return { gaps, clicks };
}

/** Best normalised correlation of `a[aStart, +len)` with `b` around `bStart` (lag ±maxLag). */
function bestMatch(a, aStart, b, bStart, len, maxLag) {
  let best = { r: -1, lag: 0 };
  let ea = 0;
  for (let i = 0; i < len; i++) ea += a[aStart + i] ** 2;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const o = bStart + lag;
    if (o < 0 || o + len > b.length) continue;
    let dot = 0;
    let eb = 0;
    for (let i = 0; i < len; i++) {
      dot += a[aStart + i] * b[o + i];
      eb += b[o + i] ** 2;
    }
    const r = dot / Math.sqrt(ea * eb + 1e-20);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

// ---------------------------------------------------------------- one conversation

const speech = parseWav(readFileSync(speechPath));
const said = segments(channel(speech, 0), speech.rate);
const speechSeconds = speech.samples.length / speech.rate;
if (said.length !== 2) throw new Error(`the speech file should hold two sentences, found ${JSON.stringify(said)}`);
const [A, B] = said;
console.log(`speech file: ${speechSeconds.toFixed(2)} s, sentence A ${f3(A.start)}-${f3(A.end)} s, B ${f3(B.start)}-${f3(B.end)} s`);

/** Headless Chromium as root on a closed network (see ../shared/toolchain.md), plus `args`. */
function launch(args = []) {
  return chromium.launch(browserOptions(args));
}

/** The executable and flags every browser of this run starts with, plus `args`. */
function browserOptions(args = []) {
  return {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required', ...args,
    ],
  };
}

/** Opens `url`, connects and starts the microphone: the page is listening when it returns. */
async function startTalking(page, url) {
  await page.goto(url);
  await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
  await page.click('#connect');
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
  await page.click('#mic-start');
  await page.waitForSelector('#status[data-state="listening"]', { timeout: 10_000 });
}

/** Collects the page's main-thread tasks over 50 ms (PerformanceObserver `longtask`) in
 * `window.e2eLong`; `longTasks(page)` takes what was collected since the last call. */
function watchLongTasks(page) {
  return page.evaluate(() => {
    window.e2eLong = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.e2eLong.push(e.duration);
    }).observe({ type: 'longtask' });
  });
}
async function longTasks(page) {
  const tasks = await page.evaluate(() => window.e2eLong.splice(0));
  return { count: tasks.length, longest: Math.max(0, ...tasks) };
}

/** Records every state the status line shows, however briefly, in `window.e2eStates`. */
function watchStates(page) {
  return page.evaluate(() => {
    window.e2eStates = [];
    const status = document.querySelector('#status');
    new MutationObserver(() => window.e2eStates.push(status.dataset.state)).observe(status, { attributes: true });
  });
}

/**
 * The microphone's audio as the page sends it, whichever the backend: what the browser's fake
 * microphone actually delivered, which the recording's placement is held against. On a socket,
 * the frames given to `WebSocket.send`; with the offline stand-in, the frames the page hands
 * its module (`standin_input` says where the text goes, `standin_receive` takes it). Kept in
 * this process as they are sent, so a crashed tab's are kept too. Call before the page loads.
 */
async function captureSent(page) {
  const sent = [];
  await page.exposeFunction('e2eSent', (b64) => { sent.push(b64); });
  await page.addInitScript(() => {
    const keep = (text) => {
      const audio = text.includes('"realtimeInput"') && /"data":"([^"]*)"/.exec(text);
      if (audio) window.e2eSent(audio[1]);
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      if (typeof data === 'string') keep(data);
      return send.call(this, data);
    };
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = async function (...args) {
      const made = await instantiate.apply(this, args);
      const own = made instanceof WebAssembly.Instance ? made.exports : null;
      if (!own?.standin_receive) return made;
      let at = 0;
      const exports = {
        ...own,
        standin_input: (len) => (at = own.standin_input(len)),
        standin_receive: (now, len) => {
          keep(new TextDecoder().decode(new Uint8Array(own.memory.buffer, at, len)));
          return own.standin_receive(now, len);
        },
      };
      return { exports };
    };
  });
  return sent;
}

async function conversation(base, backend) {
  const browser = await launch([
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${speechPath}%noloop`,
  ]);
  const errors = [];
  const warnings = [];
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      if (m.type() === 'warning') warnings.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    // What the page loads from its own origin (the stand-in's module only for the stand-in).
    const fetched = new Set();
    page.on('request', (r) => { if (r.url().startsWith(base)) fetched.add(new URL(r.url()).pathname.split('/').pop() || 'index.html'); });
    // The emulator sends its first 8 chunks (1.6 s) at once, as the real service does: at the
    // barge-in the page holds far more audio than it has played, and must drop it.
    const query = backend.name === 'offline' ? '?format=stereo' : `?backend=url&format=stereo&url=${encodeURIComponent(`${backend.url}?burst=8${backend.faults ?? ''}`)}`;
    const sentAudio = await captureSent(page);
    const loadStart = Date.now();
    await page.goto(base + query);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    const loaded = Date.now() - loadStart;
    check(`${backend.name}: backend preselected`, (await page.$eval('#backend', (e) => e.value)) === (backend.name === 'offline' ? 'offline' : 'url'));
    if (backend.key) await inSettings(page, () => page.fill('#secret', backend.key));
    const connectStart = Date.now();
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    const ready = Date.now() - connectStart;
    check(`${backend.name}: Start Mic enabled once ready`, !(await page.$eval('#mic-start', (e) => e.disabled)));

    await watchLongTasks(page);
    await page.click('#mic-start');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 10_000 });
    await watchStates(page);
    // The whole speech file plays into the microphone, then one more second.
    await page.waitForTimeout((speechSeconds + 1) * 1000);
    await page.click('#mic-stop');
    // The reply to the second sentence plays out; the page settles on "ready".
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    const talking = await longTasks(page);
    const states = new Set(await page.evaluate(() => window.e2eStates));
    check(`${backend.name}: status went through speaking and interrupted`, states.has('speaking') && states.has('interrupted'), [...states].join(', '));

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-save')]);
    const file = join(outDir, `conversation-${backend.name}.wav`);
    await download.saveAs(file);
    const name = download.suggestedFilename();
    const saving = await longTasks(page);
    const record = await saveRecord(browser, page, outDir, backend.name);
    const info = await page.$eval('#rec-info', (e) => e.textContent);
    const log = await page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));
    const picture = await page.evaluate(() => {
      const canvas = document.querySelector('#rec-wave');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let blue = 0, orange = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        if (data[i + 2] > data[i]) blue++; else orange++;
      }
      return { shown: !document.querySelector('#rec-figure').hidden, blue, orange };
    });
    await page.click('#disconnect');
    await page.waitForSelector('#status[data-state="closed"]', { timeout: 10_000 });
    // The conversation was stored as it went; now it is listed under its final name.
    const stored = await page
      .waitForFunction(() => [...document.querySelectorAll('#rec-stored li span')].map((l) => l.textContent).find((t) => t.startsWith('Conversation of')), null, { timeout: 10_000 })
      .then((h) => h.jsonValue())
      .catch(() => '');
    check(`${backend.name}: the conversation is stored and listed`, /^Conversation of \d{4}-\d\d-\d\d \d\d:\d\d \(0:1\d, /.test(stored), stored);
    await checkReview(backend.name, page, JSON.parse(readFileSync(record.json.file, 'utf8')), { check });
    writeFileSync(join(outDir, `log-${backend.name}.txt`), log.join('\n') + '\n');
    return { file, name, info, log, picture, errors, warnings, loaded, ready, talking, saving, fetched, record, sentAudio };
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- reconnecting

/** The emulator ends the connection (`fault`); the page must continue the conversation. */
async function reconnects(base, backend, fault, because) {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    const url = `${backend.url}?fault=${fault}&fault_after_ms=1000`;
    await page.goto(`${base}?backend=url&url=${encodeURIComponent(url)}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await inSettings(page, () => page.fill('#secret', backend.key));
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    await watchStates(page);
    const reconnected = await page
      .waitForFunction(() => [...document.querySelectorAll('#log li')].some((l) => l.textContent.startsWith('Reconnected')), null, { timeout: 15_000 })
      .then(() => page.waitForSelector('#status[data-state="ready"]', { timeout: 5_000 }))
      .then(() => true, () => false);
    const states = await page.evaluate(() => window.e2eStates);
    const log = await page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));
    check(`reconnect after ${because}: status showed reconnecting, then ready`, reconnected && states.includes('reconnecting') && states.at(-1) === 'ready', states.join(', '));
    check(`reconnect after ${because}: the new connection resumed the session with the last handle`,
      log.some((l) => /resumption handle emu-\d+-1 \(attempt 1\)/.test(l)) && log.some((l) => l.includes('| Reconnected')) && !log.some((l) => l.startsWith('error')),
      log.filter((l) => !l.startsWith('server')).join('; '));
    check(`reconnect after ${because}: Start Mic usable again`, !(await page.$eval('#mic-start', (e) => e.disabled)));
    check(`reconnect after ${because}: no console error`, errors.length === 0, errors.join(' | '));
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- refusals

/** A wrong key and a denied microphone: plain words on the status line, the page still usable. */
async function refusals(base, backend) {
  const browser = await launch(['--use-fake-device-for-media-stream']); // no fake UI: the prompt is denied
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}?backend=url&url=${encodeURIComponent(backend.url)}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await inSettings(page, () => page.fill('#secret', 'not-the-key'));
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="error"]', { timeout: 10_000 });
    const keyStatus = await page.$eval('#status', (e) => e.textContent);
    check('wrong key: the status line says the key was refused', keyStatus.startsWith('The API key was refused (1008).'), keyStatus);
    check('wrong key: Connect usable again, the key not in the log',
      !(await page.$eval('#connect', (e) => e.disabled)) && !(await page.$$eval('#log li', (lis) => lis.some((l) => l.textContent.includes('not-the-key')))));
    // Compared without white space: the release build's minified markup has none between the parts.
    const banner = await page.$eval('#banner', (b) => [b.hidden, b.textContent.replace(/\s+/g, '')]);
    check('wrong key: the banner says it too, with Open settings and Dismiss', !banner[0] && banner[1] === `${keyStatus}Open settingsDismiss`.replace(/\s+/g, ''), banner.join(' | '));
    await page.click('#banner-settings');
    const opened = await page.$eval('#settings-dialog', (d) => d.open);
    await page.click('#settings-done');
    await page.click('#banner-close');
    check('wrong key: Open settings opens them; Dismiss hides the banner, the status line keeps the words',
      opened && (await page.$eval('#banner', (b) => b.hidden)) && (await page.$eval('#status', (e) => e.textContent)) === keyStatus);

    await inSettings(page, () => page.selectOption('#backend', 'offline'));
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 10_000 });
    await page.click('#mic-start');
    await page.waitForFunction(() => !document.querySelector('#mic-start').disabled
      && document.querySelector('#status').dataset.state === 'ready', null, { timeout: 10_000 });
    const micStatus = await page.$eval('#status', (e) => e.textContent);
    check('denied microphone: the status line says so and what to do', /microphone/i.test(micStatus) && /allow|permission/i.test(micStatus), micStatus);
    check('denied microphone: the session stays connected', !(await page.$eval('#disconnect', (e) => e.disabled)));
    const micBanner = await page.$eval('#banner', (b) => (b.hidden ? '' : b.querySelector('p').textContent));
    check('denied microphone: the banner says what the status line says', micBanner === micStatus, micBanner);
    check('refusals: no console error or panic', errors.length === 0, errors.join(' | '));
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- what the recording must hold

function checkRecording(label, run) {
  const bytes = readFileSync(run.file);
  const wav = parseWav(bytes);
  check(`${label}: download named by date and format`, /^conversation-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-stereo\.wav$/.test(run.name), run.name);
  check(`${label}: PCM 16-bit stereo 24 kHz header`, wav.format === 1 && wav.channels === 2 && wav.rate === 24_000 && wav.bits === 16
    && wav.byteRate === 96_000 && wav.blockAlign === 4 && wav.size === 16, JSON.stringify({ ...wav, samples: undefined }));
  const after = chunksAfterData(bytes, wav);
  check(`${label}: sizes in the header match the file (after the audio, only cue points and their labels)`,
    wav.dataOffset === 44 && wav.riffSize === bytes.length - 8 && ['', 'cue ,LIST'].includes(after.join()),
    `${bytes.length} bytes, data ${wav.dataSize}, then ${after.join() || 'nothing'}`);
  if (run.record) checkRecord(label, run.record, wav, bytes, { check, segments, channel });
  const rate = wav.rate;
  const you = channel(wav, 0);
  const model = channel(wav, 1);
  const seconds = you.length / rate;
  const mmss = `${Math.floor(Math.round(seconds) / 60)}:${String(Math.round(seconds) % 60).padStart(2, '0')}`;
  // A recovered file (`run.cutAt`) has no page that made it: those checks are left out.
  const onPage = run.cutAt === undefined;
  if (onPage) check(`${label}: the page reports the file's length`, run.info.includes(mmss), `${run.info} vs ${seconds.toFixed(2)} s`);

  const heard = segments(you, rate);
  const spoke = segments(model, rate);
  console.log(`  ${label}: ${seconds.toFixed(2)} s; you ${heard.map((s) => `${f3(s.start)}-${f3(s.end)}`).join(', ')}; model ${spoke.map((s) => `${f3(s.start)}-${f3(s.end)}`).join(', ')}`);
  if (!check(`${label}: two sentences on the left, two replies on the right`, heard.length === 2 && spoke.length === 2)) return;
  const [a, b] = heard;
  const [r1, r2] = spoke;
  // Against what the page sent: the same microphone samples, placed by the recorder on its
  // clock. Whatever the fake microphone's pace, the sentences stand as far apart and as long
  // in the recording as in the stream sent; a chunk the recorder misplaced would be 128 ms
  // off. 30 ms: onsets are found in 10 ms frames on both sides (one frame each), and the
  // stream sent starts up to a chunk's audio-clock rounding apart.
  const pcm = Buffer.concat((run.sentAudio ?? []).map((b64) => Buffer.from(b64, 'base64')));
  const ints = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
  const sent = segments(Float32Array.from(ints, (v) => v / 32768), 16_000);
  if (check(`${label}: the stream sent holds the two sentences`, sent.length === 2, sent.map((x) => `${f3(x.start)}-${f3(x.end)}`).join(', '))) {
    const [sa, sb] = sent;
    check(`${label}: the second sentence as far after the first in the recording as in the stream sent (within 30 ms)`,
      Math.abs((b.start - a.start) - (sb.start - sa.start)) <= 0.03 + 1e-9, `${f3(b.start - a.start)} vs ${f3(sb.start - sa.start)} s`);
    check(`${label}: the sentences as long in the recording as in the stream sent (within 30 ms)`,
      Math.abs((a.end - a.start) - (sa.end - sa.start)) <= 0.03 + 1e-9 && Math.abs((b.end - b.start) - (sb.end - sb.start)) <= 0.03 + 1e-9,
      `${f3(a.end - a.start)}/${f3(sa.end - sa.start)} s, ${f3(b.end - b.start)}/${f3(sb.end - sb.start)} s`);
  }
  check(`${label}: the recording starts with the microphone`, within(a.start - A.start, -0.3, 0.3), `offset ${f3(a.start - A.start)} s`);
  // The reply where it was played: after the pause that ends the sentence, and it is the echo.
  check(`${label}: reply starts after the 500 ms pause`, within(r1.start - a.end, 0.5, 1.1), `${f3(r1.start - a.end)} s after the sentence`);
  const len = Math.round(0.5 * rate);
  const echo1 = bestMatch(model, Math.round(r1.start * rate), you, Math.round(a.start * rate), len, Math.round(0.05 * rate));
  check(`${label}: the reply is the echo of the first sentence`, echo1.r > 0.9, `r = ${echo1.r.toFixed(3)}`);
  // Barge-in: the reply stops soon after the second sentence starts; nothing of the rest.
  // Worst case: the onset at the start of a 128 ms chunk, 40 ms of speech to detect, the
  // round trip, the 8 ms fade.
  check(`${label}: the reply stops within 250 ms of talking over it`, within(r1.end - b.start, 0.0, 0.25), `${f3(r1.end - b.start)} s`);
  check(`${label}: only part of the first reply was heard`, r1.end - r1.start < a.end - a.start - 0.5,
    `${f3(r1.end - r1.start)} of ${f3(a.end - a.start)} s`);
  let leaked = 0;
  for (let i = Math.ceil((r1.end + 0.02) * rate); i < Math.floor(r2.start * rate) - Math.round(0.15 * rate); i++) if (model[i] !== 0) leaked++;
  check(`${label}: digital silence between the cut and the next reply`, leaked === 0, `${leaked} non-zero samples`);
  check(`${label}: the second reply follows the second sentence`, within(r2.start - b.end, 0.5, 1.1), `${f3(r2.start - b.end)} s after`);
  const echo2 = bestMatch(model, Math.round(r2.start * rate), you, Math.round(b.start * rate), len, Math.round(0.05 * rate));
  check(`${label}: the second reply is the echo of the second sentence`, echo2.r > 0.9, `r = ${echo2.r.toFixed(3)}`);
  if (onPage) {
    // Whole: as long as the sentence, plus what the player says it stretched (the buffer ran
    // low: whole pitch periods played twice, logged with the turn's audio).
    const lines = run.log.filter((l) => l.includes('model audio:'));
    const stretched = Number(/played ([\d.]+) s longer/.exec(lines[lines.length - 1] ?? '')?.[1] ?? 0);
    check(`${label}: the second reply is heard whole`, Math.abs((r2.end - r2.start - stretched) - (b.end - b.start)) <= 0.06,
      `${f3(r2.end - r2.start)} s, ${f3(stretched)} s of it stretched`);
    check(`${label}: the file ends with the last sound`, seconds >= r2.end && seconds - Math.max(r2.end, b.end) < 3, `${f3(seconds)} s`);
    check(`${label}: the waveform shows both sides`, run.picture.shown && run.picture.blue > 500 && run.picture.orange > 500, JSON.stringify(run.picture));
    check(`${label}: the log shows the interruption`, run.log.some((l) => l.startsWith('server | interrupted')));
    check(`${label}: no error in the page's log`, !run.log.some((l) => l.startsWith('error')), run.log.filter((l) => l.startsWith('error')).join('; '));
  } else {
    // The tab died while the second reply played: the file holds it up to its last 10 ms frame.
    check(`${label}: the second reply plays to the end of the file`, seconds - r2.end < 0.02 && r2.end - r2.start < b.end - b.start, `${f3(r2.end - r2.start)} s of it, the file ends at ${f3(seconds)} s`);
  }
  // No hard edge, ever, and no hole in a reply: what was heard, as the recording holds it
  // (a stretch of the speech shows there too). The replies echo what the person said, and
  // Chromium's fake microphone itself drops to digital silence for a few ms now and then on
  // a busy machine (121 samples seen): a hole in the reply where its source, the person's
  // sentence, has one of its own is the echo's, not the player's. Where the echo's hole must
  // be: the source's, moved by the reply's start less the sentence's (onsets found in 10 ms
  // frames: 20 ms either way) and later by what stretching inserted before it (at most 5 %
  // of the reply so far, never earlier).
  const { gaps, clicks } = gapsAndClicks(model, rate, spoke);
  // (The person's own holes from 2 ms: a stretch at a quiet place may lengthen the echo's.)
  const own = gapsAndClicks(you, rate, heard, 2).gaps;
  const echoes = (g) => [[r1, a], [r2, b]].some(([r, s]) => g.at >= r.start && g.at <= r.end
    && own.some((o) => {
      const late = g.at - (r.start - s.start) - o.at;
      return late >= -0.02 && late <= 0.02 + 0.05 * (g.at - r.start);
    }));
  const holes = gaps.filter((g) => !echoes(g));
  const words = (list) => list.map((g) => `${f3(g.at)} s (${g.ms.toFixed(1)} ms)`).join(', ') || 'none';
  check(`${label}: the replies have no gap and no click`, holes.length === 0 && clicks.length === 0,
    `gaps ${words(holes)} (and ${words(gaps.filter(echoes))} echoing the microphone's own); clicks ${clicks.join(', ') || 'none'}`);
  check(`${label}: no console error or panic`, run.errors.length === 0, run.errors.join(' | '));
  return { echo1, echo2 };
}

// ---------------------------------------------------------------- a long conversation

/** `--long MINUTES`: the speech file looping into the microphone for that long against the
 * emulator (the service's burst of 8), then Save: long tasks, frame timing, JS heap. */
async function longConversation(base, backend, minutes) {
  const browser = await launch([
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${speechPath}`, '--enable-precise-memory-info',
  ]);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}?backend=url&url=${encodeURIComponent(`${backend.url}?burst=8`)}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await inSettings(page, () => page.fill('#secret', backend.key));
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    await watchLongTasks(page);
    await page.click('#mic-start');
    // Each minute, after a forced garbage collection (DevTools Protocol): the JS heap, the
    // ArrayBuffers' backing stores (the wasm memory among them), document nodes, listeners,
    // and the main-thread tasks over 50 ms in that minute.
    const cdp = await page.context().newCDPSession(page);
    const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
    const figures = [];
    for (let m = 1; m <= minutes; m++) {
      await page.waitForTimeout(60_000);
      const tasks = await page.evaluate(() => window.e2eLong.slice());
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = await cdp.send('Runtime.getHeapUsage');
      const dom = await cdp.send('Memory.getDOMCounters');
        figures.push({ m, heap: heap.usedSize, buffers: heap.backingStorageSize ?? 0, nodes: dom.nodes, listeners: dom.jsEventListeners });
      console.log(`  minute ${m}: JS heap ${mb(heap.usedSize)}, array buffers ${mb(heap.backingStorageSize ?? 0)}, nodes ${dom.nodes}, listeners ${dom.jsEventListeners}, tasks over 50 ms so far ${tasks.length} (longest ${Math.max(0, ...tasks).toFixed(0)} ms)`);
    }
    const at = (m) => figures.find((f) => f.m === m);
    if (at(10) && at(minutes) && minutes > 10) {
      const d = (k) => (at(minutes)[k] - at(10)[k]) / 1e6;
      console.log(`  from minute 10 to ${minutes}: JS heap ${d('heap') >= 0 ? '+' : ''}${d('heap').toFixed(2)} MB, array buffers ${d('buffers') >= 0 ? '+' : ''}${d('buffers').toFixed(2)} MB`);
      check(`${minutes}-minute conversation: JS heap and array buffers at the end within 5 MB of minute 10`, Math.abs(d('heap')) <= 5 && Math.abs(d('buffers')) <= 5);
    }
    await page.click('#mic-stop');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });
    const talking = await longTasks(page);
    await Promise.all([page.waitForEvent('download'), page.click('#rec-save')]);
    const saving = await longTasks(page);
    const log = await page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));
    const replies = log.filter((l) => l.includes("Reply latency")).length;
    console.log(`  ${minutes} min against the emulator: ${replies} replies`);
    printTiming(`${minutes} min`, { talking, saving, log });
    check(`${minutes}-minute conversation: no error in the page's log or console`,
      !log.some((l) => l.startsWith('error')) && errors.length === 0, [...errors, ...log.filter((l) => l.startsWith('error'))].join('; '));
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- run

const server = await serve(dist);
const base = `http://127.0.0.1:${server.address().port}/`;
if (args.long) {
  try {
    console.log(`\na ${args.long}-minute conversation`);
    await longConversation(base, { url: args.emulator, key: args.key }, Number(args.long));
  } finally {
    server.close();
  }
  console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed (end-to-end)`);
  process.exit(failed ? 1 : 0);
}
const helpers = {
  launch, browserOptions, startTalking, watchStates, captureSent, check, checkRecording, parseWav, channel, segments,
  outDir, speechPath, A, B, speechSeconds,
};
if (args.chunks) {
  try {
    console.log('\nthe microphone chunk size against reply latency (emulator)');
    await chunkLatency(base, { url: args.emulator, key: args.key }, helpers);
  } finally {
    server.close();
  }
  console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed (end-to-end)`);
  process.exit(failed ? 1 : 0);
}
if (args.only) {
  // One group of the whole run's checks alone (storage, hostile), for working on them.
  try {
    if (args.only === 'storage') {
      console.log('\na tab that dies, two tabs, storage refused');
      await crashRecovery(base, 'opfs', helpers);
      await crashRecovery(base, 'indexeddb', helpers);
      await twoTabs(base, helpers);
      await storageRefused(base, helpers);
    } else if (args.only === 'tools') {
      await typedAndTools(base, helpers);
      await asyncTool(base, helpers);
      await perModel(base, helpers);
      await extendedThinkingCall(base, helpers);
      await oneClickTalk(base, helpers);
      await pausedAudioResumes(base, helpers);
    } else if (args.only === 'controls') {
      await pushToTalk(base, { url: args.emulator, key: args.key }, helpers);
      await deviceSwitch(base, helpers);
      await microphoneLost(base, helpers);
      await echoCancellationOff(base, helpers);
    } else if (args.only === 'served') {
      const server = resolve(args.server && args.server !== true ? args.server : 'target/debug/live-token-server');
      await servedByServer(dist, { url: args.emulator, key: args.key }, server, helpers);
    } else if (args.only === 'stop') {
      await stopRightAfterSpeech(base, { url: args.emulator, key: args.key }, helpers);
    } else if (args.only === 'jitter') {
      const backend = { name: 'emulator-jitter', faults: '&burst=0&jitter_ms=40', url: args.emulator, key: args.key };
      checkRecording(backend.name, await conversation(base, backend));
    } else if (args.only === 'offline') {
      checkRecording('offline', await conversation(base, { name: 'offline' }));
    } else if (args.only === 'background') {
      await backgroundTab(base, helpers);
    } else if (args.only === 'hostile') {
      console.log('\na hostile server');
      await hostileServer(base, { url: args.emulator, key: args.key }, { launch, check, parseWav, channel, segments, outDir });
    } else throw new Error(`--only storage|hostile|background|jitter|tools|controls|offline|stop|served, not ${args.only}`);
  } finally {
    server.close();
  }
  console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed (end-to-end)`);
  process.exit(failed ? 1 : 0);
}
if (args.soak) {
  try {
    console.log('\nlong use');
    await soak(base, { url: args.emulator, key: args.key }, helpers);
  } finally {
    server.close();
  }
  console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed (end-to-end)`);
  process.exit(failed ? 1 : 0);
}
if (args.look) {
  try {
    console.log(`\nlook and feel, keyboard, settings, security: ${dist}`);
    const browser = await launch();
    try {
      await checkWeight(browser, base, dist, check);
    } finally {
      await browser.close();
    }
    await lookAndFeel(base, helpers);
    await keyboard(base, helpers);
    await remembered(base, helpers);
    console.log('\nsecurity');
    await injection(base, helpers);
    if (args.emulator && args.emulator !== true) {
      await keyNeverLeaks(base, { url: args.emulator, key: args.key }, helpers);
      await ephemeralToken(base, { url: args.emulator, key: args.key }, helpers);
      if (args.server && args.server !== true) {
        console.log('\nthe token server');
        await servedByServer(dist, { url: args.emulator, key: args.key }, resolve(args.server), helpers);
      }
    }
  } finally {
    server.close();
  }
  console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed (end-to-end)`);
  process.exit(failed ? 1 : 0);
}
const backends = [{ name: 'offline' }];
if (args.emulator && args.emulator !== true) {
  const emulator = { url: args.emulator, key: args.key === true ? undefined : args.key };
  backends.push({ name: 'emulator', ...emulator });
  // A server that never sends the interrupted turn's turnComplete: the second reply must
  // still play whole (it used to be dropped with the rest of the interrupted turn).
  backends.push({ name: 'emulator-no-turncomplete', faults: '&interrupt_turn_complete=0', ...emulator });
  // A jittery network and no burst: every chunk up to 40 ms early or late, the stream never
  // ahead of real time (the adaptive buffer used to underrun here: 72-121 ms holes).
  backends.push({ name: 'emulator-jitter', faults: '&burst=0&jitter_ms=40', ...emulator });
}
const runs = {};
let plain = []; // Connect without fake media devices (--bench)
try {
  for (const backend of backends) {
    console.log(`\n${backend.name}: ${base}`);
    const run = await conversation(base, backend);
    runs[backend.name] = run;
    for (const w of run.warnings) console.log(`  console warning: ${w}`);
    checkRecording(backend.name, run);
    // Latency in one place: the log says each reply's latency as the record has it.
    const told = run.log.map((l) => /Reply latency: (-?[\d.]+) ms/.exec(l)?.[1]).filter(Boolean).map(Number);
    const recorded = JSON.parse(readFileSync(run.record.json.file, 'utf8')).turns.filter((t) => t.latency).map((t) => t.latency.total_ms);
    check(`${backend.name}: the log's reply latencies are the record's, from the end of your turn, none negative`,
      told.length > 0 && JSON.stringify(told) === JSON.stringify(recorded) && told.every((ms) => ms >= 0),
      `log ${told.join(', ')} ms; record ${recorded.join(', ')} ms`);
    const files = [...run.fetched].sort().join(' ');
    if (backend.name === 'offline') check('offline: the stand-in\'s module is loaded for it', run.fetched.has(STANDIN), files);
    else check(`${backend.name}: the stand-in's module is not loaded`, !run.fetched.has(STANDIN), files);
  }
  const emulator = backends.find((b) => b.name === 'emulator');
  if (emulator) {
    console.log('\nreconnecting');
    await reconnects(base, emulator, 'goaway', 'goAway');
    await reconnects(base, emulator, 'drop', 'a dropped connection');
    console.log('\nrefusals');
    await refusals(base, emulator);
    console.log('\na hostile server');
    await hostileServer(base, emulator, { launch, check, parseWav, channel, segments, outDir });
  }
  console.log('\ntalk controls');
  await typedAndTools(base, helpers);
  await asyncTool(base, helpers);
  await perModel(base, helpers);
  await extendedThinkingCall(base, helpers);
  await oneClickTalk(base, helpers);
  await pausedAudioResumes(base, helpers);
  await echoCancellationOff(base, helpers);
  if (emulator) await pushToTalk(base, emulator, helpers);
  if (emulator) {
    console.log('\na reply every time (3.8 Live)');
    await stopRightAfterSpeech(base, emulator, helpers);
  }
  await deviceSwitch(base, helpers);
  await microphoneLost(base, helpers);
  await backgroundTab(base, helpers);
  console.log('\na tab that dies');
  await crashRecovery(base, 'opfs', helpers);
  await crashRecovery(base, 'indexeddb', helpers);
  await twoTabs(base, helpers);
  console.log('\nstorage refused');
  await storageRefused(base, helpers);
  console.log('\nlook and feel');
  await lookAndFeel(base, helpers);
  await keyboard(base, helpers);
  await remembered(base, helpers);
  console.log('\nsecurity');
  await injection(base, helpers);
  if (emulator) await keyNeverLeaks(base, emulator, helpers);
  if (emulator) await ephemeralToken(base, emulator, helpers);
  if (emulator) {
    console.log('\nlong use');
    await soak(base, emulator, helpers);
  }
  if (args.bench) plain = await plainConnect(base, helpers);
} finally {
  server.close();
}

if (args.bench) {
  console.log('\nbenchmarks');
  const row = (name, r, g, b) => `  page weight: ${name.padEnd(44)} ${String(r).padStart(9)} B raw ${String(g).padStart(9)} B gzip ${String(b).padStart(9)} B brotli`;
  const browser = await launch();
  const before = await beforeTalk(browser, base, dist);
  await browser.close();
  const all = everything(dist);
  for (const f of all.files) console.log(row(f.name, f.raw, f.gz, f.br));
  console.log(row('total: everything the page can load', all.raw, all.gz, all.br));
  console.log(row('fetched before Talk is usable', before.raw, before.gz, before.br));
  for (const [name, run] of Object.entries(runs)) {
    console.log(`  ${name}: page load to wasm started ${run.loaded} ms, Connect to ready ${run.ready} ms`);
    for (const line of run.log.filter((l) => l.includes('Reply latency'))) {
      const m = /Reply latency: ([\d.]+) ms .*?\(([\d.]+) ms until its audio arrived, ([\d.]+) ms in the playback buffer\)/.exec(line);
      if (m) console.log(`  ${name}: end of your turn -> reply's first sound ${m[1]} ms (to its first audio ${m[2]} ms, playback buffer ${m[3]} ms)`);
    }
    printTiming(name, run);
  }
  for (const line of plain) console.log(`  a browser without fake media devices: ${line}`);
}

/** The main-thread and frame-timing figures of a run. */
function printTiming(name, run) {
  console.log(`  ${name}: main-thread tasks over 50 ms while talking: ${run.talking.count} (longest ${run.talking.longest.toFixed(0)} ms); during Save: ${run.saving.count} (longest ${run.saving.longest.toFixed(0)} ms)`);
  const connect = run.log.find((l) => l.includes('Connect to ready:'));
  if (connect) console.log(`  ${name}: ${connect.replace(/^info \| /, '')} (as the page measures it)`);
  const frames = run.log.filter((l) => l.includes('Model audio frames so far')).pop();
  if (frames) console.log(`  ${name}: ${frames.replace(/^info \| /, '')}`);
}

console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed (end-to-end)`);
process.exit(failed ? 1 : 0);
