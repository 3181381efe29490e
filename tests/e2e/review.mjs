// End-to-end checks of the review view (issue 26): a stored conversation opened from the
// Stored conversations list shows its waveform with the turns drawn, its lines in time order,
// and a click on a line plays from there (the player's currentTime, after it has seeked,
// within 50 ms of the line's start). Called from e2e.mjs (each conversation) and look.mjs
// (screenshots and axe on desktop and phone).

/** Opens the newest stored conversation's review; what the dialog shows. */
export async function openReview(page) {
  const name = await page
    .waitForFunction(() => {
      const buttons = [...document.querySelectorAll('#rec-stored button[data-action="review"]')];
      const keys = buttons.map((b) => b.dataset.key).filter((k) => !k.includes('.part'));
      return keys.sort().at(-1);
    }, null, { timeout: 10_000 })
    .then((h) => h.jsonValue(), () => '');
  if (!name) return { name, open: false };
  await page.click(`#rec-stored button[data-action="review"][data-key="${name}"]`);
  const open = await page
    .waitForSelector('#review[open] #review-lines li', { timeout: 15_000 })
    .then(() => true, () => false);
  return page.evaluate(({ name, open }) => {
    const canvas = document.querySelector('#review-wave');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let you = 0, model = 0;
    for (let i = 0; i < data.length; i += 4) {
      // The peaks themselves (opaque): blue (#2a7de1) or orange (#e8731c); the bands are faint.
      if (data[i + 3] < 250) continue;
      if (data[i] === 0x2a && data[i + 2] === 0xe1) you++;
      if (data[i] === 0xe8 && data[i + 2] === 0x1c) model++;
    }
    const lines = [...document.querySelectorAll('#review-lines li')].map((li) => ({
      kind: li.className,
      at: Number(li.querySelector('time').getAttribute('datetime').slice(2, -1)),
      who: li.querySelector('b').textContent,
      text: li.querySelector('button').lastChild.textContent,
    }));
    return {
      name, open, you, model, lines,
      title: document.querySelector('#review-title').textContent,
      summary: document.querySelector('#review-summary').textContent,
      focused: document.activeElement?.id,
    };
  }, { name, open });
}

/** Clicks line `index`; where the player is once it has seeked, and the line it marks. */
export async function seekToLine(page, index) {
  const seeked = page.evaluate(() => new Promise((ok) => {
    const player = document.querySelector('#review-player');
    player.addEventListener('seeked', () => ok(player.currentTime), { once: true });
    setTimeout(() => ok(-1), 5_000);
  }));
  await page.click(`#review-lines li:nth-child(${index + 1}) button`);
  const at = await seeked;
  await page.evaluate(() => document.querySelector('#review-player').pause());
  const current = await page.$$eval('#review-lines li', (lis) => lis.findIndex((l) => l.getAttribute('aria-current') === 'true'));
  return { at, current };
}

/** The review of the conversation just stored against its exported record (`record`: the
 * JSON saved from the page), then a click on the first reply seeks there. */
export async function checkReview(label, page, record, h) {
  const shown = await openReview(page);
  h.check(`${label}: Review opens the stored conversation in a dialog`, shown.open && /^Review: the conversation of \d{4}-\d\d-\d\d \d\d:\d\d$/.test(shown.title),
    `${shown.name}: ${shown.title}`);
  const turns = shown.lines.filter((l) => l.kind === 'you' || l.kind === 'model');
  // Each line's <time datetime> holds its start to the millisecond.
  const expected = record.turns.map((t) => `${(t.start).toFixed(3)} ${t.text || '(no words)'}`);
  const listed = turns.map((l) => `${l.at.toFixed(3)} ${l.text}`);
  const same = turns.length === record.turns.length && turns.every((l, i) =>
    Math.abs(l.at - record.turns[i].start) <= 0.0005 + 1e-9 && l.text === (record.turns[i].text || '(no words)'));
  h.check(`${label}: the review lists the record's turns in order, each at its start (to the ms)`,
    same, `${listed.join(' | ')} against ${expected.join(' | ')}`);
  h.check(`${label}: the review's waveform draws your voice and the model's in their colours`, shown.you > 100 && shown.model > 100,
    `${shown.you} px blue, ${shown.model} px orange`);
  const reply = shown.lines.findIndex((l) => l.kind === 'model');
  const seek = reply >= 0 ? await seekToLine(page, reply) : { at: -1, current: -1 };
  const start = shown.lines[reply]?.at ?? NaN;
  h.check(`${label}: a click on the first reply plays from its start (the player within 50 ms) and marks it`,
    Math.abs(seek.at - start) <= 0.05 && seek.current === reply,
    `line ${reply} at ${start} s, player at ${seek.at.toFixed?.(3)} s, marked line ${seek.current}`);
  await page.keyboard.press('Escape');
  const closed = await page.waitForSelector('#review:not([open])', { state: 'attached', timeout: 5_000 }).then(() => true, () => false);
  const released = await page.waitForFunction(() => !document.querySelector('#review-player').getAttribute('src'), null, { timeout: 5_000 })
    .then(() => true, () => false);
  h.check(`${label}: Escape closes the review and lets go of the file`, closed && released);
}
