// End-to-end: where the recording is kept. A tab whose renderer crashes mid-reply is
// recovered on the next visit (on the OPFS and on IndexedDB) and the recovered file passes the
// recording checks; two tabs recording at once see each other's file as being recorded; a
// storage that refuses every write leaves the recording whole in memory. Called from e2e.mjs.

import { chromium } from 'playwright-core';
import { readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';


/** A conversation on the offline stand-in (the storage `store`: OPFS, or `indexeddb`) whose
 * renderer crashes 1.5 s into the second reply: the next page in the same profile offers it
 * for recovery, holding all but the last second, and every check of the recording holds on
 * what it holds. */
export async function crashRecovery(base, store, h) {
  const { check, checkRecording, parseWav, outDir, speechPath } = h;
  const label = `crashed tab (${store})`;
  const profile = mkdtempSync(join(tmpdir(), 'e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...h.browserOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${speechPath}%noloop`]),
    acceptDownloads: true,
  });
  const query = `?format=stereo${store === 'opfs' ? '' : `&store=${store}`}`;
  try {
    let page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const sentAudio = await h.captureSent(page);
    await h.startTalking(page, base + query);
    const started = Date.now();
    await h.watchStates(page);
    await page.waitForFunction(() => window.e2eStates.filter((s) => s === 'speaking').length >= 2, null, { timeout: 20_000 });
    await page.waitForTimeout(1_500);
    const cdp = await context.newCDPSession(page);
    const talked = (Date.now() - started) / 1000;
    // The renderer dies at once; neither the crash request nor closing it ever answers.
    const settle = (promise) => Promise.race([promise.catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
    await settle(cdp.send('Page.crash'));
    await settle(page.close());
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + query);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    const offered = await page
      .waitForFunction(() => [...document.querySelectorAll('#rec-stored li span')].map((l) => l.textContent).find((t) => t.startsWith('Recover')), null, { timeout: 10_000 })
      .then((h) => h.jsonValue())
      .catch(() => '');
    check(`${label}: its conversation is offered for recovery`, offered.startsWith('Recover the conversation of'), offered);
    // Where it was kept: the OPFS directory's files and the IndexedDB databases.
    const kept = await page.evaluate(async () => {
      const files = [];
      for await (const name of (await navigator.storage.getDirectory()).keys()) files.push(name);
      return { files: files.length, databases: (await indexedDB.databases()).map((d) => d.name) };
    });
    // On the OPFS the recording and its record (a file beside it); in IndexedDB one entry.
    check(`${label}: it was kept in ${store === 'opfs' ? 'the OPFS' : 'IndexedDB'} only`,
      store === 'opfs' ? kept.files === 2 && kept.databases.length === 0 : kept.files === 0 && kept.databases.join() === 'gemini-live-voice-recordings', JSON.stringify(kept));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-stored li button[data-action="download"]')]);
    const file = join(outDir, `recovered-${store}.wav`);
    await download.saveAs(file);
    const wav = parseWav(readFileSync(file));
    const seconds = wav.samples.length / wav.channels / wav.rate;
    check(`${label}: it holds the conversation up to at most 1 s before the crash`, seconds >= talked - 1.0 - 0.4 && seconds <= talked + 0.2, `${seconds.toFixed(2)} s of ${talked.toFixed(2)} s talked (the microphone takes about 0.3 s to start)`);
    checkRecording(label, { file, name: download.suggestedFilename(), cutAt: seconds, errors, sentAudio });
    // Its record was kept beside it: the turns up to about the last second, on its clock.
    const [recordDownload] = await Promise.all([page.waitForEvent('download'), page.click('#rec-stored li button[data-action="record"]')]);
    const recordFile = join(outDir, `recovered-${store}.json`);
    await recordDownload.saveAs(recordFile);
    const record = JSON.parse(readFileSync(recordFile, 'utf8'));
    const turns = record.turns.map((t) => `${t.who} ${t.start.toFixed(2)}-${t.end.toFixed(2)}`);
    // Where the model's audio first begins in the recovered WAV (its first non-zero sample).
    const modelTrack = h.channel(wav, 1);
    const first = modelTrack.findIndex((x) => x !== 0) / wav.rate;
    const reply = record.turns.find((t) => t.who === 'model');
    check(`${label}: its record is recovered too: your first turn, the first reply starting within 20 ms of the WAV's, nothing past the file`,
      recordDownload.suggestedFilename().endsWith('.json') && record.schema === 'gemini-live-voice.record'
      && record.turns[0]?.who === 'you' && reply && first > 0 && Math.abs(reply.start - first) <= 0.02
      && record.turns.every((t) => t.start <= seconds),
      `${recordDownload.suggestedFilename()}: ${turns.join(', ')}; the model's audio begins at ${first.toFixed(3)} s; ${seconds.toFixed(2)} s recovered`);
    await page.click('#rec-stored li button[data-action="delete"]');
    const left = await page
      .waitForFunction(() => document.querySelectorAll('#rec-stored li').length === 0, null, { timeout: 10_000 })
      .then(() => 0)
      .catch(async () => page.$$eval('#rec-stored li', (l) => l.length));
    check(`${label}: Delete removes it`, left === 0, `${left} left`);
    await page.reload();
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.waitForTimeout(1_000);
    const again = await page.$$eval('#rec-stored li', (l) => l.length);
    check(`${label}: the next visit offers nothing more`, again === 0, `${again} listed`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Two tabs recording at once: each lists the other's recording as being recorded, with no
 * Download or Delete, never as one to recover; once it ends it is listed as a conversation. */
export async function twoTabs(base, h) {
  const { check, speechPath } = h;
  const profile = mkdtempSync(join(tmpdir(), 'e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...h.browserOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${speechPath}`]),
  });
  const listed = (page) => page.$$eval('#rec-stored li', (lis) => lis.map((l) => `${l.querySelector('span').textContent} [${[...l.querySelectorAll('button')].map((b) => b.textContent).join(' ')}]`));
  try {
    const first = await context.newPage();
    await h.startTalking(first, `${base}?format=mono24`);
    await first.waitForTimeout(2_000);
    const second = await context.newPage();
    await h.startTalking(second, `${base}?format=mono24`);
    await second.waitForTimeout(1_000);
    const seen = await listed(second);
    // Its length and size when the browser lets this tab read the file another tab is
    // writing (Chromium refuses now and then while the writer's access handle is open).
    check('two tabs: the other tab\'s recording is listed as being recorded, with no buttons',
      seen.length === 1 && /^Being recorded in another tab: the conversation of \d{4}-\d\d-\d\d \d\d:\d\d( \(0:0\d, \d+ kB\))? \[\]$/.test(seen[0]), seen.join('; '));
    await first.click('#mic-stop');
    await first.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    await first.click('#disconnect');
    await first.waitForSelector('#status[data-state="closed"]', { timeout: 10_000 });
    await first.reload();
    await first.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    const mine = await first
      .waitForFunction(() => document.querySelectorAll('#rec-stored li').length === 2, null, { timeout: 10_000 })
      .then(() => listed(first), () => listed(first));
    check('two tabs: after a reload, the ended one is a conversation, the other still being recorded',
      mine.length === 2 && mine.some((l) => /^Conversation of .* \[Review Download Record \(JSON\) Delete\]$/.test(l)) && mine.some((l) => /^Being recorded in another tab: .* \[\]$/.test(l)), mine.join('; '));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The browser refuses to store (a full disk): the page says so, and the recording goes on in
 * memory, whole. The storage worker is replaced by one that refuses every request. */
export async function storageRefused(base, h) {
  const { check, parseWav, outDir, speechPath } = h;
  const browser = await h.launch([
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${speechPath}%noloop`,
  ]);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.route('**/recording-worker.js', (route) => route.fulfill({
      contentType: 'text/javascript',
      body: "onmessage = ({ data }) => postMessage({ id: data.id, error: 'QuotaExceededError: the disk is full', name: 'QuotaExceededError' });",
    }));
    await h.startTalking(page, `${base}?format=mono16`);
    await page.waitForTimeout(5_000);
    await page.click('#mic-stop');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    const said = await page.$eval('#rec-stored-none', (e) => (e.hidden ? '' : e.textContent));
    // Read by the exception's name (a StorageError::Full), said with what to do about it.
    check('storage refused: the page says the recording is kept in this tab only, the disk full, and what to do',
      said.includes('kept in this tab only: the browser did not store it (the disk is full).') && said.endsWith('Free some disk space (or clear this site\'s stored conversations) for the next one.'), said);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-save')]);
    const file = join(outDir, 'not-stored.wav');
    await download.saveAs(file);
    const wav = parseWav(readFileSync(file));
    const seconds = wav.samples.length / wav.rate;
    // The whole file: the audio, then only the turns' cue points (the RIFF size covers both).
    check('storage refused: Save still has the whole conversation', wav.rate === 16_000 && seconds >= 4.5
      && wav.dataOffset + wav.dataSize <= statSync(file).size && wav.riffSize + 8 === statSync(file).size,
      `${seconds.toFixed(2)} s at ${wav.rate} Hz, ${wav.dataSize} bytes of audio in ${statSync(file).size}`);
    const log = await page.$$eval('#log li', (lis) => lis.map((l) => `${l.className} | ${l.textContent}`));
    check('storage refused: a warning, no error, in the log and the console', log.some((l) => l.startsWith('warn') && l.includes('kept in this tab only')) && !log.some((l) => l.startsWith('error')) && errors.length === 0,
      [...errors, ...log.filter((l) => !l.startsWith('server'))].join('; '));
  } finally {
    await browser.close();
  }
}
