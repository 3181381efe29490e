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
  const live = async (prototype, summary) => {
    const proto = await cdp.send('Runtime.evaluate', { expression: `${prototype}.prototype` });
    const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
    const { result } = await cdp.send('Runtime.callFunctionOn', { objectId: objects.objectId, functionDeclaration: summary, returnByValue: true });
    await cdp.send('Runtime.releaseObject', { objectId: objects.objectId });
    return result.value;
  };
  const contexts = await live('AudioContext', 'function () { return [this.length, this.map((c) => c.state).join(",")]; }');
  const worklets = await live('AudioWorkletNode', 'function () { return this.length; }');
  const inDoc = await page.evaluate(() => {
    // The stored conversations' list is the recordings themselves: not counted.
    let n = 0;
    const stored = document.getElementById('rec-stored');
    const w = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
    while (w.nextNode()) if (!stored.contains(w.currentNode)) n++;
    return n;
  });
  return { heap: m.JSHeapUsedSize / 1e6, nodes: m.Nodes, inDoc, listeners: m.JSEventListeners, contexts: contexts[0], states: contexts[1], worklets };
}

const show = (f) => `heap ${f.heap.toFixed(2)} MB, ${f.inDoc} DOM nodes (${f.nodes} alive in all), ${f.listeners} listeners, ${f.contexts} AudioContext(s)${f.contexts ? ` (${f.states})` : ''}, ${f.worklets} worklet node(s)`;

async function state(page, name, timeout = 20_000) {
  await page.waitForSelector(`#status[data-state="${name}"]`, { timeout });
}

/** Clicks Disconnect; the figures once no context or worklet node is left, or after 3 s. */
async function disconnected(page, cdp) {
  await page.click('#disconnect');
  await state(page, 'closed');
  // The context closes after the microphone's processor has stopped, and the browser keeps
  // it alive until its close has finished (longer under load).
  const closedAt = Date.now();
  let end = await measure(page, cdp);
  while ((end.contexts > 0 || end.worklets > 0) && Date.now() - closedAt < 3_000) {
    await page.waitForTimeout(250);
    end = await measure(page, cdp);
  }
  end.closeMs = Date.now() - closedAt;
  return end;
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
    const end = await disconnected(page, cdp);
    figures.push(['after Disconnect', linkAfter, end]);
    // Disconnect with the microphone open, 5 more times: before the fix, nearly every one
    // left the closed context behind.
    const left = [];
    await page.goto(`${base}?backend=url&url=${encodeURIComponent(emulator.url)}`);
    await state(page, 'idle');
    await inSettings(page, () => page.fill('#secret', emulator.key));
    for (let i = 0; i < 5; i++) {
      await page.click('#talk');
      await state(page, 'listening');
      await page.waitForTimeout(300);
      const after = await disconnected(page, cdp);
      if (after.contexts || after.worklets) left.push(show(after));
    }

    for (const [name, before, after] of figures) console.log(`  soak: ${name}: ${show(before)} -> ${show(after)}`);
    const flat = (b, a, heapMb) => a.contexts === b.contexts && a.worklets <= b.worklets && a.listeners <= b.listeners && a.inDoc <= b.inDoc && a.heap - b.heap < heapMb;
    h.check('soak: 30 Start/Stop Mic cycles leave listeners, DOM nodes, AudioContexts, worklet nodes as they were, the JS heap within 1 MB', flat(micBase, micAfter, 1), `${show(micBase)} -> ${show(micAfter)}`);
    h.check('soak: 20 Connect/Disconnect cycles leave no AudioContext, listener or node behind, the JS heap within 1 MB', idleAfter.contexts === 0 && flat(idleBase, idleAfter, 1), `${show(idleBase)} -> ${show(idleAfter)}`);
    // While talking, a transcript line in flight at either measurement moves the count by a
    // node or two (459 -> 461 seen once); a leak per reconnect would be 10 or more.
    const talking = { ...linkAfter, inDoc: linkAfter.inDoc - 4 };
    h.check('soak: 10 reconnects (goAway every 700 ms) while talking: one AudioContext throughout, listeners and nodes as they were (within 4), the JS heap within 1 MB', count >= 10 && flat(linkBase, talking, 1), `${count} reconnects; ${show(linkBase)} -> ${show(linkAfter)}`);
    // A stopped microphone's worklet node stays alive in Chromium while its processor is
    // active, and it keeps its context alive even closed; the page closes the context only
    // after the processor's last call (rig.rs). Before, one run in five kept a closed one.
    h.check('soak: after Disconnect no AudioContext and no worklet node is left (within 3 s: the close is asynchronous)', end.contexts === 0 && end.worklets === 0, `${show(end)}; measured ${end.closeMs} ms after Disconnect`);
    h.check('soak: 5 Talk/Disconnect cycles each leave no AudioContext and no worklet node (within 3 s)', left.length === 0, left.join('; '));
    h.check('soak: no console error', errors.length === 0, errors.join('; '));
  } finally {
    await browser.close();
  }
}
