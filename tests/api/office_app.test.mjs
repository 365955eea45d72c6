// office_app.test.mjs: what the office app needs of the API — a customer
// names its owner, and a contact record the person who recorded it, for
// callers who may not list the users (the name follows a rename and a
// transfer); the audit log read by period.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, addUser, createCustomer, expectStatus, expectProblem, ifMatch, listAll, sleep } from './lib/client.mjs';

let T, S1, S2, A;
before(async () => {
  T = await signup({ name: 'Owner Names Admin' });
  S1 = await addUser(T, 'sales', { name: '张伟' });
  S2 = await addUser(T, 'sales', { name: 'Li Na' });
  A = await addUser(T, 'assistant', { name: 'Assistant Wang' });
});

describe('owner names', () => {
  test('a customer names its owner for the owner and for an assistant, who may not list users', async () => {
    const c = await createCustomer(S1.token, { name: `北京远航科技 ${Date.now()}` });
    assert.equal(c.owner_name, '张伟');
    expectProblem(await api('GET', '/v1/users', { token: A.token }), 403);
    const seen = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: A.token }), 200);
    assert.equal(seen.body.owner_id, S1.user.id);
    assert.equal(seen.body.owner_name, '张伟');
    const listed = (await listAll('/v1/customers', A.token)).find((x) => x.id === c.id);
    assert.equal(listed.owner_name, '张伟');
  });

  test('the name follows a transfer and a rename', async () => {
    const c = await createCustomer(S1.token);
    const moved = expectStatus(
      await api('POST', `/v1/customers/${c.id}/transfer`, { token: T.token, body: { owner_id: S2.user.id } }),
      200,
    );
    assert.equal(moved.body.owner_name, 'Li Na');
    const u = expectStatus(await api('GET', `/v1/users/${S2.user.id}`, { token: T.token }), 200);
    expectStatus(
      await api('PATCH', `/v1/users/${S2.user.id}`, { token: T.token, body: { name: 'Li Na (Shanghai)' }, headers: ifMatch(u.body) }),
      200,
    );
    const after = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: S2.token }), 200);
    assert.equal(after.body.owner_name, 'Li Na (Shanghai)');
  });

  test('a contact record names who recorded it', async () => {
    const c = await createCustomer(S1.token);
    const r = expectStatus(
      await api('POST', `/v1/customers/${c.id}/contact-records`, { token: T.token, body: { kind: 'call', summary: '确认交货日期' } }),
      201,
    );
    assert.equal(r.body.owner_id, T.user.id);
    assert.equal(r.body.owner_name, 'Owner Names Admin');
    const listed = (await listAll(`/v1/customers/${c.id}/contact-records`, S1.token)).find((x) => x.id === r.body.id);
    // The salesperson may not list the users, and still reads who it was.
    assert.equal(listed.owner_name, 'Owner Names Admin');
  });
});

describe('the audit log by period', () => {
  test('since and before bound the moment of the change; a malformed instant is refused by name', async () => {
    const first = await createCustomer(T.token);
    await sleep(1100);
    const mid = new Date().toISOString();
    await sleep(50);
    const second = await createCustomer(T.token);
    const ids = async (q) => {
      const r = expectStatus(await api('GET', `/v1/audit-log?entity=customers&action=create&limit=200&${q}`, { token: T.token }), 200);
      return r.body.data.map((e) => e.entity_id);
    };
    const after = await ids(`since=${encodeURIComponent(mid)}`);
    assert.ok(after.includes(second.id) && !after.includes(first.id), 'since: only the later change');
    const earlier = await ids(`before=${encodeURIComponent(mid)}`);
    assert.ok(earlier.includes(first.id) && !earlier.includes(second.id), 'before: only the earlier change');
    const none = await ids(`since=${encodeURIComponent(mid)}&before=${encodeURIComponent(mid)}`);
    assert.deepEqual(none, []);
    expectProblem(await api('GET', '/v1/audit-log?entity=customers&since=yesterday', { token: T.token }), 422, { field: 'since', code: 'format' });
    expectProblem(await api('GET', '/v1/audit-log?before=2026-13-01T00:00:00Z', { token: T.token }), 422, { field: 'before', code: 'format' });
  });
});
