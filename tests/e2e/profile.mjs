// Where the page's long main-thread tasks go: a conversation against the emulator (the speech
// file looping into the microphone) with the DevTools Protocol's CPU profiler sampling every
// 250 us and a PerformanceObserver recording tasks over 50 ms; the samples inside those tasks
// grouped by function (self and inclusive). Use a debug build for function names.
//
//   node tests/e2e/profile.mjs DIST SPEECH.wav EMULATOR_URL KEY SECONDS
//   PREFILL=600 node tests/e2e/profile.mjs ...   (the log and transcript filled first)

import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const [dist, speech, emu, key, seconds] = process.argv.slice(2);
const server = await serve(dist);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${speech}`] });
const page = await browser.newPage();
await page.goto(`${base}?backend=url&url=${encodeURIComponent(`${emu}?burst=8`)}`);
await page.waitForSelector('#status[data-state="idle"]');
await page.click('#settings-open').catch(() => {});
await page.evaluate((k) => { const s = document.querySelector('#secret'); s.value = k; s.dispatchEvent(new Event('input', { bubbles: true })); s.dispatchEvent(new Event('change', { bubbles: true })); }, key);
await page.evaluate(() => document.querySelector('#settings-dialog')?.close());
await page.click('#connect');
await page.waitForSelector('#status[data-state="ready"]');
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
await page.evaluate(() => { window.tasks = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.tasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask' }); });
if (process.env.PREFILL) await page.evaluate((n) => { for (const id of ['log', 'transcript']) { const l = document.getElementById(id); for (let i = 0; i < n; i++) { const li = document.createElement('li'); li.className = id === 'log' ? 'info' : (i % 2 ? 'you' : 'model'); li.textContent = `line ${i}: some words of a conversation that goes on for a while, as people talk`; l.append(li); } } }, Number(process.env.PREFILL));
const t0 = await page.evaluate(() => performance.now());
await cdp.send('Profiler.start');
await page.click('#mic-start');
await page.waitForTimeout(Number(seconds) * 1000);
const { profile } = await cdp.send('Profiler.stop');
const tasks = await page.evaluate(() => window.tasks);
console.log('long tasks:', tasks.map(([s, d]) => `${((s - t0) / 1000).toFixed(1)}s:${d.toFixed(0)}ms`).join(' '));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let t = 0;
const times = profile.timeDeltas.map((d) => (t += d));
const stackOf = (id) => { const out = []; while (id) { const f = nodes.get(id).callFrame; out.push(f.functionName || `(${f.url.split('/').pop()}:${f.lineNumber})`); id = parent.get(id); } return out; };
const self = new Map(), incl = new Map();
let total = 0;
for (const [s, d] of tasks) {
  const lo = (s - t0) * 1000, hi = lo + d * 1000;
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] < lo || times[i] > hi) continue;
    total++;
    const st = stackOf(profile.samples[i]);
    self.set(st[0], (self.get(st[0]) ?? 0) + 1);
    for (const f of new Set(st)) incl.set(f, (incl.get(f) ?? 0) + 1);
  }
}
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([f, n]) => `${(100 * n / total).toFixed(0)}% ${f.slice(0, 110)}`).join('\n  ');
console.log(`samples in long tasks: ${total}\nself:\n  ${top(self)}\ninclusive:\n  ${top(incl)}`);
await browser.close();
server.close();
