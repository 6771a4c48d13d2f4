// Proves the harness end to end without Admit: loads BASE_URL, fills and
// submits the form the Go test serves, and reports what the browser saw.
//
// Environment: BASE_URL, NAME, SCREENSHOT_DIR; MISSING_SELECTOR makes the
// script wait briefly for an element that does not exist, to test failures.
// Reports: RESULT {"step":"loaded",...} then RESULT {"step":"done",...}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const baseURL = requireEnv('BASE_URL');
const name = requireEnv('NAME');

await run(async (page) => {
  await page.goto(baseURL);
  await page.locator('[data-testid=form]').waitFor();
  result({ step: 'loaded', title: await page.title(), userAgent: await page.evaluate(() => navigator.userAgent) });

  if (process.env.MISSING_SELECTOR) {
    await page.locator(process.env.MISSING_SELECTOR).waitFor({ timeout: 1000 });
  }

  await page.fill('[data-testid=name]', name);
  await screenshot(page, 'selftest-form.png');
  await page.click('[data-testid=submit]');
  await page.waitForURL((url) => url.pathname === '/done');
  result({
    step: 'done',
    url: page.url(),
    greeting: await page.textContent('[data-testid=greeting]'),
  });
});
