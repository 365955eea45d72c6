// Money in at the office: finance sees the receivables an activated contract
// made, records a bank transfer that pays one installment whole and another
// in part (the rest stays the customer's credit), allocates that credit
// later, and reverses the payment with a reason; a salesperson sees the
// receivables of their customer and cannot record payments.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addUser, api, createCustomer, expectStatus, signup } from '../api/lib/client.mjs';
import { APP, assertAccessible, assertNoErrors, launch, openPage, screenshot, signIn } from './lib/browser.mjs';
import { until, yuan } from './lib/documents.mjs';

let browser;
let org;
let finance;
let sales;
let customer;
let contract;
before(async () => {
  browser = await launch();
  org = await signup({ name: '王总' });
  finance = await addUser(org, 'finance', { name: '财务 李' });
  sales = await addUser(org, 'sales', { name: '销售 赵' });
  customer = await createCustomer(sales.token, { name: '苏州精密机械有限公司' });
  const k = expectStatus(
    await api('POST', '/v1/contracts', {
      token: sales.token,
      body: {
        customer_id: customer.id,
        lines: [{ description: '数控车床', quantity: '1', unit: '台', unit_price: '12000.00' }],
        installments: [
          { due_date: '2031-03-31', amount: '4000.00' },
          { due_date: '2031-06-30', amount: '8000.00' },
        ],
      },
    }),
    201,
  ).body;
  contract = expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: sales.token }), 200).body;
});
after(async () => {
  await browser?.close();
});

const receivables = async () =>
  expectStatus(await api('GET', `/v1/receivables?contract_id=${contract.id}`, { token: finance.token }), 200).body.data.sort(
    (a, b) => a.installment_seq - b.installment_seq,
  );

test('finance records a payment across two installments, allocates the credit later, and reverses it', async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, { slug: org.slug, email: finance.email, password: finance.password });

  // The contract's two installments are open receivables.
  await page.getByRole('menuitem', { name: /应收款$/ }).click();
  await page.getByRole('cell', { name: yuan('8000.00') }).first().waitFor();
  assert.equal(await page.getByRole('cell', { name: `${contract.number} · 1` }).count(), 1);
  await screenshot(page, 'money-receivables');
  await assertAccessible(page, 'the receivables');

  // A bank transfer of 5,000: 4,000 pays the first installment, 500 of the second, 500 stays credit.
  await page.getByRole('menuitem', { name: / 收款$/ }).click();
  await page.getByText('还没有收款记录。').waitFor();
  await page.getByRole('button', { name: '登记收款' }).click();
  const form = page.getByRole('dialog');
  const box = form.getByRole('combobox', { name: '客户' });
  await box.click();
  await box.fill('苏州精密');
  await page.locator('.ant-select-item-option', { hasText: '苏州精密机械有限公司' }).first().click();
  await form.getByLabel('金额', { exact: true }).fill('5000');
  await form.getByLabel('银行流水号 / 支票号').fill('BOC-20310320-001');
  await form.getByLabel(`本次核销 ${contract.number} 1`).fill('4000');
  await form.getByLabel(`本次核销 ${contract.number} 2`).fill('500');
  await screenshot(page, 'money-record-payment');
  await form.getByRole('button', { name: '登记收款' }).click();

  // The payment's page: 4,500 allocated, 500 the customer's credit.
  await page.getByRole('heading', { name: `收款 ${yuan('5000.00')}` }).waitFor();
  await page.getByText(yuan('4500.00')).first().waitFor();
  await page.getByText(yuan('500.00')).first().waitFor();
  let [first, second] = await receivables();
  assert.deepEqual([first.status, first.amount_open, second.amount_paid], ['paid', '0.00', '500.00']);

  // The credit allocated later to the second installment.
  await page.getByLabel(`本次核销 ${contract.number} 2`).fill('500');
  await page.getByRole('button', { name: '核销', exact: true }).click();
  await until(async () => (await receivables())[1].amount_paid === '1000.00', 'the credit allocated');
  await page.getByText('核销客户余额').waitFor({ state: 'detached' });
  await screenshot(page, 'money-payment');
  await assertAccessible(page, 'a payment');

  // Reversed with a reason: both installments open again, the payment still shown.
  await page.getByLabel('冲销原因（必填）').fill('退票：账户信息错误');
  await page.getByRole('button', { name: '冲销此笔收款' }).click();
  await page.getByText('此笔收款已冲销，所核销的应收款已重新打开。').waitFor();
  [first, second] = await receivables();
  assert.deepEqual([first.status, first.amount_paid, second.amount_paid], ['open', '0.00', '0.00']);
  await screenshot(page, 'money-payment-reversed');
  assertNoErrors(errors, 'money screens');
  await context.close();
});

test('a salesperson sees their customer\'s receivables and records no payment', async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, { slug: org.slug, email: sales.email, password: sales.password });
  await page.goto(APP + '/receivables');
  await page.getByRole('cell', { name: yuan('4000.00') }).first().waitFor();
  await page.goto(APP + '/payments');
  await page.getByRole('heading', { name: '收款' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '登记收款' }).count(), 0);
  assertNoErrors(errors, 'money screens for sales');
  await context.close();
});
