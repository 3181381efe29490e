// End-to-end runs of what differs per model (the model table): Settings offers each model
// the settings it takes and says why not, the setup carries exactly those, and on a model
// that takes a new instruction only in `setup` a change mid-conversation resumes the
// conversation on a new connection. On the offline stand-in, whose checks refuse what the
// service refuses per model. Called from e2e.mjs.

import { join } from 'node:path';
import { inSettings } from './look.mjs';
import { withQuietMicrophone, watchErrors, save, logOf } from './controls.mjs';

const NATIVE = 'gemini-2.5-flash-native-audio-preview-12-2025';

/** What Settings shows for the model in its field: the thinking choices open, the toggles. */
async function offered(page) {
  return page.evaluate(() => ({
    thinking: [...document.querySelectorAll('#thinking option:not([disabled])')].map((o) => o.value).join(','),
    thinkingDisabled: document.querySelector('#thinking').disabled,
    proactive: [document.querySelector('#proactive').checked, document.querySelector('#proactive').disabled],
    affective: [document.querySelector('#affective').checked, document.querySelector('#affective').disabled],
    why: ['thinking', 'proactive', 'affective'].map((id) => document.querySelector(`#${id}-why`).textContent),
  }));
}

async function chooseModel(page, model) {
  await page.fill('#model', model);
  await page.dispatchEvent('#model', 'input');
}

export async function perModel(base, h) {
  const browser = await withQuietMicrophone(h);
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(`${base}?format=stereo&model=${NATIVE}&thinking=off&affective=1`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.click('#settings-open');
    await page.waitForSelector('#settings-dialog[open]');
    const native = await offered(page);
    h.check('models: 2.5 native audio offers thinking off, proactive audio and affective dialog (ticked from the link)',
      native.thinking === ',off' && !native.thinkingDisabled && native.proactive.join() === 'false,false' && native.affective.join() === 'true,false',
      JSON.stringify(native));
    await chooseModel(page, 'gemini-3.8-live');
    const live = await offered(page);
    h.check('models: on 3.8 Live thinking and affective dialog are disabled, proactive audio shown on, each with the reason',
      live.thinkingDisabled && live.proactive.join() === 'true,true' && live.affective.join() === 'false,true'
      && live.why[0] === 'gemini-3.8-live takes no thinking setting.' && live.why[1] === 'Always on for gemini-3.8-live: it cannot be turned off.'
      && live.why[2] === 'gemini-3.8-live has no affective dialog.',
      JSON.stringify(live));
    await chooseModel(page, 'gemini-3.8-live-extended-thinking');
    const deep = await offered(page);
    h.check('models: Extended Thinking offers its levels only', deep.thinking === ',low,medium,high' && !deep.thinkingDisabled, JSON.stringify(deep));
    // Back to 2.5: the person's choices come back.
    await chooseModel(page, NATIVE);
    const back = await offered(page);
    h.check('models: the choices held while another model overrode them come back',
      back.affective.join() === 'true,false' && (await page.$eval('#thinking', (s) => s.value)) === 'off', JSON.stringify(back));
    await page.click('#settings-done');
    await page.waitForSelector('#settings-dialog:not([open])', { state: 'attached' });

    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    const setup = await page.$eval('#setup-sent', (p) => p.textContent);
    h.check('models: the setup carries thinking off and affective dialog for 2.5, and the stand-in took it',
      setup.includes('"thinkingConfig":{"thinkingBudget":0},"enableAffectiveDialog":true') && !setup.includes('proactivity'), setup);
    const spoken = () => page.$$eval('#transcript li.model', (lis) => lis.map((l) => l.textContent));
    await page.fill('#text', 'hello');
    await page.press('#text', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#transcript li.model').length === 1, null, { timeout: 10_000 });
    await page.waitForTimeout(2_000); // the reply plays out; the stand-in gives a resumption handle

    // A new instruction mid-conversation: 2.5 takes it only in setup, so the conversation
    // resumes on a new connection whose setup carries it.
    await inSettings(page, () => page.fill('#instruction', 'Answer in French.'));
    await page.waitForFunction(() => [...document.querySelectorAll('#log li')].some((l) => l.textContent.startsWith('Reconnected')), null, { timeout: 10_000 })
      .catch(() => {});
    await page.fill('#text', 'hello again');
    await page.press('#text', 'Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('#transcript li.model')].some((l) => l.textContent.includes('instruction:')), null, { timeout: 10_000 })
      .catch(() => {});
    const followed = (await spoken()).pop();
    h.check('mid-session (2.5): the reply follows the instruction changed in Settings', followed === '(you typed: hello again) (instruction: Answer in French.)', followed);
    const log = await logOf(page);
    const resumed = log.filter((l) => l.includes('Resuming on a new connection') || l.includes('Reconnected'));
    h.check('mid-session (2.5): resumed on a new connection with the handle, in words',
      resumed.length === 2 && resumed[1].startsWith('server | Reconnected; the conversation continues'), resumed.join(' | '));
    await page.waitForTimeout(2_000); // the reply plays out

    const wav = h.parseWav(await save(page, join(h.outDir, 'resumed.wav')));
    const model = h.segments(h.channel(wav, 1), wav.rate);
    const clock = await page.$eval('#rec-info', (p) => p.textContent);
    h.check('mid-session (2.5): one recording holds both replies across the two connections',
      model.length === 2 && model[1].start > model[0].end, `${model.map((s) => `${(s.end - s.start).toFixed(2)} s at ${s.start.toFixed(2)}`).join(', ')}; ${clock}`);
    h.check('models: no error in the log or the console', !log.some((l) => l.startsWith('error')) && errors.length === 0,
      [...errors, ...log.filter((l) => l.startsWith('error'))].join(' | '));
  } finally {
    await browser.close();
  }
}

/**
 * Extended Thinking completes an asynchronous call: the live service closes the session with
 * 1007 "Function response scheduling is not supported for this model" when an answer carries
 * `scheduling`, and drops a call after an interim answer (openclaw/openclaw#152413). A tool
 * declared with WHEN_IDLE is answered there once, without it, and the model speaks it.
 */
export async function extendedThinkingCall(base, h) {
  const browser = await withQuietMicrophone(h);
  const tools = JSON.stringify([{ name: 'slow_lookup', delay_ms: 1500, scheduling: 'WHEN_IDLE', response: { found: 3 } }]);
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}?model=gemini-3.8-live-extended-thinking&tools=${encodeURIComponent(tools)}`);
    await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
    await page.click('#talk');
    await page.waitForSelector('#status[data-state="listening"]', { timeout: 20_000 });
    await page.fill('#text', 'please run slow_lookup');
    await page.press('#text', 'Enter');
    const spoken = await page
      .waitForFunction(() => [...document.querySelectorAll('#transcript li.model')].some((l) => l.textContent.includes('the tool said')), null, { timeout: 10_000 })
      .then(() => true, () => false);
    const cards = await page.$$eval('#transcript li.tool', (lis) => lis.map((l) => l.textContent));
    const log = await logOf(page);
    h.check('Extended Thinking: an asynchronous call is answered once, without scheduling, and spoken; the session stays open',
      spoken && cards.length === 1 && cards[0].includes('answered') && !log.some((l) => l.startsWith('error')) && errors.length === 0,
      `${cards.join(' | ')}; ${[...errors, ...log.filter((l) => l.startsWith('error') || l.includes('1007'))].join(' | ')}`);
  } finally {
    await browser.close();
  }
}
