// Diagnostic, not part of the test run: after reconnects and Disconnect, is an AudioContext
// still reachable? If so, prints its retainer paths from a heap snapshot (how the Chromium
// worklet-node retention in docs/testing.md, Long use, was found).
//
//   node tests/e2e/retainers.mjs <dist> <speech.wav> <emulator ws url> <key> [runs] [reconnects]
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const [dist, speech, emu, key, runs = '5', reconnects = '10'] = process.argv.slice(2);
const server = await serve(dist);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${speech}`],
});

async function contexts(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const proto = await cdp.send('Runtime.evaluate', { expression: 'AudioContext.prototype' });
  const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
  const s = await cdp.send('Runtime.callFunctionOn', { objectId: objects.objectId, functionDeclaration: 'function () { return this.map((c) => c.state).join(","); }', returnByValue: true });
  await cdp.send('Runtime.releaseObject', { objectId: objects.objectId });
  return s.result.value;
}

async function snapshot(cdp) {
  let chunks = [];
  const on = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', on);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', on);
  return JSON.parse(chunks.join(''));
}

function retainers(snap, match) {
  const { node_fields, edge_fields, node_types, edge_types } = snap.snapshot.meta;
  const NF = node_fields.length, EF = edge_fields.length;
  const nodes = snap.nodes, edges = snap.edges, strings = snap.strings;
  const nTypes = node_types[0], eTypes = edge_types[0];
  const n = nodes.length / NF;
  const firstEdge = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) firstEdge[i + 1] = firstEdge[i] + nodes[i * NF + 4];
  const rev = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e++) {
      const t = eTypes[edges[e * EF]];
      if (t === 'weak') continue;
      const to = edges[e * EF + 2] / NF;
      const nm = t === 'element' || t === 'hidden' ? `[${edges[e * EF + 1]}]` : strings[edges[e * EF + 1]];
      rev[to].push([i, `${t}:${nm}`]);
    }
  }
  const label = (i) => `${nTypes[nodes[i * NF]]} ${strings[nodes[i * NF + 1]].slice(0, 60)} @${nodes[i * NF + 2]}`;
  const targets = [];
  for (let i = 0; i < n; i++) if (strings[nodes[i * NF + 1]] === match && nTypes[nodes[i * NF]] !== 'string') targets.push(i);
  for (const t of targets) {
    console.log(`target ${label(t)}`);
    // BFS toward the root (node 0).
    const prev = new Map([[t, null]]);
    const q = [t];
    let found = false;
    while (q.length && !found) {
      const x = q.shift();
      for (const [from, via] of rev[x]) {
        if (prev.has(from)) continue;
        prev.set(from, [x, via]);
        if (from === 0) { found = true; break; }
        q.push(from);
      }
    }
    if (!found) { console.log('  no path to the root'); continue; }
    let cur = 0;
    const path = [];
    while (cur !== t) { const [nx, via] = prev.get(cur); path.push(`${label(cur)} -${via}->`); cur = nx; }
    for (const p of path) console.log(`  ${p}`);
    console.log(`  ${label(t)}`);
  }
}

try {
  for (let r = 0; r < Number(runs); r++) {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    const url = `${emu}?fault=goaway&fault_after_ms=700`;
    await page.goto(`${base}?backend=url&url=${encodeURIComponent(url)}&key=${key}`);
    await page.waitForSelector('#status[data-state="idle"]');
    await page.evaluate((k) => { const s = document.getElementById('secret'); s.value = k; s.dispatchEvent(new Event('input', { bubbles: true })); s.dispatchEvent(new Event('change', { bubbles: true })); }, key);
    await page.click('#talk');
    let count = 0;
    const deadline = Date.now() + 40_000;
    while (count < Number(reconnects) && Date.now() < deadline) {
      await page.waitForTimeout(250);
      count = await page.$$eval('#log li', (lis) => lis.filter((l) => l.textContent.startsWith('Reconnected')).length);
    }
    await page.click('#disconnect');
    await page.waitForSelector('#status[data-state="closed"]');
    const at = Date.now();
    let st = await contexts(cdp);
    while (st && Date.now() - at < 3000) { await page.waitForTimeout(250); st = await contexts(cdp); }
    console.log(`run ${r}: ${count} reconnects; contexts after ${Date.now() - at} ms: [${st}]`);
    if (st) retainers(await snapshot(cdp), 'AudioContext');
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
