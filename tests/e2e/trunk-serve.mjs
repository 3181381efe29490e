// The page as `trunk serve` gives it, as a new user opens it: no console error (a
// Content-Security-Policy violation is one) and trunk's live-reload socket connected (its
// inline script allowed by the page's policy). Called from tests/e2e/run.
//
//   node tests/e2e/trunk-serve.mjs URL

import { chromium } from 'playwright-core';

const url = process.argv[2];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
let failed = 0;
const check = (name, ok, detail = '') => {
  console.log(`${ok ? 'ok' : 'FAILED'} - trunk serve: ${name}${detail ? ` (${detail})` : ''}`);
  if (!ok) failed++;
};
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(url);
  await page.waitForSelector('#status[data-state="idle"]', { timeout: 30_000 });
  await page.waitForTimeout(1_000);
  check('the page starts with no console error (no policy violation)', errors.length === 0, errors.join(' | '));
  check('the live-reload script runs and connects', sockets.some((s) => s.endsWith('/.well-known/trunk/ws')), sockets.join(', ') || 'no socket');
} finally {
  await browser.close();
}
console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${2 - failed} passed; ${failed} failed (end-to-end, trunk serve)`);
process.exit(failed ? 1 : 0);
