// Shared helpers for Admit's browser scripts. Run them through the Go
// package (browsertest.Run), which installs node_modules and checks that
// Chromium is there.
//
// Environment understood by every script:
//   SCREENSHOT_DIR   where screenshot() writes (created if missing)
//   VIEWPORT         optional "WIDTHxHEIGHT", e.g. "320x640" for a small phone
//   COLOR_SCHEME     optional "dark" to emulate prefers-color-scheme: dark
//   STRICT_CONSOLE   "1" makes run() fail if a page logged an error (this is
//                    how CSP violations such as inline styles surface) or a
//                    stylesheet, script or image failed to load

import { createHmac } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

// Debian's Chromium; playwright-core never downloads a browser of its own.
export const CHROMIUM_PATH = '/usr/bin/chromium';

// Keep the browser from talking to anything but the server under test.
export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const DEFAULT_TIMEOUT_MS = 30_000;

// launch starts Chromium with a fresh profile (playwright makes a temporary
// --user-data-dir) and returns {browser, page}. Page problems are echoed to
// stderr and collected in page.consoleErrors: console errors (this is where
// CSP violations show up), uncaught exceptions, and subresources (styles,
// scripts, images) that failed or answered with an HTTP error.
export async function launch() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: LAUNCH_ARGS,
    timeout: DEFAULT_TIMEOUT_MS,
  });
  const context = await browser.newContext({
    viewport: viewportFromEnv(),
    colorScheme: process.env.COLOR_SCHEME || 'light',
  });
  context.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(DEFAULT_TIMEOUT_MS);
  const page = await context.newPage();
  page.consoleErrors = [];
  const report = (kind, text) => {
    page.consoleErrors.push(text);
    console.error(`[${kind}] ${text}`);
  };
  page.on('console', (msg) => {
    // Chromium also logs every HTTP error status this way, including a
    // deliberate 401 or 404 page; subresources are checked below instead.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      report('browser console', msg.text());
    }
  });
  page.on('pageerror', (err) => report('page error', String(err)));
  page.on('response', (res) => {
    if (res.status() >= 400 && isCheckedSubresource(res.request())) {
      report('subresource', `${res.request().method()} ${res.url()} answered ${res.status()}`);
    }
  });
  page.on('requestfailed', (req) => {
    // ERR_ABORTED is the browser cancelling a request still in flight
    // because the page navigated (a form submitted while a passkey's
    // conditional-UI options fetch was pending): not a failure of the page.
    // Errors the server or the CSP cause fail with other codes, or show in
    // the response check above.
    if (isCheckedSubresource(req) && req.failure()?.errorText !== 'net::ERR_ABORTED') {
      report('subresource', `${req.method()} ${req.url()} failed: ${req.failure()?.errorText}`);
    }
  });
  return { browser, page };
}

// isCheckedSubresource is true for what a page loads for itself: pages may
// answer with error statuses on purpose, and a browser's favicon probe is
// not the page's doing.
function isCheckedSubresource(req) {
  return req.resourceType() !== 'document' && new URL(req.url()).pathname !== '/favicon.ico';
}

// viewportFromEnv reads VIEWPORT ("320x640"); unset keeps playwright's 1280x720.
function viewportFromEnv() {
  const spec = process.env.VIEWPORT;
  if (!spec) return undefined;
  const m = /^(\d+)x(\d+)$/.exec(spec);
  if (!m) throw new Error(`VIEWPORT must look like 320x640, got ${JSON.stringify(spec)}`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

// screenshot saves a full-page PNG as SCREENSHOT_DIR/name and returns its
// path, or null when SCREENSHOT_DIR is unset.
export async function screenshot(page, name) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) {
    console.error(`screenshot ${name} skipped: SCREENSHOT_DIR is not set`);
    return null;
  }
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// checkAxe runs axe-core (WCAG 2.1 A/AA rules plus best practices) on the
// page as it is now and throws listing every violation, so one call asserts
// "0 violations". The engine is evaluated through the DevTools protocol,
// which the page's CSP does not govern, so the strict CSP stays on while it
// runs. label names the page state in the error.
export async function checkAxe(page, label) {
  if (!axeSource) {
    const require = createRequire(import.meta.url);
    axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  }
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await globalThis.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  if (violations.length > 0) {
    throw new Error(`axe found ${violations.length} violation(s) on ${label}:\n${violations.join('\n')}`);
  }
}
let axeSource = null;

// result reports obj to the Go side, which collects every RESULT line.
export function result(obj) {
  process.stdout.write(`RESULT ${JSON.stringify(obj)}\n`);
}

// requireEnv returns the variable or throws naming it.
export function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

// run launches the browser, runs body(page) and always closes the browser.
// On failure it saves failure.png, prints the error and exits 1, so the Go
// side reports the script's output.
export async function run(body) {
  const { browser, page } = await launch();
  try {
    await body(page);
    if (process.env.STRICT_CONSOLE === '1' && page.consoleErrors.length > 0) {
      throw new Error(`page logged ${page.consoleErrors.length} error(s):\n${page.consoleErrors.join('\n')}`);
    }
  } catch (err) {
    console.error(`FAILED at ${page.url()}: ${err && err.stack ? err.stack : err}`);
    try {
      const file = await screenshot(page, 'failure.png');
      if (file) console.error(`screenshot: ${file}`);
    } catch (shotErr) {
      console.error(`could not save failure.png: ${shotErr}`);
    }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

// base32Decode reads an RFC 4648 section 6 base32 string (padding optional).
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// totp computes the code for a base32 secret at unix seconds, the way an
// authenticator app would: RFC 6238 with SHA-1, 30 s steps and 6 digits
// (the HOTP truncation of RFC 4226 section 5.3).
export function totp(secret, unix) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unix / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, '0');
}
