// RP-initiated logout without an id_token_hint: the user signs in, an
// application sends the browser to end_session, Admit asks, the user
// confirms, and the browser lands on the application's post-logout page.
// Browsers apply the confirmation page's form-action to every redirect
// after the form post, so a CSP that forgot the application's origin would
// block the last hop (and log an error: run with STRICT_CONSOLE=1).
//
// Environment: START_URL (Admit's /account), EMAIL, PASSWORD, END_SESSION_URL,
// RP_ORIGIN, SCREENSHOT_DIR.
// Reports: RESULT {"asked", "landed", "body", "signedOut"}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const startURL = requireEnv('START_URL');
const endSessionURL = requireEnv('END_SESSION_URL');
const rpOrigin = requireEnv('RP_ORIGIN');

await run(async (page) => {
  await page.goto(startURL);
  await page.fill('[data-testid=login-form] [data-testid=email]', requireEnv('EMAIL'));
  await page.fill('[data-testid=login-form] [data-testid=password]', requireEnv('PASSWORD'));
  await page.click('[data-testid=login-form] [data-testid=submit]');
  await page.locator('[data-testid=account-user]').waitFor();

  await page.goto(endSessionURL);
  const asked = await page.locator('h1').textContent();
  await screenshot(page, 'signout-confirm.png');
  await page.click('[data-testid=signout-form] [data-testid=submit]');
  await page.waitForURL((u) => u.origin === rpOrigin);
  const landed = page.url();
  const body = await page.locator('body').textContent();

  await page.goto(startURL);
  const signedOut = (await page.locator('[data-testid=login-form]').count()) === 1;
  result({ asked, landed, body, signedOut });
});
