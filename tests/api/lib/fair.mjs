// fair.mjs: what the fair-use tests share: a server of their own (started
// with settings of their choosing, on a port of their own), requests to it
// checked against openapi/openapi.yaml like every other test's, PostgreSQL
// frozen and thawed, customers seeded in bulk, and latency figures.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { startServer as startOwnServer } from './server.mjs';
import { checkResponse } from './spec.mjs';

export const APP_DB = process.env.CRM_TEST_APP_DB;
export const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
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
 * Start `crm-server serve` on `port` (lib/server.mjs) with `env` over the
 * defaults and a token rate out of the way. Resolves { base, log(), stop() };
 * stop() sends SIGTERM and asserts a clean exit without sanitizer reports.
 */
export async function startServer(port, env = {}) {
  const server = await startOwnServer(port, { CRM_TOKEN_RATE: '1000', ...env });
  return {
    base: server.url,
    log: server.log,
    async stop() {
      const code = await server.stop();
      assert.equal(code, 0, `the server exits 0 on SIGTERM:\n${server.log().slice(-2000)}`);
      assert.doesNotMatch(server.log(), SANITIZER);
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
