// Long use: the page returns to its baseline after Start/Stop Mic cycles, reconnects and
// Connect/Disconnect cycles. Measured over the Chrome DevTools Protocol after forced garbage
// collections: the JS heap, event listeners, live AudioContexts (queryObjects), and the DOM
// nodes in the document, the log and transcript lines emptied first (they are the
// conversation's, trimmed at 500) and the stored conversations' list left out (the
// recordings). Blink's count of all live nodes is printed too: it includes detached nodes its
// own collector has not reclaimed yet, so it moves with collector timing. The recording
// itself lives in wasm memory and the storage worker. Called from e2e.mjs; the figures go in
// docs/testing.md (Long use).

import { inSettings } from './look.mjs';

/** The page's figures now, after a full garbage collection. */
async function measure(page, cdp) {
  await page.evaluate(() => {
    for (const id of ['log', 'transcript']) document.getElementById(id).replaceChildren();
  });
  // Twice: the first pass lets Blink release what V8's collection unpinned.
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const proto = await cdp.send('Runtime.evaluate', { expression: 'AudioContext.prototype' });
  const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
  const count = await cdp.send('Runtime.callFunctionOn', { objectId: objects.objectId, functionDeclaration: 'function () { return this.length; }', returnByValue: true });
  const states = await cdp.send('Runtime.callFunctionOn', { objectId: objects.objectId, functionDeclaration: 'function () { return this.map((c) => c.state).join(","); }', returnByValue: true });
  await cdp.send('Runtime.releaseObject', { objectId: objects.objectId });
  const inDoc = await page.evaluate(() => {
    // The stored conversations' list is the recordings themselves: not counted.
    let n = 0;
    const stored = document.getElementById('rec-stored');
    const w = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
    while (w.nextNode()) if (!stored.contains(w.currentNode)) n++;
    return n;
  });
  return { heap: m.JSHeapUsedSize / 1e6, nodes: m.Nodes, inDoc, listeners: m.JSEventListeners, contexts: count.result.value, states: states.result.value };
}

const show = (f) => `heap ${f.heap.toFixed(2)} MB, ${f.inDoc} DOM nodes (${f.nodes} alive in all), ${f.listeners} listeners, ${f.contexts} AudioContext(s)${f.contexts ? ` (${f.states})` : ''}`;

async function state(page, name, timeout = 20_000) {
  await page.waitForSelector(`#status[data-state="${name}"]`, { timeout });
}

const reconnected = (page) => page.$$eval('#log li', (lis) => lis.filter((l) => l.textContent.startsWith('Reconnected')).length);

export async function soak(base, emulator, h) {
  const browser = await h.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${h.speechPath}`]);
  const figures = [];
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');

    // 30 Start/Stop Mic cycles in one conversation on the offline stand-in.
    await page.goto(base);
    await state(page, 'idle');
    await page.click('#connect');
    await state(page, 'ready');
    await page.click('#mic-start');
    await state(page, 'listening');
    await page.click('#mic-stop');
    await page.waitForFunction(() => !document.querySelector('#mic-start').disabled, null, { timeout: 20_000 });
    const micBase = await measure(page, cdp);
    for (let i = 0; i < 30; i++) {
      await page.click('#mic-start');
      await page.waitForFunction(() => !document.querySelector('#mic-stop').disabled, null, { timeout: 10_000 });
      await page.waitForTimeout(300);
      await page.click('#mic-stop');
      await page.waitForFunction(() => !document.querySelector('#mic-start').disabled, null, { timeout: 20_000 });
    }
    const micAfter = await measure(page, cdp);
    figures.push(['30 Start/Stop Mic cycles', micBase, micAfter]);

    // 20 Connect/Disconnect cycles, from the first one's end.
    await page.click('#disconnect');
    await state(page, 'closed');
    const idleBase = await measure(page, cdp);
    for (let i = 0; i < 20; i++) {
      await page.click('#connect');
      await state(page, 'ready');
      await page.click('#disconnect');
      await state(page, 'closed');
    }
    const idleAfter = await measure(page, cdp);
    figures.push(['20 Connect/Disconnect cycles', idleBase, idleAfter]);

    // 10 reconnects: the emulator announces the end (goAway) 700 ms into every connection.
    const url = `${emulator.url}?fault=goaway&fault_after_ms=700`;
    await page.goto(`${base}?backend=url&url=${encodeURIComponent(url)}`);
    await state(page, 'idle');
    await inSettings(page, () => page.fill('#secret', emulator.key));
    await page.click('#talk');
    await page.waitForFunction(() => [...document.querySelectorAll('#log li')].some((l) => l.textContent.startsWith('Reconnected')), null, { timeout: 15_000 });
    await state(page, 'listening', 5_000);
    const linkBase = await measure(page, cdp);
    let count = 0;
    const deadline = Date.now() + 40_000;
    while (count < 10 && Date.now() < deadline) {
      await page.waitForTimeout(250);
      count = await reconnected(page);
    }
    await state(page, 'listening', 5_000);
    const linkAfter = await measure(page, cdp);
    figures.push([`${count} reconnects while talking`, linkBase, linkAfter]);
    await page.click('#disconnect');
    await state(page, 'closed');
    // The page closes its context on Disconnect without waiting; the browser keeps a context
    // alive until its close has finished (longer with a microphone open, under load).
    const closedAt = Date.now();
    let end = await measure(page, cdp);
    while (end.contexts > 0 && Date.now() - closedAt < 3_000) {
      await page.waitForTimeout(250);
      end = await measure(page, cdp);
    }
    end.closeMs = Date.now() - closedAt;
    figures.push(['after Disconnect', linkAfter, end]);

    for (const [name, before, after] of figures) console.log(`  soak: ${name}: ${show(before)} -> ${show(after)}`);
    const flat = (b, a, heapMb) => a.contexts === b.contexts && a.listeners <= b.listeners && a.inDoc <= b.inDoc && a.heap - b.heap < heapMb;
    h.check('soak: 30 Start/Stop Mic cycles leave listeners, DOM nodes, AudioContexts as they were, the JS heap within 1 MB', flat(micBase, micAfter, 1), `${show(micBase)} -> ${show(micAfter)}`);
    h.check('soak: 20 Connect/Disconnect cycles leave no AudioContext, listener or node behind, the JS heap within 1 MB', idleAfter.contexts === 0 && flat(idleBase, idleAfter, 1), `${show(idleBase)} -> ${show(idleAfter)}`);
    // While talking, a transcript line in flight at either measurement moves the count by a
    // node or two (459 -> 461 seen once); a leak per reconnect would be 10 or more.
    const talking = { ...linkAfter, inDoc: linkAfter.inDoc - 4 };
    h.check('soak: 10 reconnects (goAway every 700 ms) while talking: one AudioContext throughout, listeners and nodes as they were (within 4), the JS heap within 1 MB', count >= 10 && flat(linkBase, talking, 1), `${count} reconnects; ${show(linkBase)} -> ${show(linkAfter)}`);
    // Open means holding the audio device. A closed one still reachable after 3 s is seen in
    // about one run of five after the reconnects (before 2026-12-02's changes too); its
    // retainer is not known yet. The 20 Connect/Disconnect cycles above allow none at all.
    const open = end.contexts ? end.states.split(',').filter((st) => st !== 'closed').length : 0;
    h.check('soak: after Disconnect no AudioContext is left open (within 3 s: its close is asynchronous)', open === 0, `${show(end)}; measured ${end.closeMs} ms after Disconnect`);
    h.check('soak: no console error', errors.length === 0, errors.join('; '));
  } finally {
    await browser.close();
  }
}
