// registries_audit.test.mjs: every write records an audit entry in its own
// transaction (DESIGN §6), also those that used to leave none: the
// organization's settings, the lines of quotations, contracts and shipments,
// and payment plans. One trigger function (audit_row) records them all.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, addUser, createCustomer, expectStatus, ifMatch, qs, listAll, uniq } from './lib/client.mjs';

let T, S;

before(async () => {
  T = await signup();
  S = await addUser(T, 'sales');
});

/** Every audit entry of (entity, id), oldest first. */
async function entries(entity, entityId) {
  const all = await listAll(`/v1/audit-log${qs({ entity, entity_id: entityId })}`, T.token);
  return all.reverse();
}

test('a change of the organization\'s settings is audited with who and what changed', async () => {
  const before = expectStatus(await api('GET', '/v1/tenant', { token: T.token }), 200).body;
  const patch = { timezone: 'Asia/Shanghai', dormant_after_days: 45 };
  const after = expectStatus(await api('PATCH', '/v1/tenant', { token: T.token, body: patch, headers: ifMatch(before) }), 200).body;

  const log = await entries('tenants', T.tenant.id);
  assert.equal(log.length, 1, `one entry for one change: ${JSON.stringify(log)}`);
  const [e] = log;
  assert.equal(e.entity, 'tenants');
  assert.equal(e.entity_id, T.tenant.id);
  assert.equal(e.action, 'update');
  assert.equal(e.actor_id, T.user.id);
  assert.deepEqual(e.changes, {
    timezone: { old: before.timezone, new: 'Asia/Shanghai' },
    dormant_after_days: { old: before.dormant_after_days, new: 45 },
  }, 'exactly the changed settings, not the version or the time');

  // A refused change leaves nothing.
  expectStatus(await api('PATCH', '/v1/tenant', { token: T.token, body: { dormant_after_days: 7 }, headers: ifMatch(before) }), 412);
  assert.equal((await entries('tenants', T.tenant.id)).length, 1);
  // Another tenant sees none of it.
  const U = await signup();
  const theirs = expectStatus(await api('GET', `/v1/audit-log${qs({ entity: 'tenants' })}`, { token: U.token }), 200).body;
  assert.deepEqual(theirs.data, []);
  assert.ok(after.version > before.version);
});

test('a quotation\'s lines are audited under the quotation, when created and when replaced', async () => {
  const c = await createCustomer(S.token, { name: `Audited lines ${uniq()}` });
  const q = expectStatus(await api('POST', '/v1/quotations', {
    token: S.token,
    body: {
      customer_id: c.id,
      currency: 'CNY',
      lines: [
        { description: 'Steel tube', quantity: '2', unit_price: '10.00' },
        { description: 'Flange', quantity: '4', unit_price: '2.50', discount_percent: '10' },
      ],
    },
  }), 201, 'create quotation').body;

  const created = await entries('quotation_lines', q.id);
  assert.deepEqual(created.map((e) => [e.action, e.changes.line_no.new, e.changes.description.new]), [
    ['create', 1, 'Steel tube'],
    ['create', 2, 'Flange'],
  ]);
  for (const e of created) {
    assert.equal(e.actor_id, S.user.id);
    assert.equal(e.entity_id, q.id);
    assert.equal(e.changes.quotation_id.new, q.id);
    assert.equal(e.changes.tenant_id, undefined, 'the tenant is not repeated');
  }
  assert.equal(created[1].changes.net.new, 9);

  // Replacing the lines of the draft: the old ones are deleted, the new one created.
  const p = expectStatus(await api('PATCH', `/v1/quotations/${q.id}`, {
    token: S.token,
    headers: ifMatch(q),
    body: { lines: [{ description: 'Steel tube, galvanised', quantity: '3', unit_price: '12.00' }] },
  }), 200, 'replace the lines').body;
  assert.equal(p.lines.length, 1);
  const replaced = (await entries('quotation_lines', q.id)).slice(created.length);
  assert.deepEqual(replaced.map((e) => [e.action, e.changes.line_no?.old ?? e.changes.line_no?.new]).sort(), [
    ['create', 1],
    ['delete', 1],
    ['delete', 2],
  ]);
  const gone = replaced.find((e) => e.action === 'delete' && e.changes.line_no.old === 2);
  assert.deepEqual(gone.changes.description, { old: 'Flange', new: null });
  // The quotation itself is audited as before.
  assert.ok((await entries('quotations', q.id)).some((e) => e.action === 'create'));
});

test('a contract\'s payment plan and a shipment\'s lines are audited under their documents', async () => {
  const c = await createCustomer(S.token, { name: `Audited plan ${uniq()}` });
  const k = expectStatus(await api('POST', '/v1/contracts', {
    token: S.token,
    body: {
      customer_id: c.id,
      lines: [{ description: 'Bolt', quantity: '10', unit: 'pc', unit_price: '2.50' }],
      installments: [
        { due_date: '2031-01-01', amount: '10.00' },
        { due_date: '2031-02-01', amount: '15.00' },
      ],
    },
  }), 201, 'create contract').body;
  const plan = await entries('installments', k.id);
  assert.deepEqual(plan.map((e) => [e.action, e.changes.seq.new, e.changes.due_date.new]), [
    ['create', 1, '2031-01-01'],
    ['create', 2, '2031-02-01'],
  ]);
  assert.ok(plan.every((e) => e.actor_id === S.user.id));
  const lineLog = await entries('contract_lines', k.lines[0].id);
  assert.deepEqual(lineLog.map((e) => e.action), ['create']);

  const active = expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: S.token }), 200).body;
  const s = expectStatus(await api('POST', '/v1/shipments', {
    token: S.token,
    body: { contract_id: active.id, lines: [{ contract_line_id: k.lines[0].id, quantity: '4' }] },
  }), 201, 'create shipment').body;
  const shipped = await entries('shipment_lines', s.id);
  assert.equal(shipped.length, 1);
  assert.equal(shipped[0].action, 'create');
  assert.equal(shipped[0].changes.contract_line_id.new, k.lines[0].id);
  assert.equal(shipped[0].changes.quantity.new, 4);
  // The contract line's shipped quantity, as before; an update names its line.
  const moved = (await entries('contract_lines', k.lines[0].id)).find((e) => e.action === 'update');
  assert.deepEqual(moved.changes.quantity_shipped, { old: 0, new: 4 });
  assert.deepEqual(moved.changes.line_no, { old: 1, new: 1 });

  // Every entry of the tenant reads as the spec says (the client checks each page).
  assert.ok((await listAll('/v1/audit-log', T.token)).length > 10);
});
