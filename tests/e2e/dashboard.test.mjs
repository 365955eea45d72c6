// The dashboard and the reports: a salesperson's agenda today with links to
// the customers, the empty agenda, this month's figures as the server counts
// what the test recorded, the team's figures for an admin, and the reports'
// charts, tables and CSV.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { addUser, api, createCustomer, expectStatus, signup } from '../api/lib/client.mjs';
import { APP, assertAccessible, assertNoErrors, launch, openPage, screenshot, signIn } from './lib/browser.mjs';
import { pick, utcToday } from './lib/dash.mjs';

let browser;
let org;
let sales;
let due;
let late;

async function record(token, customerId, body) {
  expectStatus(await api('POST', `/v1/customers/${customerId}/contact-records`, { token, body }), 201, 'contact record');
}

before(async () => {
  browser = await launch();
  org = await signup({ name: '赵经理' });
  const today = await utcToday(org);
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
  sales = await addUser(org, 'sales', { name: '李销售' });
  due = await createCustomer(sales.token, { name: '上海华美贸易有限公司' });
  late = await createCustomer(sales.token, { name: 'Northwind Traders' });
  // Two visits and a call this month; the latest record of each customer sets its follow-up.
  await record(sales.token, due.id, { kind: 'visit', subject: '初次拜访' });
  await record(sales.token, due.id, { kind: 'visit', subject: '演示产品', next_contact_at: `${today}T12:00:00Z` });
  await record(sales.token, late.id, { kind: 'call', subject: 'Price list', next_contact_at: `${yesterday}T09:00:00Z` });
  const agenda = expectStatus(await api('GET', '/v1/agenda', { token: sales.token }), 200).body;
  assert.deepEqual(
    agenda.items.filter((i) => i.kind !== 'dormant').map((i) => [i.kind, i.customer_name]),
    [['overdue', 'Northwind Traders'], ['follow_up_today', '上海华美贸易有限公司']],
  );
});
after(async () => {
  await browser?.close();
});

test("a salesperson's dashboard lists today's follow-up and the overdue one, links to the customer, and counts this month's contacts", async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, { ...sales, slug: org.slug });
  await page.getByRole('heading', { name: '今日待办' }).waitFor();

  const today = page.getByRole('region', { name: /今日跟进/ });
  await today.getByRole('link', { name: '上海华美贸易有限公司' }).waitFor();
  const overdue = page.getByRole('region', { name: /逾期跟进/ });
  await overdue.getByRole('link', { name: 'Northwind Traders' }).waitFor();
  assert.equal(await page.getByRole('region', { name: /近期生日/ }).getByText('无', { exact: true }).count(), 1);

  // My figures: what the server counted of the three records just made.
  const figures = page.locator('.ant-card').filter({ has: page.getByRole('heading', { name: '本月我的业绩' }) });
  await figures.locator('.ant-statistic').first().waitFor();
  const stat = async (title) => (await figures.locator('.ant-statistic').filter({ hasText: title }).locator('.ant-statistic-content').innerText()).trim();
  assert.equal(await stat('联系记录'), '3');
  assert.equal(await stat('拜访'), '2');
  assert.equal(await stat('新客户'), '2');
  assert.match(await stat('合同金额'), /¥0\.00/);
  // A salesperson has no team view and no administration.
  assert.equal(await page.getByRole('heading', { name: '团队本月业绩' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: '系统管理' }).count(), 0);
  await screenshot(page, 'dashboard');
  await assertAccessible(page, 'dashboard');

  await page.getByText('English', { exact: true }).click();
  await page.getByRole('heading', { name: 'Agenda today' }).waitFor();
  await page.getByRole('region', { name: /Follow-ups today/ }).getByRole('link', { name: '上海华美贸易有限公司' }).waitFor();
  await page.getByRole('heading', { name: 'My figures this month' }).waitFor();
  await screenshot(page, 'dashboard-en');
  await assertAccessible(page, 'dashboard in English');
  await page.getByText('中文', { exact: true }).click();
  await page.getByRole('heading', { name: '今日待办' }).waitFor();

  await today.getByRole('link', { name: '上海华美贸易有限公司' }).click();
  await page.waitForURL(`${APP}/customers/${due.id}`);
  assertNoErrors(errors, 'dashboard');
  await context.close();
});

test("an admin with nothing to do sees the empty agenda, the team's figures, and a salesperson's agenda on request", async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org);
  await page.getByText('今天没有待办事项').waitFor();
  await page.getByText('没有到期的跟进、近期生日、待交付的合同或沉睡客户。').waitFor();

  const team = page.locator('.ant-card').filter({ has: page.getByRole('heading', { name: '团队本月业绩' }) });
  const row = team.getByRole('row').filter({ hasText: '李销售' });
  await row.waitFor();
  // Columns: salesperson, new customers, contact records, visits, ...
  const cells = await row.getByRole('cell').allInnerTexts();
  assert.deepEqual(cells.slice(0, 4), ['李销售', '2', '3', '2']);
  await team.getByRole('img', { name: /团队本月业绩，按销售员：各项数量柱状图/ }).waitFor();

  await pick(page, '查看谁的待办', '李销售');
  await page.getByRole('region', { name: /今日跟进/ }).getByRole('link', { name: '上海华美贸易有限公司' }).waitFor();
  await screenshot(page, 'dashboard-manager');
  await assertAccessible(page, 'dashboard of an admin');
  assertNoErrors(errors, 'admin dashboard');
  await context.close();
});

test('reports show the figures per salesperson, month and team as charts beside tables, the funnel, and export the CSV', async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org, '/reports');
  await page.getByRole('heading', { name: '报表' }).waitFor();
  await page.getByRole('img', { name: /按销售员：各项数量柱状图/ }).waitFor();
  await page.getByRole('img', { name: /合同金额柱状图（CNY）/ }).waitFor();
  const row = page.getByRole('row').filter({ hasText: '李销售' });
  assert.deepEqual((await row.getByRole('cell').allInnerTexts()).slice(0, 4), ['李销售', '2', '3', '2']);
  await screenshot(page, 'reports');
  await assertAccessible(page, 'reports');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '导出 CSV' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /\.csv$/);
  const csv = await readFile(await file.path(), 'utf8');
  assert.match(csv, /李销售/);

  await page.getByRole('tab', { name: '按月份' }).click();
  await page.waitForURL(/tab=month/);
  await page.getByRole('img', { name: /按月份：各项数量柱状图/ }).waitFor();
  const month = new Date().toISOString().slice(0, 7);
  assert.deepEqual((await page.getByRole('row').filter({ hasText: month }).getByRole('cell').allInnerTexts()).slice(0, 4), [month, '2', '3', '2']);

  await page.getByRole('tab', { name: '按团队' }).click();
  await page.getByRole('row').filter({ hasText: '未分组' }).waitFor();

  await page.getByRole('tab', { name: '转化漏斗' }).click();
  await page.getByRole('img', { name: '转化漏斗：已发报价 0，已接受 0，签订合同 0。' }).waitFor();
  await screenshot(page, 'reports-funnel');
  await assertAccessible(page, 'reports funnel');

  // The URL keeps the view: a reload opens the same tab.
  await page.reload();
  await page.getByRole('img', { name: /^转化漏斗/ }).waitFor();
  assertNoErrors(errors, 'reports');
  await context.close();
});
