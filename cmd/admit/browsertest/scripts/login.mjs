// Signs in through Admit's hosted login the way a person would.
//
// Environment: START_URL (a relying-party page that redirects to Admit's
// /authorize), EMAIL, PASSWORD, SCREENSHOT_DIR.
// Reports: RESULT {"url": <callback URL>, "body": <callback page text>}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const startURL = requireEnv('START_URL');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');

// The flow ends on the relying party's /callback, i.e. on START_URL's origin;
// comparing origins keeps an Admit path that ends in /callback from matching.
const rpOrigin = new URL(startURL).origin;
const isCallback = (url) => url.origin === rpOrigin && url.pathname === '/callback';

// settle turns a wait into a value, so that the wait that loses a race can
// still time out later without an unhandled rejection killing node.
const settle = (promise, tag) => promise.then(() => ({ tag }), (error) => ({ tag, error }));

await run(async (page) => {
  await page.goto(startURL);
  await page.locator('[data-testid=login-form]').waitFor();
  await screenshot(page, 'login-page.png');

  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');

  // Consent is only asked when the user has not granted these scopes yet; a
  // rejected password re-renders the login page with an alert, reported at
  // once instead of after a 30 s timeout.
  const first = await Promise.race([
    settle(page.waitForURL(isCallback), 'callback'),
    settle(page.locator('[data-testid=consent-form]').waitFor(), 'consent'),
    settle(page.locator('[data-testid=error]').waitFor(), 'error'),
  ]);
  if (first.error) {
    throw new Error(`after submitting the password, neither the consent page nor ${rpOrigin}/callback appeared: ${first.error.message}`);
  }
  if (first.tag === 'error') {
    throw new Error(`sign-in rejected: ${await page.textContent('[data-testid=error]')}`);
  }
  if (first.tag === 'consent') {
    await screenshot(page, 'consent-page.png');
    await page.click('[data-testid=allow]');
    await page.waitForURL(isCallback);
  }

  result({ url: page.url(), body: await page.textContent('body') });
});
