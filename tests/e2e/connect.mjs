// Connect in a browser without Chromium's fake media devices (--bench): the test runs need
// `--use-fake-device-for-media-stream` for their microphone, and with it a browser's first
// audio graph takes several times longer (the --bench figures side by side), so the runs'
// "Connect to ready" is mostly the fake device's. Three fresh browsers, the offline
// stand-in, Connect clicked as soon as the page is idle; the page's own measure.

export async function plainConnect(base, h) {
  const lines = [];
  for (let i = 0; i < 3; i++) {
    const browser = await h.launch();
    try {
      const page = await browser.newPage();
      await page.goto(base);
      await page.waitForSelector('#status[data-state="idle"]', { timeout: 20_000 });
      await page.click('#connect');
      await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
      const log = await page.$$eval('#log li', (l) => l.map((x) => x.textContent));
      lines.push(log.find((l) => l.includes('Connect to ready:'))?.replace(/^info \| /, '') ?? '(not logged)');
    } finally {
      await browser.close();
    }
  }
  return lines;
}
