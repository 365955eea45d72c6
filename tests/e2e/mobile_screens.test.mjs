// The field-sales app's other paths in a phone: a refused sign-in, a new
// customer the server takes for a duplicate (the candidates shown, created
// anyway), a write the server refuses (its message next to the field,
// corrected and sent again), a check-in without location permission, and the
// "me" tab in English with the warning before signing out with unsent writes.
// Outcomes are checked through the API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, createCustomer, expectStatus, listAll } from '../api/lib/client.mjs';
import { assertAccessible, assertNoErrors, launch } from './lib/browser.mjs';
import { salesOrganization } from './lib/customers.mjs';
import { goOffline, MOBILE, openPhone, phoneShot, phoneTable, signInPhone, still, synced, syncState, tab } from './lib/phone.mjs';

let browser;
let o;
before(async () => {
  browser = await launch();
  o = await salesOrganization();
});
after(async () => {
  await browser?.close();
});

const customersNamed = async (token, name) =>
  expectStatus(await api('GET', `/v1/customers?q=${encodeURIComponent(name)}&limit=50`, { token }), 200).body.data.filter((c) => c.name === name);

test('a refused sign-in shows why, in the language of the phone', async () => {
  const { context, page, errors } = await openPhone(browser);
  await page.goto(`${MOBILE}/`);
  await page.getByLabel('组织代码').fill(o.sales1.slug);
  await page.getByLabel('邮箱').fill(o.sales1.email);
  await page.getByLabel('密码').fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '组织代码、邮箱或密码不正确。' }).waitFor();
  await phoneShot(page, 'sign-in');
  await assertAccessible(page, 'the sign-in form');
  assertNoErrors(errors, 'a refused sign-in');
  await context.close();
});

test('a new customer like one someone else owns: the candidates with their owner, then "create anyway" creates it once', async () => {
  await createCustomer(o.sales2.token, { name: '上海华东贸易有限公司', phone: '021-6234 5678' });
  const { context, page, errors } = await openPhone(browser);
  await signInPhone(page, o.sales1);

  await tab(page, '客户');
  await page.getByRole('button', { name: '新建客户' }).click();
  await page.getByLabel('名称').fill('上海华东贸易');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '上海华东贸易' }).waitFor();

  const banner = page.getByRole('alert').filter({ hasText: '1 条记录需要您处理' });
  await banner.waitFor({ timeout: 30000 });
  await page.getByText('需要处理', { exact: true }).waitFor();
  await banner.getByRole('link', { name: '去处理' }).click();
  const entry = page.locator('.outbox-duplicate');
  await entry.getByText('疑似重复客户').waitFor();
  await entry.getByText('上海华东贸易有限公司').waitFor();
  await entry.getByText('负责人：赵销售').waitFor();
  assert.equal((await customersNamed(o.admin.token, '上海华东贸易')).length, 0, 'nothing created before the user decides');
  await phoneShot(page, 'duplicate');
  await assertAccessible(page, 'the duplicate prompt');

  await entry.getByRole('button', { name: '仍然新建' }).click();
  await page.getByText('所有记录都已发送到服务器').waitFor({ timeout: 30000 });
  const made = await customersNamed(o.admin.token, '上海华东贸易');
  assert.equal(made.length, 1);
  assert.equal(made[0].owner_id, o.sales1.id);
  assertNoErrors(errors, 'the duplicate');
  await context.close();
});

test('a write the server refuses is marked, its message next to the field; corrected, it is sent again', async () => {
  const { context, page, errors } = await openPhone(browser);
  await signInPhone(page, o.sales1);
  // Several numbers pasted into one field: longer than the server keeps (50).
  const tooLong = '0512-6666 1234 / 0512-6666 1235 / 0512-6666 1236 / 139 1234 5678';
  await tab(page, '客户');
  await page.getByRole('button', { name: '新建客户' }).click();
  await page.getByLabel('名称').fill('苏州工业园区精密机械厂');
  await page.getByLabel('电话').fill(tooLong);
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '苏州工业园区精密机械厂' }).waitFor();

  const banner = page.getByRole('alert').filter({ hasText: '1 条记录需要您处理' });
  await banner.waitFor({ timeout: 30000 });
  await banner.getByRole('link', { name: '去处理' }).click();
  const entry = page.locator('.outbox-invalid');
  await entry.getByText('被服务器拒绝').waitFor();
  const phone = entry.getByLabel('电话');
  assert.equal(await phone.inputValue(), tooLong);
  await entry.locator('.field-error').filter({ hasText: /^太长（/ }).waitFor();
  await phoneShot(page, 'invalid');
  await assertAccessible(page, 'a refused write');

  await phone.fill('0512-6666 1234');
  await entry.getByRole('button', { name: '改正后重新发送' }).click();
  await page.getByText('所有记录都已发送到服务器').waitFor({ timeout: 30000 });
  const made = await customersNamed(o.sales1.token, '苏州工业园区精密机械厂');
  assert.equal(made.length, 1);
  assert.equal(made[0].phone, '0512-6666 1234');
  assertNoErrors(errors, 'a refused write');
  await context.close();
});

test('a check-in without location permission says so, and the visit is saved without a location', async () => {
  const customer = await createCustomer(o.sales1.token, { name: '宁波港湾物流', location: { lat: 29.8683, lon: 121.544 } });
  const { context, page, errors } = await openPhone(browser, { geolocation: null });
  await signInPhone(page, o.sales1);
  await page.goto(`${MOBILE}/customers/${customer.id}`);
  await page.getByRole('heading', { name: '宁波港湾物流' }).waitFor();
  await page.getByRole('button', { name: '签到拜访' }).click();
  await page.getByRole('status').filter({ hasText: '未获得定位权限' }).waitFor();
  // The kinds answer a keyboard too.
  const kinds = page.getByRole('listbox', { name: '方式' });
  await kinds.getByRole('option', { name: '微信' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await kinds.getByRole('option', { name: '微信' }).getAttribute('aria-selected'), 'true');
  await kinds.getByRole('option', { name: '拜访' }).focus();
  await page.keyboard.press(' ');
  assert.equal(await kinds.getByRole('option', { name: '拜访' }).getAttribute('aria-selected'), 'true');
  await page.getByLabel('内容').fill('门卫不让进，改约下周');
  await phoneShot(page, 'check-in-refused');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '宁波港湾物流' }).waitFor();
  const since = (await syncState(page)).at;
  await synced(page, since);
  let visits = [];
  for (let i = 0; i < 50 && visits.length === 0; i++) {
    visits = (await listAll(`/v1/customers/${customer.id}/contact-records`, o.sales1.token)).filter((r) => r.kind === 'visit');
    if (visits.length === 0) await page.waitForTimeout(200);
  }
  assert.equal(visits.length, 1);
  assert.equal(visits[0].location, null);
  assert.equal(visits[0].distance_m, null);
  assert.equal(visits[0].summary, '门卫不让进，改约下周');
  assertNoErrors(errors, 'a refused location');
  await context.close();
});

test('the me tab in English; signing out with unsent writes warns first', async () => {
  const customer = await createCustomer(o.sales1.token, { name: 'Acme Trading GmbH' });
  const { context, page, errors } = await openPhone(browser);
  await signInPhone(page, o.sales1);
  await tab(page, '我的');
  await page.getByRole('listbox', { name: '语言' }).getByRole('option', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'This month' }).waitFor();
  await page.getByText(/^Read /).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en-US');

  // A call recorded offline is still in the outbox.
  await goOffline(context, page);
  await tab(page, 'Customers');
  await page.getByRole('searchbox').fill('acme');
  await page.getByRole('link', { name: 'Acme Trading GmbH' }).click();
  await page.getByRole('button', { name: 'Record a contact' }).click();
  await page.getByRole('heading', { name: 'Record a contact' }).waitFor();
  await page.getByLabel('Summary').fill('Asked for the price list');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Acme Trading GmbH' }).waitFor();
  assert.equal((await phoneTable(page, 'outbox')).length, 1);

  await tab(page, 'Me');
  await still(page);
  await phoneShot(page, 'me-en');
  await assertAccessible(page, 'the me tab in English');
  await page.getByRole('button', { name: 'Sign out' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Not sent to the server yet: 1. Signing out loses them. Sign out anyway?').waitFor();
  await phoneShot(page, 'sign-out-warning');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await phoneTable(page, 'outbox')).length, 1, 'nothing lost');

  // Back to Chinese for whoever uses the phone next.
  await page.getByRole('listbox', { name: 'Language' }).getByRole('option', { name: '中文' }).click();
  await page.getByRole('heading', { name: '本月业绩' }).waitFor();
  assertNoErrors(errors, 'the me tab');
  await context.close();
});

test('editing a contact person sends only the field changed', async () => {
  const customer = await createCustomer(o.sales1.token, { name: '温州瓯江电器' });
  const person = expectStatus(
    await api('POST', `/v1/customers/${customer.id}/contacts`, { token: o.sales1.token, body: { name: '林工', title: '工程师', mobile: '137 0000 1111', is_primary: false } }),
    201,
  ).body;
  const { context, page, errors } = await openPhone(browser);
  await signInPhone(page, o.sales1);
  await page.goto(`${MOBILE}/customers/${customer.id}`);
  await page.getByRole('heading', { name: '温州瓯江电器' }).waitFor();
  assert.equal(await page.getByRole('link', { name: '拨打 137 0000 1111' }).getAttribute('href'), 'tel:137 0000 1111');
  await page.getByRole('link', { name: '编辑 林工' }).click();
  await page.getByRole('heading', { name: '编辑联系人' }).waitFor();
  assert.equal(await page.getByLabel('手机').inputValue(), '137 0000 1111');
  await page.getByLabel('职务').fill('技术部经理');
  await phoneShot(page, 'contact-edit');
  await assertAccessible(page, 'editing a contact person');
  const since = (await syncState(page)).at;
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '温州瓯江电器' }).waitFor();
  await synced(page, since);
  await page.getByText('技术部经理').waitFor();
  const now = expectStatus(await api('GET', `/v1/contacts/${person.id}`, { token: o.sales1.token }), 200).body;
  assert.equal(now.title, '技术部经理');
  assert.equal(now.version, person.version + 1, 'one edit');
  const audit = expectStatus(await api('GET', `/v1/audit-log?entity=contacts&entity_id=${person.id}&action=update`, { token: o.admin.token }), 200).body;
  assert.deepEqual(audit.data.map((e) => Object.keys(e.changes ?? {})), [['title']], 'only the title was sent');
  assertNoErrors(errors, 'editing a contact person');
  await context.close();
});

test('what a customer owes and has paid reaches the phone: an open installment, and a payment the office recorded', async () => {
  const customer = await createCustomer(o.sales1.token, { name: '常州电子元件厂' });
  const k = expectStatus(
    await api('POST', '/v1/contracts', {
      token: o.sales1.token,
      body: {
        customer_id: customer.id,
        lines: [{ description: '电容', quantity: '100', unit: '盒', unit_price: '30.00' }],
        installments: [
          { due_date: '2031-01-10', amount: '1000.00' },
          { due_date: '2031-02-10', amount: '2000.00' },
        ],
      },
    }),
    201,
  ).body;
  expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: o.sales1.token }), 200);
  const [first] = expectStatus(await api('GET', `/v1/receivables?contract_id=${k.id}`, { token: o.admin.token }), 200).body.data.sort(
    (a, b) => a.installment_seq - b.installment_seq,
  );
  expectStatus(
    await api('POST', '/v1/payments', {
      token: o.admin.token,
      body: { customer_id: customer.id, received_on: '2030-12-28', amount: '1000.00', currency: 'CNY', method: 'wechat_pay', allocations: [{ receivable_id: first.id, amount: '1000.00' }] },
    }),
    201,
  );
  const { context, page, errors } = await openPhone(browser);
  await signInPhone(page, o.sales1);
  await synced(page);
  await page.goto(`${MOBILE}/customers/${customer.id}`);
  const money = page.getByRole('region', { name: '应收与收款' });
  await money.getByText(`${k.number} · 2`).waitFor();
  assert.equal(await money.getByText(`${k.number} · 1`).count(), 0, 'the paid installment is no longer listed as owed');
  await money.getByText('微信支付').waitFor();
  await phoneShot(page, 'customer-money');
  assertNoErrors(errors, 'a customer\'s money on the phone');
  await context.close();
});
