// phone.mjs: the field-sales app in a phone — a 390×844 touch screen at
// twice the pixels, in Chinese, its location known and allowed — signing in
// through its form, waiting for its sync engine, and reading what the phone
// keeps in IndexedDB (the ids it made, its outbox).
import { APP, screenshot } from './browser.mjs';

/** Where the server serves the mobile app. */
export const MOBILE = `${APP}/m`;

/** Near Shanghai's Bund: where the phone says it is unless told otherwise. */
export const HERE = { latitude: 31.2397, longitude: 121.4998, accuracy: 12 };

/** A phone's context and a page in it; `geolocation: null` leaves the
 * permission ungranted (the app must cope with a refusal). */
export async function openPhone(browser, { locale = 'zh-CN', geolocation = HERE } = {}) {
  const context = await browser.newContext({
    locale,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    reducedMotion: 'reduce',
    timezoneId: 'Asia/Shanghai',
    ...(geolocation ? { geolocation, permissions: ['geolocation'] } : {}),
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

/** The sync engine's state and when it last read the feed to its end. */
export async function syncState(page) {
  return page.evaluate(() => ({ state: document.documentElement.dataset.sync ?? null, at: document.documentElement.dataset.syncedAt ?? null }));
}

/** Waits until a sync pass that ended after `since` (ISO) left the engine idle. */
export async function synced(page, since = '') {
  await page.waitForFunction(
    (after) => document.documentElement.dataset.sync === 'idle' && (document.documentElement.dataset.syncedAt ?? '') > after,
    since,
    { timeout: 30000 },
  );
}

/** Takes the phone's network away and waits until the app knows it (a
 * pass that was under way has ended). */
export async function goOffline(context, page) {
  await context.setOffline(true);
  await page.waitForFunction(() => navigator.onLine === false && document.documentElement.dataset.sync !== 'syncing');
}

/** Signs in through the app's form and waits for the first sync to end. */
export async function signInPhone(page, { slug, email, password }) {
  await page.goto(`${MOBILE}/`);
  await page.getByLabel('组织代码').fill(slug);
  await page.getByLabel('邮箱').fill(email);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await synced(page);
}

/** Every row of one table of the phone's copy (`customers`, `contacts`, `records`, `outbox`...). */
export async function phoneTable(page, table) {
  return page.evaluate(
    (name) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('crm-mobile');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction(name, 'readonly').objectStore(name).getAll();
          req.onsuccess = () => {
            open.result.close();
            resolve(req.result);
          };
          req.onerror = () => reject(req.error);
        };
      }),
    table,
  );
}

/** Taps the tab named `name` in the bottom bar. */
export async function tab(page, name) {
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
}

/** Waits until no toast or popup of antd-mobile is on the screen. */
export async function still(page) {
  await page.waitForFunction(() => !document.querySelector('.adm-toast-mask, .adm-popup-body, .adm-center-popup-wrap'));
}

/** A screenshot of the whole screen as a phone as tall as the page would show
 * it (the sync line on top, the tabs at the bottom, nothing between covered),
 * once no toast is left: build-test/screenshots/mobile/<name>.png. */
export async function phoneShot(page, name) {
  await page.waitForFunction(() => !document.querySelector('.adm-toast-mask'));
  const size = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (height > size.height) await page.setViewportSize({ width: size.width, height });
  try {
    await screenshot(page, `mobile/${name}`);
  } finally {
    if (height > size.height) await page.setViewportSize(size);
  }
}
