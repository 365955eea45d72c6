// merge_documents.test.mjs: merging duplicate customers carries their
// quotations and contracts (with shipments) over to the customer that stays.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, createCustomer, expectStatus, expectProblem, uniq } from './lib/client.mjs';

let T;
const line = { description: '钢管 Steel tube', quantity: '2', unit_price: '10.00' };

before(async () => {
  T = await signup();
});

test('a merge moves the duplicate\'s quotations and contracts, and its shipments follow', async () => {
  const keep = await createCustomer(T.token, { name: `Keeper ${uniq()}` });
  const dup = await createCustomer(T.token, { name: `Keeper dup ${uniq()}` });
  const quotation = expectStatus(
    await api('POST', '/v1/quotations', { token: T.token, body: { customer_id: dup.id, lines: [line] } }), 201, 'quotation').body;
  const contract = expectStatus(
    await api('POST', '/v1/contracts', { token: T.token, body: { customer_id: dup.id, lines: [line] } }), 201, 'contract').body;
  const active = expectStatus(await api('POST', `/v1/contracts/${contract.id}/activate`, { token: T.token }), 200, 'activate').body;
  const shipment = expectStatus(
    await api('POST', '/v1/shipments', { token: T.token, body: { contract_id: active.id } }), 201, 'shipment').body;

  expectStatus(await api('POST', `/v1/customers/${keep.id}/merge`, { token: T.token, body: { duplicate_id: dup.id } }), 200, 'merge');

  expectProblem(await api('GET', `/v1/customers/${dup.id}`, { token: T.token }), 404);
  const q = expectStatus(await api('GET', `/v1/quotations/${quotation.id}`, { token: T.token }), 200).body;
  assert.equal(q.customer_id, keep.id, 'the quotation now belongs to the customer that stays');
  const k = expectStatus(await api('GET', `/v1/contracts/${contract.id}`, { token: T.token }), 200).body;
  assert.equal(k.customer_id, keep.id, 'the contract now belongs to the customer that stays');
  const s = expectStatus(await api('GET', `/v1/shipments/${shipment.id}`, { token: T.token }), 200).body;
  assert.equal(s.customer_name, keep.name, 'the shipment follows its contract');
  const listed = expectStatus(await api('GET', `/v1/quotations?customer_id=${keep.id}`, { token: T.token }), 200).body;
  assert.deepEqual(listed.data.map((x) => x.id), [quotation.id]);
});
