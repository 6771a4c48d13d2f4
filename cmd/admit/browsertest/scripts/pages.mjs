// Visits pages one after another and reports how each one laid out, to
// catch pages that overflow a small screen (run with VIEWPORT=320x640).
//
// Environment: URLS (space-separated), SCREENSHOT_DIR, VIEWPORT.
// Reports one RESULT per URL: {url, status, title, h1, scrollWidth,
// clientWidth, screenshot}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const urls = requireEnv('URLS').split(/\s+/).filter(Boolean);

await run(async (page) => {
  for (const [i, url] of urls.entries()) {
    const response = await page.goto(url);
    const layout = await page.evaluate(() => ({
      title: document.title,
      h1: document.querySelector('h1')?.textContent ?? null,
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    const name = `page-${i + 1}-${new URL(url).pathname.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'root'}.png`;
    const shot = await screenshot(page, name);
    result({ url, status: response?.status() ?? null, ...layout, screenshot: shot });
  }
});
