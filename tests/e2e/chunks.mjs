// The microphone's chunk size against reply latency (issue 26), a benchmark: one
// conversation per size on the emulator, printed side by side. For each: the end of your
// speech (the record's, on the WAV's clock: the microphone's own samples) -> the chunk that
// holds it on the wire (the page's WebSocket sends, timed in the page) -> the reply's first
// audio reaching the page -> its first sample heard (both from the record's latency).
// `node tests/e2e/e2e.mjs --chunks --emulator URL --key KEY ...` (tests/e2e/run --chunks).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SIZES = [2048, 1024, 512, 320];

/** Wraps WebSocket.send (before the page's code runs) to time each audio message sent. */
function timeSends() {
  window.e2eSent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const audio = typeof data === 'string' && data.includes('"realtimeInput"') && /"data":"([^"]*)"/.exec(data);
    if (audio) {
      const b64 = audio[1];
      const bytes = (b64.length * 3) / 4 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
      window.e2eSent.push({ t: performance.now(), samples: bytes / 2 });
    }
    return send.call(this, data);
  };
}

async function once(base, emulator, size, h) {
  const browser = await h.launch([
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${h.speechPath}%noloop`,
  ]);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    await page.addInitScript(timeSends);
    const url = encodeURIComponent(`${emulator.url}?burst=8`);
    await page.goto(`${base}?backend=url&format=stereo&chunk=${size}&url=${url}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.click('#settings-open');
    await page.fill('#secret', emulator.key);
    await page.click('#settings-done');
    await page.click('#connect');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    await page.click('#mic-start');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 10_000 });
    await page.waitForTimeout((h.speechSeconds + 1) * 1000);
    await page.click('#mic-stop');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rec-record')]);
    const file = join(h.outDir, `chunks-${size}.json`);
    await download.saveAs(file);
    const record = JSON.parse(readFileSync(file, 'utf8'));
    const sent = await page.evaluate(() => window.e2eSent);
    return { record, sent };
  } finally {
    await browser.close();
  }
}

/** One row: what the page sent and heard for the first sentence and its reply. */
function measure(size, { record, sent }) {
  const sizes = new Set(sent.slice(0, -1).map((s) => s.samples));
  const you = record.turns.find((t) => t.who === 'you' && !t.typed);
  const reply = record.turns.find((t) => t.who === 'model' && t.latency);
  if (!you || !reply || sent.length === 0) return { size, sizes: [...sizes], missing: true };
  // The WAV's first sample is the microphone's first (the recording starts with it), so the
  // end of speech is sample `end` of what was sent. The first message left when its last
  // sample had been captured; the same lag (the worklet's message, a send) applies to every
  // message, so the end of speech happened at this page time, that lag earlier:
  const end = Math.round(you.end * 16_000);
  const endAt = sent[0].t + ((end - (sent[0].samples - 1)) / 16_000) * 1000;
  let upto = 0;
  const holding = sent.find((s) => (upto += s.samples) > end);
  return {
    size,
    sizes: [...sizes],
    messages: sent.length,
    wire: holding ? holding.t - endAt : NaN,
    firstAudio: reply.latency.to_first_audio_ms,
    heard: reply.latency.total_ms,
  };
}

export async function chunkLatency(base, emulator, h) {
  const rows = [];
  for (const size of SIZES) rows.push(measure(size, await once(base, emulator, size, h)));
  console.log('\nchunk (samples, ms)  messages  end of speech -> its chunk sent -> reply audio arrives -> first sample heard');
  for (const r of rows) {
    if (r.missing) {
      console.log(`  ${r.size}: no reply with a latency in the record`);
      continue;
    }
    const ms = (r.size / 16).toFixed(0).padStart(3);
    console.log(`  ${String(r.size).padStart(4)} (${ms} ms)  ${String(r.messages).padStart(8)}  ${r.wire.toFixed(1).padStart(26)} ms ${r.firstAudio.toFixed(1).padStart(17)} ms ${r.heard.toFixed(1).padStart(18)} ms`);
  }
  for (const r of rows.filter((r) => !r.missing)) {
    h.check(`chunks ${r.size}: every message but the last holds ${r.size} samples`, r.sizes.length === 1 && r.sizes[0] === r.size, r.sizes.join(', '));
  }
  return rows;
}
