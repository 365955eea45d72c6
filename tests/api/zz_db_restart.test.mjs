// zz_db_restart.test.mjs (runs last): while PostgreSQL is down the API answers
// 503 with Retry-After instead of hanging or crashing, and it serves again by
// itself once the database is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { api, signup, createCustomer, expectStatus, expectProblem, sleep } from './lib/client.mjs';

const STOP = process.env.CRM_TEST_PG_STOP;
const START = process.env.CRM_TEST_PG_START;

let T;
let customer;
let stopped = false;

function run(cmd, what) {
  assert.ok(cmd, `${what} command (CRM_TEST_PG_${what.toUpperCase()}) must be set`);
  execSync(cmd, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60000 });
}

before(async () => {
  T = await signup();
  customer = await createCustomer(T.token, { name: 'Survives a restart', credit_limit: '100.00' });
});

after(() => {
  // Never leave the database down for whatever runs after the tests.
  if (stopped) run(START, 'start');
});

test('database down: 503 with Retry-After; back up: the same answer as before', { timeout: 120000 }, async () => {
  const p = `/v1/customers/${customer.id}`;
  const before = expectStatus(await api('GET', p, { token: T.token }), 200);

  run(STOP, 'stop');
  stopped = true;

  // Several requests, so that more than one worker's connection is exercised.
  for (let i = 0; i < 6; i++) {
    const r = await api('GET', p, { token: T.token });
    expectProblem(r, 503);
    const retry = r.headers.get('retry-after');
    assert.match(retry ?? '', /^\d+$/, `503 carries Retry-After in seconds, got ${retry}`);
    assert.ok(!/postgres|libpq|connection to server|SQLSTATE/i.test(r.text), `no database internals leak: ${r.text}`);
  }
  expectStatus(await api('GET', '/healthz'), 200, 'the process is up');
  expectProblem(await api('GET', '/readyz'), 503);

  run(START, 'start');
  stopped = false;

  // Poll until the read succeeds, within 20 s of the database starting.
  const deadline = Date.now() + 20000;
  for (;;) {
    const r = await api('GET', p, { token: T.token });
    if (r.status === 200) {
      assert.equal(r.text, before.text, 'same body as before the outage');
      assert.equal(r.headers.get('etag'), before.headers.get('etag'));
      break;
    }
    expectProblem(r, 503); // while recovering: 503, never a 500
    assert.ok(Date.now() < deadline, 'service did not resume within 20 s of the database starting');
    await sleep(250);
  }

  // From then on every worker serves: bursts of concurrent requests reach all
  // of them, including any whose connection broke while nobody used it.
  await sleep(500);
  for (let round = 0; round < 3; round++) {
    const burst = await Promise.all(Array.from({ length: 16 }, () => api('GET', p, { token: T.token })));
    const bad = burst.filter((r) => r.status !== 200 || r.text !== before.text);
    assert.equal(
      bad.length,
      0,
      `after recovery, round ${round}: ${bad.length}/16 requests failed, e.g. ${bad[0]?.status} ${bad[0]?.text.slice(0, 200)}`,
    );
  }

  // Writes work again too.
  await createCustomer(T.token, { name: 'Written after the restart' });
  expectStatus(await api('GET', '/readyz'), 200);
  const metrics = expectStatus(await api('GET', '/metrics'), 200).text;
  const m = metrics.match(/^crm_db_reconnects_total(?:\{[^}]*\})? (\S+)/m);
  assert.ok(m && Number(m[1]) >= 1, `crm_db_reconnects_total counts the reconnect: ${m?.[0]}`);
});
