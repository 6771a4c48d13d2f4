// The user's side of the device authorization grant (RFC 8628) on a phone:
// first typing the code a device shows (after one mistyped code), signing
// in with a password and approving; then, in the same browser, opening a
// second device's QR code (verification_uri_complete), where the code is
// filled in and the session skips the sign-in.
//
// Environment: VERIFY_URL (Admit's /device), USER_CODE (the first device's
// code), COMPLETE_URL (the second device's verification_uri_complete),
// EMAIL, PASSWORD, SCREENSHOT_DIR.
// Reports: RESULT {"error", "shownCode", "client", "first", "prefilled",
// "asksToConfirm", "second"}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const verifyURL = requireEnv('VERIFY_URL');
const userCode = requireEnv('USER_CODE');
const completeURL = requireEnv('COMPLETE_URL');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');

await run(async (page) => {
  await page.goto(verifyURL);
  await screenshot(page, 'device-entry.png');
  await page.fill('[data-testid=user-code]', 'BBBB-BBBB');
  await page.click('[data-testid=continue]');
  const error = (await page.textContent('[data-testid=error]')).trim();
  await screenshot(page, 'device-wrong-code.png');

  // Typed the way people type: lower case, no dash.
  await page.fill('[data-testid=user-code]', userCode.replace('-', '').toLowerCase());
  await page.click('[data-testid=continue]');
  await page.fill('[data-testid=email]', email);
  await screenshot(page, 'device-sign-in.png');
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');
  await page.locator('[data-testid=device-consent-form]').waitFor();
  const shownCode = (await page.textContent('[data-testid=shown-code]')).trim();
  const client = (await page.textContent('[data-testid=client-name]')).trim();
  await screenshot(page, 'device-consent.png');
  await page.click('[data-testid=allow]');
  const first = (await page.textContent('[data-testid=message-title]')).trim();
  await screenshot(page, 'device-done.png');

  await page.goto(completeURL);
  const prefilled = await page.inputValue('[data-testid=user-code]');
  const asksToConfirm = await page.isVisible('[data-testid=confirm-code]');
  await screenshot(page, 'device-entry-prefilled.png');
  await page.click('[data-testid=continue]');
  await page.locator('[data-testid=device-consent-form]').waitFor();
  await page.click('[data-testid=allow]');
  const second = (await page.textContent('[data-testid=message-title]')).trim();
  result({ error, shownCode, client, first, prefilled, asksToConfirm, second });
});
