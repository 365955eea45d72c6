#!/usr/bin/env node
// abuse_http.mjs: how a normal client fares while another one abuses the HTTP
// layer. A second client (127.0.0.1) sends GET /v1/customers?limit=1, each on
// a new connection as a new visitor would, for a few seconds
//   - with nothing else going on,
//   - while one client (127.0.0.2) holds thousands of idle connections,
//   - while 100 sockets (127.0.0.3) send their headers one byte a second,
// and prints the latency (p50, p99), the requests that got no answer, and how
// many of the abusive connections the server still held at the end.
//
//   node tests/bench/abuse_http.mjs [URL]     (default http://127.0.0.1:8080)
// Settings: BENCH_SECONDS (per phase, 10), BENCH_IDLE (4200), BENCH_SLOW (100),
// BENCH_TOKEN (an access token; otherwise a tenant is signed up).
// The process needs BENCH_IDLE + BENCH_SLOW + a few open files (ulimit -n).
import http from 'node:http';
import net from 'node:net';

const BASE = new URL(process.argv[2] ?? process.env.CRM_URL ?? 'http://127.0.0.1:8080');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IDLE = Number(process.env.BENCH_IDLE ?? 4200);
const SLOW = Number(process.env.BENCH_SLOW ?? 100);
const TIMEOUT_MS = 5000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One request on a connection of its own: { ms, status } or { ms, error }. */
function request(method, path, { token, body, localAddress } = {}) {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve) => {
    const headers = { connection: 'close' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body) headers['content-type'] = 'application/json';
    const req = http.request(
      { host: BASE.hostname, port: BASE.port || 80, method, path, headers, agent: false, localAddress, timeout: TIMEOUT_MS },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ ms: elapsed(), status: res.statusCode, text: Buffer.concat(chunks).toString() }));
        res.on('error', (e) => resolve({ ms: elapsed(), error: e.code ?? e.message }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => resolve({ ms: elapsed(), error: e.code ?? e.message }));
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function token() {
  if (process.env.BENCH_TOKEN) return process.env.BENCH_TOKEN;
  const id = Math.random().toString(36).slice(2, 10);
  const r = await request('POST', '/v1/signup', {
    body: { organization: `Bench ${id}`, name: 'Bench', email: `bench-${id}@example.com`, password: 'river-stone-crane-42' },
  });
  if (r.status !== 201) throw new Error(`sign-up failed: ${r.status ?? r.error} ${r.text ?? ''}`);
  return JSON.parse(r.text).access_token;
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);

/** Requests one after the other for SECONDS: { ok, failed, p50, p99 }. */
async function measure(accessToken) {
  const times = [];
  let failed = 0;
  const until = Date.now() + SECONDS * 1000;
  while (Date.now() < until) {
    const r = await request('GET', '/v1/customers?limit=1', { token: accessToken, localAddress: '127.0.0.1' });
    if (r.status === 200) times.push(r.ms);
    else failed++;
  }
  times.sort((a, b) => a - b);
  return { ok: times.length, failed, p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Open `n` connections from `localAddress`; each runs `start(socket)`. Returns { sockets, open() }. */
async function crowd(n, localAddress, start) {
  const sockets = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect({ host: BASE.hostname, port: Number(BASE.port || 80), localAddress });
    s.on('error', () => {});
    s.alive = true;
    s.on('close', () => {
      s.alive = false;
    });
    s.on('connect', () => start(s));
    sockets.push(s);
    if (i % 200 === 199) await sleep(10); // let the kernel keep up
  }
  return { sockets, open: () => sockets.filter((s) => s.alive).length };
}

function show(name, m, extra = '') {
  const f = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : '—');
  console.log(`${name.padEnd(34)} p50 ${f(m.p50).padStart(9)}  p99 ${f(m.p99).padStart(9)}  answered ${String(m.ok).padStart(5)}  unanswered ${String(m.failed).padStart(4)}${extra}`);
}

const accessToken = await token();
console.log(`${BASE.origin}: GET /v1/customers?limit=1 on a new connection each, ${SECONDS} s per phase`);
show('nothing else going on', await measure(accessToken));

const idle = await crowd(IDLE, '127.0.0.2', () => {});
await sleep(1000);
const duringIdle = await measure(accessToken);
show(`${IDLE} idle connections from one client`, duringIdle, `  (its connections still open: ${idle.open()})`);
for (const s of idle.sockets) s.destroy();
await sleep(1000);

const slow = await crowd(SLOW, '127.0.0.3', (s) => {
  const text = 'GET /v1/ping HTTP/1.1\r\nHost: bench\r\nX-Slow: ';
  let i = 0;
  s.timer = setInterval(() => (s.alive ? s.write(i < text.length ? text[i++] : 'a') : clearInterval(s.timer)), 1000);
});
await sleep(1000);
const duringSlow = await measure(accessToken);
await sleep(Math.max(0, 15000 - SECONDS * 1000));
show(`${SLOW} slowloris sockets (1 byte/s)`, duringSlow, `  (still open after ${Math.max(15, SECONDS + 1)} s: ${slow.open()})`);
for (const s of slow.sockets) {
  clearInterval(s.timer);
  s.destroy();
}
process.exit(0);
