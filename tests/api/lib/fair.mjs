// fair.mjs: what the fair-use tests share: a server of their own (started
// with settings of their choosing, on a port of their own), requests to it
// checked against openapi/openapi.yaml like every other test's, PostgreSQL
// frozen and thawed, customers seeded in bulk, and latency figures.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { checkResponse } from './spec.mjs';

const BINARY = process.env.CRM_TEST_BINARY ?? fileURLToPath(new URL('../../../build-test/crm-server', import.meta.url));
export const APP_DB = process.env.CRM_TEST_APP_DB;
export const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
// The keys of the server under test: loading them is quicker than making new ones.
const DATA_DIR = process.env.CRM_TEST_KEYS_DIR ? dirname(process.env.CRM_TEST_KEYS_DIR) : undefined;
const SANITIZER = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

/** One request to `base`, checked against the contract; { status, headers, body, text, ms }. */
export async function call(base, method, path, { token, body, headers = {}, timeout = 30000 } = {}) {
  // base: a server's URL, e.g. BASE of client.mjs or startServer()'s.
  const h = { ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  const started = performance.now();
  const res = await fetch(base + path, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeout),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - started;
  const ct = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  // latin1 keeps every byte of a PDF as one character; the rest is UTF-8.
  const text = buf.toString(ct === 'application/pdf' ? 'latin1' : 'utf8');
  let parsed = text;
  if (ct === 'application/json' || ct.endsWith('+json')) parsed = JSON.parse(text);
  const out = { status: res.status, headers: res.headers, body: parsed, text, bytes: buf.length, ms };
  checkResponse(method, path, out);
  return out;
}

/**
 * Start `crm-server serve` on `port` with the test database and `env` over
 * the defaults. Resolves { base, log(), stop() } once /healthz answers; stop()
 * sends SIGTERM and asserts a clean exit without sanitizer reports.
 */
export async function startServer(port, env = {}) {
  assert.ok(APP_DB && DATA_DIR, 'CRM_TEST_APP_DB and CRM_TEST_KEYS_DIR must be set (scripts/test.sh sets them)');
  const child = spawn(BINARY, ['serve'], {
    env: {
      ...process.env,
      CRM_DATABASE_URL: APP_DB,
      CRM_DATA_DIR: DATA_DIR,
      CRM_BIND: '127.0.0.1',
      CRM_PORT: String(port),
      CRM_SWEEP_SECONDS: '3600',
      CRM_TOKEN_RATE: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      output += d;
    });
  }
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.status === 200)
      .catch(() => false);
    if (up) break;
    assert.ok(i < 150 && child.exitCode === null, `the server on port ${port} did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    log: () => output,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      assert.equal(code, 0, `the server exits 0 on SIGTERM:\n${output.slice(-2000)}`);
      assert.doesNotMatch(output, SANITIZER);
    },
  };
}

/** The processes of the test cluster: its postmaster and every child of it. */
async function clusterPids() {
  const db = new pg.Client({ connectionString: OWNER_DB });
  await db.connect();
  try {
    // Our own backend is a child of the postmaster.
    const { rows } = await db.query('SELECT pg_backend_pid() AS pid');
    const ppid = (pid) => Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    const postmaster = ppid(rows[0].pid);
    const children = readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(/\s+/).map(Number);
    return [postmaster, ...children.filter(Boolean)];
  } finally {
    await db.end();
  }
}

/**
 * Freeze PostgreSQL (SIGSTOP to the postmaster and all its processes: it
 * keeps its sockets and answers nothing), run `body`, and thaw it whatever
 * happens, also if the test process is stopped meanwhile.
 */
export async function whileFrozen(body) {
  const pids = await clusterPids();
  // A backend may have ended since it was listed.
  const signal = (name) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch (err) {
        if (err.code !== 'ESRCH') throw err;
      }
    }
  };
  const thaw = () => signal('SIGCONT');
  process.once('exit', thaw);
  try {
    signal('SIGSTOP');
    return await body();
  } finally {
    thaw();
    process.removeListener('exit', thaw);
  }
}

/** Seed `n` customers of `owner` into `tenant` straight into the database. */
export async function seedCustomers(tenant, owner, n) {
  const db = new pg.Client({ connectionString: OWNER_DB });
  await db.connect();
  try {
    await db.query('BEGIN');
    await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
    // Bulk data is not a user's change: no audit rows or change-feed entries for it.
    await db.query('ALTER TABLE customers DISABLE TRIGGER customers_audit, DISABLE TRIGGER customers_change');
    await db.query(
      `INSERT INTO customers (tenant_id, name, owner_id, status, phone, email)
       SELECT $1::uuid, initcap(w[1 + g % 40]) || ' ' || initcap(w[1 + (g / 40) % 40]) || ' ' || initcap(w[1 + (g / 1600) % 40])
              || (ARRAY[' Co.', ' Ltd', ' GmbH', ' Trading Company', '有限公司', ''])[1 + g % 6],
              $2::uuid, (ARRAY['lead', 'prospect', 'active', 'dormant', 'lost'])[1 + g % 5],
              '+86 21 ' || lpad((g * 7)::text, 8, '0'), 'contact' || g || '@' || w[1 + (g * 13) % 38] || '.example'
         FROM generate_series(1, $3::int) AS g,
              (SELECT ARRAY['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'wonka', 'tyrell', 'hooli',
                'vandelay', 'aperture', 'oscorp', 'nakatomi', 'sterling', 'cooper', 'draper', 'monarch', 'bluth',
                'northwind', 'contoso', 'fabrikam', 'tailspin', 'litware', 'shanghai', 'beijing', 'shenzhen',
                'munich', 'berlin', 'paris', 'milan', 'madrid', 'lisbon', 'vienna', 'zurich', 'trading', 'logistics',
                'electronics', 'machinery', '华联', '贸易'] AS w) words`, // the two last are no email's
      [tenant, owner, n],
    );
    await db.query('ALTER TABLE customers ENABLE TRIGGER customers_audit, ENABLE TRIGGER customers_change');
    await db.query('COMMIT');
    await db.query('ANALYZE customers');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await db.end();
  }
}

/** The p-th percentile (0..100) of `ms`. */
export function percentile(ms, p) {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
