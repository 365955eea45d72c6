// json_big_integers.test.mjs: an integer past 64 bits is JSON all the same. A
// custom field may hold one (stored as the nearest real); a field that takes
// an integer within a range is refused with a 422 naming it, never a 400.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, expectStatus, expectProblem, signup } from './lib/client.mjs';

test('a 64-bit-overflowing integer in custom is taken, in an integer field refused naming it', async () => {
  const T = await signup();
  const raw = '{"name":"Big numbers","payment_terms_days":30,"custom":{"debt":-9223372036854776000,"n":[1,2.5]}}';
  const r = expectStatus(await api('POST', '/v1/customers?confirm_duplicate=true', { token: T.token, rawBody: raw }), 201);
  assert.equal(r.body.payment_terms_days, 30, 'the other integers stay integers');
  assert.ok(r.body.custom.debt < -9.2e18, `custom keeps the number: ${r.body.custom.debt}`);
  assert.deepEqual(r.body.custom.n, [1, 2.5]);
  const bad = '{"name":"Too many days","payment_terms_days":99999999999999999999}';
  expectProblem(await api('POST', '/v1/customers?confirm_duplicate=true', { token: T.token, rawBody: bad }), 422, { field: 'payment_terms_days' });
});
