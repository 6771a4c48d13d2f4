// Turns on two-step verification in the account area the way a person
// would: sign in, re-enter the password, read the key off the enrolment page
// (as a user would type it into an authenticator app), confirm with the
// current code, and see the backup codes.
//
// Environment: START_URL (Admit's /account/security, where TOTP is), EMAIL, PASSWORD, NOW_UNIX (the
// server's clock, which the Go test controls), SCREENSHOT_DIR.
// Reports: RESULT {"secret", "qrWidth", "codes": [...], "status"}.

import { requireEnv, result, run, screenshot, totp } from './lib.mjs';

const startURL = requireEnv('START_URL');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');
const nowUnix = Number(requireEnv('NOW_UNIX'));

await run(async (page) => {
  await page.goto(startURL);
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');
  await page.locator('[data-testid=totp-enrol]').click();

  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');
  const qr = page.locator('[data-testid=totp-qr]');
  await qr.waitFor();
  const qrWidth = await qr.evaluate((img) => img.complete ? img.naturalWidth : 0);
  if (qrWidth === 0) throw new Error('the QR code image did not load');
  await page.locator('.totp-manual summary').click();
  const secret = (await page.textContent('[data-testid=totp-secret]')).trim();
  await screenshot(page, 'totp-enrol.png');

  await page.fill('[data-testid=code]', totp(secret, nowUnix));
  await page.click('[data-testid=submit]');
  await page.locator('[data-testid=backup-codes]').waitFor();
  const codes = await page.locator('[data-testid=backup-code]').allTextContents();
  await screenshot(page, 'totp-backup-codes.png');

  await page.click('[data-testid=continue]');
  const status = await page.textContent('[data-testid=totp-status]');
  result({ secret, qrWidth, codes, status });
});
