// Walks the account area and the pages fixed in issue 17 in one Chromium
// launch: every account page and state on a desktop (1280) and a phone
// (390) viewport, in each language of LANGS (the browser's Accept-Language;
// Arabic is right to left), with a full-page screenshot and axe-core
// (0 violations) on each.
//
// Environment: ISSUER, EMAIL, PASSWORD, LANGS ("en de ar"), VIEWPORTS
// ("desktop phone"), UNLOCK_URL, SCREENSHOT_DIR, STRICT_CONSOLE.
// Reports one RESULT per state: {state, lang, width, dir, lang_attr, title,
// ...checks}.

import { CHROMIUM_PATH, LAUNCH_ARGS, DEFAULT_TIMEOUT_MS, checkAxe, requireEnv, result } from './lib.mjs';
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const issuer = requireEnv('ISSUER');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');
const unlockURL = requireEnv('UNLOCK_URL');
const langs = (process.env.LANGS || 'en de ar').split(/\s+/).filter(Boolean);
const dir = requireEnv('SCREENSHOT_DIR');
// VIEWPORTS picks among them ("desktop phone"); the Go test runs one per
// launch so that each stays within browsertest's time limit.
const viewports = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
].filter((v) => (process.env.VIEWPORTS || 'desktop phone').split(/\s+/).includes(v.name));
const pages = ['', '/security', '/sign-in', '/devices', '/apps', '/venues', '/danger'];

const errors = [];
const axeFailures = [];

async function shoot(page, state, lang, vp, extra = {}) {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${state}-${lang}-${vp.name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // Every state is checked even after one fails: the run lists them all.
  try {
    await checkAxe(page, `${state} (${lang}, ${vp.name})`);
  } catch (err) {
    axeFailures.push(String(err.message || err));
  }
  const info = await page.evaluate(() => ({
    dir: document.documentElement.dir,
    langAttr: document.documentElement.lang,
    title: document.querySelector('h1')?.textContent?.trim() ?? '',
    body: document.body.innerText,
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  result({ state, lang, width: vp.width, file, ...info, ...extra });
}

async function signIn(page) {
  await page.goto(issuer + '/account');
  await page.getByTestId('email').fill(email);
  await page.getByTestId('password').fill(password);
  await Promise.all([page.waitForNavigation(), page.getByTestId('submit').click()]);
}

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_ARGS, timeout: DEFAULT_TIMEOUT_MS });
try {
  for (const vp of viewports) {
    for (const lang of langs) {
      const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, locale: lang });
      context.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`${page.url()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`${page.url()}: ${e}`));

      await signIn(page);
      for (const p of pages) {
        await page.goto(issuer + '/account' + p);
        const nav = await page.evaluate(() => ({
          current: document.querySelector('[aria-current="page"]')?.getAttribute('data-testid') ?? '',
          navCount: document.querySelectorAll('[data-testid="account-nav"] a').length,
          navTop: document.querySelector('[data-testid="account-nav"]').getBoundingClientRect().top,
          mainTop: document.querySelector('.account-main').getBoundingClientRect().top,
          navLeft: document.querySelector('[data-testid="account-nav"]').getBoundingClientRect().left,
          mainLeft: document.querySelector('.account-main').getBoundingClientRect().left,
        }));
        await shoot(page, 'account' + (p.replace('/', '-') || '-profile'), lang, vp, nav);
      }

      // The password form after a wrong current password: the error inline
      // in its section, the page and navigation still there.
      await page.goto(issuer + '/account/security');
      await page.getByTestId('current_password').fill('not-my-password');
      await page.getByTestId('new_password').fill('qwerty123'); // on the common-password list
      // The rules arrive from /login/password-rules; the message follows.
      await page.waitForFunction(() => document.querySelector('[data-testid="new_password-problem"]')?.textContent !== '');
      const live = await page.getByTestId('new_password-problem').textContent();
      await page.getByTestId('new_password-toggle').click();
      const toggled = {
        type: await page.getByTestId('new_password').getAttribute('type'),
        pressed: await page.getByTestId('new_password-toggle').getAttribute('aria-pressed'),
        live: live.trim(),
        invalid: await page.getByTestId('new_password').getAttribute('aria-invalid'),
      };
      await shoot(page, 'account-security-typing', lang, vp, toggled);
      await page.getByTestId('new_password').fill('a sound new passphrase 42');
      await Promise.all([page.waitForNavigation(), page.locator('[data-testid="password-form"] [data-testid="submit"]').click()]);
      const inline = await page.evaluate(() => ({
        focused: document.activeElement?.hasAttribute('data-error-summary') ?? false,
        fieldError: document.querySelector('[data-testid="current_password-problem"]')?.textContent?.trim() ?? '',
        hasNav: !!document.querySelector('[data-testid="account-nav"]'),
        passwordValues: [...document.querySelectorAll('input[type="password"]')].map((i) => i.value).join(''),
      }));
      await shoot(page, 'account-security-error', lang, vp, inline);

      // The profile with a phone that is not a number: kept as typed.
      await page.goto(issuer + '/account');
      await page.getByTestId('phone').fill('call me');
      await Promise.all([page.waitForNavigation(), page.locator('[data-testid="profile-form"] [data-testid="submit"]').click()]);
      await shoot(page, 'account-profile-error', lang, vp, { phone: await page.getByTestId('phone').inputValue() });
      await context.close();
    }

    // Pages outside the account area (no account language: the request's).
    for (const lang of langs) {
      const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, locale: lang });
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(`${page.url()}: ${e}`));

      await page.goto(unlockURL);
      await shoot(page, 'unlock-confirm', lang, vp, { button: await page.getByTestId('submit').count() });

      await page.goto(issuer + '/authorize?client_id=demo-app&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s');
      await shoot(page, 'authorize-bad-redirect', lang, vp, { requestID: (await page.getByTestId('request-id').textContent()).trim() });

      await page.goto(issuer + '/login/signup');
      await shoot(page, 'signup-direct', lang, vp, { path: new URL(page.url()).pathname });
      await Promise.all([page.waitForNavigation(), page.getByTestId('signup').click()]);
      await Promise.all([page.waitForNavigation(), page.locator('[data-testid="signup-form"] [data-testid="submit"]').click()]);
      const focus = await page.evaluate(() => ({
        focused: document.activeElement?.hasAttribute('data-error-summary') ?? false,
        tag: document.activeElement?.tagName ?? '',
      }));
      await shoot(page, 'signup-error', lang, vp, focus);

      await page.goto(issuer + '/login/forgot');
      await page.getByTestId('email').fill(email);
      await Promise.all([page.waitForNavigation(), page.getByTestId('submit').click()]);
      await shoot(page, 'forgot-sent', lang, vp, { links: await page.locator('nav.links a').count() });

      await page.goto(issuer + '/login/verify?token=used-or-never-issued');
      await Promise.all([page.waitForNavigation(), page.getByTestId('submit').click()]);
      await shoot(page, 'link-expired', lang, vp, { links: await page.locator('nav.links a').count() });

      await page.goto(issuer + '/logged-out');
      await shoot(page, 'signed-out', lang, vp, { links: await page.getByTestId('sign-in-again').count() });
      await context.close();
    }
  }
  if (axeFailures.length > 0) {
    throw new Error(`${axeFailures.length} state(s) failed axe:\n${axeFailures.join('\n')}`);
  }
  if (process.env.STRICT_CONSOLE === '1' && errors.length > 0) {
    throw new Error(`pages logged ${errors.length} error(s):\n${errors.join('\n')}`);
  }
} catch (err) {
  console.error(`FAILED: ${err && err.stack ? err.stack : err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
