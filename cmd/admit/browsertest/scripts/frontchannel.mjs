// Front-channel logout from the account area, in a real browser: the user
// signs in to an application (its callback is on another origin), opens the
// account area and signs out. The signed-out page must load the
// application's frontchannel_logout_uri in an iframe: Chromium enforces the
// page's CSP frame-src, which an HTTP test cannot (Front-Channel Logout 1.0
// §4). Run once per VIEWPORT for the desktop and phone screenshots.
//
// Environment: AUTHORIZE_URL, ACCOUNT_URL, EMAIL, PASSWORD, RP_ORIGIN,
// SCREENSHOT_DIR, SHOT (the screenshot's file name), VIEWPORT.
// Reports: RESULT {"landed", "title", "frames"}.

import { checkAxe, requireEnv, result, run, screenshot } from './lib.mjs';

const rpOrigin = requireEnv('RP_ORIGIN');

await run(async (page) => {
  await page.goto(requireEnv('AUTHORIZE_URL'));
  await page.fill('[data-testid=login-form] [data-testid=email]', requireEnv('EMAIL'));
  await page.fill('[data-testid=login-form] [data-testid=password]', requireEnv('PASSWORD'));
  await page.click('[data-testid=login-form] [data-testid=submit]');
  await page.waitForURL((u) => u.origin === rpOrigin);
  const landed = page.url();

  await page.goto(requireEnv('ACCOUNT_URL'));
  await page.click('[data-testid=logout-form] [data-testid=logout]');
  const frame = page.locator('[data-testid=frontchannel-frame]');
  await frame.first().waitFor({ state: 'attached' });
  // The iframe's document is the application's page: it loaded (the CSP
  // let it) once its frame has the RP origin's URL.
  await page.waitForFunction((origin) => [...document.querySelectorAll('iframe')].some((f) => {
    try { return f.contentWindow && f.src.startsWith(origin); } catch { return false; }
  }), rpOrigin);
  await page.waitForLoadState('load');
  const title = (await page.locator('h1').textContent()).trim();
  await screenshot(page, requireEnv('SHOT'));
  await checkAxe(page, 'front-channel signed-out page');
  result({ landed, title, frames: await frame.count() });
});
