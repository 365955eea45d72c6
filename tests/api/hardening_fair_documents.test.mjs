// hardening_fair_documents.test.mjs: PDF rendering is a bounded pool. One
// tenant asking for 64 PDFs at once gets some rendered and the rest refused at
// once (429 beyond its share, 503 when the pool is full, both with
// Retry-After), never a 500 and never a queue; meanwhile another tenant still
// gets its own PDF rendered and its other requests answered.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, addUser, createCustomer, expectStatus, signup } from './lib/client.mjs';
import { call, percentile } from './lib/fair.mjs';

const PARALLEL = 64;
let A, B, quotationA, quotationB;

async function quotation(T) {
  const c = await createCustomer(T.token, { name: `Printer ${T.slug}` });
  const lines = Array.from({ length: 40 }, (_, i) => ({
    description: `不锈钢六角螺栓 M${8 + (i % 8)}×${40 + i}`,
    quantity: String(100 + i),
    unit: '个',
    unit_price: '0.125',
    tax_rate: '13',
  }));
  const r = await api('POST', '/v1/quotations', { token: T.token, body: { customer_id: c.id, currency: 'CNY', lines } });
  return expectStatus(r, 201, 'create quotation').body;
}

const pdf = (token, q) => call(BASE, 'GET', `/v1/quotations/${q.id}`, { token, headers: { accept: 'application/pdf' } });

before(async () => {
  A = await signup();
  B = await signup();
  quotationA = await quotation(A);
  quotationB = await quotation(B);
});

test(`${PARALLEL} PDFs at once from one tenant: rendered or refused at once; another tenant is still served`, { timeout: 120000 }, async () => {
  const users = [A];
  for (let i = 0; i < 3; i++) users.push(await addUser(A, 'admin'));
  const first = await pdf(A.token, quotationA);
  assert.equal(first.status, 200, `one PDF alone renders: ${first.text.slice(0, 200)}`);
  assert.equal(first.text.slice(0, 5), '%PDF-');

  const flood = Promise.all(Array.from({ length: PARALLEL }, (_, i) => pdf(users[i % users.length].token, quotationA)));
  // While the flood is answered: the other tenant's own PDF (it may meet a
  // full pool: then it does what the answer says, retries after a moment)
  // and its simple requests.
  let theirs;
  const simple = [];
  for (let tries = 0; tries < 40 && theirs?.status !== 200; tries++) {
    theirs = await pdf(B.token, quotationB);
    if (theirs.status !== 200) {
      assert.ok([429, 503].includes(theirs.status), `another tenant's PDF: ${theirs.status} ${theirs.text}`);
      assert.match(theirs.headers.get('retry-after') ?? '', /^\d+$/);
      for (let i = 0; i < 5; i++) simple.push((await call(BASE, 'GET', '/v1/customers?limit=1', { token: B.token })).ms);
    }
  }
  const answers = await flood;
  const statuses = {};
  for (const r of answers) {
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status === 200) {
      assert.equal(r.text.slice(0, 5), '%PDF-');
    } else {
      assert.ok([429, 503].includes(r.status), `beyond the pool: 429 or 503, got ${r.status} ${r.text.slice(0, 300)}`);
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, 'with Retry-After');
    }
  }
  const slowest = answers.reduce((m, r) => Math.max(m, r.ms), 0);
  console.log(
    `${PARALLEL} PDFs of one tenant: ${JSON.stringify(statuses)}, the slowest answer ${slowest.toFixed(0)} ms;` +
      ` the other tenant's lists meanwhile: ${simple.length ? `p50 ${percentile(simple, 50).toFixed(1)} ms, max ${Math.max(...simple).toFixed(1)} ms` : 'none needed'}`,
  );
  assert.ok(statuses[200] >= 1, 'some of the flood is rendered');
  assert.ok((statuses[429] ?? 0) + (statuses[503] ?? 0) > 0, 'and the rest refused, not queued');
  assert.equal(theirs.status, 200, `the other tenant's PDF was rendered during the flood: ${theirs.status}`);
  assert.equal(theirs.text.slice(0, 5), '%PDF-');
});
