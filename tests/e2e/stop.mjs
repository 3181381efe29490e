// A reply every time on 3.8 Live: the person says one sentence and stops 100 ms later. The
// emulator models the live service as other clients observed it (openclaw/openclaw#152830):
// 3.8 takes no `audioStreamEnd` as the end of a turn, and its voice activity detection ends
// a turn only while audio keeps arriving. So Stop must be followed by the page's own
// trailing silence, or no reply ever comes. Each turn-taking setting is tried: automatic
// turns (talking over the model interrupts it), automatic with no interruption, and
// push-to-talk (the release ends the turn with `activityEnd`).

import { join } from 'node:path';
import { withMicrophone, watchErrors, save, logOf } from './controls.mjs';
import { inSettings } from './look.mjs';

const SETTINGS = [
  { name: 'automatic', query: '' },
  { name: 'no interruption', query: '&interrupts=0' },
  { name: 'push-to-talk', query: '&turns=push' },
];

export async function stopRightAfterSpeech(base, emulator, h) {
  const figures = [];
  for (const setting of SETTINGS) {
    const label = `stop 100 ms after speaking (3.8 Live, ${setting.name})`;
    const browser = await withMicrophone(h, `${h.speechPath}%noloop`);
    try {
      const page = await browser.newPage({ acceptDownloads: true });
      const errors = watchErrors(page);
      const url = `${emulator.url}`;
      await page.goto(`${base}?backend=url&model=gemini-3.8-live&format=stereo${setting.query}&url=${encodeURIComponent(url)}`);
      await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
      await inSettings(page, () => page.fill('#secret', emulator.key));
      await page.click('#connect');
      await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
      // When the microphone ran, when the person stopped, when the model was first heard.
      await page.evaluate(() => {
        window.e2eStop = {};
        const status = document.querySelector('#status');
        new MutationObserver(() => {
          const state = status.dataset.state;
          if (state === 'listening') window.e2eStop.listening ??= performance.now();
          if (state === 'speaking') window.e2eStop.speaking ??= performance.now();
        }).observe(status, { attributes: true });
      });
      const push = setting.name === 'push-to-talk';
      if (push) await page.keyboard.down(' ');
      else await page.click('#mic-start');
      await page.waitForSelector('#status[data-state="listening"]', { timeout: 10_000 });
      // The file's first sentence ends at A.end from the microphone's start: stop 100 ms on.
      const listening = await page.evaluate(() => window.e2eStop.listening ?? performance.now());
      const wait = h.A.end * 1000 + 100 - (await page.evaluate(() => performance.now()) - listening);
      await page.waitForTimeout(Math.max(0, wait));
      if (push) await page.keyboard.up(' ');
      else await page.click('#mic-stop');
      const stopped = await page.evaluate(() => performance.now());
      const heard = await page
        .waitForSelector('#status[data-state="speaking"]', { timeout: 15_000 })
        .then(() => true, () => false);
      const times = await page.evaluate(() => window.e2eStop);
      const toReply = heard ? times.speaking - stopped : NaN;
      if (heard) await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
      const wav = h.parseWav(await save(page, join(h.outDir, `stop-${setting.name.replace(/ /g, '-')}.wav`)));
      const you = h.segments(h.channel(wav, 0), wav.rate);
      const model = h.segments(h.channel(wav, 1), wav.rate);
      const spans = (s) => s.map((x) => `${x.start.toFixed(2)}-${x.end.toFixed(2)}`).join(', ');
      h.check(`${label}: a spoken reply, in the recording after the sentence`,
        heard && you.length === 1 && model.length >= 1 && model[0].start > you[0].end,
        `Stop to the reply heard ${toReply.toFixed(0)} ms; you ${spans(you)}; model ${spans(model)}`);
      const log = await logOf(page);
      const took = log.find((l) => l.includes('The model took your turn after'));
      if (!push) {
        h.check(`${label}: the log says silence went on until the model took the turn`, Boolean(took), took ?? log.slice(-6).join(' | '));
      } else {
        h.check(`${label}: the release ends the turn itself (no trailing silence)`, !took, took ?? '');
      }
      h.check(`${label}: no error in the log or console`,
        !log.some((l) => l.startsWith('error')) && errors.length === 0, [...errors, ...log.filter((l) => l.startsWith('error'))].join(' | '));
      figures.push(`${setting.name} ${toReply.toFixed(0)} ms`);
    } finally {
      await browser.close();
    }
  }
  console.log(`  Stop (or release) to the first reply heard, 3.8 Live on the emulator: ${figures.join('; ')}`);
}
