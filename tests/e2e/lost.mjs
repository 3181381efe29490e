// A microphone lost mid-conversation: its track ends (unplugged, switched off, or taken by
// the system, as Safari does when a Bluetooth headset takes the input: webrtc/samples#1526).
// The page opens the system's default microphone and the conversation goes on; the recording
// keeps speech from before and after. Chromium's fake device never ends by itself, so the
// page's track is made to fire `ended` (an init script keeps the streams the page gets).

import { join } from 'node:path';
import { withMicrophone, watchErrors, save, logOf } from './controls.mjs';

const LOST = 'The microphone stopped (unplugged, switched, or taken by the system). Opening the system\'s default microphone: the conversation goes on.';

export async function microphoneLost(base, h) {
  const browser = await withMicrophone(h, h.speechPath);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await page.addInitScript(() => {
      window.e2eStreams = [];
      const open = MediaDevices.prototype.getUserMedia;
      MediaDevices.prototype.getUserMedia = async function (...args) {
        const stream = await open.apply(this, args);
        window.e2eStreams.push(stream);
        return stream;
      };
    });
    await page.goto(`${base}?format=mono16`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    const started = Date.now();
    await page.waitForTimeout(4_500); // the first sentence
    const lostAt = (Date.now() - started) / 1000;
    await page.evaluate(() => window.e2eStreams.at(-1).getAudioTracks()[0].dispatchEvent(new Event('ended')));
    const reopened = await page
      .waitForFunction((lost) => {
        const log = [...document.querySelectorAll('#log li')].map((l) => l.textContent);
        const i = log.indexOf(lost);
        return i >= 0 && log.slice(i).some((l) => l.startsWith('Microphone on'))
          && document.querySelector('#status').dataset.state === 'listening';
      }, LOST, { timeout: 10_000 })
      .then(() => true, () => false);
    const streams = await page.evaluate(() => window.e2eStreams.map((s) => s.getAudioTracks()[0].readyState));
    h.check('a microphone lost mid-conversation: the system default opens and the conversation goes on (the lost one released)',
      reopened && streams.length === 2 && streams[0] === 'ended' && streams[1] === 'live', `${reopened}; tracks ${streams.join(', ')}`);
    await page.waitForTimeout(4_000); // the new microphone plays the file from its start
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    const wav = h.parseWav(await save(page, join(h.outDir, 'microphone-lost.wav')));
    const you = h.segments(h.channel(wav, 0), wav.rate);
    const spans = you.map((x) => `${x.start.toFixed(2)}-${x.end.toFixed(2)}`).join(', ');
    h.check('a microphone lost mid-conversation: the recording has speech before and after, on one timeline',
      you.some((s) => s.end < lostAt) && you.some((s) => s.start > lostAt - 0.5), `${spans}; lost at ${lostAt.toFixed(2)} s`);
    const log = await logOf(page);
    h.check('a microphone lost mid-conversation: said once as a warning, no error',
      log.filter((l) => l === `warn | ${LOST}`).length === 1 && !log.some((l) => l.startsWith('error')) && errors.length === 0,
      [...errors, ...log.filter((l) => /^(error|warn)/.test(l))].join(' | '));
  } finally {
    await browser.close();
  }
}
