// The customers screens in a real browser, in Chinese: the list searched and
// filtered, the duplicate prompt, the customer page and its tabs, recording a
// call, a stale edit between two people, what a salesperson may not see, and
// a manager's transfer. Every outcome is checked through the API as well.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, createCustomer, expectStatus, listAll } from '../api/lib/client.mjs';
import { APP, assertAccessible, assertNoErrors, launch, openPage, screenshot, signIn } from './lib/browser.mjs';
import { createMany, pick, salesOrganization, whenStill } from './lib/customers.mjs';

let browser;
let o;
before(async () => {
  browser = await launch();
  o = await salesOrganization();
});
after(async () => {
  await browser?.close();
});

const namesLike = async (token, q) =>
  expectStatus(await api('GET', `/v1/customers?q=${encodeURIComponent(q)}&limit=50`, { token }), 200).body.data.map((c) => c.name);

test('creating a customer that looks like an existing one shows the candidates; cancel creates nothing, "create anyway" creates it', async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, o.sales1, '/customers');
  await page.getByRole('heading', { name: '客户', exact: true }).waitFor();

  await page.getByRole('button', { name: '新建客户' }).click();
  await page.getByRole('heading', { name: '新建客户' }).waitFor();
  assert.match(page.url(), /\/customers\/new$/);
  await page.getByLabel('名称').fill('上海华东贸易有限公司');
  await page.getByLabel('电话').fill('021-6234 5678');
  await page.getByLabel('地区').fill('上海');
  await screenshot(page, 'customer-form');
  await assertAccessible(page, 'customer form');
  await page.getByLabel('名称').press('Enter');
  await page.getByRole('heading', { name: '上海华东贸易有限公司' }).waitFor();
  const first = /\/customers\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
  assert.ok(first, `the new customer's page: ${page.url()}`);

  // The second one is refused by the duplicate guard: the prompt names the first and its owner.
  await page.goto(APP + '/customers/new');
  await page.getByLabel('名称').fill('上海华东贸易');
  // Warned while typing, before saving.
  await page.getByRole('status').filter({ hasText: '已有相似的客户：上海华东贸易有限公司（负责人：李销售）' }).waitFor();
  await page.getByRole('button', { name: '保存' }).click();
  const prompt = page.getByRole('dialog', { name: '这看起来像已有的客户' });
  await prompt.waitFor();
  await prompt.getByRole('link', { name: '上海华东贸易有限公司' }).waitFor();
  assert.match(await prompt.getByRole('link', { name: '上海华东贸易有限公司' }).getAttribute('href'), new RegExp(`/customers/${first}$`));
  await prompt.getByText('负责人：李销售').waitFor();
  await whenStill(page);
  await screenshot(page, 'duplicate-prompt');
  await assertAccessible(page, 'duplicate prompt');

  // Going back keeps the typing and creates nothing.
  await prompt.getByRole('button', { name: '返回修改' }).click();
  await prompt.waitFor({ state: 'hidden' });
  assert.equal(await page.getByLabel('名称').inputValue(), '上海华东贸易');
  assert.deepEqual((await listAll('/v1/customers', o.sales1.token)).map((c) => c.name), ['上海华东贸易有限公司']);

  // Create anyway.
  await page.getByRole('button', { name: '保存' }).click();
  await prompt.getByRole('button', { name: '仍然新建' }).click();
  await page.getByRole('heading', { name: '上海华东贸易', exact: true }).waitFor();
  assert.deepEqual((await listAll('/v1/customers', o.sales1.token)).map((c) => c.name).sort(), ['上海华东贸易', '上海华东贸易有限公司']);
  assertNoErrors(errors, 'duplicate prompt');
  await context.close();
});

test('the list finds a customer by part of a Chinese or a Latin name, and filters by status', async () => {
  await createCustomer(o.sales1.token, { name: '北京联想科技有限公司', status: 'active', region: '北京', tags: ['重点'] });
  await createCustomer(o.sales1.token, { name: 'Globex Trading Ltd', status: 'prospect', region: 'Hamburg' });
  await createCustomer(o.sales1.token, { name: '深圳华强电子', status: 'lead', region: '深圳' });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, o.sales1, '/customers');
  const table = page.getByRole('table');
  await table.getByRole('link', { name: '深圳华强电子' }).waitFor();
  await screenshot(page, 'customers-list');
  await assertAccessible(page, 'customers list');

  await page.getByLabel('搜索客户').fill('联想');
  await page.waitForURL(/q=%E8%81%94%E6%83%B3/);
  await table.getByRole('link', { name: '北京联想科技有限公司' }).waitFor();
  await table.getByRole('link', { name: '深圳华强电子' }).waitFor({ state: 'detached' });
  assert.equal(await table.getByRole('link', { name: 'Globex Trading Ltd' }).count(), 0);

  await page.getByLabel('搜索客户').fill('globex');
  await table.getByRole('link', { name: 'Globex Trading Ltd' }).waitFor();
  await table.getByRole('link', { name: '北京联想科技有限公司' }).waitFor({ state: 'detached' });

  // The search is in the URL: a reload (or a bookmark) gives the same list.
  await page.reload();
  await table.getByRole('link', { name: 'Globex Trading Ltd' }).waitFor();
  assert.equal(await page.getByLabel('搜索客户').inputValue(), 'globex');

  // The menu's 客户 is the whole list again, its search box empty.
  await page.getByRole('navigation').getByRole('link', { name: '客户' }).click();
  await table.getByRole('link', { name: '深圳华强电子' }).waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.getByLabel('搜索客户').inputValue(), '');
  assert.doesNotMatch(page.url(), /q=/);
  assert.ok(await table.getByRole('link', { name: 'Globex Trading Ltd' }).count());

  await pick(page, '状态', '成交客户');
  await table.getByRole('link', { name: '北京联想科技有限公司' }).waitFor();
  await table.getByRole('link', { name: '深圳华强电子' }).waitFor({ state: 'detached' });
  await page.getByLabel('标签').fill('不存在的标签');
  await page.getByText('没有符合条件的客户').waitFor();

  // The same screen in English, and back.
  await page.getByText('English', { exact: true }).click();
  await page.getByRole('heading', { name: 'Customers', exact: true }).waitFor();
  await page.getByText('No customer matches').waitFor();
  await page.getByLabel('Tag', { exact: true }).fill('');
  await page.getByRole('columnheader', { name: 'Next contact' }).waitFor();
  await table.getByText('Active', { exact: true }).first().waitFor();
  await screenshot(page, 'customers-list-en');
  await page.getByText('中文', { exact: true }).click();
  await page.getByRole('heading', { name: '客户', exact: true }).waitFor();
  assertNoErrors(errors, 'customers list');
  await context.close();
});

test('the customer page shows every tab; a call recorded from it appears on the timeline and in the API', async () => {
  const c = await createCustomer(o.sales1.token, {
    name: '杭州西湖茶业有限公司',
    status: 'prospect',
    phone: '+86 571 8888 6666',
    email: 'tea@xihu.example',
    region: '杭州',
    tags: ['茶叶', '华东'],
    notes: '春茶季前联系',
  });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, o.sales1, `/customers/${c.id}`);
  await page.getByRole('heading', { name: '杭州西湖茶业有限公司' }).waitFor();
  await page.getByText('春茶季前联系').waitFor();
  assert.equal(await page.getByRole('link', { name: '+86 571 8888 6666' }).getAttribute('href'), 'tel:+8657188886666');
  await screenshot(page, 'customer-page');
  await assertAccessible(page, 'customer page');
  // Managing the customer as a whole is not a salesperson's to do.
  assert.equal(await page.getByRole('button', { name: '转移' }).count(), 0);

  // A contact person, with tap-to-call.
  await page.getByRole('tab', { name: '联系人' }).click();
  await page.waitForURL(new RegExp(`/customers/${c.id}/contacts$`));
  await page.getByRole('button', { name: '添加联系人' }).click();
  const dialog = page.getByRole('dialog', { name: '添加联系人' });
  await dialog.getByLabel('姓名').fill('陈女士');
  await dialog.getByLabel('职务').fill('采购经理');
  await dialog.getByLabel('手机').fill('138 0013 8000');
  await dialog.getByLabel('手机').press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('link', { name: '拨打 138 0013 8000' }).waitFor();
  assert.equal(await page.getByRole('link', { name: '拨打 138 0013 8000' }).getAttribute('href'), 'tel:13800138000');
  await screenshot(page, 'customer-page-contacts');
  await assertAccessible(page, 'customer contacts');

  // A call in a few clicks: the button, the summary, Enter.
  await page.getByRole('tab', { name: '联系记录' }).click();
  await page.waitForURL(new RegExp(`/customers/${c.id}/records$`));
  await page.getByText('还没有联系记录').waitFor();
  await page.getByRole('button', { name: '记录电话' }).click();
  await page.getByLabel('结果').fill('下周寄样品');
  await page.getByLabel('内容').fill('询问龙井报价，对明前茶感兴趣');
  await page.getByLabel('内容').press('Enter');
  await page.getByText('询问龙井报价，对明前茶感兴趣').waitFor();
  await page.getByText('结果：下周寄样品').waitFor();
  await page.getByText('李销售 记录').waitFor();
  await screenshot(page, 'customer-page-records');
  await assertAccessible(page, 'customer records');
  const records = expectStatus(await api('GET', `/v1/customers/${c.id}/contact-records`, { token: o.sales1.token }), 200).body.data;
  assert.equal(records.length, 1);
  assert.equal(records[0].kind, 'call');
  assert.equal(records[0].summary, '询问龙井报价，对明前茶感兴趣');
  assert.equal(records[0].outcome, '下周寄样品');
  assert.equal(records[0].owner_id, o.sales1.id);

  for (const [tab, path, shot] of [
    ['报价单', 'quotations', 'customer-page-quotations'],
    ['合同', 'contracts', 'customer-page-contracts'],
    ['发货', 'shipments', 'customer-page-shipments'],
  ]) {
    await page.getByRole('tab', { name: tab, exact: true }).click();
    await page.waitForURL(new RegExp(`/customers/${c.id}/${path}$`));
    await page.getByRole('tabpanel').getByText('暂无').first().waitFor();
    await screenshot(page, shot);
  }
  // The overview shows the contact the server recorded (last contact is no longer empty).
  await page.getByRole('tab', { name: '概况' }).click();
  await page.waitForURL(new RegExp(`/customers/${c.id}$`));
  await page.getByText('杭州', { exact: true }).waitFor();

  // In English the page reads the same, the timeline too.
  await page.getByText('English', { exact: true }).click();
  await page.getByRole('tab', { name: 'Contact records' }).click();
  await page.getByRole('button', { name: 'Record a call' }).waitFor();
  await page.getByText('Outcome: 下周寄样品').waitFor();
  await page.getByText('recorded by 李销售').waitFor();
  await screenshot(page, 'customer-page-records-en');
  await page.getByText('中文', { exact: true }).click();
  await page.getByRole('button', { name: '记录电话' }).waitFor();
  assertNoErrors(errors, 'customer page');
  await context.close();
});

test('two people edit the same customer: the later save shows the conflict, keeps the typing and re-applies it', async () => {
  const c = await createCustomer(o.sales1.token, { name: '苏州园林设计院', phone: '0512-1000 0000' });
  const a = await openPage(browser);
  const b = await openPage(browser);
  await signIn(a.page, o.sales1, `/customers/${c.id}/edit`);
  await signIn(b.page, o.manager, `/customers/${c.id}/edit`);
  await a.page.getByRole('heading', { name: '编辑客户' }).waitFor();
  await b.page.getByRole('heading', { name: '编辑客户' }).waitFor();
  assert.equal(await b.page.getByLabel('电话').inputValue(), '0512-1000 0000');

  await a.page.getByLabel('电话').fill('0512-1111 1111');
  await a.page.getByRole('button', { name: '保存' }).click();
  await a.page.getByRole('heading', { name: '苏州园林设计院' }).waitFor();

  await b.page.getByLabel('电话').fill('0512-2222 2222');
  await b.page.getByLabel('备注').fill('经理补充：需要上门测量');
  await b.page.getByRole('button', { name: '保存' }).click();
  const dialog = b.page.getByRole('dialog', { name: '该记录已被他人修改' });
  await dialog.waitFor();
  const row = dialog.getByRole('row', { name: /电话/ });
  await row.getByText('0512-1111 1111').waitFor();
  await row.getByText('0512-2222 2222').waitFor();
  await whenStill(b.page);
  await screenshot(b.page, 'conflict-dialog');
  await assertAccessible(b.page, 'conflict dialog');
  // Nothing of B's reached the server yet.
  let now = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: o.manager.token }), 200).body;
  assert.equal(now.phone, '0512-1111 1111');
  assert.equal(now.notes, null);

  await dialog.getByRole('button', { name: '重新应用我的修改' }).click();
  await b.page.getByRole('heading', { name: '苏州园林设计院' }).waitFor();
  now = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: o.manager.token }), 200).body;
  assert.equal(now.phone, '0512-2222 2222');
  assert.equal(now.notes, '经理补充：需要上门测量');
  assertNoErrors(a.errors, 'edit A');
  assertNoErrors(b.errors, 'edit B');
  await a.context.close();
  await b.context.close();
});

test("a salesperson never sees a colleague's customer: not listed, not found by search, a typed URL shows 未找到", async () => {
  const theirs = await createCustomer(o.sales2.token, { name: '南京紫金山天文仪器厂' });
  const mine = await createCustomer(o.sales1.token, { name: '南京玄武湖游船公司' });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, o.sales1, '/customers?q=南京');
  const table = page.getByRole('table');
  await table.getByRole('link', { name: '南京玄武湖游船公司' }).waitFor();
  assert.equal(await page.getByText('南京紫金山天文仪器厂').count(), 0);
  assert.equal(await page.locator(`a[href$="/customers/${theirs.id}"]`).count(), 0);
  assert.ok(await page.locator(`a[href$="/customers/${mine.id}"]`).count());

  await page.goto(`${APP}/customers/${theirs.id}`);
  await page.getByRole('heading', { name: '未找到' }).waitFor();
  assert.equal(await page.getByText('南京紫金山天文仪器厂').count(), 0);
  await page.goto(`${APP}/customers/${theirs.id}/edit`);
  await page.getByRole('heading', { name: '未找到' }).waitFor();
  assertNoErrors(errors, 'invisible customer');
  await context.close();
});

test('a manager transfers a customer of one salesperson to another', async () => {
  const c = await createCustomer(o.sales1.token, { name: '无锡太湖丝绸有限公司' });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, o.manager, `/customers/${c.id}`);
  await page.getByRole('heading', { name: '无锡太湖丝绸有限公司' }).waitFor();
  await page.getByText('李销售').waitFor();
  await page.getByRole('button', { name: '转移' }).click();
  const dialog = page.getByRole('dialog', { name: '转移客户给其他负责人' });
  await pick(page, '新负责人', '赵销售', { type: '赵' });
  await dialog.getByRole('button', { name: '确定' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('.ant-descriptions').getByText('赵销售').waitFor();
  const now = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: o.manager.token }), 200).body;
  assert.equal(now.owner_id, o.sales2.id);
  // The first salesperson no longer sees it.
  assert.equal(expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: o.sales1.token }), 404).status, 404);
  assertNoErrors(errors, 'transfer');
  await context.close();
});

test('a manager merges a duplicate into a customer: its contact persons move over and the duplicate is gone', async () => {
  const keep = await createCustomer(o.sales1.token, { name: '常州恐龙园文化旅游有限公司' });
  const dup = await createCustomer(o.sales1.token, { name: '常州恐龙园文旅', phone: '0519-8888 0000' });
  expectStatus(await api('POST', `/v1/customers/${dup.id}/contacts`, { token: o.sales1.token, body: { name: '周先生' } }), 201);
  const { page, context, errors } = await openPage(browser);
  await signIn(page, o.manager, `/customers/${keep.id}`);
  await page.getByRole('heading', { name: '常州恐龙园文化旅游有限公司' }).waitFor();
  await page.getByRole('button', { name: '合并重复客户' }).click();
  const dialog = page.getByRole('dialog', { name: '把重复的客户合并到此客户' });
  await dialog.getByText('重复客户随后被删除').waitFor();
  await pick(page, '重复的客户', '常州恐龙园文旅', { type: '常州' });
  await whenStill(page);
  await screenshot(page, 'merge-dialog');
  await assertAccessible(page, 'merge dialog');
  await dialog.getByRole('button', { name: '合并' }).click();
  await dialog.waitFor({ state: 'hidden' });
  // The phone the staying customer lacked came from the duplicate.
  await page.getByRole('link', { name: '0519-8888 0000' }).waitFor();
  await page.getByRole('tab', { name: '联系人' }).click();
  await page.getByRole('tabpanel').getByText('周先生').waitFor();
  expectStatus(await api('GET', `/v1/customers/${dup.id}`, { token: o.manager.token }), 404);
  const contacts = expectStatus(await api('GET', `/v1/customers/${keep.id}/contacts`, { token: o.manager.token }), 200).body.data;
  assert.deepEqual(contacts.map((c) => c.name), ['周先生']);
  assertNoErrors(errors, 'merge');
  await context.close();
});

test('thousands of customers: the list loads them page by page with "load more" and stays usable', async () => {
  const org = await salesOrganization();
  await createMany(org.admin.token, 2150, (i) => `批量客户 ${String(i).padStart(4, '0')}`);
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org.admin, '/');
  const started = Date.now();
  await page.getByRole('link', { name: '客户', exact: true }).click();
  await page.getByText('已加载 100 个客户，还有更多').waitFor();
  const firstPageMs = Date.now() - started;
  const loadMore = page.getByRole('button', { name: '加载更多' });
  const pageMs = [];
  for (let loaded = 100; loaded < 2150; loaded += 100) {
    const t0 = Date.now();
    await loadMore.click();
    await page.getByText(new RegExp(`已加载 ${Math.min(loaded + 100, 2150)} 个客户`)).waitFor();
    pageMs.push(Date.now() - t0);
  }
  assert.equal(await loadMore.count(), 0, 'no "load more" after the last page');
  // The table holds one page of rows, whatever has been loaded; its pages are buttons.
  const rows = page.locator('.ant-table-tbody .ant-table-row');
  assert.equal(await rows.count(), 50, 'the last page of 50 is shown');
  const t1 = Date.now();
  await page.getByRole('listitem', { name: '1', exact: true }).click();
  await rows.nth(99).waitFor();
  assert.equal(await rows.count(), 100);
  const firstMs = Date.now() - t1;
  // Every row is a link a keyboard reaches; it opens its customer.
  const row = rows.nth(99).getByRole('link');
  const rowName = await row.textContent();
  const t0 = Date.now();
  await row.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: rowName }).waitFor();
  const openMs = Date.now() - t0;
  console.log(
    `# 2,150 customers: first page ${firstPageMs} ms; each further page of 100 ${Math.min(...pageMs)}–${Math.max(...pageMs)} ms ` +
      `(the 22nd: ${pageMs.at(-1)} ms); back to the first page ${firstMs} ms; opening a row ${openMs} ms`,
  );
  assertNoErrors(errors, 'long list');
  await context.close();
});
