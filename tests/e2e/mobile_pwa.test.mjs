// mobile_pwa.test.mjs: the field-sales app as an installed app — what Chrome
// needs to offer "install" (the manifest, its icons, a service worker that
// controls the page), how the server sends the files the service worker
// depends on, and the app reloading and starting with no network, the
// salesperson's customers still there.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { addUser, createCustomer, signup } from '../api/lib/client.mjs';
import { APP, assertNoErrors, launch, screenshot } from './lib/browser.mjs';
import { openPhone, phoneTable, signInPhone } from './lib/phone.mjs';

const M = `${APP}/m/`;

/** The phone of lib/phone.mjs, for a context with a profile of its own. */
const PHONE = {
  locale: 'zh-CN',
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  reducedMotion: 'reduce',
};

/** Waits until a service worker controls the page (after its first install
 * it claims the open page; clientsClaim in vite.config.ts). */
async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', null, { timeout: 30000 });
}

/** Width and height of a PNG (from its IHDR chunk). */
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG file');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

describe('the field-sales app installs', () => {
  test('the manifest names the app, its scope /m/ and icons Chrome accepts', async () => {
    const res = await fetch(`${M}manifest.webmanifest`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/manifest\+json/);
    const manifest = await res.json();
    assert.equal(manifest.id, '/m/');
    assert.equal(manifest.start_url, '/m/');
    assert.equal(manifest.scope, '/m/');
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.name && manifest.short_name, 'a name and a short name');
    const png = (manifest.icons ?? []).filter((i) => i.type === 'image/png');
    for (const want of ['192x192', '512x512']) {
      const icon = png.find((i) => i.sizes === want && (i.purpose ?? 'any').split(' ').includes('any'));
      assert.ok(icon, `a ${want} PNG icon for any purpose`);
    }
    assert.ok(png.some((i) => i.sizes === '512x512' && (i.purpose ?? '').includes('maskable')), 'a maskable 512 icon');
    for (const icon of png) {
      const r = await fetch(new URL(icon.src, `${M}manifest.webmanifest`));
      assert.equal(r.status, 200, `${icon.src} is served`);
      assert.equal(r.headers.get('content-type'), 'image/png', `${icon.src} as image/png`);
      const { width, height } = pngSize(Buffer.from(await r.arrayBuffer()));
      assert.equal(`${width}x${height}`, icon.sizes, `${icon.src} is as large as the manifest says`);
    }
  });

  test('the service worker is served fresh, the app shell under a strict CSP, every route of the app answered by it', async () => {
    const sw = await fetch(`${M}sw.js`);
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type') ?? '', /^text\/javascript/);
    // A service worker cached for a year would keep an old app on the phones.
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    assert.doesNotMatch(await sw.text(), /^\s*</, 'sw.js is script, not the SPA fallback');
    for (const path of ['', 'customers/x']) {
      const r = await fetch(M + path);
      assert.equal(r.status, 200, `/m/${path}`);
      assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(r.headers.get('cache-control'), 'no-cache');
      assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'(;|$)/);
      assert.match(await r.text(), /<link rel="manifest" href="\/m\/manifest\.webmanifest"/);
    }
  });

  test('Chrome finds nothing that stops the install, and the service worker controls the page', async () => {
    // Chrome never offers to install from an incognito profile, which every
    // new context is: this one has a profile folder of its own.
    const profile = mkdtempSync(join(tmpdir(), 'crm-pwa-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CRM_E2E_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
      ...PHONE,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(M);
      await controlled(page);
      const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
      assert.equal(scope, M);
      const cdp = await context.newCDPSession(page);
      const { url, errors: manifestErrors } = await cdp.send('Page.getAppManifest');
      assert.equal(url, `${M}manifest.webmanifest`);
      assert.deepEqual(manifestErrors, [], 'the manifest parses without errors');
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, [], 'Chrome would offer to install the app');
      assertNoErrors(errors, 'the app started with its service worker');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

describe('the field-sales app starts with no network', () => {
  let sales;
  const names = ['离线客户 上海一号', '离线客户 杭州二号', 'Offline Customer Three'];

  before(async () => {
    const org = await signup({ name: '管理员' });
    const user = await addUser(org, 'sales', { name: '外勤 李' });
    sales = { slug: org.slug, email: user.email, password: user.password };
    for (const name of names) await createCustomer(user.token, { name });
  });

  test('signed in and synced, it reloads offline from its service worker with the customers on the phone', async () => {
    const { context, page, errors } = await openPhone(browser);
    try {
      await signInPhone(page, sales); // and waits for the first sync
      await controlled(page);
      const customerNames = async () => (await phoneTable(page, 'customers')).map((c) => c.name).sort();
      assert.deepEqual(await customerNames(), [...names].sort(), 'the first sync brought every customer');
      const syncedAt = await page.evaluate(() => document.documentElement.dataset.syncedAt);

      await context.setOffline(true);
      // The network is really gone for the page (so what follows comes from the phone).
      assert.equal(await page.evaluate(() => fetch('/healthz').then(() => 'answered', () => 'failed')), 'failed');

      const reloaded = await page.reload();
      assert.ok(reloaded?.fromServiceWorker(), 'the reload was answered by the service worker');
      await page.locator('#root > *').first().waitFor();
      assert.deepEqual(await customerNames(), [...names].sort(), 'the copy is still there');
      // It knows it is offline and still says when it last synced.
      await page.waitForFunction(() => document.documentElement.dataset.sync === 'offline');
      assert.equal(await page.evaluate(() => document.documentElement.dataset.syncedAt), syncedAt);

      // A route opened for the first time offline: the service worker's fallback.
      const search = await page.goto(`${M}customers`);
      assert.ok(search?.fromServiceWorker(), '/m/customers came from the service worker');
      for (const name of names) await page.getByText(name, { exact: true }).first().waitFor();
      await screenshot(page, 'mobile/offline-customers');
      assertNoErrors(
        errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)),
        'the app started offline',
      );
    } finally {
      await context.close();
    }
  });
});
