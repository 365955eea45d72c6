// Quotations to delivery in the office app: a quotation of a catalogue line
// and a free-text line whose totals are the server's, sent, accepted, made a
// contract with a payment plan, activated, partly shipped, and the delivery
// note and the quotation printed; a stale edit between two people; and a
// salesperson's typed URL to a colleague's quotation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addUser, api, createCustomer, signup } from '../api/lib/client.mjs';
import { APP, assertAccessible, assertNoErrors, launch, openPage, screenshot, settled, signIn } from './lib/browser.mjs';
import { createProduct, createQuotation, downloadPdfText, getRecord, until, yuan } from './lib/documents.mjs';

let browser;
let org;
before(async () => {
  browser = await launch();
  org = await signup({ name: '李经理' });
});
after(async () => {
  await browser?.close();
});

/** Confirms the open pop-up question (Popconfirm). */
async function confirm(page) {
  // Once it has finished zooming in: a click during the animation can miss.
  await page.locator('.ant-popconfirm:not(.ant-zoom-big)').getByRole('button', { name: '确定' }).click();
  await page.locator('.ant-popconfirm').waitFor({ state: 'hidden' });
}

/** Picks `text` in the searchable select `name` by typing and Enter. */
async function pick(page, name, text) {
  const box = page.getByRole('combobox', { name });
  await box.click();
  await box.fill(text);
  await page.locator('.ant-select-item-option', { hasText: text }).first().waitFor();
  await box.press('Enter');
}

test('a quotation becomes a contract, is partly shipped, and its documents print', async () => {
  const product = await createProduct(org.token, { name: '数控车床', sku: 'CNC-100', unit: '台', unit_price: '1200.00', tax_rate: '13' });
  const customer = await createCustomer(org.token, { name: '华东机械 Huadong Machinery' });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org);

  // The catalogue lists the product.
  await page.goto(APP + '/products');
  await page.getByRole('cell', { name: '数控车床', exact: true }).waitFor();

  // A product whose SKU is taken is refused next to the SKU; another is added, then deactivated.
  await page.getByRole('button', { name: '新建产品' }).click();
  const form = page.getByRole('dialog');
  await form.getByLabel('编号').fill('CNC-100');
  await form.getByLabel('名称').fill('刀具套装');
  await form.getByLabel('单价').fill('80');
  await form.getByLabel('单价').press('Enter');
  await form.locator('.ant-form-item', { has: page.getByLabel('编号') }).locator('.ant-form-item-explain-error').waitFor();
  await form.getByLabel('编号').fill('TOOL-1');
  await form.getByRole('button', { name: '保存', exact: true }).click();
  await page.getByRole('cell', { name: '刀具套装', exact: true }).waitFor();
  await page.getByRole('button', { name: '编辑 刀具套装' }).click();
  await page.getByRole('dialog').getByLabel('单价').fill('85.5');
  await page.getByRole('dialog').getByRole('button', { name: '保存', exact: true }).click();
  await page.getByRole('cell', { name: '85.5', exact: true }).waitFor();
  await page.getByRole('button', { name: '停用 刀具套装' }).click();
  await page.getByRole('button', { name: '启用 刀具套装' }).waitFor();
  const tools = (await getRecord(org.token, '/v1/products?q=TOOL-1')).data;
  assert.deepEqual(tools.map((p) => [p.sku, p.active]), [['TOOL-1', false]]);
  await page.mouse.move(0, 0); // not hovering a button while it is checked
  await settled(page);
  await screenshot(page, 'products-list');
  await assertAccessible(page, 'products list');

  // A new quotation for the customer: one catalogue line, one free-text line.
  await page.goto(`${APP}/quotations/new?customer_id=${customer.id}`);
  await page.getByRole('heading', { name: '新报价单' }).waitFor();
  await page.getByText('华东机械 Huadong Machinery').first().waitFor();
  await pick(page, '产品 1', '数控车床');
  assert.equal(Number(await page.getByLabel('单价 1').inputValue()), Number(product.unit_price), 'the product fills the price');
  assert.equal(await page.getByLabel('描述 1').inputValue(), '数控车床');
  await page.getByLabel('数量 1').fill('3');
  await page.getByRole('button', { name: '添加明细行' }).click();
  await page.getByLabel('描述 2').fill('安装调试服务');
  await page.getByLabel('数量 2').fill('1');
  await page.getByLabel('单价 2').fill('500');
  await page.getByText('保存草稿后显示服务器计算的合计').waitFor();
  await page.getByRole('button', { name: '保存草稿' }).click();

  // Saved: the totals shown are what the server computed.
  await page.waitForURL(/\/quotations\/[0-9a-f-]{36}$/);
  const quotationId = page.url().split('/').pop();
  const saved = await getRecord(org.token, `/v1/quotations/${quotationId}`);
  assert.equal(saved.gross_total, '4568.00');
  assert.equal(saved.lines[0].product_id, product.id);
  await page.getByRole('heading', { name: `报价单 ${saved.number}` }).waitFor();
  await page.getByText(yuan(saved.gross_total)).first().waitFor();
  await page.getByText(yuan(saved.lines[0].gross)).first().waitFor();
  await settled(page);
  await screenshot(page, 'quotation-editor');
  await assertAccessible(page, 'quotation editor');

  // Typing hides the totals until the draft is saved again.
  await page.getByLabel('备注').fill('含运费');
  await page.getByText('有未保存的修改——保存后显示合计').waitFor();
  assert.equal(await page.getByText(yuan(saved.gross_total)).count(), 0, 'no stale totals while dirty');
  await page.getByRole('button', { name: '保存草稿' }).click();
  await page.getByText(yuan(saved.gross_total)).first().waitFor();

  // Send, accept, make the contract.
  await page.getByRole('button', { name: '发送', exact: true }).click();
  await confirm(page);
  await page.getByText('已发送', { exact: true }).waitFor();
  await page.getByRole('button', { name: '接受', exact: true }).click();
  await page.getByText('已接受', { exact: true }).waitFor();

  // The quotation prints with its number, customer and quantities.
  const qpdf = await downloadPdfText(page, page.getByRole('button', { name: '下载 PDF' }));
  assert.match(qpdf.name, /\.pdf$/);
  assert.match(qpdf.text, new RegExp(saved.number));
  assert.match(qpdf.text, /华东机械 Huadong Machinery/);
  assert.match(qpdf.text, /数控车床\s+3\.000\s+台/);
  assert.match(qpdf.text, /安装调试服务\s+1\.000/);
  assert.match(qpdf.text, /4568\.00/);

  await page.getByRole('button', { name: '生成合同' }).click();
  await page.waitForURL(/\/contracts\/[0-9a-f-]{36}$/);
  const contractId = page.url().split('/').pop();
  const draft = await getRecord(org.token, `/v1/contracts/${contractId}`);
  await page.getByRole('heading', { name: `合同 ${draft.number}` }).waitFor();
  await page.getByText('草稿', { exact: true }).waitFor();

  // Two installments that do not add up are refused, next to the plan.
  await page.getByRole('button', { name: '添加一期' }).click();
  await page.getByLabel('金额 1').fill('2000.00');
  await page.getByLabel('到期日 2').fill('2027-01-31');
  await page.getByLabel('到期日 2').press('Enter');
  await page.getByLabel('金额 2').fill('2000.00');
  await page.getByRole('button', { name: '保存合同' }).click();
  await page.getByRole('alert').filter({ hasText: '请检查标出的字段' }).waitFor();
  // Made to add up, they are saved.
  await page.getByLabel('金额 2').fill('2568.00');
  await page.getByRole('button', { name: '保存合同' }).click();
  await page.getByText('已保存').first().waitFor();
  const planned = await until(async () => {
    const c = await getRecord(org.token, `/v1/contracts/${contractId}`);
    return c.installments.length === 2 && c;
  }, 'the payment plan saved');
  assert.deepEqual(
    planned.installments.map((i) => [i.due_date, i.amount]),
    [[planned.installments[0].due_date, '2000.00'], ['2027-01-31', '2568.00']],
  );

  await page.getByRole('button', { name: '生效', exact: true }).click();
  await confirm(page);
  await page.getByText('执行中', { exact: true }).waitFor();
  await settled(page);
  await screenshot(page, 'contract-page');
  await assertAccessible(page, 'contract page');

  // The same page in English.
  await page.getByText('English', { exact: true }).click();
  await page.getByRole('heading', { name: `Contract ${draft.number}` }).waitFor();
  await page.getByText('Active', { exact: true }).waitFor();
  await page.getByRole('columnheader', { name: 'Remaining' }).waitFor();
  await settled(page);
  await screenshot(page, 'contract-page-en');
  await page.getByText('中文', { exact: true }).click();
  await page.getByRole('heading', { name: `合同 ${draft.number}` }).waitFor();

  // A new shipment proposes everything remaining; ship 2 of the 3 lathes.
  await page.getByRole('button', { name: '新建发货' }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.getByLabel('本次发货数量 1').inputValue(), /^3(\.0+)?$/);
  assert.match(await dialog.getByLabel('本次发货数量 2').inputValue(), /^1(\.0+)?$/);
  await dialog.getByLabel('本次发货数量 1').fill('2');
  await dialog.getByLabel('承运商').fill('顺丰速运');
  await dialog.getByLabel('运单号').fill('SF1234567890');
  await dialog.getByRole('button', { name: '创建发货单' }).click();
  await page.waitForURL(/\/shipments\/[0-9a-f-]{36}$/);
  const shipmentId = page.url().split('/').pop();
  const shipment = await getRecord(org.token, `/v1/shipments/${shipmentId}`);
  assert.deepEqual(shipment.lines.map((l) => Number(l.quantity)), [2, 1]);
  await page.getByRole('heading', { name: `发货单 ${shipment.number}` }).waitFor();
  // While pending its shipping details can change.
  await page.getByLabel('仓库').fill('上海一号仓');
  await page.getByLabel('仓库').press('Enter');
  await page.getByText('已保存').first().waitFor();
  await until(async () => (await getRecord(org.token, `/v1/shipments/${shipmentId}`)).warehouse === '上海一号仓', 'the warehouse saved');
  await page.getByRole('button', { name: '发货', exact: true }).click();
  await confirm(page);
  await page.getByText('已发货', { exact: true }).waitFor();
  await settled(page);
  await screenshot(page, 'shipment-page');
  await assertAccessible(page, 'shipment page');

  // The delivery note prints the customer, its number and the quantities.
  const note = await downloadPdfText(page, page.getByRole('button', { name: '下载发货单 PDF' }));
  assert.match(note.text, new RegExp(shipment.number));
  assert.match(note.text, /华东机械 Huadong Machinery/);
  assert.match(note.text, /数控车床\s+2\.000\s+台/);
  assert.match(note.text, /安装调试服务\s+1\.000/);
  assert.match(note.text, /SF1234567890/);
  assert.match(note.text, /上海一号仓|Warehouse/);

  // The contract now says one lathe remains (the server's figure).
  const after = await getRecord(org.token, `/v1/contracts/${contractId}`);
  assert.match(after.lines[0].quantity_remaining, /^1(\.0+)?$/);
  await page.getByRole('link', { name: draft.number }).click();
  await page.getByRole('heading', { name: `合同 ${draft.number}` }).waitFor();
  await page.getByRole('link', { name: shipment.number }).waitFor();
  await page.getByRole('button', { name: '新建发货' }).click();
  assert.match(await page.getByRole('dialog').getByLabel('本次发货数量 1').inputValue(), /^1(\.0+)?$/);
  await page.getByRole('dialog').getByRole('button', { name: '取消' }).click();

  // A first shipment delivered; a second of what remains, cancelled, gives it back.
  await page.getByRole('link', { name: shipment.number }).click();
  await page.getByRole('button', { name: '确认送达' }).click();
  await page.getByText('已送达', { exact: true }).waitFor();
  await page.getByRole('link', { name: draft.number }).click();
  await page.getByRole('button', { name: '新建发货' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '创建发货单' }).click();
  await page.waitForURL((url) => /\/shipments\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(shipmentId));
  await page.getByRole('button', { name: '取消发货' }).click();
  await confirm(page);
  await page.getByText('已取消', { exact: true }).waitFor();
  assert.match((await getRecord(org.token, `/v1/contracts/${contractId}`)).lines[0].quantity_remaining, /^1(\.0+)?$/);

  // The last lathe shipped and delivered, the contract is complete.
  await page.getByRole('link', { name: draft.number }).click();
  await page.getByRole('button', { name: '新建发货' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '创建发货单' }).click();
  await page.getByRole('button', { name: '发货', exact: true }).waitFor();
  await page.getByRole('button', { name: '发货', exact: true }).click();
  await confirm(page);
  await page.getByRole('button', { name: '确认送达' }).click();
  await page.getByText('已送达', { exact: true }).waitFor();
  await page.getByRole('link', { name: draft.number }).click();
  await page.getByText('已全部发货', { exact: true }).first().waitFor();
  assert.equal(await page.getByRole('button', { name: '新建发货' }).count(), 0, 'nothing left to ship');
  await page.getByRole('button', { name: '完成', exact: true }).click();
  await page.getByText('已完成', { exact: true }).waitFor();
  assert.equal((await getRecord(org.token, `/v1/contracts/${contractId}`)).status, 'completed');

  // The lists show the documents.
  await page.goto(APP + '/quotations');
  await page.getByRole('link', { name: saved.number }).waitFor();
  await settled(page);
  await screenshot(page, 'quotations-list');
  await assertAccessible(page, 'quotations list');
  // Filtered by status, in the URL (bookmarkable), by the server.
  await page.getByRole('combobox', { name: '状态' }).click();
  await page.locator('.ant-select-item-option', { hasText: '草稿' }).click();
  await page.waitForURL(/[?&]status=draft/);
  await page.getByText('还没有报价单。').waitFor();
  await page.reload();
  await page.getByText('还没有报价单。').waitFor();
  await page.goto(APP + '/quotations?status=accepted');
  await page.getByRole('link', { name: saved.number }).waitFor();
  await page.getByLabel('更新于此日起').fill('2099-01-01');
  await page.getByLabel('更新于此日起').press('Enter');
  await page.waitForURL(/[?&]updated_since=2099-01-01/);
  await page.getByText('还没有报价单。').waitFor();
  await page.goto(APP + '/contracts');
  await page.getByRole('link', { name: draft.number }).waitFor();
  await page.goto(APP + '/shipments');
  await page.getByRole('link', { name: shipment.number }).waitFor();
  assertNoErrors(errors, 'the document flow');
  await context.close();
});

test('a stale edit of a quotation keeps the typing and re-applies it over the other change', async () => {
  const customer = await createCustomer(org.token, { name: '西湖贸易' });
  const q = await createQuotation(org.token, customer.id, { notes: '原始备注' });
  const a = await openPage(browser);
  const b = await openPage(browser);
  await signIn(a.page, org, `/quotations/${q.id}`);
  await signIn(b.page, org, `/quotations/${q.id}`);
  await a.page.getByRole('heading', { name: `报价单 ${q.number}` }).waitFor();
  await b.page.getByRole('heading', { name: `报价单 ${q.number}` }).waitFor();

  await b.page.getByLabel('备注').fill('同事改的备注');
  await b.page.getByRole('button', { name: '保存草稿' }).click();
  await b.page.getByText('已保存').first().waitFor();

  await a.page.getByLabel('备注').fill('我的备注');
  await a.page.getByLabel('数量 1').fill('7');
  await a.page.getByRole('button', { name: '保存草稿' }).click();
  const dialog = a.page.getByRole('dialog');
  await dialog.getByText('该记录已被他人修改').waitFor();
  await dialog.getByRole('cell', { name: '同事改的备注' }).waitFor();
  await dialog.getByRole('cell', { name: '我的备注' }).waitFor();
  assert.equal(await a.page.getByLabel('备注').inputValue(), '我的备注', 'the typing is still there');
  await dialog.getByRole('button', { name: '重新应用我的修改' }).click();
  await a.page.getByText('已保存').first().waitFor();

  const now = await getRecord(org.token, `/v1/quotations/${q.id}`);
  assert.equal(now.notes, '我的备注');
  assert.match(now.lines[0].quantity, /^7(\.0+)?$/);
  assert.equal(await a.page.getByLabel('备注').inputValue(), '我的备注');
  await a.page.getByText(yuan(now.gross_total)).first().waitFor();
  assertNoErrors(a.errors, 'the stale edit');
  await a.context.close();
  await b.context.close();
});

test("a salesperson's typed URL to a colleague's quotation shows 未找到", async () => {
  const owner = await addUser(org, 'sales', { name: '张销售' });
  const other = await addUser(org, 'sales', { name: '王销售' });
  const customer = await createCustomer(owner.token, { name: '张的客户' });
  const q = await createQuotation(owner.token, customer.id);
  await api('POST', `/v1/quotations/${q.id}/send`, { token: owner.token });
  await api('POST', `/v1/quotations/${q.id}/accept`, { token: owner.token });
  const contract = (await api('POST', '/v1/contracts', { token: owner.token, body: { quotation_id: q.id } })).body;
  await api('POST', `/v1/contracts/${contract.id}/activate`, { token: owner.token });
  const shipment = (await api('POST', '/v1/shipments', { token: owner.token, body: { contract_id: contract.id } })).body;
  assert.ok(shipment.id, 'the colleague has a shipment');

  const { page, context } = await openPage(browser);
  await signIn(page, { ...other, slug: org.slug }, `/quotations/${q.id}`);
  await page.getByRole('heading', { name: '未找到' }).waitFor();
  assert.equal(await page.getByText('张的客户').count(), 0);
  for (const path of [`/contracts/${contract.id}`, `/shipments/${shipment.id}`, '/quotations/00000000-0000-4000-8000-000000000000']) {
    await page.goto(APP + path);
    await page.getByRole('heading', { name: '未找到' }).waitFor();
    assert.equal(await page.getByText('张的客户').count(), 0, path);
  }
  // Nor is it in their list.
  await page.goto(APP + '/quotations');
  await page.getByText('还没有报价单。').waitFor();
  assert.equal(await page.getByRole('link', { name: q.number }).count(), 0);
  await context.close();
});

test('changing a sent quotation makes a new revision; a bad quantity is shown in its cell; the revision is rejected', async () => {
  const customer = await createCustomer(org.token, { name: '南山科技' });
  const q = await createQuotation(org.token, customer.id);
  await api('POST', `/v1/quotations/${q.id}/send`, { token: org.token });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org, `/quotations/${q.id}`);
  await page.getByRole('heading', { name: `报价单 ${q.number}` }).waitFor();
  await page.getByText('保存修改会生成第 2 版').waitFor();

  // The server's refusal of a quantity lands next to that line's quantity.
  await page.getByLabel('数量 1').fill('abc');
  await page.getByRole('button', { name: '保存为新版本' }).click();
  await page.getByRole('alert').filter({ hasText: '请检查标出的字段' }).waitFor();
  await page.locator('.ant-form-item', { has: page.getByLabel('数量 1') }).locator('.ant-form-item-explain-error').waitFor();
  assert.equal((await getRecord(org.token, `/v1/quotations/${q.id}`)).status, 'sent', 'nothing changed');

  await page.getByLabel('数量 1').fill('4');
  await page.getByRole('button', { name: '保存为新版本' }).click();
  await page.waitForURL((url) => /\/quotations\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(q.id));
  await page.getByText('第 2 版').waitFor();
  await page.getByText('草稿', { exact: true }).waitFor();
  const rev = await getRecord(org.token, page.url().replace(/^.*(\/quotations\/)/, '/v1$1'));
  assert.equal(rev.revision, 2);
  assert.equal(rev.supersedes_id, q.id);
  await page.getByText(yuan(rev.gross_total)).first().waitFor();

  // The revision it replaced is still there, superseded, and links forward.
  await page.getByRole('link', { name: '上一版' }).click();
  await page.getByText('已被取代', { exact: true }).waitFor();
  await page.getByText('第 1 版').waitFor();
  await page.getByRole('link', { name: '已被新版本取代，查看新版本' }).click();
  await page.getByText('第 2 版').waitFor();

  await page.getByRole('button', { name: '发送', exact: true }).click();
  await confirm(page);
  await page.getByText('已发送', { exact: true }).waitFor();
  await page.getByRole('button', { name: '拒绝', exact: true }).click();
  await confirm(page);
  await page.getByText('已拒绝', { exact: true }).waitFor();
  await page.getByText('此报价单为已拒绝状态，不能修改。').waitFor();
  assert.equal((await getRecord(org.token, `/v1/quotations/${rev.id}`)).status, 'rejected');
  assertNoErrors(errors, 'revisions');
  await context.close();
});

test('the catalogue loads more products on demand', async () => {
  const fresh = await signup();
  for (let i = 0; i < 55; i++) await createProduct(fresh.token, { sku: `BULK-${String(i).padStart(3, '0')}`, name: `批量产品 ${i}` });
  const { page, context } = await openPage(browser);
  await signIn(page, fresh, '/products');
  await page.getByRole('cell', { name: 'BULK-000', exact: true }).waitFor();
  const rows = page.locator('.ant-table-tbody tr.ant-table-row');
  assert.equal(await rows.count(), 50);
  await page.getByRole('button', { name: '加载更多' }).click();
  await page.getByRole('cell', { name: 'BULK-054', exact: true }).waitFor();
  assert.equal(await rows.count(), 55);
  assert.equal(await page.getByRole('button', { name: '加载更多' }).count(), 0);
  // Searching asks the server.
  await page.getByLabel('搜索产品').fill('BULK-054');
  await page.getByLabel('搜索产品').press('Enter');
  await page.waitForURL(/[?&]q=BULK-054/);
  await page.getByRole('cell', { name: 'BULK-054', exact: true }).waitFor();
  await page.getByRole('cell', { name: 'BULK-000', exact: true }).waitFor({ state: 'detached' });
  await context.close();
});
