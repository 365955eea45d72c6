// reports_performance.test.mjs: GET /v1/reports/performance — a tenant in
// Asia/Shanghai with two teams, a leader, salespeople, customers, calls and
// visits, quotations sent, revised and accepted, contracts signed in two
// currencies on both sides of the period's edges (by the organization's
// day), a cancelled one, a draft and a deleted customer; another tenant's data
// in the same days. The expected figures are computed here from what the test
// created, then compared with the report grouped by owner, team and month,
// for each role, as JSON and as CSV; and the parameters are validated.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { checkResponse } from './lib/spec.mjs';
import { BASE, api, signup, addUser, createTeam, createCustomer, expectStatus, expectProblem, ifMatch, qs, uniq } from './lib/client.mjs';

const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
const ZONE_HOURS = 8; // Asia/Shanghai: UTC+8 all year
const REPORT = '/v1/reports/performance';
const FIGURES = ['new_customers', 'contact_records', 'visits', 'quotations_sent', 'quotations_accepted', 'contracts_signed', 'contract_amount', 'contracts_other_currency'];

let db, T, O;
let ADMIN, L, S1, S2, S3, N, FIN, F; // callers: { user, token }
let TEAM_A, TEAM_B;
const USERS = []; // { id, name, role, team_id }
const FACTS = []; // { user, day, kind, currency?, cents? }: what the report should count

/** The organization's day (YYYY-MM-DD) of an instant. */
const dayOf = (iso) => new Date(Date.parse(iso) + ZONE_HOURS * 3600e3).toISOString().slice(0, 10);

async function backdate(tenant, table, id, column, value) {
  await db.query("SELECT set_config('app.tenant_id', $1, false)", [tenant]);
  const r = await db.query(`UPDATE ${table} SET ${column} = $2 WHERE tenant_id = $1 AND id = $3`, [tenant, value, id]);
  assert.equal(r.rowCount, 1, `backdated ${table}.${column}`);
}

/** A customer of `who` created at `at` (UTC). */
async function customer(who, at, { tenant = T, count = true } = {}) {
  const c = await createCustomer(who.token, { name: `Report customer ${uniq()}` });
  await backdate(tenant.tenant.id, 'customers', c.id, 'created_at', at);
  if (count) FACTS.push({ user: who.user.id, day: dayOf(at), kind: 'customer' });
  return c;
}

async function record(who, customerId, kind, at, { count = true } = {}) {
  const r = await api('POST', `/v1/customers/${customerId}/contact-records`, { token: who.token, body: { kind, occurred_at: at } });
  expectStatus(r, 201, 'record');
  if (count) FACTS.push({ user: who.user.id, day: dayOf(at), kind });
  return r.body;
}

const line = (quantity, price) => ({ description: 'Service', quantity, unit_price: price, tax_rate: '0' });

async function quotation(who, customerId) {
  const r = await api('POST', '/v1/quotations', { token: who.token, body: { customer_id: customerId, valid_until: '2099-12-31', lines: [line('1', '100')] } });
  return expectStatus(r, 201, 'quotation').body;
}

async function act(who, path) {
  return expectStatus(await api('POST', path, { token: who.token }), 200, path).body;
}

/** Send quotation `q` and date its sending at `at`; counted when `first`. */
async function send(who, q, at, { first = true } = {}) {
  await act(who, `/v1/quotations/${q.id}/send`);
  await backdate(T.tenant.id, 'quotations', q.id, 'sent_at', at);
  if (first) FACTS.push({ user: who.user.id, day: dayOf(at), kind: 'sent' });
}

async function decide(who, q, verb, at) {
  await act(who, `/v1/quotations/${q.id}/${verb}`);
  await backdate(T.tenant.id, 'quotations', q.id, 'decided_at', at);
  if (verb === 'accept') FACTS.push({ user: who.user.id, day: dayOf(at), kind: 'accepted' });
}

/**
 * A contract of `who` for `quantity` × `price` (no tax) signed on `signed`,
 * left in `state` (draft, active, completed, cancelled); counted when in force.
 */
async function contract(who, customerId, { currency = 'CNY', signed, quantity, price, state = 'active' }) {
  const r = await api('POST', '/v1/contracts', { token: who.token, body: { customer_id: customerId, currency, signed_on: signed, lines: [line(quantity, price)] } });
  const k = expectStatus(r, 201, 'contract').body;
  // The amount the test expects, in cents, from what it sent.
  const [units, cents = ''] = price.split('.');
  const priceCents = BigInt(units) * 100n + BigInt((cents + '00').slice(0, 2));
  const expected = BigInt(quantity) * priceCents;
  assert.equal(k.gross_total, money(expected), 'the contract is priced as the test computes it');
  if (state !== 'draft') await act(who, `/v1/contracts/${k.id}/activate`);
  if (state === 'cancelled') await act(who, `/v1/contracts/${k.id}/cancel`);
  if (state === 'completed') {
    const s = expectStatus(await api('POST', '/v1/shipments', { token: ADMIN.token, body: { contract_id: k.id } }), 201, 'shipment').body;
    await act(ADMIN, `/v1/shipments/${s.id}/ship`);
    await act(who, `/v1/contracts/${k.id}/complete`);
  }
  if (state === 'active' || state === 'completed') FACTS.push({ user: who.user.id, day: signed, kind: 'signed', currency, cents: expected });
  return k;
}

const money = (cents) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;

// --- what the report should say -------------------------------------------------

const userOf = (id) => USERS.find((u) => u.id === id);
const teamOf = (id) => [TEAM_A, TEAM_B].find((t) => t.id === id);

function visibleTo(caller, u) {
  if (['admin', 'assistant', 'finance', 'service'].includes(caller.role) || u.id === caller.id) return true;
  const team = teamOf(u.team_id);
  return caller.role === 'manager' && team?.leader_id === caller.id;
}

function months(from, to) {
  const out = [];
  let [y, m] = from.split('-').map(Number);
  const [y1, m1] = to.split('-').map(Number);
  while (y < y1 || (y === y1 && m <= m1)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    if (++m > 12) (m = 1), y++;
  }
  return out;
}

function expected(caller, { from, to, group_by = 'owner', owner_id, team_id }) {
  const me = userOf(caller.user.id);
  const scope = USERS.filter((u) => visibleTo(me, u) && (!owner_id || u.id === owner_id) && (!team_id || u.team_id === team_id));
  const keyOf = (u, f) => (group_by === 'owner' ? u.id : group_by === 'team' ? u.team_id : f.day.slice(0, 7));
  const groups = new Map();
  const group = (k) => {
    if (!groups.has(k)) groups.set(k, { counts: Object.fromEntries(FIGURES.map((x) => [x, 0])), cents: 0n });
    return groups.get(k);
  };
  for (const f of FACTS) {
    const u = scope.find((x) => x.id === f.user);
    if (!u || f.day < from || f.day > to) continue;
    const g = group(keyOf(u, f));
    if (f.kind === 'customer') g.counts.new_customers++;
    else if (f.kind === 'sent') g.counts.quotations_sent++;
    else if (f.kind === 'accepted') g.counts.quotations_accepted++;
    else if (f.kind === 'signed') {
      g.counts.contracts_signed++;
      if (f.currency === 'CNY') g.cents += f.cents;
      else g.counts.contracts_other_currency++;
    } else {
      g.counts.contact_records++;
      if (f.kind === 'visit') g.counts.visits++;
    }
  }
  if (group_by === 'month') {
    if (scope.length) for (const m of months(from, to)) group(m);
  } else {
    for (const u of scope) if (u.id === me.id || (group_by === 'owner' && u.id === owner_id)) group(keyOf(u));
  }
  const rows = [...groups].map(([k, g]) => {
    const head =
      group_by === 'owner' ? { owner_id: k, owner_name: userOf(k).name } : group_by === 'team' ? { team_id: k ?? null, team_name: teamOf(k)?.name ?? null } : { month: k };
    return { ...head, ...g.counts, contract_amount: money(g.cents) };
  });
  const name = (r) => r.owner_name ?? r.team_name;
  return rows.sort((a, b) => (group_by === 'month' ? (a.month < b.month ? -1 : 1) : name(a) === null ? 1 : name(b) === null ? -1 : name(a) < name(b) ? -1 : 1));
}

async function report(caller, params = {}, headers = {}) {
  return api('GET', `${REPORT}${qs(params)}`, { token: caller.token, headers });
}

/** The report as CSV, its bytes decoded with the byte order mark kept (fetch's text() drops it). */
async function csv(caller, params, accept = 'text/csv') {
  const path = `${REPORT}${qs(params)}`;
  const res = await fetch(BASE + path, { headers: { authorization: `Bearer ${caller.token}`, accept } });
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
  const out = { status: res.status, headers: res.headers, body: text, text };
  checkResponse('GET', path, out);
  return expectStatus(out, 200, `CSV ${path}`);
}

async function check(caller, params, what) {
  const r = expectStatus(await report(caller, params), 200, what);
  assert.equal(r.body.from, params.from);
  assert.equal(r.body.to, params.to);
  assert.equal(r.body.group_by, params.group_by ?? 'owner');
  assert.equal(r.body.currency, 'CNY');
  assert.equal(r.body.timezone, 'Asia/Shanghai');
  assert.deepEqual(r.body.data, expected(caller, params), what);
  return r.body;
}

const MARCH = { from: '2025-03-01', to: '2025-03-31' };

before(async () => {
  db = new pg.Client({ connectionString: OWNER_DB });
  await db.connect();
  T = await signup({ name: 'Zed Admin' });
  ADMIN = { user: T.user, token: T.token };
  const settings = expectStatus(await api('GET', '/v1/tenant', { token: T.token }), 200).body;
  expectStatus(await api('PATCH', '/v1/tenant', { token: T.token, headers: ifMatch(settings), body: { timezone: 'Asia/Shanghai' } }), 200, 'time zone');

  TEAM_A = await createTeam(T.token, `Alpha ${uniq()}`);
  TEAM_B = await createTeam(T.token, `Bravo ${uniq()}`);
  L = await addUser(T, 'manager', { name: 'Ada Leader', team_id: TEAM_A.id });
  TEAM_A = expectStatus(await api('PATCH', `/v1/teams/${TEAM_A.id}`, { token: T.token, headers: ifMatch(TEAM_A), body: { leader_id: L.user.id } }), 200).body;
  S1 = await addUser(T, 'sales', { name: 'Ben Sales', team_id: TEAM_A.id });
  S2 = await addUser(T, 'sales', { name: 'Cai Sales', team_id: TEAM_A.id });
  S3 = await addUser(T, 'sales', { name: 'Dan Sales', team_id: TEAM_B.id });
  N = await addUser(T, 'sales', { name: 'Eve Loner' });
  FIN = await addUser(T, 'finance', { name: 'Fay Finance' });
  F = await addUser(T, 'sales', { name: '=Formula Frank' });
  for (const x of [ADMIN, L, S1, S2, S3, N, FIN, F]) USERS.push({ id: x.user.id, name: x.user.name, role: x.user.role, team_id: x.user.team_id ?? null });

  // Customers, by the organization's day: 2025-02-28T16:30Z is 1 March in Shanghai.
  const C1 = await customer(S1, '2025-02-28T16:30:00Z');
  const C2 = await customer(S1, '2025-03-31T16:30:00Z'); // 1 April there
  await customer(S1, '2025-03-15T04:00:00Z');
  const C3 = await customer(S3, '2025-03-10T04:00:00Z');
  const C4 = await customer(L, '2025-03-05T04:00:00Z');
  const C5 = await customer(S2, '2025-02-10T04:00:00Z');
  const CN = await customer(N, '2025-03-05T04:00:00Z', { count: false }); // deleted below
  const CF = await customer(F, '2025-05-10T04:00:00Z');

  // Contact records, counted for whoever recorded them.
  await record(S1, C1.id, 'call', '2025-03-03T01:00:00Z');
  await record(S1, C1.id, 'visit', '2025-03-31T15:59:00Z'); // 23:59 on 31 March there
  await record(S1, C2.id, 'visit', '2025-03-31T16:01:00Z'); // 1 April there
  await record(L, C1.id, 'visit', '2025-03-20T02:00:00Z'); // the leader on a member's customer
  await record(L, C4.id, 'meeting', '2025-03-21T02:00:00Z');
  await record(S3, C3.id, 'visit', '2025-03-15T02:00:00Z');
  await record(S3, C3.id, 'email', '2025-02-15T02:00:00Z');
  await record(S2, C5.id, 'call', '2025-02-11T02:00:00Z');
  await record(N, CN.id, 'visit', '2025-03-06T02:00:00Z', { count: false });
  await record(F, CF.id, 'call', '2025-05-11T02:00:00Z');

  // Quotations: sent, accepted, rejected, revised (a number counts once, when first sent).
  const q1 = await quotation(S1, C1.id);
  await send(S1, q1, '2025-03-10T02:00:00Z');
  await decide(S1, q1, 'accept', '2025-03-12T02:00:00Z');
  const q2 = await quotation(S1, C1.id);
  await send(S1, q2, '2025-02-20T02:00:00Z');
  const sent2 = expectStatus(await api('GET', `/v1/quotations/${q2.id}`, { token: S1.token }), 200).body;
  const rev = expectStatus(await api('PATCH', `/v1/quotations/${q2.id}`, { token: S1.token, headers: ifMatch(sent2), body: { notes: 'revised' } }), 200, 'revision').body;
  assert.equal(rev.revision, 2);
  await send(S1, rev, '2025-03-05T02:00:00Z', { first: false });
  await decide(S1, rev, 'accept', '2025-03-06T02:00:00Z');
  const q3 = await quotation(S3, C3.id);
  await send(S3, q3, '2025-03-31T16:30:00Z'); // 1 April there
  const q4 = await quotation(L, C4.id);
  await send(L, q4, '2025-03-11T02:00:00Z');
  await decide(L, q4, 'reject', '2025-03-13T02:00:00Z');

  // Contracts: in force or not, in the default currency or not, on both sides of the edges.
  await contract(S1, C1.id, { signed: '2025-03-01', quantity: '2', price: '1000.25' });
  await contract(S1, C1.id, { signed: '2025-03-15', quantity: '3', price: '99.99', currency: 'USD' });
  await contract(S1, C1.id, { signed: '2025-03-20', quantity: '1', price: '5000', state: 'cancelled' });
  await contract(S1, C1.id, { signed: '2025-02-28', quantity: '1', price: '7.77' });
  await contract(S2, C5.id, { signed: '2025-03-10', quantity: '1', price: '123.45', state: 'draft' });
  await contract(S3, C3.id, { signed: '2025-03-31', quantity: '7', price: '0.05', state: 'completed' });
  await contract(S3, C3.id, { signed: '2025-04-01', quantity: '1', price: '10' });
  await contract(L, C4.id, { signed: '2025-03-02', quantity: '12345', price: '6789.01' });
  await contract(L, C4.id, { signed: '2025-03-03', quantity: '1', price: '1.10', currency: 'EUR' });
  await contract(F, CF.id, { signed: '2025-05-12', quantity: '1', price: '1' });

  // A deleted customer takes its records with it; so nothing of N counts.
  const cn = expectStatus(await api('GET', `/v1/customers/${CN.id}`, { token: T.token }), 200).body;
  expectStatus(await api('DELETE', `/v1/customers/${CN.id}`, { token: T.token, headers: ifMatch(cn) }), 204, 'delete');

  // Another organization, busy in the same days.
  O = await signup();
  const oc = await customer({ user: O.user, token: O.token }, '2025-03-05T04:00:00Z', { tenant: O, count: false });
  await record({ user: O.user, token: O.token }, oc.id, 'visit', '2025-03-06T02:00:00Z', { count: false });
  const ok = expectStatus(await api('POST', '/v1/contracts', { token: O.token, body: { customer_id: oc.id, signed_on: '2025-03-07', lines: [line('1', '1')] } }), 201).body;
  await act({ token: O.token }, `/v1/contracts/${ok.id}/activate`);
});

after(async () => {
  await db?.end();
});

describe('performance report', () => {
  test('by owner, as an admin: every figure of March by the organization\'s days, nothing of another tenant', async () => {
    const body = await check(ADMIN, MARCH, 'admin by owner');
    // What the test set up, spelled out for the busiest salesperson.
    const ben = body.data.find((r) => r.owner_id === S1.user.id);
    assert.deepEqual(
      FIGURES.map((x) => ben[x]),
      [2, 2, 1, 1, 2, 2, '2000.50', 1],
    );
    // The admin's own row is there with zeros; a salesperson with nothing in March is not.
    assert.ok(body.data.some((r) => r.owner_id === ADMIN.user.id && r.new_customers === 0));
    assert.ok(!body.data.some((r) => r.owner_id === S2.user.id));
    assert.ok(!body.data.some((r) => r.owner_id === N.user.id), 'the deleted customer and its visit do not count');
    const leader = body.data.find((r) => r.owner_id === L.user.id);
    assert.equal(leader.contract_amount, '83810328.45', 'amounts are exact');
  });

  test('by team and by month, as an admin', async () => {
    const teams = await check(ADMIN, { ...MARCH, group_by: 'team' }, 'admin by team');
    assert.deepEqual(teams.data.map((r) => r.team_id), [TEAM_A.id, TEAM_B.id, null], 'teams by name, no team last');
    const quarter = await check(ADMIN, { from: '2025-02-01', to: '2025-04-30', group_by: 'month' }, 'admin by month');
    assert.deepEqual(quarter.data.map((r) => r.month), ['2025-02', '2025-03', '2025-04']);
    await check(ADMIN, { from: '2025-02-15', to: '2025-06-10', group_by: 'month' }, 'partial months at both ends');
  });

  test('a period edge is the organization\'s midnight, both days included', async () => {
    await check(ADMIN, { from: '2025-03-31', to: '2025-04-01' }, 'two days');
    await check(ADMIN, { from: '2025-03-01', to: '2025-03-01' }, 'one day');
  });

  test('a manager sees their own and their team\'s figures', async () => {
    await check(L, MARCH, 'leader by owner');
    await check(L, { ...MARCH, group_by: 'team' }, 'leader by team');
    await check(L, { ...MARCH, group_by: 'month' }, 'leader by month');
    await check(L, { ...MARCH, owner_id: S1.user.id }, 'leader, one member');
    const body = await check(L, { ...MARCH, owner_id: S3.user.id }, 'leader, someone of another team');
    assert.deepEqual(body.data, [], 'not revealed: no rows');
    assert.deepEqual((await check(L, { ...MARCH, team_id: TEAM_B.id, group_by: 'month' }, 'another team')).data, []);
  });

  test('a salesperson sees only their own figures, and always their own row', async () => {
    const own = await check(S1, MARCH, 'salesperson');
    assert.deepEqual(own.data.map((r) => r.owner_id), [S1.user.id]);
    const idle = await check(S2, MARCH, 'salesperson with nothing in March');
    assert.deepEqual(idle.data.length, 1);
    assert.deepEqual(FIGURES.map((x) => idle.data[0][x]), [0, 0, 0, 0, 0, 0, '0.00', 0]);
    assert.deepEqual((await check(S1, { ...MARCH, owner_id: S3.user.id }, 'a colleague')).data, []);
    assert.deepEqual((await check(S1, { ...MARCH, owner_id: S3.user.id, group_by: 'month' }, 'a colleague by month')).data, []);
    await check(S1, { ...MARCH, group_by: 'team' }, 'salesperson by team');
    await check(S3, { from: '2025-02-01', to: '2025-04-30', group_by: 'month' }, 'salesperson by month');
  });

  test('back-office roles see everyone', async () => {
    const body = await check(FIN, MARCH, 'finance');
    assert.ok(body.data.some((r) => r.owner_id === S3.user.id));
  });

  test('the empty period answers zeros, and the other tenant its own figures', async () => {
    const empty = { from: '2024-01-01', to: '2024-01-31' };
    assert.deepEqual((await check(ADMIN, empty, 'empty')).data.map((r) => r.owner_id), [ADMIN.user.id]);
    await check(ADMIN, { ...empty, group_by: 'team' }, 'empty by team');
    await check(ADMIN, { ...empty, group_by: 'month' }, 'empty by month');
    const other = expectStatus(await report({ token: O.token }, MARCH), 200).body;
    assert.deepEqual(other.data.map((r) => [r.owner_id, r.new_customers, r.visits, r.contracts_signed, r.contract_amount]), [[O.user.id, 1, 1, 1, '1.00']]);
  });

  test('without from and to, the current month of the organization', async () => {
    await customer(S1, new Date().toISOString());
    const today = dayOf(new Date().toISOString());
    const first = `${today.slice(0, 7)}-01`;
    const [y, m] = today.split('-').map(Number);
    const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
    const r = expectStatus(await report(S1), 200).body;
    assert.equal(r.from, first);
    assert.equal(r.to, last);
    assert.deepEqual(r.data, expected(S1, { from: first, to: last }));
    assert.ok(r.data[0].new_customers >= 1);
    // One of them given: the month of that one.
    assert.deepEqual([(await report(S1, { from: '2025-02-10' })).body.to, (await report(S1, { to: '2024-02-10' })).body.from], ['2025-02-28', '2024-02-01']);
  });

  test('as CSV: the same rows, a file to save, names that cannot run as formulas', async () => {
    const json = expectStatus(await report(ADMIN, MARCH), 200).body;
    const r = await csv(ADMIN, MARCH);
    assert.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8$/);
    assert.equal(r.headers.get('content-disposition'), 'attachment; filename="performance-2025-03-01-2025-03-31.csv"');
    assert.match(r.headers.get('vary') ?? '', /Accept/);
    assert.equal(r.text[0], '\uFEFF');
    const lines = r.text.slice(1).split('\r\n');
    assert.equal(lines.pop(), '');
    const header = ['owner_id', 'owner_name', ...FIGURES];
    assert.deepEqual(lines[0].split(','), header);
    assert.deepEqual(lines.slice(1), json.data.map((row) => header.map((k) => String(row[k])).join(',')));

    const months = (await csv(ADMIN, { ...MARCH, group_by: 'month' }, 'text/csv;q=0.9, application/json;q=0.5')).text;
    assert.equal(months.split('\r\n')[0], `\uFEFFmonth,${FIGURES.join(',')}`);
    const teams = (await csv(ADMIN, { ...MARCH, group_by: 'team' })).text.split('\r\n');
    assert.equal(teams[0], `\uFEFFteam_id,team_name,${FIGURES.join(',')}`);
    assert.match(teams.at(-2), /^,,/, 'no team: empty cells');

    const may = (await csv(ADMIN, { from: '2025-05-01', to: '2025-05-31', owner_id: F.user.id })).text.split('\r\n');
    assert.equal(may[1], `${F.user.id},"'=Formula Frank",1,1,0,0,0,1,1.00,0`);
    // JSON stays the default.
    const plain = expectStatus(await report(ADMIN, MARCH, { accept: '*/*' }), 200);
    assert.match(plain.headers.get('content-type'), /^application\/json/);
  });

  test('parameters are validated and name what is wrong', async () => {
    const bad = async (params, field, code) => expectProblem(await report(ADMIN, params), 422, { field, code });
    await bad({ from: '2025-03-10', to: '2025-03-09' }, 'to', 'range');
    await bad({ from: '2025-01-01', to: '2026-01-02' }, 'to', 'range'); // 367 days
    await bad({ from: '2023-01-01', to: '2026-01-01', group_by: 'month' }, 'to', 'range'); // 37 months
    await bad({ from: '2025-02-30' }, 'from', 'format');
    await bad({ group_by: 'week' }, 'group_by', 'enum');
    await bad({ owner_id: 'someone' }, 'owner_id', 'format');
    await bad({ team_id: '' }, 'team_id', 'format');
    await bad({ limit: '10' }, 'limit', 'unknown');
    await bad({ group: 'team' }, 'group', 'unknown');
    expectStatus(await report(ADMIN, { from: '2025-01-01', to: '2026-01-01' }), 200, '366 days');
    expectStatus(await report(ADMIN, { from: '2023-01-01', to: '2025-12-31', group_by: 'month' }), 200, '36 months');
    expectProblem(await api('GET', REPORT), 401);
  });
});
