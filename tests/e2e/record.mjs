// End-to-end checks of the conversation's record (issue 26): after a conversation the page
// offers the record as JSON and captions as WebVTT; each is read back by something other
// than this project's code: the model's turns against the audio found in the saved WAV, the
// captions by the browser's own <track>/VTTCue parser, the WAV's cue points by the
// `wavefile` library. Called from e2e.mjs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const { WaveFile } = createRequire(import.meta.url)('wavefile');

async function download(page, button, file) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  await d.saveAs(file);
  return { file, name: d.suggestedFilename() };
}

/** Saves the record and the captions after a conversation, with what the page showed and the
 * captions as the browser parses them (in a blank page of the same browser: no CSP there). */
export async function saveRecord(browser, page, outDir, label) {
  // The tokens the service reported as the log shows them, just before and just after Save.
  const tokens = () => page.$$eval('#log li', (lis) => lis.map((l) => /^usage: (\d+) tokens/.exec(l.textContent))
    .reduce((sum, m) => sum + (m ? Number(m[1]) : 0), 0));
  const before = await tokens();
  const json = await download(page, '#rec-record', join(outDir, `record-${label}.json`));
  const reported = [before, await tokens()];
  const vtt = await download(page, '#rec-captions', join(outDir, `captions-${label}.vtt`));
  const shown = await page.$$eval('#transcript li.model', (lis) => lis.map((l) => l.textContent));
  const blank = await browser.newPage();
  const text = readFileSync(vtt.file, 'utf8');
  const cues = await blank.evaluate(async (vttText) => {
    const video = document.createElement('video');
    const track = document.createElement('track');
    track.kind = 'captions';
    track.src = URL.createObjectURL(new Blob([vttText], { type: 'text/vtt' }));
    track.default = true;
    video.append(track);
    document.body.append(video);
    track.track.mode = 'hidden';
    const loaded = await new Promise((resolve) => {
      track.addEventListener('load', () => resolve(true));
      track.addEventListener('error', () => resolve(false));
      setTimeout(() => resolve(false), 5_000);
    });
    const list = [...(track.track.cues ?? [])].map((c) => ({ start: c.startTime, end: c.endTime, text: c.text }));
    return { loaded, list };
  }, text);
  await blank.close();
  return { json, vtt, shown, cues, reported };
}

/** The record against the saved WAV (`wav`: parsed, `bytes`: the file) and the page. */
export function checkRecord(label, saved, wav, bytes, h) {
  const record = JSON.parse(readFileSync(saved.json.file, 'utf8'));
  h.check(`${label}: the record and captions are named like the recording`,
    /^conversation-.*-stereo\.json$/.test(saved.json.name) && /^conversation-.*-stereo\.vtt$/.test(saved.vtt.name),
    `${saved.json.name}, ${saved.vtt.name}`);
  h.check(`${label}: the record names its schema, version and the WAV's rate`,
    record.schema === 'gemini-live-voice.record' && record.version === 1 && record.rate === wav.rate, JSON.stringify({ ...record, turns: undefined, notes: undefined }));
  const model = record.turns.filter((t) => t.who === 'model' && t.end > t.start);
  const x = h.channel(wav, 1);
  const found = h.segments(x, wav.rate);
  // Each reply heard starts where the model's audio begins in the WAV (its first sample that
  // is not digital silence, found by analysis; a reply may open quietly, below the -40 dBFS
  // of the stretches), and every stretch of the model's audio lies within a reply.
  const onset = (t) => {
    const from = Math.max(0, Math.round((t - 0.02) * wav.rate));
    for (let i = from; i < Math.min(x.length, from + wav.rate); i++) if (x[i] !== 0) return i / wav.rate;
    return Infinity;
  };
  const starts = model.map((t) => (onset(t.start) - t.start) * 1000);
  h.check(`${label}: the record's replies start within 20 ms of where the model's audio begins in the WAV`,
    model.length >= 2 && starts.every((d) => Math.abs(d) <= 20),
    `${model.length} replies, offsets ${starts.map((d) => d.toFixed(1)).join(', ')} ms; loud from ${found.map((s) => s.start.toFixed(3)).join(', ')} s`);
  const outside = found.filter((s) => !model.some((t) => s.start >= t.start - 0.02 && s.end <= t.end + 0.02));
  h.check(`${label}: all of the model's audio in the WAV lies within the record's replies`, outside.length === 0,
    outside.map((s) => `${s.start.toFixed(3)}-${s.end.toFixed(3)} s`).join(', '));
  // The first reply was talked over; the second played to its end (checked on the WAV by
  // checkRecording): only the first is cut off. (A gap's bridge that never sounded, because
  // the rest of the reply came first, used to mark a whole reply cut off.)
  const replies = record.turns.filter((t) => t.who === 'model');
  h.check(`${label}: the record has the first reply cut off, the second heard whole`,
    replies.length === 2 && replies[0].interrupted && !replies[1].interrupted && replies[1].unheard === 0,
    replies.map((t) => `${t.start}-${t.end} s ${t.interrupted ? 'cut off' : 'whole'}, ${t.unheard} s unheard`).join('; '));
  const words = record.turns.filter((t) => t.who === 'model' && t.text).map((t) => t.text);
  h.check(`${label}: the record's words for the model are the lines the page showed`,
    words.length > 0 && words.join(' | ') === saved.shown.join(' | '), `${words.join(' | ')} vs ${saved.shown.join(' | ')}`);
  const latencies = record.turns.filter((t) => t.latency).map((t) => t.latency.total_ms);
  h.check(`${label}: replies after the person's speech carry a latency, summarised`,
    latencies.length >= 1 && record.latency && record.latency.replies === latencies.length && record.latency.worst_ms === Math.max(...latencies),
    `${latencies.join(', ')} ms; ${JSON.stringify(record.latency)}`);
  const perTurn = record.turns.reduce((sum, t) => sum + (t.usage?.total ?? 0), 0);
  const [before, after] = saved.reported;
  h.check(`${label}: the record has the tokens the service reported, each report with its reply`,
    before > 0 && record.tokens.total >= before && record.tokens.total <= after && perTurn === record.tokens.total,
    `record ${record.tokens.total} (replies ${perTurn}), the log ${before}-${after}`);
  const withText = record.turns.filter((t) => t.text);
  h.check(`${label}: the captions parse in the browser's own WebVTT parser, a cue per turn with words`,
    saved.cues.loaded && saved.cues.list.length === withText.length
      && saved.cues.list.every((c, i) => Math.abs(c.start - withText[i].start) < 0.0015 && c.text === `<v ${withText[i].who === 'you' ? 'You' : 'Model'}>${withText[i].text}`),
    `${saved.cues.loaded ? 'loaded' : 'not loaded'}, ${saved.cues.list.length} cues for ${withText.length} turns: ${JSON.stringify(saved.cues.list.slice(0, 2))}`);
  const cues = new WaveFile(bytes).listCuePoints();
  const expected = record.turns.map((t) => (t.start_sample / wav.rate) * 1000);
  h.check(`${label}: the WAV's cue points (read by wavefile) sit on the turns' starts, labelled`,
    cues.length === record.turns.length && cues.every((c, i) => Math.abs(c.position - expected[i]) < 0.05 && c.label.startsWith(record.turns[i].who === 'you' ? 'You' : 'Model')),
    `${cues.length} cues for ${record.turns.length} turns: ${cues.slice(0, 3).map((c) => `${c.position.toFixed(1)} ms ${c.label}`).join('; ')}`);
}
