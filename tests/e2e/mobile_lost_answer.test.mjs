// A write whose answer never reaches the phone — the server committed it,
// then the connection died before the 201 arrived — is sent again by the
// outbox and still makes exactly one record: the same client-made id and the
// same Idempotency-Key, answered by the server's replay of its first answer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, expectStatus, listAll } from '../api/lib/client.mjs';
import { assertNoErrors, launch } from './lib/browser.mjs';
import { salesOrganization } from './lib/customers.mjs';
import { openPhone, phoneTable, signInPhone, still, tab } from './lib/phone.mjs';

let browser;
let o;

before(async () => {
  browser = await launch();
  o = await salesOrganization();
});
after(async () => {
  await browser?.close();
});

/** Waits until the phone's outbox holds nothing. */
async function outboxEmpty(page, timeout = 30_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const left = await phoneTable(page, 'outbox');
    if (left.length === 0) return;
    if (Date.now() > end) assert.fail(`the outbox still holds ${JSON.stringify(left)}`);
    await page.waitForTimeout(250);
  }
}

for (const [what, path, make] of [
  [
    'a new customer',
    '/v1/customers',
    async (page) => {
      await tab(page, '客户');
      await page.getByRole('button', { name: '新建客户' }).click();
      await page.getByLabel('名称').fill('无锡答复丢失测试有限公司');
      await page.getByRole('button', { name: '保存' }).click();
      await page.getByRole('heading', { name: '无锡答复丢失测试有限公司' }).waitFor();
    },
  ],
  [
    'a contact record',
    '/v1/contact-records',
    async (page, customer) => {
      await tab(page, '客户');
      await page.getByRole('searchbox').fill(customer.name);
      await page.getByRole('link', { name: customer.name }).click();
      await page.getByRole('heading', { name: customer.name }).waitFor();
      await still(page);
      await page.getByRole('button', { name: '记录联系' }).click();
      await page.getByRole('listbox', { name: '方式' }).getByRole('option', { name: '电话' }).click();
      await page.getByLabel('内容').fill('答复丢失后的重试');
      await page.getByRole('button', { name: '保存' }).click();
      await page.getByRole('heading', { name: customer.name }).waitFor();
    },
  ],
]) {
  test(`${what} whose answer was lost after the server committed it is sent again and made once`, async () => {
    const customer = expectStatus(await api('POST', '/v1/customers', { token: o.sales1.token, body: { name: `常州客户 ${path}` } }), 201).body;
    const { page, errors } = await openPhone(browser);
    await signInPhone(page, o.sales1);

    // The first POST reaches the server and is committed; its answer is
    // thrown away and the phone sees the request time out. Later ones pass.
    const posts = [];
    let lost = null;
    await page.route(
      (url) => url.pathname === path,
      async (route) => {
        const request = route.request();
        if (request.method() !== 'POST') return route.continue();
        posts.push({ key: request.headers()['idempotency-key'], body: request.postDataJSON() });
        if (lost) return route.continue();
        lost = await route.fetch();
        assert.equal(lost.status(), 201, 'the first request was committed');
        await route.abort('timedout');
      },
    );
    const replays = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === path && r.request().method() === 'POST') replays.push(r.headers()['idempotent-replayed'] ?? null);
    });

    await make(page, customer);
    await outboxEmpty(page);

    assert.ok(posts.length >= 2, `sent again after the lost answer (${posts.length} requests)`);
    assert.equal(new Set(posts.map((p) => p.key)).size, 1, 'every attempt carries the same Idempotency-Key');
    assert.equal(new Set(posts.map((p) => p.body.id)).size, 1, 'every attempt carries the same id');
    assert.equal(replays.at(-1), 'true', "the retry was answered by the server's replay of its first answer");

    const id = posts[0].body.id;
    if (path === '/v1/customers') {
      const all = (await listAll('/v1/customers', o.sales1.token)).filter((c) => c.name === '无锡答复丢失测试有限公司');
      assert.deepEqual(all.map((c) => c.id), [id], 'exactly one customer, with the phone-made id');
    } else {
      const all = await listAll(`/v1/customers/${customer.id}/contact-records`, o.sales1.token);
      assert.deepEqual(all.map((r) => r.id), [id], 'exactly one contact record, with the phone-made id');
    }
    const local = await phoneTable(page, path === '/v1/customers' ? 'customers' : 'records');
    assert.equal(local.find((r) => r.id === id)?.version, 1, "the phone holds the server's copy");
    assertNoErrors(errors.filter((e) => !/ERR_TIMED_OUT|Failed to fetch|net::/.test(e)));
    await page.context().close();
  });
}
