// Signs up the way a person would, with the development mailbox standing in
// for an inbox: open "Create an account" from the login page, see the live
// password feedback, submit, open the confirmation link from the mailbox,
// sign in, and use the account area (profile, sessions, apps).
//
// Environment: START_URL (Admit's /account), MAILBOX_URL (/dev/mailbox),
// EMAIL and PASSWORD for the new account, SCREENSHOT_DIR.
// Reports: RESULT {"liveProblem", "afterSignup", "account", "notice", "sessions"}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const startURL = requireEnv('START_URL');
const mailboxURL = requireEnv('MAILBOX_URL');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');

await run(async (page) => {
  await page.goto(startURL);
  await screenshot(page, 'accounts-login.png');
  await page.click('[data-testid=signup]');
  const form = page.locator('[data-testid=signup-form]');
  await form.locator('[data-testid=email]').fill(email);
  await form.locator('[data-testid=given_name]').fill('Ada');
  await form.locator('[data-testid=family_name]').fill('Lovelace');
  await form.locator('[data-testid=phone]').fill('+44 20 7946 0000');
  await form.locator('[data-testid=password]').pressSequentially('short');
  const problem = form.locator('[data-testid=password-problem]');
  await problem.filter({ hasText: 'at least' }).waitFor();
  const liveProblem = await problem.textContent();
  await screenshot(page, 'accounts-signup-live.png');
  await form.locator('[data-testid=password]').fill(password);
  await form.locator('[data-testid=submit]').click();
  const afterSignup = await page.locator('h1').textContent();
  await screenshot(page, 'accounts-check-inbox.png');

  await page.goto(mailboxURL);
  await screenshot(page, 'accounts-mailbox.png');
  await page.locator('[data-testid=mail-link]').first().click();
  await page.click('[data-testid=confirm-form] [data-testid=submit]');
  await page.click('[data-testid=continue]');
  await page.fill('[data-testid=login-form] [data-testid=password]', password);
  await page.click('[data-testid=login-form] [data-testid=submit]');
  const account = await page.locator('[data-testid=account-user]').textContent();
  await screenshot(page, 'accounts-account.png');

  const profile = page.locator('[data-testid=profile-form]');
  await profile.locator('[data-testid=given_name]').fill('Augusta Ada');
  await profile.locator('[data-testid=submit]').click();
  const notice = await page.locator('[data-testid=notice]').textContent();
  // Sessions are on their own page of the account area.
  await page.click('[data-testid=nav-devices]');
  const sessions = await page.locator('[data-testid=session]').count();
  await page.setViewportSize({ width: 800, height: 2400 });
  await screenshot(page, 'accounts-account-full.png');
  result({ liveProblem, afterSignup, account, notice, sessions });
});
