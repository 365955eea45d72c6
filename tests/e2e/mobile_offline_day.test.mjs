// The field-sales app's whole offline day, as issue 11 tells it: signed in and
// synced in the morning, then no signal — a customer looked up, a new customer
// and a contact person from a business card, three calls, a visit with its
// check-in, an edit of a customer the office edits too — and back in signal
// everything is sent once, with the phone's own ids, the office's change kept
// and the conflicting field settled as the salesperson chose. Every outcome is
// checked through the API; each screen is photographed and checked by axe.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, createCustomer, expectStatus, ifMatch, listAll } from '../api/lib/client.mjs';
import { assertAccessible, assertNoErrors, launch } from './lib/browser.mjs';
import { salesOrganization } from './lib/customers.mjs';
import { goOffline, HERE, openPhone, phoneShot, phoneTable, signInPhone, still, synced, syncState, tab } from './lib/phone.mjs';

let browser;
let o;
const at = (msFromNow) => new Date(Date.now() + msFromNow).toISOString();
const DAY = 86_400_000;

/** The great-circle distance the server computes (its formula), in whole metres. */
function metres(a, b) {
  const R = 6371008.8;
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return Math.round(2 * R * Math.asin(Math.min(1, Math.sqrt(h))));
}

before(async () => {
  browser = await launch();
  o = await salesOrganization();
  // The organization's days are Shanghai's.
  const tenant = expectStatus(await api('GET', '/v1/tenant', { token: o.admin.token }), 200).body;
  expectStatus(await api('PATCH', '/v1/tenant', { token: o.admin.token, body: { timezone: 'Asia/Shanghai' }, headers: ifMatch(tenant) }), 200, 'time zone');
});
after(async () => {
  await browser?.close();
});

test('a whole day offline: everything made on the phone reaches the server once, and a conflict with the office is settled field by field', async () => {
  const token = o.sales1.token;
  // The morning's copy: a customer to edit (followed up today), one to visit
  // (with its location and a contact person whose birthday comes), one overdue.
  const edited = await createCustomer(token, { name: '杭州西湖茶业有限公司', phone: '0571-8888 1234', region: '杭州', industry: '茶叶' });
  const visited = await createCustomer(token, {
    name: '上海华东贸易有限公司',
    phone: '021-6234 5678',
    region: '上海',
    address: '上海市黄浦区中山东一路 18 号',
    location: { lat: 31.2405, lon: 121.4905 },
  });
  const overdue = await createCustomer(token, { name: '宁波港湾物流', region: '宁波' });
  await createCustomer(token, { name: 'Acme Trading GmbH', region: 'Hamburg' });
  const birthday = new Date(Date.now() + 3 * DAY).toISOString().slice(5, 10);
  expectStatus(
    await api('POST', `/v1/customers/${visited.id}/contacts`, {
      token,
      body: { name: '陈总', title: '总经理', mobile: '138 0013 8000', birthday: `1975-${birthday}`, is_primary: true },
    }),
    201,
  );
  for (const [customer, next] of [
    [edited, at(60_000)],
    [overdue, at(-2 * DAY)],
  ]) {
    expectStatus(
      await api('POST', '/v1/contact-records', { token, body: { customer_id: customer.id, kind: 'call', occurred_at: at(-5 * DAY), summary: '初次电话', next_contact_at: next } }),
      201,
    );
  }

  const { context, page, errors } = await openPhone(browser);
  await signInPhone(page, o.sales1);

  // The agenda from the copy: today's follow-up, the overdue one, the birthday.
  const agenda = page.getByRole('main');
  await agenda.getByRole('heading', { name: /逾期未跟进/ }).waitFor();
  await agenda.getByRole('region', { name: /逾期未跟进/ }).getByRole('link', { name: '宁波港湾物流' }).waitFor();
  await agenda.getByRole('region', { name: /今天跟进|明天跟进/ }).getByRole('link', { name: '杭州西湖茶业有限公司' }).waitFor();
  await agenda.getByRole('region', { name: /近期生日/ }).getByText(/陈总/).waitFor();
  await phoneShot(page, 'agenda');
  await assertAccessible(page, 'the agenda');

  // No signal from here on.
  await goOffline(context, page);
  await page.getByRole('status').filter({ hasText: '离线' }).waitFor();

  // Looked up while typing, in Chinese and in Latin letters.
  await tab(page, '客户');
  const search = page.getByRole('searchbox');
  await search.fill('华东');
  await page.getByRole('link', { name: '上海华东贸易有限公司' }).waitFor();
  assert.equal(await page.getByRole('link', { name: '杭州西湖茶业有限公司' }).count(), 0, 'only what matches');
  await phoneShot(page, 'search');
  await assertAccessible(page, 'the customer search');
  await search.fill('acme');
  await page.getByRole('link', { name: 'Acme Trading GmbH' }).waitFor();
  await search.fill('');
  await page.getByRole('link', { name: '宁波港湾物流' }).waitFor();

  // A new customer met today, and a contact person from the business card.
  await page.getByRole('button', { name: '新建客户' }).click();
  await page.getByRole('heading', { name: '新建客户' }).waitFor();
  await page.getByLabel('名称').fill('苏州工业园区精密机械厂');
  await page.getByLabel('电话').fill('0512-6666 1234');
  await page.getByLabel('地址').fill('苏州工业园区星湖街 328 号');
  await page.getByLabel('地区').fill('苏州');
  await phoneShot(page, 'customer-form');
  await assertAccessible(page, 'the new customer form');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '苏州工业园区精密机械厂' }).waitFor();
  await page.getByText('未发送').first().waitFor();

  await page.getByRole('button', { name: '添加联系人' }).click();
  await page.getByRole('heading', { name: '添加联系人' }).waitFor();
  await page.getByLabel('姓名').fill('周经理');
  await page.getByLabel('职务').fill('采购经理');
  await page.getByLabel('手机').fill('139 1234 5678');
  await page.getByLabel('微信').fill('zhou_jingli');
  await phoneShot(page, 'contact-form');
  await assertAccessible(page, 'the contact person form');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '苏州工业园区精密机械厂' }).waitFor();
  const call = page.getByRole('link', { name: '拨打 139 1234 5678' });
  await call.waitFor();
  assert.equal(await call.getAttribute('href'), 'tel:139 1234 5678');

  // Three calls: kind, contact person, text, follow-up, save.
  const summaries = ['确认了样品寄送地址', '询问了交货期，对方要求两周内', '约好明天上午再谈价格'];
  for (const [i, summary] of summaries.entries()) {
    await still(page);
    await page.getByRole('button', { name: '记录联系' }).click();
    await page.getByRole('heading', { name: '记录联系' }).waitFor();
    await page.getByRole('listbox', { name: '方式' }).getByRole('option', { name: '电话' }).click();
    if (i === 0) await page.getByRole('listbox', { name: '联系人（可选）' }).getByRole('option', { name: '周经理' }).click();
    await page.getByLabel('内容').fill(summary);
    if (i === 2) {
      await page.getByRole('listbox', { name: '下次联系' }).getByRole('option', { name: '明天' }).click();
      await page.getByText(/^下次联系：/).waitFor();
      await phoneShot(page, 'record-call');
      await assertAccessible(page, 'recording a call');
    }
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('heading', { name: '苏州工业园区精密机械厂' }).waitFor();
    await page.getByText(summary).waitFor();
  }

  // The visit: check-in with the phone's location, its accuracy and the distance.
  await tab(page, '客户');
  await page.getByRole('searchbox').fill('华东贸易');
  await page.getByRole('link', { name: '上海华东贸易有限公司' }).click();
  await page.getByRole('heading', { name: '上海华东贸易有限公司' }).waitFor();
  const expected = metres({ lat: HERE.latitude, lon: HERE.longitude }, visited.location);
  await page.getByRole('button', { name: '签到拜访' }).click();
  await page.getByRole('heading', { name: '记录联系' }).waitFor();
  const where = page.getByRole('status').filter({ hasText: '已定位' });
  await where.waitFor();
  assert.match(await where.innerText(), /±12 米/);
  assert.match(await where.innerText(), new RegExp(`距客户 ${expected}\\s*米`));
  await page.getByLabel('内容').fill('拜访陈总，看了仓库，下周报价');
  await phoneShot(page, 'check-in');
  await assertAccessible(page, 'the visit check-in');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '上海华东贸易有限公司' }).waitFor();
  await page.getByText('拜访陈总，看了仓库，下周报价').waitFor();
  await phoneShot(page, 'customer');
  await assertAccessible(page, 'the customer page');

  // An edit of a synced customer: two fields.
  await tab(page, '客户');
  await page.getByRole('searchbox').fill('西湖');
  await page.getByRole('link', { name: '杭州西湖茶业有限公司' }).click();
  await page.getByRole('heading', { name: '杭州西湖茶业有限公司' }).waitFor();
  await page.getByRole('button', { name: '编辑客户' }).click();
  await page.getByRole('heading', { name: '编辑客户' }).waitFor();
  await page.getByLabel('电话').fill('0571-8888 9999');
  await page.getByLabel('地区').fill('杭州市西湖区');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '杭州西湖茶业有限公司' }).waitFor();
  await page.getByRole('link', { name: '拨打 0571-8888 9999' }).waitFor();

  // Meanwhile the office changes another field and the phone number too.
  const now = expectStatus(await api('GET', `/v1/customers/${edited.id}`, { token: o.admin.token }), 200).body;
  expectStatus(
    await api('PATCH', `/v1/customers/${edited.id}`, { token: o.admin.token, body: { industry: '茶叶批发', phone: '0571-8888 0000' }, headers: ifMatch(now) }),
    200,
    'the office edit',
  );

  // Everything waits in the outbox, in order, with the ids made on the phone.
  const waiting = await phoneTable(page, 'outbox');
  const creates = (entity) => waiting.filter((w) => w.op === 'create' && w.entity === entity);
  assert.equal(creates('customer').length, 1);
  assert.equal(creates('contact').length, 1);
  assert.equal(creates('contact_record').length, 4);
  const edits = waiting.filter((w) => w.op === 'update' && w.entity === 'customer');
  assert.equal(edits.length, 1);
  assert.deepEqual(Object.keys(edits[0].body).sort(), ['phone', 'region'], 'the edit is a merge patch of the changed fields only');
  const newId = creates('customer')[0].id;
  const contactId = creates('contact')[0].id;
  const callIds = creates('contact_record').filter((w) => w.body.kind === 'call').map((w) => w.id).sort();
  const visitId = creates('contact_record').find((w) => w.body.kind === 'visit').id;
  assert.equal(callIds.length, 3);
  await tab(page, '待发送');
  await page.getByRole('heading', { name: '待发送' }).waitFor();
  await page.getByText('等待发送').first().waitFor();
  await phoneShot(page, 'outbox-waiting');
  await assertAccessible(page, 'the outbox');

  // Back in signal: everything goes by itself; the edit waits for the user.
  const before = (await syncState(page)).at ?? '';
  await context.setOffline(false);
  const banner = page.getByRole('alert').filter({ hasText: '1 条记录需要您处理' });
  await banner.waitFor({ timeout: 30000 });
  await synced(page, before);
  const conflict = page.locator('.outbox-conflict');
  await conflict.getByRole('heading', { name: '修改客户' }).waitFor();
  const field = conflict.getByRole('group', { name: '电话' });
  await field.getByText('服务器：0571-8888 0000').waitFor();
  await field.getByText('我的：0571-8888 9999').waitFor();
  assert.equal(await conflict.getByRole('group').count(), 1, 'only the field both changed is asked about');
  await phoneShot(page, 'conflict');
  await assertAccessible(page, 'the conflict');

  // The salesperson keeps their number.
  await field.getByText('我的：0571-8888 9999').click();
  assert.ok(await field.getByRole('radio', { name: /我的/ }).isChecked());
  await conflict.getByRole('button', { name: '按所选保存' }).click();
  await page.getByText('所有记录都已发送到服务器').waitFor({ timeout: 30000 });
  await banner.waitFor({ state: 'hidden' });

  // The server has each record once, with the phone's ids.
  const named = expectStatus(await api('GET', `/v1/customers?q=${encodeURIComponent('苏州工业园区精密机械厂')}`, { token }), 200).body.data;
  assert.deepEqual(named.map((c) => c.id), [newId], 'one new customer, with the id the phone made');
  const created = expectStatus(await api('GET', `/v1/customers/${newId}`, { token }), 200).body;
  assert.equal(created.phone, '0512-6666 1234');
  assert.equal(created.region, '苏州');
  const contacts = await listAll(`/v1/customers/${newId}/contacts`, token);
  assert.deepEqual(contacts.map((c) => [c.id, c.name, c.mobile, c.im]), [[contactId, '周经理', '139 1234 5678', 'zhou_jingli']]);
  const calls = await listAll(`/v1/customers/${newId}/contact-records`, token);
  assert.deepEqual(calls.map((r) => r.id).sort(), callIds, 'three calls, each once, with the phone’s ids');
  assert.deepEqual(calls.map((r) => r.summary).sort(), [...summaries].sort());
  assert.ok(calls.every((r) => r.kind === 'call'));
  assert.equal(calls.find((r) => r.summary === summaries[0]).contact_id, contactId);
  assert.ok(calls.find((r) => r.summary === summaries[2]).next_contact_at, 'the follow-up planned');

  const visits = (await listAll(`/v1/customers/${visited.id}/contact-records`, token)).filter((r) => r.kind === 'visit');
  assert.equal(visits.length, 1);
  assert.equal(visits[0].id, visitId);
  assert.deepEqual([visits[0].location.lat, visits[0].location.lon, visits[0].location.accuracy_m], [HERE.latitude, HERE.longitude, 12]);
  assert.ok(Math.abs(visits[0].distance_m - expected) <= 1, `distance ${visits[0].distance_m} m, expected about ${expected} m`);

  const settled = expectStatus(await api('GET', `/v1/customers/${edited.id}`, { token }), 200).body;
  assert.equal(settled.industry, '茶叶批发', 'the office’s change is kept');
  assert.equal(settled.phone, '0571-8888 9999', 'the conflicting field as the salesperson chose');
  assert.equal(settled.region, '杭州市西湖区', 'the phone’s other change');

  // And the phone shows what the server has.
  await tab(page, '客户');
  await page.getByRole('searchbox').fill('西湖');
  await page.getByRole('link', { name: '杭州西湖茶业有限公司' }).click();
  await page.getByRole('heading', { name: '杭州西湖茶业有限公司' }).waitFor();
  await page.getByText('茶叶批发').waitFor();
  await page.getByRole('link', { name: '拨打 0571-8888 9999' }).waitFor();
  assert.equal(await page.getByText('未发送').count(), 0);
  assert.equal((await phoneTable(page, 'outbox')).length, 0);

  await tab(page, '我的');
  await page.getByRole('heading', { name: '本月业绩' }).waitFor();
  await page.getByText(/^读取于 /).waitFor();
  await phoneShot(page, 'me');
  await assertAccessible(page, 'my figures');
  assertNoErrors(errors, 'the offline day');
  await context.close();
});
