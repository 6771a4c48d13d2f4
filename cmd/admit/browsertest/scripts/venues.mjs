// A venue owner manages the roles of their venue from the account area:
// sign in, open the venue from the roles block, grant a colleague a role
// with an expiry date, see it listed, try an unknown person (the form keeps
// what was typed and says what is wrong), then revoke the colleague.
//
// Environment: START_URL (Admit's /account/venues), EMAIL and PASSWORD of the
// owner, COLLEAGUE (an e-mail of the same tenant), SCREENSHOT_DIR.
// Reports: RESULT {"managed", "notice", "rows", "fieldError", "kept", "afterRevoke"}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const startURL = requireEnv('START_URL');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');
const colleague = requireEnv('COLLEAGUE');

await run(async (page) => {
  await page.goto(startURL);
  await page.fill('[data-testid=login-form] [data-testid=email]', email);
  await page.fill('[data-testid=login-form] [data-testid=password]', password);
  await page.click('[data-testid=login-form] [data-testid=submit]');
  const managed = await page.locator('[data-testid=venue-manage]').allTextContents();
  await screenshot(page, 'venues-account.png');

  await page.click('[data-testid=venue-manage]');
  const form = page.locator('[data-testid=grant-form]');
  await form.locator('[data-testid=grant-user-input]').fill(colleague);
  await form.locator('[data-testid=grant-role-input]').selectOption('box-office');
  await form.locator('[data-testid=grant-expires-input]').fill('2099-12-31');
  await form.locator('[data-testid=grant-submit]').click();
  const notice = await page.locator('[data-testid=notice]').textContent();
  const rows = await page.locator('[data-testid=grant-row]').allTextContents();
  await screenshot(page, 'venues-granted.png');

  await form.locator('[data-testid=grant-user-input]').fill('nobody@example.com');
  await form.locator('[data-testid=grant-submit]').click();
  const fieldError = await page.locator('[data-testid=error-user]').textContent();
  const kept = await page.locator('[data-testid=grant-user-input]').inputValue();
  await screenshot(page, 'venues-error.png');

  const row = page.locator('[data-testid=grant-row]', { hasText: colleague });
  await row.locator('[data-testid=grant-revoke]').click();
  const afterRevoke = await page.locator('[data-testid=grant-row]').allTextContents();
  result({ managed, notice, rows, fieldError, kept, afterRevoke });
});
