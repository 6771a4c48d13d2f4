// Walks the hosted pages in several languages, screen sizes and brands in
// one browser launch: a fresh context (no cookies) per combination, with
// its Accept-Language and viewport. Every state is screenshotted and
// checked with axe-core (0 violations, see lib.mjs checkAxe).
//
// Environment: PLAN (JSON: {langs: [..], viewports: ["1280x800", ..],
// brands: [{name, authURL, email, password}], pages: [{name, path}]}),
// ISSUER, SCREENSHOT_DIR.
// Reports one RESULT per state: {state, lang, viewport, brand, htmlLang,
// dir, h1, overflow, screenshot}.

import { checkAxe, requireEnv, result, run, screenshot } from './lib.mjs';

const plan = JSON.parse(requireEnv('PLAN'));
const issuer = requireEnv('ISSUER');

async function record(page, state, combo) {
  await page.locator('h1').first().waitFor();
  const info = await page.evaluate(() => ({
    htmlLang: document.documentElement.lang,
    dir: document.documentElement.dir,
    h1: document.querySelector('h1')?.textContent?.trim() ?? null,
    overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
  }));
  const label = `${state} ${combo.lang} ${combo.viewport} ${combo.brand}`;
  await checkAxe(page, label);
  const file = await screenshot(page, `${state}-${combo.brand}-${combo.lang}-${combo.viewport}.png`);
  result({ state, ...combo, ...info, screenshot: file });
}

await run(async (first) => {
  const browser = first.context().browser();
  for (const lang of plan.langs) {
    for (const viewport of plan.viewports) {
      const [width, height] = viewport.split('x').map(Number);
      for (const brand of plan.brands) {
        const combo = { lang, viewport, brand: brand.name };
        const context = await browser.newContext({ viewport: { width, height }, locale: lang, colorScheme: 'light' });
        const page = await context.newPage();
        page.on('pageerror', (err) => first.consoleErrors.push(`${combo.lang}: ${err}`));
        page.on('console', (msg) => {
          if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) first.consoleErrors.push(msg.text());
        });
        try {
          await page.goto(brand.authURL);
          await page.locator('[data-testid=login-form]').waitFor();
          await record(page, 'login', combo);

          // A wrong password for an address nobody has: unknown addresses are
          // counted per address, so the walk never locks the real user out.
          await page.fill('[data-testid=email]', `nobody-${lang}-${viewport}-${brand.name}@example.com`);
          await page.fill('[data-testid=password]', 'not-the-password');
          await page.click('[data-testid=submit]');
          await page.locator('[data-testid=error]').waitFor();
          await record(page, 'login-error', combo);

          await page.fill('[data-testid=email]', brand.email);
          await page.fill('[data-testid=password]', brand.password);
          await page.click('[data-testid=submit]');
          await page.locator('[data-testid=consent-form]').waitFor();
          await record(page, 'consent', combo);

          if (brand.name === plan.brands[0].name) {
            // Pages outside a sign-in, in this language and size.
            for (const p of plan.pages) {
              await page.goto(issuer + p.path);
              await record(page, p.name, combo);
            }
            // Sign-up and password reset, opened from a fresh login page.
            await context.clearCookies();
            await page.goto(brand.authURL);
            await page.click('[data-testid=forgot]');
            await page.locator('[data-testid=forgot-form]').waitFor();
            await record(page, 'forgot', combo);
            await page.goBack();
            await page.click('[data-testid=signup]');
            await page.locator('[data-testid=signup-form]').waitFor();
            await record(page, 'signup', combo);
            await page.click('[data-testid=submit]');
            await page.locator('[data-testid=error]').waitFor();
            await record(page, 'signup-error', combo);
          }
        } catch (err) {
          await screenshot(page, `failed-${combo.brand}-${combo.lang}-${combo.viewport}.png`);
          throw new Error(`${combo.brand} ${combo.lang} ${combo.viewport} at ${page.url()}: ${(await page.textContent('body').catch(() => '')).trim().slice(0, 400)}\n${err.message}`);
        } finally {
          await context.close();
        }
      }
    }
  }
});
