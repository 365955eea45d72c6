// The app shell: signing in and out, the session surviving a reload, the
// language switch, and a typed URL that does not exist.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signup } from '../api/lib/client.mjs';
import { APP, assertAccessible, assertNoErrors, launch, openPage, screenshot, signIn } from './lib/browser.mjs';

let browser;
let org;
before(async () => {
  browser = await launch();
  org = await signup({ name: '王小明' });
});
after(async () => {
  await browser?.close();
});

test('an admin signs in, stays signed in across a reload, switches language and signs out', async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(APP + '/');
  await page.getByRole('heading', { name: '登录' }).waitFor();
  await screenshot(page, 'sign-in');
  await assertAccessible(page, 'sign-in');

  // A wrong password is refused with the server's answer, in Chinese.
  await page.getByLabel('组织代码').fill(org.slug);
  await page.getByLabel('邮箱').fill(org.email);
  await page.getByLabel('密码').fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '组织、邮箱或密码不正确' }).waitFor();

  await signIn(page, org);
  await page.getByText('王小明').waitFor();
  await page.reload();
  await page.getByRole('button', { name: '退出登录' }).waitFor();

  await page.getByText('English', { exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByText('中文', { exact: true }).click();
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByRole('heading', { name: '登录' }).waitFor();

  // Signed out means the stored session is gone: a reload does not sign back in.
  await page.reload();
  await page.getByRole('heading', { name: '登录' }).waitFor();
  assertNoErrors(errors, 'sign-in and out');
  await context.close();
});

test('a typed URL to a page that does not exist shows "not found", then the sign-in keeps it', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(APP + '/no/such/page');
  await page.getByRole('heading', { name: '登录' }).waitFor();
  await signIn(page, org, '/no/such/page');
  await page.getByRole('heading', { name: '未找到' }).waitFor();
  assert.match(page.url(), /\/no\/such\/page$/);
  await context.close();
});

test('on a narrow screen the menu folds behind a button in the header and opens with it', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await signIn(page, org, '/customers');
  await page.getByRole('heading', { name: '客户' }).waitFor();
  const menuButton = page.getByRole('button', { name: '菜单' });
  assert.equal(await menuButton.getAttribute('aria-expanded'), 'false');
  await screenshot(page, 'shell-phone');
  assert.equal(await page.getByRole('link', { name: '报价单' }).isVisible(), false);
  await assertAccessible(page, 'the customers list on a phone');
  await menuButton.click();
  await page.getByRole('link', { name: '报价单' }).click();
  await page.waitForURL(/\/quotations$/);
  assert.equal(await menuButton.getAttribute('aria-expanded'), 'false');
  await context.close();
});
