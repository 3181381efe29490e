// The page as people meet it: screenshots at 1280x800 and 360x740, light and dark, at ready,
// listening, the model speaking and with the recording card filled (kept in target/e2e/look);
// an axe-core audit at each of them (no serious or critical violation); the talk control's
// ring following who is heard; no layout shift while talking; a keyboard-only run. Called
// from e2e.mjs.

import { openReview, seekToLine } from './review.mjs';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 360, height: 740 },
];

/** Opens the settings dialog, runs `fn` (fills its fields), and closes it with Done. */
export async function inSettings(page, fn) {
  await page.click('#settings-open');
  await page.waitForSelector('#settings-dialog[open]');
  await fn();
  await page.click('#settings-done');
  await page.waitForSelector('#settings-dialog:not([open])', { state: 'attached' });
}

/** axe-core's serious and critical violations on the page as it is now. */
async function audit(page) {
  // Evaluated over the DevTools protocol, so a Content-Security-Policy does not stop it.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Sums layout shifts not caused by input (CLS entries) from now on, in `window.e2eShift`. */
function watchShifts(page) {
  return page.evaluate(() => {
    window.e2eShift = { total: 0, sources: [] };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        window.e2eShift.total += e.value;
        for (const s of e.sources ?? []) window.e2eShift.sources.push(s.node?.id || s.node?.nodeName || '?');
      }
    }).observe({ type: 'layout-shift' });
  });
}

/** The talk control's ring: whose level it shows, and how far (0 to 100). */
const ring = (page) => page.$eval('#talk', (t) => ({ side: t.dataset.side, level: Number(t.style.getPropertyValue('--level') || 0) }));

/** Whether the ring shows `side` above 40 of 100 within `timeout` ms. */
const ringShows = (page, side, timeout) => page.waitForFunction((side) => {
  const t = document.querySelector('#talk');
  return t.dataset.side === side && Number(t.style.getPropertyValue('--level')) > 40;
}, side, { timeout, polling: 50 }).then(() => true, () => false);

export async function lookAndFeel(base, h) {
  const dir = join(h.outDir, 'look');
  mkdirSync(dir, { recursive: true });
  const browser = await h.launch([
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${h.speechPath}%noloop`,
  ]);
  try {
    for (const size of SIZES) {
      const page = await browser.newPage({ viewport: { width: size.width, height: size.height }, acceptDownloads: true });
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      const violations = [];
      let shots = 0;
      const capture = async (state) => {
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          await page.screenshot({ path: join(dir, `${size.name}-${scheme}-${state}.png`) });
          shots++;
        }
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          for (const v of await audit(page)) violations.push(`${state}, ${scheme}: ${v}`);
        }
        await page.emulateMedia({ colorScheme: 'light' });
      };
      await page.goto(`${base}?format=stereo`);
      await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      h.check(`look ${size.name}: nothing wider than the screen`, overflow <= 0, `${overflow} px too wide`);
      await page.click('#connect');
      await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
      await capture('ready');
      await watchShifts(page);
      await page.click('#mic-start');
      await page.waitForSelector('#status[data-state="listening"]', { timeout: 10_000 });
      // Sentence A is heard: the ring follows your level.
      const yours = await ringShows(page, 'you', 10_000);
      await capture('listening');
      await page.waitForSelector('#status[data-state="speaking"]', { timeout: 15_000 });
      const models = await ringShows(page, 'model', 5_000);
      await capture('speaking');
      h.check(`look ${size.name}: the talk control's ring follows your level, then the model's`, yours && models, JSON.stringify(await ring(page)));
      await page.waitForTimeout((h.speechSeconds + 1) * 1000);
      await page.click('#mic-stop');
      await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
      const shift = await page.evaluate(() => window.e2eShift);
      h.check(`look ${size.name}: no layout shift while talking`, shift.total < 0.001,
        `shift ${shift.total.toFixed(4)} from ${[...new Set(shift.sources)].join(', ')}`);
      await page.click('#rec-listen');
      await page.waitForSelector('#rec-player:not([hidden])', { timeout: 5_000 });
      const playable = await page.$eval('#rec-player', (a) => new Promise((ok) => {
        if (a.readyState >= 1) ok(a.duration);
        a.onloadedmetadata = () => ok(a.duration);
        a.onerror = () => ok(-1);
      }));
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-save')]);
      const file = join(dir, `${size.name}.wav`);
      await download.saveAs(file);
      const wav = h.parseWav(readFileSync(file));
      const saved = wav.samples.length / wav.channels / wav.rate;
      h.check(`look ${size.name}: Listen puts the whole recording in the page's player (as long as the saved file)`,
        Math.abs(playable - saved) < 0.01 && saved > h.speechSeconds, `player ${playable.toFixed?.(3)} s, file ${saved.toFixed(3)} s`);
      await capture('recorded');
      // The conversation stored, reviewed: the dialog's screenshots and audit, a line seeked to.
      await page.click('#disconnect');
      await page.waitForSelector('#status[data-state="closed"]', { timeout: 10_000 });
      const review = await openReview(page);
      const reply = review.lines.findIndex((l) => l.kind === 'model');
      const seek = reply >= 0 ? await seekToLine(page, reply) : { at: -1 };
      const start = review.lines[reply]?.at ?? NaN;
      const wide = await page.evaluate(() => document.querySelector('#review').scrollWidth - document.querySelector('#review').clientWidth);
      h.check(`look ${size.name}: the review shows the conversation's turns, drawn, and a click on a reply seeks there (within 50 ms)`,
        review.open && review.lines.length >= 2 && review.you > 100 && review.model > 100 && Math.abs(seek.at - start) <= 0.05 && wide <= 0,
        `${review.lines.length} lines, ${review.you}/${review.model} px, reply at ${start} s, player at ${seek.at.toFixed?.(3)} s, ${wide} px too wide`);
      await page.evaluate(() => document.querySelector('#review-lines').scrollTo(0, 0));
      await capture('review');
      h.check(`look ${size.name}: ${shots} screenshots (ready, listening, speaking, recorded, review; light and dark)`, shots === 10);
      h.check(`look ${size.name}: axe-core finds no serious or critical violation in any of them`, violations.length === 0, violations.join('; '));
      h.check(`look ${size.name}: no console error`, errors.length === 0, errors.join('; '));
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

/** Tab presses from the current focus until `id` has it (at most `max`); the ids passed. */
async function tabTo(page, id, max = 20) {
  const path = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
    path.push(at);
    if (at === id) return path;
  }
  return null;
}

/** Keyboard only: Tab to the talk control, Space starts, Enter stops; the settings dialog
 * opens, traps focus, closes with Escape; every control of the page can be reached. */
export async function keyboard(base, h) {
  const browser = await h.launch([
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${h.speechPath}`,
  ]);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    const path = await tabTo(page, 'talk', 5);
    h.check('keyboard: Tab reaches the talk control (second stop, after Settings)', path?.join(',') === 'settings-open,talk', path?.join(','));
    const outline = await page.$eval('#talk', (t) => getComputedStyle(t).outlineStyle + ' ' + getComputedStyle(t).outlineWidth);
    h.check('keyboard: the focused control shows a visible focus ring', outline.startsWith('solid') && parseFloat(outline.split(' ')[1]) >= 2, outline);
    const named = await page.$eval('#talk', (t) => t.getAttribute('aria-label'));
    await page.keyboard.press('Space');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    const on = await page.$eval('#talk', (t) => [t.getAttribute('aria-pressed'), t.getAttribute('aria-label')]);
    await page.keyboard.press('Enter');
    // The reply to what the microphone heard plays out first.
    await page.waitForFunction(() => document.querySelector('#talk').getAttribute('aria-pressed') === 'false'
      && document.querySelector('#status').dataset.state === 'ready', null, { timeout: 30_000 });
    const off = await page.$eval('#talk', (t) => t.getAttribute('aria-label'));
    h.check('keyboard: Space starts talking, Enter stops; the state is in the accessible name',
      named === 'Talk: not connected' && on[0] === 'true' && on[1] === 'Stop talking: listening' && off === 'Talk: ready',
      `${named} / ${on.join(' ')} / ${off}`);

    // Every enabled control outside the dialog is reached by Tab.
    const controls = await page.$$eval('main button:not([disabled]), main input, main select, main summary, header button',
      (els) => els.filter((e) => e.checkVisibility()).map((e) => e.id || e.textContent.trim()));
    const reached = new Set();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent.trim()));
    }
    const missed = controls.filter((c) => !reached.has(c));
    h.check(`keyboard: every one of the page's ${controls.length} enabled controls is reached by Tab`, missed.length === 0, `missed ${missed.join(', ')}`);

    await page.focus('#talk');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#settings-dialog[open]', { timeout: 2_000 });
    await page.screenshot({ path: join(h.outDir, 'look', 'desktop-light-settings.png') });
    const dialogViolations = await audit(page);
    h.check('keyboard: axe-core finds no serious or critical violation with the settings open', dialogViolations.length === 0, dialogViolations.join('; '));
    const inside = [];
    for (let i = 0; i < 40; i++) {
      inside.push(await page.evaluate(() => Boolean(document.activeElement?.closest('#settings-dialog'))));
      await page.keyboard.press('Tab');
    }
    h.check('keyboard: the settings dialog opens with Enter and keeps focus inside while open (40 Tabs)', inside.every(Boolean), `${inside.filter((x) => !x).length} outside`);
    await page.keyboard.press('Escape');
    const closed = await page.evaluate(() => [document.querySelector('#settings-dialog').open, document.activeElement?.id]);
    h.check('keyboard: Escape closes it and focus returns to Settings', closed[0] === false && closed[1] === 'settings-open', closed.join(', '));
    h.check('keyboard: no page error', errors.length === 0, errors.join('; '));
  } finally {
    await browser.close();
  }
}

/** Settings chosen in the dialog are there on the next visit (a new tab); the key is not
 * stored anywhere unless "remember" is ticked. */
export async function remembered(base, h) {
  const browser = await h.launch();
  try {
    const context = await browser.newContext();
    const first = await context.newPage();
    await first.goto(base);
    await first.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    const key = 'AIzaRememberTestKey0123456789';
    await inSettings(first, async () => {
      await first.selectOption('#backend', 'key');
      await first.fill('#secret', key);
      await first.selectOption('#voice', 'Kore');
      await first.fill('#instruction', 'Answer in one sentence.');
      await first.uncheck('#transcription');
      await first.fill('#silence', '700');
      await first.selectOption('#rec-format', 'stereo');
    });
    // The dialog's `close` event (which stores them) is a task of its own after the dialog
    // closes: under load the tab could be gone before it ran (seen once in a --bench run).
    await first.waitForFunction(() => (localStorage.getItem('gemini-live-voice.settings') ?? '').includes('Kore'), null, { timeout: 5_000 }).catch(() => {});
    await first.close();
    const next = await context.newPage();
    await next.goto(base);
    await next.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    const kept = await next.evaluate(() => ['backend', 'voice', 'instruction', 'silence', 'rec-format', 'secret']
      .map((id) => document.getElementById(id).value).concat(document.getElementById('transcription').checked));
    h.check('settings: remembered on the next visit (backend, voice, instruction, transcripts, silence, format), the key not',
      kept.join('|') === 'key|Kore|Answer in one sentence.|700|stereo||false', kept.join('|'));
    const stored = await next.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    h.check('settings: the key is in no storage unless "remember" is ticked', !stored.includes(key) && stored.includes('Kore'), stored.slice(0, 200));
  } finally {
    await browser.close();
  }
}
