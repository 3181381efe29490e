// Benchmark: from navigation to a usable Talk control (the page's status leaves "loading"),
// on a throttled network and on loopback, and what the browser fetched by then and in the
// first 10 s. Headless Chromium with its network emulation (1.6 Mbit/s down, 750 kbit/s up,
// 150 ms round trip: Lighthouse's "slow 4G"), a fresh profile each run (nothing cached), the
// page served gzip level 9 (the page-weight measure). Sizes are the browser's own
// (Resource Timing's transferSize: headers and compressed body).
//
//   node tests/e2e/time-to-talk.mjs --dist DIR [--runs N]
//
// Prints one line per run and the median; docs/benchmarks.md keeps the figures.

import { chromium } from 'playwright-core';
import { resolve } from 'node:path';
import { serve } from './serve.mjs';
import { markUsable } from './weight.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const dist = resolve(arg('--dist', 'dist'));
const runs = Number(arg('--runs', '5'));
const SLOW = { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) };

const server = await serve(dist, { gzip: true });
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

/** One fresh load: ms to Talk usable, bytes fetched by then (and which), bytes in 10 s. */
async function load(throttled) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (throttled) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW);
  }
  await markUsable(page);
  await page.goto(base, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.e2eUsable !== undefined, null, { timeout: 60_000 });
  await page.waitForTimeout(10_000);
  const r = await page.evaluate(() => {
    const ready = window.e2eUsable;
    const nav = performance.getEntriesByType('navigation')[0];
    const all = [nav, ...performance.getEntriesByType('resource')].map((e) => ({
      name: e.name.split('/').pop() || 'index.html', start: e.startTime, bytes: e.transferSize,
    }));
    const before = all.filter((e) => e.start < ready);
    const sum = (list) => list.reduce((t, e) => t + e.bytes, 0);
    return { ready, before: sum(before), names: before.map((e) => e.name), all: sum(all), later: all.filter((e) => e.start >= ready).map((e) => e.name) };
  });
  await context.close();
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const throttled of [true, false]) {
  const label = throttled ? 'slow 4G (1.6 Mbit/s, 150 ms)' : 'loopback';
  const seen = [];
  for (let i = 1; i <= runs; i++) {
    const r = await load(throttled);
    seen.push(r);
    console.log(`  ${label}, run ${i}: Talk usable after ${r.ready.toFixed(0)} ms; fetched by then ${r.before} B (${r.names.join(', ')}); in 10 s ${r.all} B (later: ${r.later.join(', ') || 'nothing'})`);
  }
  console.log(`time to Talk, ${label}: median ${median(seen.map((r) => r.ready)).toFixed(0)} ms over ${runs} runs; fetched before it ${median(seen.map((r) => r.before))} B, in 10 s ${median(seen.map((r) => r.all))} B`);
}
await browser.close();
server.close();
