// abuse_fair.mjs: how one tenant's abuse changes another tenant's latency.
// Against a running server and its database (as the API tests: CRM_TEST_URL
// and CRM_TEST_OWNER_DB), it signs up a big tenant and a small one, and
// measures the small tenant's GET /v1/customers?limit=1, one request at a
// time, while nothing else runs, once the big tenant has its customers (a
// noisy neighbour by its data alone), and while the big tenant runs 16
// worst-case searches or 64 PDF renders at once without pause. Prints p50 and
// p99 of each, and how the abuser's requests were answered.
//
//   cd tests && CRM_TEST_URL=http://127.0.0.1:8080 CRM_TEST_OWNER_DB=postgresql://... \
//     BENCH_CUSTOMERS=60000 BENCH_SECONDS=10 node bench/abuse_fair.mjs
import { Worker } from 'node:worker_threads';
import { BASE, api, addUser, createCustomer, signup } from '../api/lib/client.mjs';
import { percentile, seedCustomers } from '../api/lib/fair.mjs';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 60000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WORST = 'acme globex initech umbrella stark wayne trading 21000000';

// Requests of `url` without pause from `concurrency` clients until told to stop.
const ABUSE = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, tokens, concurrency, accept } = workerData;
let stop = false;
const statuses = {};
parentPort.once('message', () => { stop = true; });
async function client(token) {
  while (!stop) {
    try {
      const r = await fetch(url, { headers: { authorization: 'Bearer ' + token, accept }, signal: AbortSignal.timeout(60000) });
      await r.arrayBuffer();
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    } catch (err) {
      statuses.failed = (statuses.failed ?? 0) + 1;
    }
  }
}
Promise.all(Array.from({ length: concurrency }, (_, i) => client(tokens[i % tokens.length])))
  .then(() => parentPort.postMessage(statuses));
`;

/** The small tenant's list, one request after the other, for SECONDS. */
async function neighbour(token) {
  const ms = [];
  const until = Date.now() + SECONDS * 1000;
  while (Date.now() < until) {
    const started = performance.now();
    const r = await fetch(`${BASE}/v1/customers?limit=1`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60000) })
      .then(async (res) => (await res.arrayBuffer(), res.status))
      .catch(() => 'failed');
    ms.push(performance.now() - started);
    if (r !== 200) ms.failed = (ms.failed ?? 0) + 1;
  }
  return ms;
}

async function during(what, path, accept, concurrency, tokens, small) {
  const worker = new Worker(ABUSE, { eval: true, workerData: { url: BASE + path, tokens, concurrency, accept } });
  const answered = new Promise((resolve) => worker.once('message', resolve));
  await new Promise((r) => setTimeout(r, 1000));
  const ms = await neighbour(small);
  worker.postMessage('stop');
  return { what, ms, answered: await answered };
}

function row({ what, ms, answered }) {
  const f = (x) => x.toFixed(1).padStart(8);
  console.log(
    `${what.padEnd(44)} n=${String(ms.length).padStart(5)} p50 ${f(percentile(ms, 50))} ms  p99 ${f(percentile(ms, 99))} ms` +
      `  max ${f(Math.max(...ms))} ms${ms.failed ? `  failed ${ms.failed}` : ''}${answered ? `  abuser: ${JSON.stringify(answered)}` : ''}`,
  );
}

const big = await signup();
const small = await signup();
for (let i = 0; i < 3; i++) await createCustomer(small.token);
const users = [big];
for (let i = 0; i < 3; i++) users.push(await addUser(big, 'admin'));
const tokens = users.map((u) => u.token);
const customer = await createCustomer(big.token, { name: 'Printed Trading' });
const lines = Array.from({ length: 40 }, (_, i) => ({ description: `不锈钢六角螺栓 M8×${40 + i}`, quantity: '100', unit: '个', unit_price: '0.125', tax_rate: '13' }));
const quotation = (await api('POST', '/v1/quotations', { token: big.token, body: { customer_id: customer.id, currency: 'CNY', lines } })).body;

console.log(`abuse_fair against ${BASE}: ${SECONDS} s per figure, the small tenant's GET /v1/customers?limit=1 one at a time`);
row({ what: 'alone, the other tenant empty', ms: await neighbour(small.token) });
const t0 = Date.now();
await seedCustomers(big.tenant.id, big.user.id, CUSTOMERS);
console.log(`(seeded ${CUSTOMERS} customers in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
row({ what: `alone, the other tenant with ${CUSTOMERS} customers`, ms: await neighbour(small.token) });
const q = encodeURIComponent(WORST);
row(await during('16 worst-case searches at once', `/v1/customers?q=${q}&limit=200`, 'application/json', 16, tokens, small.token));
row(await during('64 PDF renders at once', `/v1/quotations/${quotation.id}`, 'application/pdf', 64, tokens, small.token));
