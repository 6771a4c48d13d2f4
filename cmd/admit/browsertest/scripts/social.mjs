// Signs in through an upstream OpenID provider from Admit's login page, the
// way a person would: the provider's button, the provider's own login page
// (another origin), back to Admit, consent, the relying party's callback.
//
// Environment: START_URL (a relying-party page that redirects to Admit's
// /authorize), PROVIDER (the button's provider id), EMAIL and PASSWORD (at
// the upstream provider), SCREENSHOT_DIR.
// Reports: RESULT {"url": <callback URL>, "body": <callback page text>}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const startURL = requireEnv('START_URL');
const provider = requireEnv('PROVIDER');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');

const rpOrigin = new URL(startURL).origin;
const isCallback = (url) => url.origin === rpOrigin && url.pathname === '/callback';
const settle = (promise, tag) => promise.then(() => ({ tag }), (error) => ({ tag, error }));

await run(async (page) => {
  await page.goto(startURL);
  await page.locator(`[data-testid=social-${provider}]`).waitFor();
  await screenshot(page, 'social-login-page.png');
  const admitOrigin = new URL(page.url()).origin;

  await page.click(`[data-testid=social-${provider}]`);
  await page.waitForURL((url) => url.origin !== admitOrigin && url.origin !== rpOrigin);
  await page.locator('[data-testid=login-form]').waitFor();
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');

  const first = await Promise.race([
    settle(page.waitForURL(isCallback), 'callback'),
    settle(page.locator('[data-testid=consent-form]').waitFor(), 'consent'),
    settle(page.locator('[data-testid=error]').waitFor(), 'error'),
  ]);
  if (first.error) {
    throw new Error(`back from the provider, neither consent nor the callback appeared (${page.url()}): ${first.error.message}`);
  }
  if (first.tag === 'error') {
    throw new Error(`sign-in rejected at ${page.url()}: ${await page.textContent('[data-testid=error]')}`);
  }
  if (first.tag === 'consent') {
    await page.click('[data-testid=allow]');
    await page.waitForURL(isCallback);
  }
  result({ url: page.url(), body: await page.textContent('body') });
});
