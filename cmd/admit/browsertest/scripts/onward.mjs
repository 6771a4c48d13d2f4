// Ends sign-ins and a sign-out at applications whose registered callback
// redirects on to other origins, once or twice. Chromium applies a page's
// CSP form-action to every hop of the redirect chain that follows a form
// POST, so each step ends with a different POST (password, TOTP code,
// backup code, consent allow and deny, sign-out confirmation).
//
// Environment: STEPS, a JSON array run in order; each step is
//   {"name", "kind": "login", "start", "rpOrigin", "email", "password",
//    "totp"?: code, "backup"?: code, "consent"?: "allow"|"deny", "fresh"?: bool}
//   {"name", "kind": "signout", "endSession", "landOrigin"}
// and SCREENSHOT_DIR.
// Reports: RESULT {"name", "url", "body"} per step.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const steps = JSON.parse(requireEnv('STEPS'));

async function login(page, s) {
  const isCallback = (url) => url.origin === s.rpOrigin && url.pathname === '/callback';
  await page.goto(s.start);
  await page.locator('[data-testid=login-form]').waitFor();
  await page.fill('[data-testid=email]', s.email);
  await page.fill('[data-testid=password]', s.password);
  await page.click('[data-testid=submit]');
  if (s.totp || s.backup) {
    await page.locator('[data-testid=totp-form]').waitFor();
    await page.fill('[data-testid=code]', s.totp || s.backup);
    await page.click('[data-testid=totp-form] [data-testid=submit]');
  }
  if (s.backup) {
    // Accepted backup codes show how many remain, then go on by a POST.
    await page.locator('[data-testid=remaining]').waitFor();
    await page.click('[data-testid=continue-form] [data-testid=continue]');
  }
  if (s.consent) {
    await page.locator('[data-testid=consent-form]').waitFor();
    await page.click(`[data-testid=${s.consent}]`);
  }
  await page.waitForURL(isCallback);
}

async function signout(page, s) {
  await page.goto(s.endSession);
  await page.locator('[data-testid=signout-form]').waitFor();
  await page.click('[data-testid=signout-form] [data-testid=submit]');
  await page.waitForURL((u) => u.origin === s.landOrigin);
}

await run(async (page) => {
  for (const s of steps) {
    if (s.fresh) await page.context().clearCookies();
    if (s.kind === 'login') await login(page, s);
    else if (s.kind === 'signout') await signout(page, s);
    else throw new Error(`unknown step kind ${s.kind}`);
    await screenshot(page, `onward-${s.name}.png`);
    result({ name: s.name, url: page.url(), body: await page.textContent('body') });
  }
});
