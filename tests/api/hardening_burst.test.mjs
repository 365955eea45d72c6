// hardening_burst.test.mjs: a burst of expensive requests (password sign-ins,
// PDF renderings) must not stall the cheap ones. The server runs a few worker
// threads that each serve many connections; a worker that blocks — hashing a
// password, rendering a PDF, or waiting for its turn to — holds up every other
// connection it serves. Plain GETs during the burst, over fresh and over
// kept-alive connections, must keep answering promptly, and every sign-in of
// the burst must get a documented answer (401 here, or 503 with Retry-After
// when the server is at its hashing capacity).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { BASE, api, signup, uniq, expectStatus, createCustomer } from './lib/client.mjs';
import { checkResponse } from './lib/spec.mjs';

const URL_BASE = new URL(BASE);
// Generous: a plain GET takes a millisecond; the old server held them for seconds.
const SLOWEST_GET_MS = 1000;

let T;

before(async () => {
  T = await signup();
});

/** One request with node:http (so the connection is ours to choose); resolves
 * { status, headers (Headers), body, text, ms }, checked against the spec
 * unless `validate` is false (then check() it later). */
function request(method, path, { agent = false, token, body, headers = {}, validate = true } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const h = { ...headers };
  if (payload !== undefined) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  if (agent === false) h.connection = 'close';
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: URL_BASE.hostname, port: URL_BASE.port, path, method, headers: h, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          const ct = String(res.headers['content-type'] ?? '');
          const text = /json/.test(ct) ? buf.toString('utf8') : buf.toString('latin1');
          const out = {
            status: res.statusCode,
            headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
            body: /json/.test(ct) && text ? JSON.parse(text) : text,
            text,
            ms: performance.now() - started,
            check: () => checkResponse(method, path, out),
          };
          try {
            if (validate) out.check();
          } catch (err) {
            reject(err);
            return;
          }
          resolve(out);
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(60000, () => req.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Plain GETs, over fresh connections and over `agent`'s kept-alive ones,
 * every `every` ms until `done()`; resolves every latency seen. */
async function probe(agent, keepAliveCount, done, every = 40) {
  const fresh = [];
  const kept = [];
  const loops = [];
  loops.push((async () => {
    while (!done()) {
      const r = await request('GET', '/healthz');
      expectStatus(r, 200, 'GET /healthz during the burst');
      fresh.push(r.ms);
      await new Promise((res) => setTimeout(res, every));
    }
  })());
  for (let i = 0; i < keepAliveCount; i++) {
    loops.push((async () => {
      while (!done()) {
        const r = await request('GET', '/v1/me', { agent, token: T.token });
        expectStatus(r, 200, 'GET /v1/me during the burst');
        kept.push(r.ms);
        await new Promise((res) => setTimeout(res, every));
      }
    })());
  }
  await Promise.all(loops);
  return { fresh, kept };
}

/** Open `n` kept-alive connections at once (so they spread over the server's threads). */
async function warm(agent, n) {
  await Promise.all(Array.from({ length: n }, () => request('GET', '/v1/me', { agent, token: T.token })));
}

const slowest = (xs) => Math.round(Math.max(0, ...xs));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)] ?? 0);
};

/** Run `burst` (an array of request thunks, all at once) while probing; returns
 * both. The burst's answers are checked against the spec once it is over, so
 * that checking them does not hold up this process's own timing of the GETs. */
async function duringBurst(burst) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    await warm(agent, 8);
    let finished = false;
    const started = performance.now();
    const answers = Promise.all(burst.map((send) => send())).finally(() => {
      finished = true;
    });
    const [results, latencies] = await Promise.all([answers, probe(agent, 8, () => finished)]);
    const burstMs = Math.round(performance.now() - started);
    for (const r of results) r.check();
    return { results, latencies, burstMs };
  } finally {
    agent.destroy();
  }
}

describe('a burst of sign-ins', () => {
  test('plain GETs keep answering within a second during 48 concurrent password sign-ins', { timeout: 120000 }, async () => {
    // Unknown users cost a full hash too (the server verifies against a decoy,
    // so timing tells nothing), and distinct names stay clear of the per-user
    // attempt limit.
    const burst = Array.from({ length: 48 }, () => () =>
      request('POST', '/v1/auth/token', {
        body: { grant_type: 'password', tenant: T.slug, email: `${uniq('nobody-')}@example.com`, password: 'wrong-password-1' },
        validate: false,
      }));
    const { results, latencies, burstMs } = await duringBurst(burst);

    const statuses = {};
    for (const r of results) {
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      assert.ok([401, 503].includes(r.status), `a sign-in answered ${r.status}: ${r.text.slice(0, 300)}`);
      if (r.status === 503) {
        assert.match(r.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/, '503 says when to retry');
        assert.equal(r.body.type, 'https://crm.example/problems/unavailable');
      }
    }
    const report = `burst ${burstMs} ms (${JSON.stringify(statuses)}); fresh GETs: ${latencies.fresh.length}, ` +
      `median ${median(latencies.fresh)} ms, slowest ${slowest(latencies.fresh)} ms; kept-alive GETs: ` +
      `${latencies.kept.length}, median ${median(latencies.kept)} ms, slowest ${slowest(latencies.kept)} ms`;
    console.log(`# ${report}`);
    assert.ok(latencies.fresh.length > 0 && latencies.kept.length > 0, `GETs were made during the burst: ${report}`);
    assert.ok(slowest(latencies.fresh) < SLOWEST_GET_MS, `fresh-connection GETs stalled: ${report}`);
    assert.ok(slowest(latencies.kept) < SLOWEST_GET_MS, `kept-alive GETs stalled: ${report}`);
  });

  test('once the burst is over (Retry-After), a sign-in with the right password succeeds', async () => {
    await new Promise((res) => setTimeout(res, 1100));
    const r = await request('POST', '/v1/auth/token', {
      body: { grant_type: 'password', tenant: T.slug, email: T.email, password: T.password },
    });
    expectStatus(r, 200, 'sign-in after the burst');
  });
});

describe('a burst of PDF prints', () => {
  let Q;

  before(async () => {
    const C = await createCustomer(T.token, { name: '上海华联贸易有限公司' });
    // Long enough that one rendering takes a worker thread for a while.
    const lines = Array.from({ length: 40 }, (_, i) => ({
      description: `不锈钢六角螺栓 M8×40, 第 ${i + 1} 批, 含包装与运输 `.repeat(2),
      quantity: '1200',
      unit: '个',
      unit_price: '0.125',
      tax_rate: '13',
    }));
    Q = expectStatus(
      await api('POST', '/v1/quotations', { token: T.token, body: { customer_id: C.id, currency: 'CNY', lines } }),
      201,
      'create quotation',
    ).body;
    // The first rendering of a process loads the fonts; not part of the measure.
    expectStatus(
      await request('GET', `/v1/quotations/${Q.id}`, { token: T.token, headers: { accept: 'application/pdf' } }),
      200,
      'first print',
    );
  });

  test('plain GETs keep answering within a second during 32 concurrent PDF renderings', { timeout: 120000 }, async () => {
    const burst = Array.from({ length: 32 }, () => () =>
      request('GET', `/v1/quotations/${Q.id}`, { token: T.token, headers: { accept: 'application/pdf' }, validate: false }));
    const { results, latencies, burstMs } = await duringBurst(burst);

    const statuses = {};
    for (const r of results) {
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      // 429: beyond the caller's share of expensive work (one at a time), 503: beyond the server's renderers.
      assert.ok([200, 429, 503].includes(r.status), `a print answered ${r.status}: ${r.text.slice(0, 300)}`);
      if (r.status === 200) assert.equal(r.text.slice(0, 5), '%PDF-');
      if (r.status === 429 || r.status === 503) {
        assert.match(r.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/, `${r.status} says when to retry`);
        assert.equal(r.body.type, `https://crm.example/problems/${r.status === 429 ? 'rate-limited' : 'unavailable'}`);
      }
    }
    const report = `burst ${burstMs} ms (${JSON.stringify(statuses)}); fresh GETs: ${latencies.fresh.length}, ` +
      `median ${median(latencies.fresh)} ms, slowest ${slowest(latencies.fresh)} ms; kept-alive GETs: ` +
      `${latencies.kept.length}, median ${median(latencies.kept)} ms, slowest ${slowest(latencies.kept)} ms`;
    console.log(`# ${report}`);
    assert.ok(statuses[200] > 0, `some prints were rendered: ${report}`);
    assert.ok(latencies.fresh.length > 0 && latencies.kept.length > 0, `GETs were made during the burst: ${report}`);
    assert.ok(slowest(latencies.fresh) < SLOWEST_GET_MS, `fresh-connection GETs stalled: ${report}`);
    assert.ok(slowest(latencies.kept) < SLOWEST_GET_MS, `kept-alive GETs stalled: ${report}`);
  });
});
