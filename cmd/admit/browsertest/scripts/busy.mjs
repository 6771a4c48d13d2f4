// Signs in while every password-hash slot is taken (a login surge): the
// password POST ends on the "you're in line" page, which must come back by
// itself (its Refresh header, no script) until the sign-in completes, under
// the strict CSP.
//
// Environment: START_URL (a first-party relying party's start page), EMAIL,
// PASSWORD, SCREENSHOT_DIR.
// Reports: RESULT {"url": <callback URL>, "body": <callback page text>,
// "busyURL": <the busy page's URL>, "busyHTML": <its HTML>}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const startURL = requireEnv('START_URL');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');

const rpOrigin = new URL(startURL).origin;
const isCallback = (url) => url.origin === rpOrigin && url.pathname === '/callback';

await run(async (page) => {
  await page.goto(startURL);
  await page.locator('[data-testid=login-form]').waitFor();
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');

  // The busy page, with nobody touching anything from here on.
  await page.locator('[data-testid=busy-title]').waitFor({ timeout: 15_000 });
  // Read it at once: the page moves on by itself within seconds.
  const busyURL = page.url();
  const busyHTML = await page.content();
  await screenshot(page, 'busy-page.png');

  await page.waitForURL(isCallback, { timeout: 30_000 });
  result({ url: page.url(), body: await page.textContent('body'), busyURL, busyHTML });
});
