// hardening_if_match.test.mjs: If-Match is compared strongly (RFC 9110
// §13.1.1): only the exact ETag a GET answered lets a PATCH or DELETE through.
// Anything that cannot be the current version — a weak tag, a version too big
// for the database, a tag written differently — answers 412 and changes
// nothing; never 422 or 500. `If-Match: *` would skip the check altogether, so
// it answers 428 like a missing If-Match.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, createCustomer, expectStatus, expectProblem } from './lib/client.mjs';

let T;

before(async () => {
  T = await signup();
});

const path = (c) => `/v1/customers/${c.id}`;
const fresh = () => createCustomer(T.token, { notes: 'original' });

/** The customer must still be as created: same version, same notes. */
async function unchanged(c) {
  const r = expectStatus(await api('GET', path(c), { token: T.token }), 200);
  assert.equal(r.body.version, c.version, 'the version did not move');
  assert.equal(r.body.notes, 'original', 'nothing was written');
  assert.equal(r.headers.get('etag'), `"${c.version}"`);
}

describe('If-Match that cannot match answers 412 and writes nothing', () => {
  const cases = [
    ['a version too big for the database', '"9999999999"'],
    ['a version beyond any integer', '"99999999999999999999"'],
    ['the current version as a weak tag', (c) => `W/"${c.version}"`],
    ['the current version with a leading zero', (c) => `"0${c.version}"`],
    ['the current version unquoted', (c) => `${c.version}`],
    ['a negative version', '"-1"'],
    ['version zero', '"0"'],
    ['not a tag at all', 'yesterday'],
  ];
  for (const [what, value] of cases) {
    test(`PATCH with ${what}`, async () => {
      const c = await fresh();
      const tag = typeof value === 'function' ? value(c) : value;
      const r = await api('PATCH', path(c), { token: T.token, body: { notes: 'overwritten' }, headers: { 'if-match': tag } });
      expectProblem(r, 412);
      assert.equal(r.body.type, 'https://crm.example/problems/precondition-failed');
      await unchanged(c);
    });
    test(`DELETE with ${what}`, async () => {
      const c = await fresh();
      const tag = typeof value === 'function' ? value(c) : value;
      expectProblem(await api('DELETE', path(c), { token: T.token, headers: { 'if-match': tag } }), 412);
      await unchanged(c);
    });
  }

  test("the PDF's weak ETag does not pass for the JSON one", async () => {
    const c = await fresh();
    const q = expectStatus(
      await api('POST', '/v1/quotations', {
        token: T.token,
        body: { customer_id: c.id, lines: [{ description: 'Bolt', quantity: '1', unit_price: '1.00', tax_rate: '13' }] },
      }),
      201,
    ).body;
    const pdf = await api('GET', `/v1/quotations/${q.id}`, { token: T.token, headers: { accept: 'application/pdf' } });
    expectStatus(pdf, 200);
    const weak = pdf.headers.get('etag');
    assert.match(weak, /^W\//, 'the PDF carries a weak ETag');
    expectProblem(
      await api('PATCH', `/v1/quotations/${q.id}`, { token: T.token, body: { notes: 'x' }, headers: { 'if-match': weak } }),
      412,
    );
  });
});

describe('If-Match: * is not a version check', () => {
  for (const method of ['PATCH', 'DELETE']) {
    test(`${method} with If-Match: * answers 428 and writes nothing`, async () => {
      const c = await fresh();
      const body = method === 'PATCH' ? { notes: 'overwritten' } : undefined;
      const r = await api(method, path(c), { token: T.token, body, headers: { 'if-match': '*' } });
      expectProblem(r, 428);
      assert.match(r.body.detail, /ETag/, `the detail says what to send: ${r.body.detail}`);
      await unchanged(c);
    });
  }
});

describe('the ETag a GET answered still works', () => {
  test('PATCH with the exact ETag is applied', async () => {
    const c = await fresh();
    const etag = expectStatus(await api('GET', path(c), { token: T.token }), 200).headers.get('etag');
    const r = await api('PATCH', path(c), { token: T.token, body: { notes: 'changed' }, headers: { 'if-match': etag } });
    expectStatus(r, 200);
    assert.equal(r.body.notes, 'changed');
    assert.equal(r.body.version, c.version + 1);
  });
});
