#!/usr/bin/env node
// abuse_auth.mjs: how a normal request fares while one address sprays
// passwords. A `flood` of concurrent clients from one loopback address signs in
// as ever new user names of a real tenant (password spraying: each name once,
// so no per-account limit applies), for `seconds`; meanwhile a second client,
// from another loopback address, sends GET /v1/customers?limit=1 with a valid
// token one after the other. Prints the second client's latency (p50, p99,
// max) without and with the flood, and what the flood was answered.
//
//   node tests/bench/abuse_auth.mjs [--url http://127.0.0.1:8080] [--seconds 20] [--flood 16]
//
// Traffic goes to the given loopback server only; every loop is bounded in time.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const url = new URL(args.url ?? process.env.CRM_BENCH_URL ?? 'http://127.0.0.1:8080');
if (!/^127\.|^localhost$|^\[::1\]$/.test(url.hostname)) throw new Error('abuse_auth.mjs only targets a loopback server');
const SECONDS = Number(args.seconds ?? 20);
const FLOOD = Number(args.flood ?? 16);
const SPRAYER = '127.0.0.1';
const VICTIM = '127.0.0.2';

function send(method, path, { body, token, from } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { connection: 'close' };
  if (payload) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method, headers, localAddress: from }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode, json, ms: performance.now() - started });
      });
    });
    req.on('error', (err) => resolve({ status: 0, error: err.message, ms: performance.now() - started }));
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    if (payload) req.write(payload);
    req.end();
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const summary = (xs) => `n=${xs.length} p50=${pct(xs, 50).toFixed(1)} ms p99=${pct(xs, 99).toFixed(1)} ms max=${Math.max(...xs).toFixed(1)} ms`;

async function victimLoop(token, until) {
  const latencies = [];
  while (performance.now() < until) {
    const r = await send('GET', '/v1/customers?limit=1', { token, from: VICTIM });
    if (r.status !== 200) throw new Error(`the normal request answered ${r.status}: ${JSON.stringify(r.json)}`);
    latencies.push(r.ms);
  }
  return latencies;
}

async function main() {
  const password = 'copper kettle under rain 7';
  const org = `Spray bench ${randomUUID().slice(0, 8)}`;
  const s = await send('POST', '/v1/signup', {
    body: { organization: org, name: 'Bench', email: `bench-${randomUUID().slice(0, 8)}@example.com`, password },
    from: VICTIM,
  });
  if (s.status !== 201) throw new Error(`sign-up answered ${s.status}: ${JSON.stringify(s.json)}`);
  const token = s.json.access_token;
  const slug = s.json.tenant.slug;

  const quiet = await victimLoop(token, performance.now() + 5000);
  console.log(`without the flood:      ${summary(quiet)}`);

  const until = performance.now() + SECONDS * 1000;
  const answered = {};
  const sprayer = async () => {
    while (performance.now() < until) {
      const r = await send('POST', '/v1/auth/token', {
        body: { grant_type: 'password', tenant: slug, email: `spray-${randomUUID().slice(0, 12)}@example.com`, password: 'Winter2026!' },
        from: SPRAYER,
      });
      answered[r.status] = (answered[r.status] ?? 0) + 1;
    }
  };
  const [busy] = await Promise.all([victimLoop(token, until), ...Array.from({ length: FLOOD }, sprayer)]);
  console.log(`during a ${FLOOD}-way spray: ${summary(busy)}`);
  console.log(`the spray was answered: ${JSON.stringify(answered)} in ${SECONDS} s`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
