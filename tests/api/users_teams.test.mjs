// users_teams.test.mjs: administration of users and teams — roles, duplicate
// emails, who may do what, team leaders, and optimistic concurrency.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  api,
  signup,
  login,
  addUser,
  createUser,
  createTeam,
  listAll,
  expectStatus,
  expectProblem,
  ifMatch,
  etag,
  uniq,
  ids,
  qs,
  PASSWORD,
} from './lib/client.mjs';

const ROLES = ['admin', 'manager', 'sales', 'assistant', 'finance', 'service'];

let T; // tenant and its admin
let manager; // { user, token, ... }
let sales;

before(async () => {
  T = await signup();
  manager = await addUser(T, 'manager');
  sales = await addUser(T, 'sales');
});

describe('users', () => {
  test('admin creates a user of every role; each signs in with that role', async () => {
    for (const role of ROLES) {
      const email = `${uniq(role + '-')}@example.com`;
      const r = expectStatus(
        await api('POST', '/v1/users', { token: T.token, body: { email, name: `Person ${role}`, role, password: PASSWORD } }),
        201,
        role,
      );
      assert.equal(r.body.email, email);
      assert.equal(r.body.role, role);
      assert.equal(r.body.name, `Person ${role}`);
      assert.equal(r.body.active, true);
      assert.equal(r.body.team_id, null);
      assert.ok(r.headers.get('location')?.endsWith(`/v1/users/${r.body.id}`), `Location of ${role}`);
      assert.equal(r.headers.get('etag'), etag(r.body.version));
      assert.ok(!/password/i.test(r.text), 'no password material in the response');

      const { token } = await login(T.slug, email, PASSWORD);
      const me = expectStatus(await api('GET', '/v1/me', { token }), 200);
      assert.equal(me.body.user.id, r.body.id);
      assert.equal(me.body.user.role, role);
    }
  });

  test('a duplicate email in the same tenant is 409; the same email in another tenant is fine', async () => {
    const u = await createUser(T.token, 'sales');
    const dup = await api('POST', '/v1/users', {
      token: T.token,
      body: { email: u.email, name: 'Second', role: 'finance', password: PASSWORD },
    });
    expectProblem(dup, 409);
    const other = await signup();
    const r = await api('POST', '/v1/users', {
      token: other.token,
      body: { email: u.email, name: 'Elsewhere', role: 'sales', password: PASSWORD },
    });
    expectStatus(r, 201, 'same email in another tenant');
  });

  test('invalid user fields are 422 naming the field', async () => {
    const base = { email: `${uniq('v-')}@example.com`, name: 'V', role: 'sales', password: PASSWORD };
    expectProblem(await api('POST', '/v1/users', { token: T.token, body: { ...base, role: 'emperor' } }), 422, { field: 'role' });
    const { email, ...noEmail } = base;
    expectProblem(await api('POST', '/v1/users', { token: T.token, body: noEmail }), 422, { field: 'email', code: 'required' });
    expectProblem(await api('POST', '/v1/users', { token: T.token, body: { ...base, favourite: 1 } }), 422, {
      field: 'favourite',
      code: 'unknown',
    });
  });

  test('only an admin creates users: manager and sales get 403 and nothing is created', async () => {
    for (const who of [manager, sales]) {
      const email = `${uniq('nope-')}@example.com`;
      expectProblem(
        await api('POST', '/v1/users', { token: who.token, body: { email, name: 'Nope', role: 'sales', password: PASSWORD } }),
        403,
      );
      const all = await listAll('/v1/users', T.token);
      assert.ok(!all.some((u) => u.email === email), `user ${email} must not exist`);
    }
  });

  test('admin and manager list users with a role filter; sales may not list', async () => {
    const fin = await createUser(T.token, 'finance');
    for (const who of [T, manager]) {
      const finance = await listAll(`/v1/users${qs({ role: 'finance' })}`, who.token);
      assert.ok(finance.some((u) => u.id === fin.id), `role=finance lists the new finance user ${fin.id}`);
      assert.ok(finance.every((u) => u.role === 'finance'), 'role filter returns only that role');
    }
    expectProblem(await api('GET', '/v1/users', { token: sales.token }), 403);
  });

  test('a non-admin sees only themselves', async () => {
    const self = expectStatus(await api('GET', `/v1/users/${sales.user.id}`, { token: sales.token }), 200);
    assert.equal(self.body.id, sales.user.id);
    const other = await api('GET', `/v1/users/${manager.user.id}`, { token: sales.token });
    expectProblem(other, 404);
    expectStatus(await api('GET', `/v1/users/${sales.user.id}`, { token: manager.token }), 200, 'manager reads any user');
  });

  test('PATCH user needs If-Match (428), refuses a stale one (412, unchanged) and updates with the current one', async () => {
    const u = await createUser(T.token, 'sales');
    const path = `/v1/users/${u.id}`;
    expectProblem(await api('PATCH', path, { token: T.token, body: { name: 'Renamed' } }), 428);
    expectProblem(await api('PATCH', path, { token: T.token, body: { name: 'Renamed' }, headers: ifMatch('"999"') }), 412);
    const still = expectStatus(await api('GET', path, { token: T.token }), 200);
    assert.equal(still.body.name, u.name, 'unchanged after 412');

    const ok = expectStatus(
      await api('PATCH', path, { token: T.token, body: { name: 'Renamed', role: 'manager' }, headers: ifMatch(u) }),
      200,
    );
    assert.equal(ok.body.name, 'Renamed');
    assert.equal(ok.body.role, 'manager');
    assert.ok(ok.body.version > u.version);
    assert.equal(ok.headers.get('etag'), etag(ok.body.version));
    // The old ETag is now stale.
    expectProblem(await api('PATCH', path, { token: T.token, body: { name: 'Again' }, headers: ifMatch(u) }), 412);
  });

  test('only an admin changes users', async () => {
    const u = await createUser(T.token, 'sales');
    expectProblem(
      await api('PATCH', `/v1/users/${u.id}`, { token: manager.token, body: { role: 'admin' }, headers: ifMatch(u) }),
      403,
    );
    expectProblem(
      await api('PATCH', `/v1/users/${sales.user.id}`, { token: sales.token, body: { role: 'admin' }, headers: ifMatch(sales.user) }),
      403,
    );
    const me = expectStatus(await api('GET', '/v1/me', { token: sales.token }), 200);
    assert.equal(me.body.user.role, 'sales', 'a salesperson cannot promote themselves');
  });

  test("another tenant's users are invisible (404)", async () => {
    const other = await signup();
    expectProblem(await api('GET', `/v1/users/${sales.user.id}`, { token: other.token }), 404);
    const current = expectStatus(await api('GET', `/v1/users/${sales.user.id}`, { token: T.token }), 200);
    expectProblem(
      await api('PATCH', `/v1/users/${sales.user.id}`, {
        token: other.token,
        body: { name: 'Hijacked' },
        headers: ifMatch(current.headers.get('etag')),
      }),
      404,
    );
    const after = expectStatus(await api('GET', `/v1/users/${sales.user.id}`, { token: T.token }), 200);
    assert.equal(after.body.name, current.body.name);
    const theirs = await listAll('/v1/users', other.token);
    assert.ok(!theirs.some((u) => u.id === sales.user.id));
  });

  test('user writes are in the audit log with the acting admin', async () => {
    const u = await createUser(T.token, 'assistant');
    const r = expectStatus(await api('GET', `/v1/audit-log${qs({ entity: 'users', entity_id: u.id })}`, { token: T.token }), 200);
    const created = r.body.data.find((e) => e.action === 'create' && e.entity_id === u.id);
    assert.ok(created, `no create entry for user ${u.id}: ${r.text.slice(0, 500)}`);
    assert.equal(created.actor_id, T.user.id);
    assert.equal(created.entity, 'users');
  });
});

describe('teams', () => {
  test('admin creates a team led by a manager; everyone signed in can read it', async () => {
    const name = `Team ${uniq()}`;
    const r = expectStatus(
      await api('POST', '/v1/teams', { token: T.token, body: { name, leader_id: manager.user.id } }),
      201,
    );
    assert.equal(r.body.name, name);
    assert.equal(r.body.leader_id, manager.user.id);
    assert.ok(r.headers.get('location')?.endsWith(`/v1/teams/${r.body.id}`));
    assert.equal(r.headers.get('etag'), etag(r.body.version));

    const one = expectStatus(await api('GET', `/v1/teams/${r.body.id}`, { token: sales.token }), 200);
    assert.deepEqual(one.body, r.body);
    const all = await listAll('/v1/teams', sales.token);
    assert.ok(ids(all).includes(r.body.id));
  });

  test('a leader who is not a manager is 422 naming leader_id', async () => {
    for (const role of ['sales', 'assistant']) {
      const u = await createUser(T.token, role);
      const r = await api('POST', '/v1/teams', { token: T.token, body: { name: `Bad ${uniq()}`, leader_id: u.id } });
      expectProblem(r, 422, { field: 'leader_id' });
    }
    const team = await createTeam(T.token, `Leaderless ${uniq()}`);
    const u = await createUser(T.token, 'finance');
    expectProblem(
      await api('PATCH', `/v1/teams/${team.id}`, { token: T.token, body: { leader_id: u.id }, headers: ifMatch(team) }),
      422,
      { field: 'leader_id' },
    );
  });

  test('only an admin creates teams', async () => {
    expectProblem(await api('POST', '/v1/teams', { token: manager.token, body: { name: `T ${uniq()}` } }), 403);
    expectProblem(await api('POST', '/v1/teams', { token: sales.token, body: { name: `T ${uniq()}` } }), 403);
  });

  test('users join a team through team_id and the team_id filter lists its members', async () => {
    const team = await createTeam(T.token, `Members ${uniq()}`, manager.user.id);
    const a = await createUser(T.token, 'sales', { team_id: team.id });
    const b = await createUser(T.token, 'sales');
    assert.equal(a.team_id, team.id);
    const joined = expectStatus(
      await api('PATCH', `/v1/users/${b.id}`, { token: T.token, body: { team_id: team.id }, headers: ifMatch(b) }),
      200,
    );
    assert.equal(joined.body.team_id, team.id);
    const members = await listAll(`/v1/users${qs({ team_id: team.id })}`, T.token);
    assert.deepEqual(new Set(ids(members)), new Set([a.id, b.id]));
  });

  test('PATCH team needs If-Match (428), refuses a stale one (412, unchanged), accepts the current one', async () => {
    const team = await createTeam(T.token, `Concurrency ${uniq()}`);
    const path = `/v1/teams/${team.id}`;
    expectProblem(await api('PATCH', path, { token: T.token, body: { name: 'Renamed' } }), 428);
    expectProblem(
      await api('PATCH', path, { token: T.token, body: { name: 'Renamed' }, headers: ifMatch(etag(team.version + 7)) }),
      412,
    );
    const still = expectStatus(await api('GET', path, { token: T.token }), 200);
    assert.equal(still.body.name, team.name, 'unchanged after 412');
    assert.equal(still.headers.get('etag'), etag(team.version));

    const ok = expectStatus(
      await api('PATCH', path, { token: T.token, body: { name: 'Renamed', leader_id: manager.user.id }, headers: ifMatch(team) }),
      200,
    );
    assert.equal(ok.body.name, 'Renamed');
    assert.equal(ok.body.leader_id, manager.user.id);
    assert.equal(ok.headers.get('etag'), etag(ok.body.version));
    assert.notEqual(ok.body.version, team.version);
    expectProblem(await api('PATCH', path, { token: T.token, body: { name: 'Stale' }, headers: ifMatch(team) }), 412);
  });

  test('DELETE team needs If-Match and soft-deletes: later GET is 404 and the list omits it', async () => {
    const team = await createTeam(T.token, `Doomed ${uniq()}`);
    const path = `/v1/teams/${team.id}`;
    expectProblem(await api('DELETE', path, { token: T.token }), 428);
    expectProblem(await api('DELETE', path, { token: manager.token, headers: ifMatch(team) }), 403);
    expectStatus(await api('DELETE', path, { token: T.token, headers: ifMatch(team) }), 204);
    expectProblem(await api('GET', path, { token: T.token }), 404);
    assert.ok(!ids(await listAll('/v1/teams', T.token)).includes(team.id));
  });
});
