// ops.test.mjs: what operators rely on — health and readiness probes, the
// Prometheus metrics, request ids, and honest answers for unknown routes.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, expectStatus, expectProblem, uniq } from './lib/client.mjs';
import { checkResponse } from './lib/spec.mjs';

let T;

before(async () => {
  T = await signup();
});

/** Sum of every sample of a counter in Prometheus text. */
function counterSum(text, name) {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/);
    if (m && m[1] === name) {
      sum += Number(m[3]);
      found = true;
    }
  }
  return found ? sum : null;
}

describe('probes', () => {
  test('GET /healthz is 200 {"status":"ok"} without a token', async () => {
    const r = expectStatus(await api('GET', '/healthz'), 200);
    assert.deepEqual(r.body, { status: 'ok' });
  });

  test('GET /readyz is 200 {"status":"ready"} while the database is up', async () => {
    const r = expectStatus(await api('GET', '/readyz'), 200);
    assert.deepEqual(r.body, { status: 'ready' });
  });

  test('GET /v1/ping answers without a token', async () => {
    const r = expectStatus(await api('GET', '/v1/ping'), 200);
    assert.deepEqual(r.body, { pong: true });
  });
});

describe('metrics', () => {
  test('Prometheus text with request counters that count, and a latency histogram', async () => {
    const before = expectStatus(await api('GET', '/metrics'), 200);
    assert.match(before.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(before.text, /^# TYPE crm_http_requests_total counter$/m);
    assert.match(before.text, /^crm_http_requests_total\{[^}]*status="200"[^}]*\} \d+/m);
    assert.match(before.text, /^# TYPE crm_http_request_duration_seconds histogram$/m);
    assert.match(before.text, /^crm_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d+/m);
    assert.match(before.text, /^crm_db_reconnects_total(\{[^}]*\})? \d+/m);
    const n0 = counterSum(before.text, 'crm_http_requests_total');

    for (let i = 0; i < 5; i++) expectStatus(await api('GET', '/v1/me', { token: T.token }), 200);
    const after = expectStatus(await api('GET', '/metrics'), 200);
    const n1 = counterSum(after.text, 'crm_http_requests_total');
    assert.ok(n1 >= n0 + 5, `crm_http_requests_total grew from ${n0} to ${n1} after 5 requests`);
  });
});

describe('request ids', () => {
  test('X-Request-Id is echoed when sent', async () => {
    const id = `test-${uniq()}`;
    const r = expectStatus(await api('GET', '/v1/me', { token: T.token, headers: { 'x-request-id': id } }), 200);
    assert.equal(r.headers.get('x-request-id'), id);
    const err = await api('GET', '/v1/me', { headers: { 'x-request-id': id } });
    expectProblem(err, 401);
    assert.equal(err.headers.get('x-request-id'), id, 'also on errors');
  });

  test('X-Request-Id is generated, different for each request, when not sent', async () => {
    const a = expectStatus(await api('GET', '/healthz'), 200).headers.get('x-request-id');
    const b = expectStatus(await api('GET', '/healthz'), 200).headers.get('x-request-id');
    assert.ok(a && a.length >= 8, `generated id ${a}`);
    assert.ok(b && b !== a, 'a new id per request');
    const err = await api('GET', '/v1/me');
    assert.ok(err.headers.get('x-request-id'), 'errors carry one too');
  });
});

describe('unknown routes', () => {
  test('an unknown path is 404 application/problem+json with a request id', async () => {
    // Other paths are the web app's when it is served (tests/api/web_static.test.mjs).
    for (const p of ['/v1/no-such-thing', '/healthz/nothing-here', '/v1/customers/x/y/z']) {
      const r = await api('GET', p, { token: T.token, validate: false });
      expectProblem(r, 404);
      assert.ok(r.headers.get('x-request-id'));
      // Shaped like any other documented 404.
      checkResponse('GET', p, r, { template: '/v1/customers/{id}', docMethod: 'GET' });
    }
  });

  test('a known path with an unsupported method is 405 problem+json', async () => {
    const r = await api('PUT', '/v1/customers', { token: T.token, body: { name: 'x' }, validate: false });
    expectProblem(r, 405);
    assert.ok(r.headers.get('allow'), '405 says which methods are allowed');
  });
});
