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

async function act(who, path) {
  expectStatus(await api('POST', path, { token: who.token }), 200, path);
}

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
  // Two quotations sent, one accepted; a contract signed today for 2 × 1,500.50, due for delivery today.
  const line = { description: '安装服务', quantity: '2', unit_price: '1500.50', tax_rate: '0' };
  const quotations = [];
  for (let i = 0; i < 2; i++) {
    const q = await api('POST', '/v1/quotations', { token: sales.token, body: { customer_id: due.id, valid_until: '2099-12-31', lines: [line] } });
    quotations.push(expectStatus(q, 201, 'quotation').body);
    await act(sales, `/v1/quotations/${quotations[i].id}/send`);
  }
  await act(sales, `/v1/quotations/${quotations[0].id}/accept`);
  const k = await api('POST', '/v1/contracts', {
    token: sales.token,
    body: { customer_id: late.id, currency: 'CNY', signed_on: today, delivery_due: today, lines: [line] },
  });
  const contract = expectStatus(k, 201, 'contract').body;
  assert.equal(contract.gross_total, '3001.00');
  await act(sales, `/v1/contracts/${contract.id}/activate`);

  const agenda = expectStatus(await api('GET', '/v1/agenda', { token: sales.token }), 200).body;
  assert.deepEqual(
    agenda.items.filter((i) => i.kind !== 'dormant').map((i) => [i.kind, i.customer_name]),
    [
      ['overdue', 'Northwind Traders'],
      ['follow_up_today', '上海华美贸易有限公司'],
      ['delivery_due', 'Northwind Traders'],
      // Its single installment falls due on the delivery day, today: a payment due.
      ['payment_due', 'Northwind Traders'],
    ],
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
  const delivery = page.getByRole('region', { name: /待交付合同/ });
  await delivery.getByRole('link', { name: 'Northwind Traders' }).waitFor();
  const payment = page.getByRole('region', { name: /待收款/ });
  await payment.getByRole('link', { name: 'Northwind Traders' }).waitFor();
  // Due on a day of the organization: the day, no time of day.
  await delivery.getByText(/^交付日期 \d{4}年\d{1,2}月\d{1,2}日$/).waitFor();
  assert.equal(await page.getByRole('region', { name: /近期生日/ }).getByText('无', { exact: true }).count(), 1);

  // My figures: what the server counted of the three records just made.
  const figures = page.locator('.ant-card').filter({ has: page.getByRole('heading', { name: '本月我的业绩' }) });
  await figures.locator('.ant-statistic').first().waitFor();
  const stat = async (title) => (await figures.locator('.ant-statistic').filter({ hasText: title }).locator('.ant-statistic-content').innerText()).trim();
  assert.equal(await stat('联系记录'), '3');
  assert.equal(await stat('拜访'), '2');
  assert.equal(await stat('新客户'), '2');
  assert.equal(await stat('已发报价'), '2');
  assert.equal(await stat('已接受报价'), '1');
  assert.equal(await stat('签订合同'), '1');
  assert.equal(await stat('合同金额'), '¥3,001.00');
  // A salesperson has no team view and no administration.
  assert.equal(await page.getByRole('heading', { name: '团队本月业绩' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: '系统管理' }).count(), 0);
  await screenshot(page, 'dashboard');
  await assertAccessible(page, 'dashboard');

  await page.getByText('English', { exact: true }).click();
  await page.getByRole('heading', { name: 'Agenda today' }).waitFor();
  await page.getByRole('region', { name: /Follow-ups today/ }).getByRole('link', { name: '上海华美贸易有限公司' }).waitFor();
  await page.getByRole('heading', { name: 'My figures this month' }).waitFor();
  // The server's explanation of a due delivery names the contract, in English.
  await page.getByRole('region', { name: /Contracts due for delivery/ }).getByText(/due today/).waitFor();
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
  await page.getByText('没有到期的跟进、近期生日、待交付的合同、待收款或沉睡客户。').waitFor();

  const team = page.locator('.ant-card').filter({ has: page.getByRole('heading', { name: '团队本月业绩' }) });
  const row = team.getByRole('row').filter({ hasText: '李销售' });
  await row.waitFor();
  // Columns: salesperson, new customers, contact records, visits, ...
  const cells = await row.getByRole('cell').allInnerTexts();
  assert.deepEqual(cells, ['李销售', '2', '3', '2', '2', '1', '1', '¥3,001.00', '0']);
  await team.getByRole('img', { name: /团队本月业绩，按销售员：各项数量柱状图/ }).waitFor();

  await pick(page, '查看谁的待办', '李销售');
  await page.getByRole('region', { name: /今日跟进/ }).getByRole('link', { name: '上海华美贸易有限公司' }).waitFor();
  assert.match(page.url(), new RegExp(`[?&]agenda=${sales.user.id}$`));
  await page.keyboard.press('Escape');
  await screenshot(page, 'dashboard-manager');
  await assertAccessible(page, 'dashboard of an admin');
  // Whose agenda is part of the address: a reload shows the same.
  await page.reload();
  await page.getByRole('region', { name: /今日跟进/ }).getByRole('link', { name: '上海华美贸易有限公司' }).waitFor();
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
  assert.deepEqual(await row.getByRole('cell').allInnerTexts(), ['李销售', '2', '3', '2', '2', '1', '1', '¥3,001.00', '0']);
  await screenshot(page, 'reports');
  await assertAccessible(page, 'reports');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '导出 CSV' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /\.csv$/);
  const csv = await readFile(await file.path(), 'utf8');
  const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  assert.ok(lines.some((l) => l.includes('李销售') && l.includes('3001.00')), csv);

  await page.getByRole('tab', { name: '按月份' }).click();
  await page.waitForURL(/tab=month/);
  await page.getByRole('img', { name: /按月份：各项数量柱状图/ }).waitFor();
  const month = new Date().toISOString().slice(0, 7);
  assert.deepEqual((await page.getByRole('row').filter({ hasText: month }).getByRole('cell').allInnerTexts()).slice(0, 4), [month, '2', '3', '2']);

  await page.getByRole('tab', { name: '按团队' }).click();
  await page.getByRole('row').filter({ hasText: '未分组' }).waitFor();

  await page.getByRole('tab', { name: '转化漏斗' }).click();
  await page.getByRole('img', { name: '转化漏斗：已发报价 2，已接受 1，签订合同 1。' }).waitFor();
  await screenshot(page, 'reports-funnel');
  await assertAccessible(page, 'reports funnel');

  // The URL keeps the view: a reload opens the same tab.
  await page.reload();
  await page.getByRole('img', { name: /^转化漏斗/ }).waitFor();

  // Another period, as a bookmark: nothing was done then, so only the caller's own row of zeros.
  await page.goto(`${APP}/reports?from=2020-01-01&to=2020-01-31`);
  await page.getByLabel('统计期间').and(page.locator('[value="2020-01-01"]')).waitFor();
  const own = page.getByRole('row').filter({ hasText: '赵经理' });
  assert.deepEqual(await own.getByRole('cell').allInnerTexts(), ['赵经理', '0', '0', '0', '0', '0', '0', '¥0.00', '0']);
  assert.equal(await page.getByRole('row').filter({ hasText: '李销售' }).count(), 0);
  assertNoErrors(errors, 'reports');
  await context.close();
});
