// browser.mjs: the real browser every end-to-end test drives — Debian's
// chromium through playwright-core, headless — against the app the server
// under test serves; plus signing in through the form, screenshots of the
// main screens and the accessibility check.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

/** Where the app is served (the server under test, unless told otherwise). */
export const APP = (process.env.CRM_E2E_URL ?? process.env.CRM_TEST_URL ?? 'http://127.0.0.1:18080').replace(/\/+$/, '');
const CHROMIUM = process.env.CRM_E2E_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'build-test', 'screenshots');

/** Launches the browser; close it with `await browser.close()`. */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--lang=zh-CN'],
  });
}

/** A fresh browser context (its own storage: another person at another
 * computer) in `locale`, and a page in it. */
export async function openPage(browser, { locale = 'zh-CN' } = {}) {
  // Reduced motion: the app then draws no transitions, so a click never lands
  // on a dialog still zooming in and a screenshot never catches one half-way.
  const context = await browser.newContext({
    locale,
    viewport: { width: 1366, height: 860 },
    acceptDownloads: true,
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return { context, page, errors };
}

/** Texts of the sign-in form in either language. */
const SIGN_IN = {
  tenant: /组织代码|Organization/,
  email: /邮箱|Email/,
  password: /密码|Password/,
  submit: /^(登录|Sign in)$/,
};

/** Signs in through the form as a person would, and waits for the shell. */
export async function signIn(page, { slug, email, password }, path = '/') {
  await page.goto(APP + path);
  await page.getByLabel(SIGN_IN.tenant).fill(slug);
  await page.getByLabel(SIGN_IN.email).fill(email);
  await page.getByLabel(SIGN_IN.password).fill(password);
  await page.getByRole('button', { name: SIGN_IN.submit }).click();
  await page.getByRole('button', { name: /退出登录|Sign out/ }).waitFor();
}

/** Waits until no table or page is still showing its loading veil (so a
 * screenshot or the accessibility check sees the screen as a person does). */
export async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('.ant-spin-blur, .ant-spin-spinning, .ant-table-placeholder .ant-spin'));
  await page.waitForTimeout(350); // the veil's fade-out
}

/** Saves a full-page screenshot, once loading is over, as build-test/screenshots/<name>.png. */
export async function screenshot(page, name) {
  await settled(page);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Fails on any serious or critical axe-core violation on the page as it is now. */
export async function assertAccessible(page, what) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`),
    [],
    `accessibility violations on ${what}`,
  );
}

/** Fails when the page logged an error (an uncaught exception, a failed render). */
export function assertNoErrors(errors, what) {
  // A 4xx the screen handled is logged by the browser as a failed resource; that is not an app error.
  const real = errors.filter((e) => !/Failed to load resource/.test(e));
  assert.deepEqual(real, [], `errors in the page on ${what}`);
}
