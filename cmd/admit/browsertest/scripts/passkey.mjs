// Passkeys in Chromium with a CDP virtual authenticator (CTAP2, internal
// transport, resident keys, user verification): register a passkey from
// the account page, sign out, sign in to a relying party with the passkey
// only, then sign in again with the password followed by the passkey as
// the second factor.
//
// Environment: ISSUER (Admit, on localhost: WebAuthn needs a domain),
// START_URL (the RP page that starts a login), EMAIL, PASSWORD,
// SCREENSHOT_DIR.
// Reports: RESULT {"step": "conditional"|"passwordless"|"second-factor", "url", "body"}
// and RESULT {"step": "credentials", "count", "userVerified"}.

import { requireEnv, result, run, screenshot } from './lib.mjs';

const issuer = requireEnv('ISSUER');
const startURL = requireEnv('START_URL');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');

const rpOrigin = new URL(startURL).origin;
const isCallback = (url) => url.origin === rpOrigin && url.pathname === '/callback';

async function signOut(page) {
  await page.goto(`${issuer}/account`);
  await page.click('[data-testid=logout]');
  await page.waitForLoadState();
}

// finish answers the consent page when shown and waits for the callback.
async function finish(page) {
  await page.waitForURL((url) => isCallback(url) || url.pathname === '/login/consent');
  if (!isCallback(new URL(page.url()))) {
    await page.click('[data-testid=allow]');
    await page.waitForURL(isCallback);
  }
  return { url: page.url(), body: await page.textContent('body') };
}

await run(async (page) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });

  // 1. Password sign-in to the account area, then register a passkey.
  await page.goto(`${issuer}/account`);
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');
  await page.waitForURL((url) => url.pathname === '/account');
  await page.click('[data-testid=nav-security]'); // passkeys are on the security page
  await page.click('[data-testid=passkey-add]');
  await page.waitForURL((url) => url.pathname === '/account/passkeys/new');
  await screenshot(page, 'passkey-new.png');
  await page.fill('[data-testid=passkey-name-input]', 'Chromium virtual key');
  await page.click('[data-testid=passkey-create]');
  await page.waitForURL((url) => url.pathname === '/account/security');
  await page.locator('[data-testid=notice]', { hasText: 'Chromium virtual key' }).waitFor();
  await page.locator('[data-testid=passkey-row]').waitFor();
  await screenshot(page, 'passkey-account.png');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  result({ step: 'credentials', count: credentials.length, resident: credentials.every((c) => c.isResidentCredential) });
  await signOut(page);

  // 2. Passwordless through conditional UI: the page starts a conditional
  // request at once, and the virtual authenticator (automatic presence)
  // answers it as a user picking the passkey from the e-mail autofill.
  await page.goto(startURL);
  result({ step: 'conditional', ...(await finish(page)) });
  await signOut(page);

  // 3. Passwordless with the button, in a browser without conditional UI.
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  await page.goto(startURL);
  await page.locator('[data-testid=passkey-login]').waitFor();
  await screenshot(page, 'passkey-login.png');
  await page.click('[data-testid=passkey-login]');
  result({ step: 'passwordless', ...(await finish(page)) });
  await signOut(page);

  // 4. Password, then the passkey as second factor.
  await page.goto(startURL);
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');
  await page.waitForURL((url) => url.pathname === '/login/passkey/verify');
  await screenshot(page, 'passkey-second-factor.png');
  await page.click('[data-testid=passkey-verify]');
  result({ step: 'second-factor', ...(await finish(page)) });

  // 5. A browser without WebAuthn: the button is off and a message says so;
  // the password form is still there.
  const bare = await page.context().newPage();
  await bare.addInitScript(() => { delete window.PublicKeyCredential; });
  await bare.goto(`${issuer}/account`);
  await signOut(bare);
  await bare.goto(startURL);
  const status = bare.locator('[data-testid=passkey-status]');
  await status.waitFor();
  await screenshot(bare, 'passkey-unsupported.png');
  result({
    step: 'unsupported', message: await status.textContent(),
    disabled: await bare.locator('[data-testid=passkey-login]').isDisabled(),
    passwordForm: await bare.locator('[data-testid=login-form]').isVisible(),
  });
});
