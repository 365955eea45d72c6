// hardening_fair_search.test.mjs: search is bounded by design. A query is
// held to 64 characters and 8 words (422 naming q and the limits); a search
// that takes more than a second is refused with 503 and Retry-After, never a
// 500; and while one tenant with 60,000 customers runs 16 worst-case searches
// at once, another tenant's simple list keeps its latency (p99 under 100 ms).
import { describe, test, before, after } from 'node:test';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import pg from 'pg';
import { BASE, api, addUser, createCustomer, expectProblem, expectStatus, qs, signup } from './lib/client.mjs';
import { OWNER_DB, call, percentile, seedCustomers } from './lib/fair.mjs';

const BIG = 60000;
const NEIGHBOUR_REQUESTS = 300;
const P99_MS = 100;
// Eight words, 57 characters: every word a common prefix of the seeded
// names, and digits that prefix phone numbers — as many candidates as a query may bring.
const WORST = 'acme globex initech umbrella stark wayne trading 21000000';

// Searches without pause from `concurrency` clients (the tokens taken in
// turn) until told to stop; then posts how they were answered.
const ABUSE = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, tokens, concurrency } = workerData;
let stop = false;
const statuses = {};
const wrong = [];
parentPort.once('message', () => { stop = true; });
async function client(token) {
  while (!stop) {
    const r = await fetch(url, { headers: { authorization: 'Bearer ' + token } });
    await r.arrayBuffer();
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status !== 200 && (![429, 503].includes(r.status) || !/^\\d+$/.test(r.headers.get('retry-after') ?? '')))
      wrong.push(r.status + ' ' + r.headers.get('retry-after'));
  }
}
Promise.all(Array.from({ length: concurrency }, (_, i) => client(tokens[i % tokens.length])))
  .then(() => parentPort.postMessage({ statuses, wrong: wrong.slice(0, 5) }));
`;

let A, B;

before(async () => {
  A = await signup();
  B = await signup();
  await createCustomer(B.token, { name: 'Neighbour Trading' });
});

describe('the query is held to its limits', () => {
  test('65 characters: 422 naming q with the limit', async () => {
    const r = await api('GET', `/v1/customers${qs({ q: 'a'.repeat(65) })}`, { token: A.token });
    expectProblem(r, 422, { field: 'q', code: 'too_long' });
    assert.match(r.body.errors[0].message, /64 characters/);
    expectProblem(await api('GET', `/v1/contacts${qs({ q: 'b'.repeat(65) })}`, { token: A.token }), 422, { field: 'q', code: 'too_long' });
  });

  test('nine words: 422 naming q with both limits; eight words of 64 characters are searched', async () => {
    const nine = 'one two three four five six seven eight nine';
    const r = await api('GET', `/v1/customers${qs({ q: nine })}`, { token: A.token });
    expectProblem(r, 422, { field: 'q', code: 'too_many_words' });
    assert.match(r.body.errors[0].message, /8 words and 64 characters/);
    expectProblem(await api('GET', `/v1/contacts${qs({ q: nine })}`, { token: A.token }), 422, { field: 'q', code: 'too_many_words' });
    const eight = 'alpha bravo charlie delta echo foxtrot golf hotelindiajuliet'.padEnd(64, 'x');
    assert.equal(eight.length, 64);
    expectStatus(await api('GET', `/v1/customers${qs({ q: eight })}`, { token: A.token }), 200);
    expectStatus(await api('GET', `/v1/contacts${qs({ q: eight })}`, { token: A.token }), 200);
  });
});

describe('a search that runs too long', () => {
  let owner;
  before(async () => {
    owner = new pg.Client({ connectionString: OWNER_DB });
    await owner.connect();
  });
  after(async () => {
    await owner?.end();
  });

  test('is refused with 503 and Retry-After within about a second; lists without q go on', { timeout: 30000 }, async () => {
    await owner.query('BEGIN');
    try {
      // Holds every search on the terms table, as a search too slow to finish would.
      await owner.query('LOCK TABLE search_terms IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const r = await api('GET', `/v1/customers${qs({ q: 'neighbour' })}`, { token: B.token });
      const took = Date.now() - started;
      expectProblem(r, 503);
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
      assert.ok(took < 4000, `refused after its own second, not the role's 5 s: ${took} ms`);
      expectStatus(await api('GET', '/v1/customers?limit=1', { token: B.token }), 200, 'a list without q');
    } finally {
      await owner.query('ROLLBACK');
    }
    const found = expectStatus(await api('GET', `/v1/customers${qs({ q: 'neighbour' })}`, { token: B.token }), 200);
    assert.equal(found.body.data[0]?.name, 'Neighbour Trading', 'searches work again');
  });
});

describe('one tenant searching hard does not slow another', () => {
  let users;
  before(async () => {
    await seedCustomers(A.tenant.id, A.user.id, BIG);
    users = [A];
    for (let i = 0; i < 3; i++) users.push(await addUser(A, 'assistant')); // one at a time: hashing is capped too
  });

  /** The neighbour's list, `n` times one after the other: the latencies. */
  async function neighbour(n) {
    const ms = [];
    for (let i = 0; i < n; i++) {
      const r = await call(BASE, 'GET', '/v1/customers?limit=1', { token: B.token });
      assert.equal(r.status, 200, `the neighbour's list: ${r.status} ${r.text}`);
      ms.push(r.ms);
    }
    return ms;
  }

  /** 16 clients of the big tenant GET `path` without pause while the
   * neighbour lists: its p99 stays under P99_MS, and the searches are
   * answered or refused with Retry-After. */
  async function whileSearching(path, what) {
    const alone = await neighbour(50);
    // The searches come from a thread of their own, so that handling their
    // answers does not delay the neighbour's requests in this one.
    const searching = new Worker(ABUSE, {
      eval: true,
      workerData: { url: BASE + path, tokens: users.map((u) => u.token), concurrency: 16 },
    });
    const result = new Promise((resolve, reject) => {
      searching.once('message', resolve);
      searching.once('error', reject);
    });
    await new Promise((res) => setTimeout(res, 500)); // the searches are under way
    let during;
    try {
      during = await neighbour(NEIGHBOUR_REQUESTS);
    } finally {
      searching.postMessage('stop');
    }
    const { statuses, wrong } = await result;
    const figures = (ms) => `p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`;
    const report = `neighbour alone: ${figures(alone)}; during the ${what}: ${figures(during)}; answered ${JSON.stringify(statuses)}`;
    console.log(report);
    assert.deepEqual(wrong, [], 'beyond the caps: 429 or 503 with Retry-After');
    assert.ok(statuses[200] > 0, `some were answered: ${report}`);
    assert.ok(percentile(during, 99) < P99_MS, report);
  }

  test(`16 concurrent worst-case searches in a tenant of ${BIG} customers; the neighbour's list stays under ${P99_MS} ms p99`, { timeout: 300000 }, async () => {
    expectStatus(await api('GET', `/v1/customers${qs({ q: WORST, limit: 200 })}`, { token: A.token }), 200);
    const some = expectStatus(await api('GET', `/v1/customers${qs({ q: 'acme trading' })}`, { token: A.token }), 200);
    assert.ok(some.body.data.length > 0, 'the seeded customers are found');
    await whileSearching(`/v1/customers${qs({ q: WORST, limit: 200 })}`, 'searches');
  });

  test('the duplicate guard of the big tenant still finds its customers, and 16 checks at once do not slow the neighbour', { timeout: 300000 }, async () => {
    const seeded = expectStatus(await api('GET', `/v1/customers${qs({ q: 'acme globex', limit: 1 })}`, { token: A.token }), 200).body.data[0];
    assert.ok(seeded, 'a seeded customer');
    const r = await api('POST', '/v1/customers', { token: A.token, body: { name: `${seeded.name}.` } });
    expectProblem(r, 409);
    assert.ok(r.body.candidates.some((c) => c.id === seeded.id), `the guard names ${seeded.name}: ${JSON.stringify(r.body.candidates)}`);
    await whileSearching(`/v1/customers/duplicates${qs({ name: WORST })}`, 'duplicate checks');
  });
});
