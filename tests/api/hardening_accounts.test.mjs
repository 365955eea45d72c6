// hardening_accounts.test.mjs: a token stops working the moment its user does
// (deactivated, demoted, password changed), forged-but-signed tokens that name
// someone else or live too long are refused, one's own password is changed only
// with the current one, e-mail addresses have one form for sign-in and its
// limit, sign-in and sign-up are limited per client address, guessable
// passwords are refused, and an organization keeps an active admin.
// The per-address limits are tested on servers of this file's own (ports
// 18132-18139), reached from addresses of the loopback range of their own.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  api, expectStatus, expectProblem, signup, addUser, createUser, login, refresh, tokenRequest, ifMatch, uniq, sleep,
  decodeJwt, PASSWORD,
} from './lib/client.mjs';
import { checkResponse } from './lib/spec.mjs';
import { serverPrivateKey, signRS256, nowSeconds } from './lib/jwt.mjs';

// How long a change may take to reach a token: the server caches a user's
// standing for 2 s; polled up to 4 s to stay clear of a loaded machine.
const WITHIN_MS = 4000;

/** Poll `probe` (returning a response) until `done(res)` or WITHIN_MS; returns the last response and the time. */
async function until(probe, done) {
  const started = Date.now();
  let res;
  for (;;) {
    res = await probe();
    if (done(res) || Date.now() - started > WITHIN_MS) return { res, ms: Date.now() - started };
    await sleep(100);
  }
}

async function current(token, id) {
  return expectStatus(await api('GET', `/v1/users/${id}`, { token }), 200, 'read user').body;
}

describe('a token stops working with its user', () => {
  let T;
  before(async () => {
    T = await signup();
  });

  test('deactivating a user makes their access token answer 401 within the bound', async () => {
    const u = await addUser(T, 'sales');
    expectStatus(await api('POST', '/v1/customers?confirm_duplicate=true', { token: u.token, body: { name: `Before ${uniq()}` } }), 201);
    expectStatus(await api('DELETE', `/v1/users/${u.user.id}`, { token: T.token, headers: ifMatch(u.user) }), 204);
    const { res, ms } = await until(
      () => api('POST', '/v1/customers?confirm_duplicate=true', { token: u.token, body: { name: `After ${uniq()}` } }),
      (r) => r.status === 401,
    );
    expectProblem(res, 401);
    assert.ok(ms <= WITHIN_MS, `401 after ${ms} ms`);
    expectProblem(await api('GET', '/v1/me', { token: u.token }), 401);
  });

  test('a demoted manager loses the manager role at once: the old token 401, a refreshed one is sales', async () => {
    const m = await addUser(T, 'manager');
    expectStatus(await api('GET', '/v1/users', { token: m.token }), 200, 'a manager lists users');
    expectStatus(await api('PATCH', `/v1/users/${m.user.id}`, { token: T.token, body: { role: 'sales' }, headers: ifMatch(m.user) }), 200);
    const { res } = await until(() => api('GET', '/v1/users', { token: m.token }), (r) => r.status !== 200);
    expectProblem(res, 401);
    expectProblem(await api('POST', '/v1/products', { token: m.token, body: { sku: uniq('S-'), name: 'Nope', unit_price: '1.00' } }), 401);
    const again = expectStatus(await refresh(m.refresh), 200, 'refresh after demotion');
    assert.equal(decodeJwt(again.body.access_token).payload.role, 'sales');
    expectProblem(await api('GET', '/v1/users', { token: again.body.access_token }), 403);
  });

  test('an admin resetting a password ends the user\'s access tokens', async () => {
    const u = await addUser(T, 'sales');
    const fresh = await current(T.token, u.user.id);
    expectStatus(await api('PATCH', `/v1/users/${u.user.id}`, { token: T.token, body: { password: 'plum orchard 42 evenings' }, headers: ifMatch(fresh) }), 200);
    const { res } = await until(() => api('GET', '/v1/me', { token: u.token }), (r) => r.status === 401);
    expectProblem(res, 401);
    await login(T.slug, u.email, 'plum orchard 42 evenings');
  });
});

describe('signed tokens that name someone else or live too long are refused', () => {
  let T, B, S, claims, kid, key;
  before(async () => {
    T = await signup();
    B = await signup();
    S = await addUser(T, 'sales');
    ({ payload: claims, header: { kid } } = decodeJwt(S.token));
    key = serverPrivateKey();
  });
  const forge = (over) => {
    const now = nowSeconds();
    return signRS256({ kid }, { ...claims, iat: now, nbf: now, exp: now + 300, ...over }, key);
  };

  test('control: the real claims, re-signed, are accepted', async () => {
    const r = expectStatus(await api('GET', '/v1/me', { token: forge({}) }), 200);
    assert.equal(r.body.user.id, S.user.id);
  });

  test('a user that does not exist', async () => {
    expectProblem(await api('GET', '/v1/me', { token: forge({ sub: '00000000-0000-4000-8000-000000000001' }) }), 401);
  });

  test('a user of another tenant, with either tenant', async () => {
    expectProblem(await api('GET', '/v1/me', { token: forge({ sub: B.user.id }) }), 401);
    expectProblem(await api('GET', '/v1/customers', { token: forge({ tid: B.tenant.id }) }), 401);
  });

  test('a role the user does not have', async () => {
    expectProblem(await api('GET', '/v1/users', { token: forge({ role: 'admin' }) }), 401);
    expectProblem(await api('GET', '/v1/audit-log?entity=customers', { token: forge({ role: 'admin' }) }), 401);
  });

  test('an exp a century away, or longer than the configured lifetime', async () => {
    const now = nowSeconds();
    expectProblem(await api('GET', '/v1/me', { token: forge({ exp: now + 100 * 365 * 86400 }) }), 401);
    expectProblem(await api('GET', '/v1/me', { token: forge({ exp: now + 901 }) }), 401);
  });

  test('an iat in the future (which would stretch the cap)', async () => {
    const later = nowSeconds() + 10 * 365 * 86400;
    expectProblem(await api('GET', '/v1/me', { token: forge({ iat: later, nbf: nowSeconds(), exp: later + 300 }) }), 401);
  });

  test('a version the user is not at, or none', async () => {
    expectProblem(await api('GET', '/v1/me', { token: forge({ ver: claims.ver + 1 }) }), 401);
    const { ver, ...rest } = claims;
    const now = nowSeconds();
    expectProblem(await api('GET', '/v1/me', { token: signRS256({ kid }, { ...rest, iat: now, nbf: now, exp: now + 300 }, key) }), 401);
  });
});

describe('changing one\'s own password', () => {
  let T, u;
  before(async () => {
    T = await signup();
    u = await addUser(T, 'sales');
  });

  test('PATCH of one\'s own password is refused: it needs the current one', async () => {
    const me = await current(u.token, u.user.id);
    expectProblem(await api('PATCH', `/v1/users/${u.user.id}`, { token: u.token, body: { password: 'plum orchard 42 evenings' }, headers: ifMatch(me) }), 422, { field: 'password' });
    const admin = await current(T.token, T.user.id);
    expectProblem(await api('PATCH', `/v1/users/${T.user.id}`, { token: T.token, body: { password: 'plum orchard 42 evenings' }, headers: ifMatch(admin) }), 422, { field: 'password' });
    await login(T.slug, u.email, PASSWORD);
  });

  test('a wrong current password is refused and changes nothing', async () => {
    expectProblem(await api('POST', '/v1/me/password', { token: u.token, body: { current_password: 'not-the-password-1', new_password: 'plum orchard 42 evenings' } }), 422, { field: 'current_password', code: 'mismatch' });
    expectStatus(await api('GET', '/v1/me', { token: u.token }), 200);
    await login(T.slug, u.email, PASSWORD);
  });

  test('a guessable or unchanged new password is refused', async () => {
    for (const weak of ['aaaaaaaaaa', '1234567890', '          ', 'password123']) {
      expectProblem(await api('POST', '/v1/me/password', { token: u.token, body: { current_password: PASSWORD, new_password: weak } }), 422, { field: 'new_password' });
    }
    expectProblem(await api('POST', '/v1/me/password', { token: u.token, body: { current_password: PASSWORD, new_password: PASSWORD } }), 422, { field: 'new_password', code: 'reused' });
  });

  test('the change ends every earlier token, refresh and access alike; the tokens it answers and a new sign-in work', async () => {
    // A token minted just before the change, in the same second as likely as not.
    const before = await login(T.slug, u.email, PASSWORD);
    const r = expectStatus(await api('POST', '/v1/me/password', { token: u.token, body: { current_password: PASSWORD, new_password: 'plum orchard 42 evenings' } }), 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    // And one minted just after: same second again, and it must work.
    const after = await login(T.slug, u.email, 'plum orchard 42 evenings');
    for (const old of [u.token, before.token]) {
      const { res } = await until(() => api('GET', '/v1/me', { token: old }), (x) => x.status === 401);
      expectProblem(res, 401);
    }
    for (const old of [u.refresh, before.refresh]) expectProblem(await refresh(old), 401);
    expectStatus(await api('GET', '/v1/me', { token: r.body.access_token }), 200, 'the answer\'s token');
    expectStatus(await api('GET', '/v1/me', { token: after.token }), 200, 'a sign-in after the change');
    expectStatus(await refresh(r.body.refresh_token), 200, 'the answer\'s refresh token');
    expectStatus(await tokenRequest({ grant_type: 'password', tenant: T.slug, email: u.email, password: PASSWORD }), 401);
  });
});

describe('e-mail addresses have one form', () => {
  let T;
  before(async () => {
    T = await signup();
  });

  test('an address is stored as it is looked up: case folded', async () => {
    const local = uniq('Mixed-Case-');
    const r = expectStatus(await api('POST', '/v1/users', { token: T.token, body: { email: `${local}@Example.COM`, name: 'M', role: 'sales', password: PASSWORD } }), 201);
    assert.equal(r.body.email, `${local.toLowerCase()}@example.com`);
    await login(T.slug, `${local.toUpperCase()}@EXAMPLE.com`, PASSWORD);
  });

  test('KELVIN SIGN for k signs in as k, and counts against the same limit', async () => {
    const rate = Number(process.env.CRM_TEST_TOKEN_RATE ?? 20);
    const local = uniq('kelvin-');
    const u = await createUser(T.token, 'sales', { email: `${local}@example.com` });
    const kelvin = `\u212A${local.slice(1)}@example.com`;
    const r = await login(T.slug, kelvin, PASSWORD);
    assert.equal(decodeJwt(r.token).payload.sub, u.id);
    // The limit of one account, whichever way its address is spelt.
    const spellings = [`${local}@example.com`, kelvin, kelvin.toUpperCase(), `\uFF4B${local.slice(1)}@example.com`];
    let limited = null;
    for (let i = 0; i < rate + 2 && !limited; i++) {
      const res = await tokenRequest({ grant_type: 'password', tenant: T.slug, email: spellings[i % spellings.length], password: 'wrong-password-9x' });
      if (res.status === 429) limited = i;
      else expectStatus(res, 401);
    }
    assert.ok(limited !== null && limited <= rate, `429 within ${rate} attempts over the spellings, got it at ${limited}`);
    expectProblem(await tokenRequest({ grant_type: 'password', tenant: T.slug, email: kelvin, password: PASSWORD }), 429);
  });
});

describe('guessable passwords are refused where a password is set', () => {
  let T;
  before(async () => {
    T = await signup();
  });
  const WEAK = ['aaaaaaaaaa', '1234567890', '          ', 'password123', 'qwertyuiop', 'abcdefghij'];

  test('at sign-up', async () => {
    for (const password of WEAK) {
      const r = expectProblem(await api('POST', '/v1/signup', { body: { organization: `Weak ${uniq()}`, name: 'W', email: `${uniq('w-')}@example.com`, password } }), 422, { field: 'password', code: 'weak' });
      assert.match(r.body.errors[0].message, /guess/);
    }
  });

  test('when an admin adds a user, or resets a password', async () => {
    for (const password of WEAK) {
      expectProblem(await api('POST', '/v1/users', { token: T.token, body: { email: `${uniq('w-')}@example.com`, name: 'W', role: 'sales', password } }), 422, { field: 'password', code: 'weak' });
    }
    const u = await createUser(T.token, 'sales');
    expectProblem(await api('PATCH', `/v1/users/${u.id}`, { token: T.token, body: { password: 'password123' }, headers: ifMatch(u) }), 422, { field: 'password', code: 'weak' });
  });

  test('a password holding the user\'s own name', async () => {
    const local = uniq('zebulon');
    expectProblem(await api('POST', '/v1/users', { token: T.token, body: { email: `${local}@example.com`, name: 'Z', role: 'sales', password: `${local}-2026!` } }), 422, { field: 'password', code: 'weak' });
  });

  test('long unrelated words pass, without rules on kinds of characters', async () => {
    await createUser(T.token, 'sales', { password: 'copper kettle under rain' });
    await createUser(T.token, 'sales', { password: 'vexing quartz lemon drift' });
  });
});

describe('an organization keeps an active admin', () => {
  test('the only admin can neither demote themselves nor be deactivated', async () => {
    const T = await signup();
    const me = await current(T.token, T.user.id);
    const r = expectProblem(await api('PATCH', `/v1/users/${T.user.id}`, { token: T.token, body: { role: 'manager' }, headers: ifMatch(me) }), 409);
    assert.equal(r.body.errors?.[0]?.field, 'role');
    assert.equal(r.body.errors?.[0]?.code, 'last_admin');
    expectStatus(await api('GET', '/v1/users', { token: T.token }), 200, 'still admin');
    assert.equal((await current(T.token, T.user.id)).version, me.version, 'nothing changed');
  });

  test('with two admins one may go, the last one may not', async () => {
    const T = await signup();
    const second = await addUser(T, 'admin');
    expectStatus(await api('PATCH', `/v1/users/${T.user.id}`, { token: second.token, body: { role: 'manager' }, headers: ifMatch(await current(T.token, T.user.id)) }), 200);
    const r = expectProblem(await api('PATCH', `/v1/users/${second.user.id}`, { token: second.token, body: { role: 'finance', name: 'x' }, headers: ifMatch(await current(second.token, second.user.id)) }), 409);
    assert.equal(r.body.errors?.[0]?.field, 'role');
    assert.equal((await current(second.token, second.user.id)).name, second.user.name, 'nothing of the patch was written');
    const third = await addUser({ ...T, token: second.token }, 'admin');
    const victim = await current(third.token, second.user.id);
    expectStatus(await api('DELETE', `/v1/users/${second.user.id}`, { token: third.token, headers: ifMatch(victim) }), 204);
    expectProblem(await api('PATCH', `/v1/users/${third.user.id}`, { token: third.token, body: { role: 'sales' }, headers: ifMatch(await current(third.token, third.user.id)) }), 409);
  });

  test('two admins demoting each other at once leave one admin', { timeout: 120000 }, async () => {
    for (let round = 0; round < 6; round++) {
      const T = await signup();
      const B = await addUser(T, 'admin');
      const a = await current(T.token, T.user.id);
      const b = await current(T.token, B.user.id);
      // Odd rounds deactivate each other instead.
      const [x, y] = await Promise.all(round % 2
        ? [api('DELETE', `/v1/users/${B.user.id}`, { token: T.token, headers: ifMatch(b) }),
          api('DELETE', `/v1/users/${T.user.id}`, { token: B.token, headers: ifMatch(a) })]
        : [api('PATCH', `/v1/users/${B.user.id}`, { token: T.token, body: { role: 'sales' }, headers: ifMatch(b) }),
          api('PATCH', `/v1/users/${T.user.id}`, { token: B.token, body: { role: 'sales' }, headers: ifMatch(a) })]);
      // One wins; the other is refused as the last admin, or (its token already
      // describing a demoted user) as unauthenticated.
      const statuses = [x.status, y.status].sort();
      const won = (s) => s === 200 || s === 204;
      assert.equal(statuses.filter(won).length, 1, `round ${round}: ${statuses}`);
      assert.ok(statuses.every((s) => won(s) || s === 401 || s === 409), `round ${round}: ${statuses}`);
      const winner = won(x.status) ? T : B;
      const fresh = await login(T.slug, winner.email, PASSWORD);
      const admins = expectStatus(await api('GET', '/v1/users?role=admin&active=true', { token: fresh.token }), 200).body.data;
      assert.equal(admins.length, 1, `round ${round}: one admin left`);
    }
  });
});

// --- limits per client address, on servers of their own ------------------------

const BINARY = process.env.CRM_TEST_BINARY ?? fileURLToPath(new URL('../../build-test/crm-server', import.meta.url));
const APP_DB = process.env.CRM_TEST_APP_DB;
const DATA_DIR = process.env.CRM_TEST_KEYS_DIR ? dirname(process.env.CRM_TEST_KEYS_DIR) : undefined;
let nextPort = 18132;

/** A loopback address of its own (127.x.y.z), so the attempts it makes are counted apart. */
function ownAddress() {
  const r = () => 1 + Math.floor(Math.random() * 250);
  return `127.${r()}.${r()}.${r()}`;
}

async function startServer(env) {
  assert.ok(APP_DB && DATA_DIR, 'CRM_TEST_APP_DB and CRM_TEST_KEYS_DIR must be set (scripts/test.sh sets them)');
  const port = nextPort++;
  assert.ok(port <= 18139, 'this file uses ports 18132-18139');
  const child = spawn(BINARY, ['serve'], {
    env: { ...process.env, CRM_DATABASE_URL: APP_DB, CRM_DATA_DIR: DATA_DIR, CRM_BIND: '127.0.0.1', CRM_PORT: String(port), CRM_SWEEP_SECONDS: '300', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  for (let i = 0; i < 100; i++) {
    try {
      const r = await send({ port }, 'GET', '/healthz');
      if (r.status === 200) return { port, child, exited, stderr: () => stderr };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  assert.fail(`the server on ${port} did not start: ${stderr}`);
}

async function stopServer(s) {
  if (!s) return;
  s.child.kill('SIGTERM');
  const { code, stderr } = await s.exited;
  assert.equal(code, 0, `the server exits cleanly: ${stderr.slice(-500)}`);
  assert.doesNotMatch(stderr, /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/);
}

/** One request to a server of this file, from `from` (a loopback address); checked against the spec. */
function send({ port, from }, method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { connection: 'close', ...(payload ? { 'content-type': 'application/json' } : {}) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, localAddress: from }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const ct = String(res.headers['content-type'] ?? '');
        const out = {
          status: res.statusCode,
          headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
          body: /json/.test(ct) && text ? JSON.parse(text) : text,
          text,
        };
        try {
          checkResponse(method, path, out);
          resolve(out);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    if (payload) req.write(payload);
    req.end();
  });
}

describe('limits per client address', () => {
  let server;
  let T;
  before(async () => {
    T = await signup();
    server = await startServer({ CRM_TOKEN_ADDRESS_RATE: '6', CRM_SIGNUP_RATE: '3', CRM_TOKEN_RATE: '1000' });
  });
  after(async () => {
    await stopServer(server);
  });

  test('password spraying: attempts over many accounts from one address get 429, another address does not', async () => {
    const from = ownAddress();
    const statuses = [];
    for (let i = 0; i < 9; i++) {
      const r = await send({ port: server.port, from }, 'POST', '/v1/auth/token', { grant_type: 'password', tenant: T.slug, email: `${uniq('spray-')}@example.com`, password: 'Winter2026!x' });
      statuses.push(r.status);
      if (r.status === 429) {
        assert.match(r.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
        assert.match(r.body.detail, /address/);
      }
    }
    assert.deepEqual(statuses.slice(0, 6), [401, 401, 401, 401, 401, 401], `the first six are answered: ${statuses}`);
    assert.deepEqual(statuses.slice(6), [429, 429, 429], `then refused: ${statuses}`);
    // The right password from the limited address is refused too (no oracle) ...
    const right = await send({ port: server.port, from }, 'POST', '/v1/auth/token', { grant_type: 'password', tenant: T.slug, email: T.email, password: PASSWORD });
    assert.equal(right.status, 429);
    // ... and another address signs in.
    const other = await send({ port: server.port, from: ownAddress() }, 'POST', '/v1/auth/token', { grant_type: 'password', tenant: T.slug, email: T.email, password: PASSWORD });
    assert.equal(other.status, 200);
  });

  test('sign-up: beyond the limit per address, 429 and nothing created', async () => {
    const from = ownAddress();
    const orgs = [];
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const org = `Limited ${uniq()}`;
      orgs.push(org);
      const r = await send({ port: server.port, from }, 'POST', '/v1/signup', { organization: org, name: 'S', email: `${uniq('s-')}@example.com`, password: PASSWORD });
      statuses.push(r.status);
      if (r.status === 429) assert.match(r.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    }
    assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
    const ok = await send({ port: server.port, from: ownAddress() }, 'POST', '/v1/signup', { organization: `Elsewhere ${uniq()}`, name: 'S', email: `${uniq('s-')}@example.com`, password: PASSWORD });
    assert.equal(ok.status, 201);
  });
});
