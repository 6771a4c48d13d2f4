// The operator console walkthrough, as people would do it, at tablet
// size (VIEWPORT from the Go test):
//
//  1. The platform administrator signs in to /console: password, then the
//     TOTP enrolment the console client requires (the code is computed
//     here from the key on the page, at the server's clock).
//  2. They find the locked customer, read why, unlock them; look at a
//     confirmation page; create a client (the secret is shown once).
//  3. A support agent signs in: no delete button; a forged delete POST
//     (with a valid CSRF token) answers 403.
//  4. A tenant administrator signs in through their tenant: another
//     tenant's user is 404.
//
// axe-core runs on every console page (0 violations) and screenshots are
// kept. Environment: BASE, ADMIN_EMAIL, SUPPORT_EMAIL, TENANT_EMAIL,
// TENANT_SLUG, PASSWORD (all three), LOCKED_EMAIL, VICTIM_ID, NOW_UNIX,
// SCREENSHOT_DIR. Reports RESULT {"lockWhy", "notice", "clientId",
// "secret", "supportDelete", "forgedStatus", "tenantStatus"}.

import { checkAxe, requireEnv, result, run, screenshot, totp } from './lib.mjs';

const base = requireEnv('BASE');
const password = requireEnv('PASSWORD');
const nowUnix = Number(requireEnv('NOW_UNIX'));

// signIn goes through the hosted login to the console dashboard,
// enrolling TOTP on the way (every console user here signs in first).
async function signIn(page, path, email, shots) {
  await page.context().clearCookies();
  await page.goto(base + path);
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');
  await page.locator('[data-testid=enrol-required]').waitFor();
  const secret = (await page.textContent('[data-testid=totp-secret]')).trim();
  if (shots) await screenshot(page, 'console-enrol.png');
  await page.fill('[data-testid=code]', totp(secret, nowUnix));
  await page.click('[data-testid=submit]');
  await page.locator('[data-testid=backup-codes]').waitFor();
  await page.click('[data-testid=continue]');
  await page.locator('[data-testid=stats]').waitFor();
}

async function visit(page, label, file) {
  await checkAxe(page, label);
  if (file) await screenshot(page, file);
}

await run(async (page) => {
  const out = {};
  // 1. Platform administrator.
  await signIn(page, '/console/', requireEnv('ADMIN_EMAIL'), true);
  await visit(page, 'console dashboard', 'console-dashboard.png');

  // 2. Find the locked customer, see why, unlock.
  await page.click('[data-testid=nav-users]');
  await page.locator('[data-testid=user-search]').waitFor();
  await visit(page, 'console user search (empty)');
  await page.fill('[data-testid=search-q]', requireEnv('LOCKED_EMAIL'));
  await page.click('[data-testid=search-submit]');
  await page.locator('[data-testid=user-row]').waitFor();
  await visit(page, 'console user search results', 'console-users.png');
  await page.click('[data-testid=user-link]');
  await page.locator('[data-testid=locked]').waitFor();
  out.lockWhy = (await page.textContent('[data-testid=lock-why]')).trim();
  await visit(page, 'console user page (locked)', 'console-user-locked.png');
  await page.click('[data-testid=action-unlock]');
  await page.locator('[data-testid=notice]').waitFor();
  out.notice = (await page.textContent('[data-testid=notice]')).trim();
  if (await page.locator('[data-testid=locked]').count() !== 0) throw new Error('still locked after unlock');
  await visit(page, 'console user page (unlocked)', 'console-user-unlocked.png');
  await page.click('[data-testid=action-delete]');
  await page.locator('[data-testid=confirm]').waitFor();
  await visit(page, 'console confirmation page', 'console-confirm-delete.png');
  await page.click('[data-testid=confirm-cancel]');
  await page.locator('[data-testid=profile]').waitFor();

  // Create a client; the secret is shown once.
  await page.click('[data-testid=nav-clients]');
  await page.locator('[data-testid=client-new]').waitFor();
  await visit(page, 'console clients');
  await page.click('[data-testid=client-new]');
  await page.locator('[data-testid=client-form]').waitFor();
  await visit(page, 'console new client form', 'console-client-new.png');
  await page.fill('[data-testid=client-id]', 'walkthrough-app');
  await page.fill('[data-testid=client-name]', 'Walkthrough app');
  await page.fill('[data-testid=client-redirect_uris]', requireEnv('REDIRECT_URI'));
  await page.check('[data-testid=client-first_party]');
  await page.click('[data-testid=client-save]');
  await page.locator('[data-testid=client-secret]').waitFor();
  out.clientId = (await page.textContent('[data-testid=client-id]')).trim();
  out.secret = (await page.textContent('[data-testid=client-secret]')).trim();
  await visit(page, 'console client secret', 'console-client-secret.png');
  await page.click('[data-testid=secret-done]');
  await page.locator('[data-testid=client-form]').waitFor();
  await visit(page, 'console client edit form');

  await page.click('[data-testid=nav-keys]');
  await page.locator('[data-testid=keys]').waitFor();
  await visit(page, 'console keys', 'console-keys.png');
  await page.click('[data-testid=nav-audit]');
  await page.locator('[data-testid=audit-filter]').waitFor();
  await visit(page, 'console audit log', 'console-audit.png');
  await page.click('[data-testid=nav-tenants]');
  await page.locator('[data-testid=tenants]').waitFor();
  await visit(page, 'console tenants', 'console-tenants.png');
  await page.click('[data-testid=nav-venues]');
  await page.fill('[data-testid=venue-id]', 'v1');
  await page.click('[data-testid=venue-open]');
  await page.locator('[data-testid=grant-form]').waitFor();
  await page.fill('[data-testid=field-user]', requireEnv('LOCKED_EMAIL'));
  await page.fill('[data-testid=field-expires]', '2031-01-31');
  await page.click('[data-testid=grant-submit]');
  await page.locator('[data-testid=grant-row]').waitFor();
  await visit(page, 'console venue roles', 'console-venue-roles.png');

  // 3. Support agent: no delete; a forged delete is 403.
  await signIn(page, '/console/', requireEnv('SUPPORT_EMAIL'), false);
  await visit(page, 'console dashboard (support agent)');
  const victim = requireEnv('VICTIM_ID');
  await page.goto(`${base}/console/users/${victim}`);
  await page.locator('[data-testid=profile]').waitFor();
  out.supportDelete = await page.locator('[data-testid=action-delete]').count();
  await visit(page, 'console user page (support agent)', 'console-user-support.png');
  // The forged POST is a real form submission (a navigation, as a
  // crafted page would make), with the agent's valid CSRF token.
  const [forged] = await Promise.all([
    page.waitForNavigation(),
    page.evaluate((url) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = url;
      for (const [k, v] of [['csrf_token', document.querySelector('input[name=csrf_token]').value], ['confirm', 'yes']]) {
        const i = document.createElement('input');
        i.type = 'hidden';
        i.name = k;
        i.value = v;
        f.append(i);
      }
      document.body.append(f);
      f.submit();
    }, `${base}/console/users/${victim}/delete`),
  ]);
  out.forgedStatus = forged.status();
  await page.locator('[data-testid=forbidden]').waitFor();
  await visit(page, 'console 403 (support agent, forged delete)', 'console-support-403.png');

  // 4. Tenant administrator: another tenant's user is 404.
  await signIn(page, `/console/login?tenant=${requireEnv('TENANT_SLUG')}`, requireEnv('TENANT_EMAIL'), false);
  const res = await page.goto(`${base}/console/users/${victim}`);
  out.tenantStatus = res.status();
  await page.locator('[data-testid=not-found]').waitFor();
  await visit(page, 'console 404 (tenant administrator)', 'console-tenant-404.png');

  result(out);
});
