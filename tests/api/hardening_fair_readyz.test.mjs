// hardening_fair_readyz.test.mjs: with PostgreSQL frozen (its processes
// stopped: the sockets stay open and nothing answers), /readyz answers 503
// within a second instead of hanging, a request that needs the database
// gets a 503 instead of holding its worker for good, and both serve again by
// themselves once PostgreSQL runs again. On a server of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, startServer, whileFrozen } from './lib/fair.mjs';
import { signup } from './lib/client.mjs';

const PORT = 18122;
let server;
let T;

before(async () => {
  // One worker: every request below meets the connection the previous one left.
  server = await startServer(PORT, { CRM_THREADS: '1' });
  T = await signup();
});

after(async () => {
  await server?.stop();
});

function expectUnavailable(r, what) {
  assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, `${what}: Retry-After`);
  assert.doesNotMatch(r.text, /postgres|libpq|SQLSTATE/i, `${what}: no database internals`);
}

test('PostgreSQL frozen: /readyz says 503 within a second, every time; thawed: ready again', { timeout: 90000 }, async () => {
  assert.equal((await call(server.base, 'GET', '/readyz')).status, 200, 'ready before');
  await whileFrozen(async () => {
    // The first meets the open connection, the next ones a new connection that never gets an answer.
    for (let i = 0; i < 3; i++) {
      const r = await call(server.base, 'GET', '/readyz', { timeout: 5000 });
      expectUnavailable(r, `readyz ${i + 1}`);
      assert.ok(r.ms < 1000, `readyz ${i + 1} answered within 1 s, took ${Math.round(r.ms)} ms`);
    }
    // A request that needs the database does not hang either (it waits past
    // the role's 5 s statement timeout, then lets go).
    const me = await call(server.base, 'GET', '/v1/me', { token: T.token, timeout: 20000 });
    expectUnavailable(me, 'GET /v1/me');
    assert.ok(me.ms < 15000, `GET /v1/me gave up within 15 s, took ${Math.round(me.ms)} ms`);
  });
  const deadline = Date.now() + 10000;
  for (;;) {
    const r = await call(server.base, 'GET', '/readyz');
    if (r.status === 200) break;
    expectUnavailable(r, 'readyz while recovering');
    assert.ok(Date.now() < deadline, 'ready again within 10 s of PostgreSQL running again');
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal((await call(server.base, 'GET', '/v1/me', { token: T.token })).status, 200, 'and serving');
});
