// contract_fuzz.test.mjs: property-based contract tests. For every operation of
// openapi/openapi.yaml, fast-check generates requests from the spec's own
// schemas — valid ones and single mutations of them, raw malformed JSON, every
// role and no or forged tokens, real, unknown, foreign and malformed ids, query
// parameters in and out of their schemas, If-Match and Idempotency-Key variants
// — and every response is held to the contract (see `judge`). A run explores
// each operation, then shrinks one case of every distinct break and prints it.
//
//   CRM_FUZZ_SEED     the seed (printed at the start; default: random)
//   CRM_FUZZ_RUNS     at most this many cases per operation (default 1000)
//   CRM_FUZZ_SECONDS  time for exploring all operations together (default 80)
//   CRM_FUZZ_SHRINK_SECONDS  time for shrinking the breaks found (default 25)
//   CRM_FUZZ_OPS      only operations whose "METHOD /path" matches this regex
//   CRM_TEST_SERVER_LOG  the server's log (scripts/test.sh sets it)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { getSpec, checkResponse, valueErrors, operations } from './lib/spec.mjs';
import { BASE, PASSWORD, signup, addUser, createUser, createTeam, createCustomer, login, expectStatus, api, uniq } from './lib/client.mjs';
import { serverPrivateKey, signRS256, unsigned, nowSeconds, signHS256, serverPublicPem } from './lib/jwt.mjs';
import { valid, mutate, mutationArb, fieldName, jsonDepth, makeText, POOL_REF, poolRef, textArb } from './lib/schemagen.mjs';
import { ServerLog } from './lib/serverlog.mjs';

const envInt = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not ${JSON.stringify(v)}`);
  return n;
};
const SEED = envInt('CRM_FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
const RUNS = envInt('CRM_FUZZ_RUNS', 1000);
const SECONDS = envInt('CRM_FUZZ_SECONDS', 80);
const SHRINK_SECONDS = envInt('CRM_FUZZ_SHRINK_SECONDS', 25);
const OPS_FILTER = process.env.CRM_FUZZ_OPS ? new RegExp(process.env.CRM_FUZZ_OPS) : null;
const MAX_BODY = 1 << 20;
const MAX_DEPTH = 32;
const ROLES = ['admin', 'manager', 'sales', 'assistant', 'finance', 'service'];
const spec = getSpec();

// --- the operations, in an order that leaves destruction for last -----------

function deref(node) {
  while (node && node.$ref) {
    node = node.$ref.replace(/^#\//, '').split('/').reduce((n, p) => n?.[p.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return node;
}

const DESTRUCTIVE = /^(DELETE |POST .*\/(send|accept|reject|activate|complete|cancel|ship|deliver|transfer|merge)$)/;
const DESTROY_ORDER = ['shipments', 'contracts', 'quotations', 'contact-records', 'contacts', 'products', 'customers', 'teams', 'users'];

function describeOp(method, tpl) {
  const item = spec.paths[tpl];
  const op = item[method.toLowerCase()];
  const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
  const bodies = {};
  for (const [ct, media] of Object.entries(op.requestBody?.content ?? {})) bodies[ct] = media.schema;
  const name = `${method} ${tpl}`;
  const resource = tpl.split('/')[2] ?? '';
  return {
    method,
    tpl,
    name,
    op,
    params,
    query: params.filter((p) => p.in === 'query'),
    hasId: tpl.includes('{id}'),
    ifMatch: params.some((p) => p.in === 'header' && p.name === 'If-Match'),
    idempotent: params.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'),
    bodies,
    secured: op.security === undefined ? (spec.security ?? []).length > 0 : op.security.length > 0,
    document: /^\/v1\/(quotations|contracts|shipments)\/\{id\}$/.test(tpl) && method === 'GET',
    destructive: DESTRUCTIVE.test(name),
    rank: DESTRUCTIVE.test(name) ? 100 + DESTROY_ORDER.indexOf(resource) * 2 + (method === 'DELETE' ? 1 : 0) : 0,
  };
}

const OPS = operations()
  .map(([m, t]) => describeOp(m, t))
  .filter((o) => !OPS_FILTER || OPS_FILTER.test(o.name))
  .map((o, i) => ({ ...o, index: i }))
  .sort((a, b) => a.rank - b.rank || a.index - b.index);

// --- the world: a tenant with users of every role and documents in every state

const W = {
  pools: {}, // name -> [id]
  known: new Set(), // every id of our tenant
  tokens: {}, // kind -> {token, at, slug, email}
  foreign: {}, // another tenant's admin and ids
  users: {},
  cursors: {}, // list template -> [a cursor it returned]
};

function addToPool(name, id) {
  if (!id) return;
  (W.pools[name] ??= []).push(id);
  W.known.add(id);
}

// Which real ids a body member, query parameter or path draws from.
const MEMBER_POOLS = {
  customer_id: 'customers', contact_id: 'contacts', product_id: 'products', quotation_id: 'quotations',
  contract_id: 'contracts', contract_line_id: 'contractLines', owner_id: 'activeUsers', team_id: 'teams',
  leader_id: 'managers', duplicate_id: 'victimCustomers', user_id: 'activeUsers', entity_id: 'customers',
  actor_id: 'activeUsers',
};
// Strings other than ids that mean something to the server.
const NAMED_POOLS = { refresh_token: 'refreshTokens', tenant: 'slugs', email: 'emails', cursor: 'cursors' };
const GEN_OPTS = { idPool: (name) => MEMBER_POOLS[name], namedPool: (name) => NAMED_POOLS[name], known: undefined };
// Members whose id must name something that exists (and is ours) for a write to succeed.
const REF_MEMBERS = new Set(['customer_id', 'contact_id', 'product_id', 'quotation_id', 'contract_id', 'contract_line_id',
  'owner_id', 'team_id', 'leader_id', 'duplicate_id']);

function pathPool(o) {
  const r = o.tpl.split('/')[2];
  const write = o.method !== 'GET';
  if (r === 'users') return write ? 'victimUsers' : 'users';
  if (r === 'teams') return write ? 'victimTeams' : 'teams';
  if (r === 'customers') return o.method === 'DELETE' || /merge$|transfer$/.test(o.tpl) ? 'victimCustomers' : 'customers';
  return { contacts: 'contacts', 'contact-records': 'records', products: 'products', quotations: 'quotations', contracts: 'contracts', shipments: 'shipments' }[r];
}

async function asAdmin(method, path, body) {
  return api(method, path, { token: W.tokens.admin.token, body });
}

async function buildWorld() {
  const T = await signup({ organization: `Fuzz ${uniq()}` });
  W.tenant = T;
  W.tokens.admin = { token: T.token, at: Date.now(), slug: T.slug, email: T.email };
  addToPool('users', T.user.id);
  addToPool('activeUsers', T.user.id);
  W.users.admin = T.user;
  const team = await createTeam(T.token, `Team ${uniq()}`);
  addToPool('teams', team.id);
  for (const role of ROLES.slice(1)) {
    const u = await addUser(T, role, role === 'sales' ? { team_id: team.id } : {});
    W.tokens[role] = { token: u.token, at: Date.now(), slug: T.slug, email: u.email };
    W.users[role] = u.user;
    addToPool('users', u.user.id);
    addToPool('activeUsers', u.user.id);
    if (role === 'manager') addToPool('managers', u.user.id);
  }
  expectStatus(await api('PATCH', `/v1/teams/${team.id}`, { token: T.token, body: { leader_id: W.users.manager.id }, headers: { 'if-match': '"1"' } }), 200, 'team leader');
  for (let i = 0; i < 3; i++) {
    const v = await createUser(T.token, 'sales');
    addToPool('victimUsers', v.id);
    addToPool('users', v.id);
    addToPool('emails', v.email);
    const t = await createTeam(T.token, `Victim team ${uniq()}`);
    addToPool('victimTeams', t.id);
    addToPool('teams', t.id);
  }
  W.pools.slugs = [T.slug];
  for (const r of ROLES) (W.pools.emails ??= []).push(W.tokens[r].email);
  for (let i = 0; i < 2; i++) W.pools.refreshTokens = [...(W.pools.refreshTokens ?? []), (await login(T.slug, W.tokens.admin.email)).refresh];

  // Products, customers of different owners, their contacts and records.
  for (let i = 0; i < 4; i++) {
    const r = expectStatus(await asAdmin('POST', '/v1/products', { sku: uniq('SKU-'), name: `产品 ${i}`, unit_price: `${i * 7 + 1}.50`, tax_rate: '13', active: i !== 3 }), 201, 'product');
    addToPool('products', r.body.id);
  }
  const owners = ['sales', 'sales', 'manager', 'admin', 'admin'];
  for (const [i, who] of owners.entries()) {
    const c = await createCustomer(W.tokens[who].token, { name: `客户 Fuzz ${i} ${uniq()}`, location: i % 2 ? { lat: 31.2, lon: 121.4 } : null, tags: ['vip'] });
    addToPool('customers', c.id);
    // Birthdays at the ends of the year too, so an agenda near 9999-12-31 has one to show.
    const k = expectStatus(await api('POST', `/v1/customers/${c.id}/contacts`, { token: W.tokens[who].token, body: { name: `联系人 ${i}`, birthday: ['1990-02-28', '2000-01-02', '1980-12-30'][i % 3] } }), 201, 'contact');
    addToPool('contacts', k.body.id);
    const rec = expectStatus(await api('POST', '/v1/contact-records', { token: W.tokens[who].token, body: { customer_id: c.id, kind: 'visit', location: { lat: 31.2, lon: 121.4 }, next_contact_at: '2030-01-01T00:00:00Z' } }), 201, 'record');
    addToPool('records', rec.body.id);
  }
  for (let i = 0; i < 4; i++) addToPool('victimCustomers', (await createCustomer(W.tokens[i % 2 ? 'sales' : 'admin'].token, { name: `Victim ${i} ${uniq()}` })).id);
  W.pools.victimCustomers.forEach((id) => addToPool('customers', id));

  // Quotations: draft, sent, accepted (one converted), rejected.
  const C = W.pools.customers;
  const P = W.pools.products;
  const quote = async (cust) => expectStatus(await asAdmin('POST', '/v1/quotations', { customer_id: cust, lines: [{ product_id: P[0], quantity: '3' }, { description: 'Service', quantity: '1.5', unit_price: '100' }] }), 201, 'quotation').body;
  const act = async (path) => expectStatus(await asAdmin('POST', path), 200, path).body;
  const quotes = [];
  for (let i = 0; i < 6; i++) quotes.push(await quote(C[i % C.length]));
  quotes.forEach((q) => addToPool('quotations', q.id));
  for (const q of quotes.slice(1)) await act(`/v1/quotations/${q.id}/send`);
  for (const q of quotes.slice(2, 4)) await act(`/v1/quotations/${q.id}/accept`);
  await act(`/v1/quotations/${quotes[4].id}/reject`);
  // Contracts: from a quotation, of their own; drafts and active ones.
  const contracts = [expectStatus(await asAdmin('POST', '/v1/contracts', { quotation_id: quotes[2].id }), 201, 'contract').body];
  for (let i = 0; i < 3; i++) {
    contracts.push(expectStatus(await asAdmin('POST', '/v1/contracts', { customer_id: C[i], lines: [{ description: 'Bolt', quantity: '100', unit: 'pc', unit_price: '2.50' }, { product_id: P[1], quantity: '10' }] }), 201, 'contract').body);
  }
  for (const k of contracts) {
    addToPool('contracts', k.id);
    k.lines.forEach((l) => addToPool('contractLines', l.id));
  }
  for (const k of contracts.slice(0, 3)) await act(`/v1/contracts/${k.id}/activate`);
  // Shipments: pending, shipped.
  for (const [i, k] of contracts.slice(0, 3).entries()) {
    const s = expectStatus(await asAdmin('POST', '/v1/shipments', { contract_id: k.id, lines: [{ contract_line_id: k.lines[0].id, quantity: '1' }], carrier: 'SF' }), 201, 'shipment').body;
    addToPool('shipments', s.id);
    if (i === 1) await act(`/v1/shipments/${s.id}/ship`);
  }

  // A real cursor of every list, for the lists' `cursor` parameter.
  for (const o of OPS.filter((x) => x.method === 'GET' && x.query.some((p) => p.name === 'cursor'))) {
    const r = await asAdmin('GET', `${o.tpl.replace('{id}', W.pools.customers[0])}?limit=1`);
    if (r.status === 200 && r.body.next_cursor) W.cursors[o.tpl] = [r.body.next_cursor];
  }

  // Another tenant: its admin's token and ids that must stay invisible to us.
  const B = await signup({ organization: `Fuzz foreign ${uniq()}` });
  const bc = await createCustomer(B.token, { name: `Foreign ${uniq()}` });
  W.foreign = { token: B.token, ids: [bc.id, B.user.id] };

  // Forged tokens: alg none, another key, HS256 with our public key, expired, wrong audience.
  const claims = JSON.parse(Buffer.from(T.token.split('.')[1], 'base64url').toString());
  const header = JSON.parse(Buffer.from(T.token.split('.')[0], 'base64url').toString());
  const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = nowSeconds();
  W.forged = {
    algnone: unsigned(header, claims),
    otherkey: signRS256(header, claims, otherKey),
    hs256: signHS256(header, claims, serverPublicPem()),
    expired: signRS256(header, { ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, serverPrivateKey()),
    audience: signRS256(header, { ...claims, aud: 'someone-else' }, serverPrivateKey()),
    garbage: 'abc.def.ghi',
  };
}

// Access tokens live at most 15 minutes; long runs sign in again.
async function tokenOf(kind) {
  const t = W.tokens[kind];
  if (Date.now() - t.at > 10 * 60 * 1000) {
    const { token } = await login(t.slug, t.email);
    t.token = token;
    t.at = Date.now();
  }
  return t.token;
}

// --- the cases ----------------------------------------------------------------

const AUTH_KINDS = [
  { weight: 5, arbitrary: fc.constant('admin') },
  { weight: 2, arbitrary: fc.constant('manager') },
  { weight: 3, arbitrary: fc.constant('sales') },
  { weight: 1, arbitrary: fc.constantFrom('assistant', 'finance', 'service') },
  { weight: 1, arbitrary: fc.constantFrom('none', 'garbage', 'none-alg', 'otherkey', 'hs256', 'expired', 'audience', 'foreign', 'basic') },
];

const IF_MATCH = ['current', 'current', 'current', 'absent', 'stale', 'star', 'weak', 'list', 'unquoted', 'padded', 'over31', 'huge', 'zero', 'garbage'];
const IDEM = ['absent', 'absent', 'fresh', 'fresh', 'replay', 'reuse', 'tab', 'long', 'latin1', 'max'];
const BAD_QUERY = ['', ' ', ' 5', '5 ', '0', '-1', '201', '1.5', '1e2', 'abc', '\u0000', 'a\u0000b', '\u0001', '\u007f', 'bogus', 'TRUE', '1', 'null', '%', '0000-01-01', '2026-02-30', '9999-12-31', '10000-01-01', '2026-01-01T00:00:00', 'LONG:cjk', 'LONG:emoji', 'LONG:combining', 'LONG:ascii', 'LONG:latin'];
const RAW_BODIES = ['', ' ', '{', '{"a":}', '{"a":1,}', "{'a':1}", '{"a":1} x', '["\\😀"]', '{"a":"\\x"}', '{"a":NaN}', '{"a":"\u0001"}', 'INVALID_UTF8', '\uFEFF{}', 'nul', '[', '{"a":[1,2}'];
const NON_OBJECTS = ['2', 'false', 'null', '" "', '[]', '[{}]', '"x"', '-0', '1e2'];

function paramArb(p) {
  const s = deref(p.schema) ?? {};
  // Most new customers look like earlier generated ones: confirm past the duplicate guard mostly.
  if (p.name === 'confirm_duplicate') {
    return fc.oneof({ weight: 6, arbitrary: fc.constant({ mode: 'valid', value: 'true' }) }, { weight: 1, arbitrary: fc.constant({ mode: 'absent' }) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_QUERY).map((value) => ({ mode: 'bad', value })) });
  }
  const validValue = valid(s, { ...GEN_OPTS, known: KNOWN }, p.name).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ mode: 'absent' }) },
    { weight: 3, arbitrary: validValue.map((value) => ({ mode: 'valid', value })) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_QUERY).map((value) => ({ mode: 'bad', value })) },
  );
}

const KNOWN = {
  currency: ['CNY', 'EUR', 'USD', 'JPY', 'GBP', 'ZZZ'],
  default_currency: ['CNY', 'EUR', 'USD', 'JPY', 'KWD', 'ZZZ'],
  timezone: ['Asia/Shanghai', 'Europe/Berlin', 'UTC', 'America/New_York', 'Pacific/Kiritimati', 'Mars/Olympus'],
  grant_type: ['password', 'refresh_token'],
  password: [PASSWORD],
};

function bodyArb(schema) {
  const v = valid(schema, { ...GEN_OPTS, known: KNOWN });
  return fc.oneof(
    { weight: 4, arbitrary: v.map((value) => ({ kind: 'valid', value })) },
    { weight: 6, arbitrary: fc.record({ value: v, m: mutationArb }).map(({ value, m }) => ({ kind: 'mutated', value, m })) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES).map((raw) => ({ kind: 'malformed', raw })) },
    { weight: 1, arbitrary: fc.constantFrom(...NON_OBJECTS).map((raw) => ({ kind: 'nonobject', raw })) },
    { weight: 1, arbitrary: fc.record({ value: v, extra: fc.constantFrom('dupkey', 'deep', 'big', 'ctype', 'noctype') }).map(({ value, extra }) => ({ kind: extra, value })) },
  );
}

function caseArb(o) {
  const q = {};
  for (const p of o.query) q[p.name] = paramArb(p);
  const ct = Object.keys(o.bodies);
  return fc.record({
    auth: o.secured ? fc.oneof(...AUTH_KINDS) : fc.constantFrom('none', 'none', 'admin', 'garbage'),
    id: o.hasId
      ? fc.oneof(
          { weight: 8, arbitrary: fc.nat({ max: 10000 }).map((i) => ({ mode: 'pool', i })) },
          { weight: 1, arbitrary: fc.constantFrom('random', 'foreign', 'malformed', 'upper', 'nul', 'other-kind').map((mode) => ({ mode })) },
        )
      : fc.constant(null),
    query: fc.record(q),
    ifMatch: o.ifMatch ? fc.constantFrom(...IF_MATCH) : fc.constant(null),
    idem: o.idempotent ? fc.constantFrom(...IDEM) : fc.constant(null),
    requestId: fc.oneof({ weight: 5, arbitrary: fc.constant('ok') }, { weight: 1, arbitrary: fc.constantFrom('long', 'bad', 'empty') }),
    accept: o.document ? fc.oneof({ weight: 10, arbitrary: fc.constantFrom(null, 'application/json', '*/*') }, { weight: 1, arbitrary: fc.constantFrom('text/csv', 'application/pdf') }) : fc.constant(null),
    contentType: ct.length ? fc.constantFrom(...ct) : fc.constant(null),
    body: ct.length ? bodyArb(o.bodies[ct[0]]) : fc.constant(null),
    body2: ct.length ? valid(o.bodies[ct[0]], { ...GEN_OPTS, known: KNOWN }) : fc.constant(null),
  });
}

// --- turning a case into a request ----------------------------------------------

function resolveRefs(v, used, key = '') {
  if (typeof v === 'string') {
    const m = POOL_REF.exec(v);
    if (!m) return v;
    const pool = W.pools[m[1]] ?? [];
    if (!pool.length) return randomUUID();
    const id = pool[Number(m[2]) % pool.length];
    // A body's own `id` names the row it creates, not one it reaches: ids are
    // per tenant, so another tenant may create a row under the same id.
    if (key !== 'id') used.push(id);
    return id;
  }
  if (Array.isArray(v)) return v.map((x) => resolveRefs(x, used));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefs(x, used, k)]));
  return v;
}

// Query values as the server receives them, typed as the schema expects.
function queryValueErrors(o, p, raw) {
  const s = deref(p.schema) ?? {};
  const type = s.type ?? deref(s.$ref)?.type;
  let value = raw;
  if (type === 'integer') {
    if (!/^-?(0|[1-9][0-9]*)$/.test(raw)) return [{ message: 'not an integer' }];
    value = Number(raw);
  } else if (type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') return [{ message: 'not a boolean' }];
    value = raw === 'true';
  }
  return valueErrors(`${o.name}?${p.name}`, s, value);
}

function dupKeyText(value) {
  const text = JSON.stringify(value);
  if (!value || typeof value !== 'object' || Array.isArray(value) || !Object.keys(value).length) return '{"a":1,"a":1}';
  const [k, v] = Object.entries(value)[0];
  return `{${JSON.stringify(k)}:${JSON.stringify(v)},${text.slice(1)}`;
}

const IF_MATCH_VALUES = { star: '*', weak: 'W/"1"', list: '"1", "2"', unquoted: '1', padded: '"0000000001"', over31: '"2147483648"', huge: '"9999999999"', zero: '"0"', garbage: 'x"y' };

async function buildRequest(o, c) {
  const used = [];
  const notes = []; // why the request is outside the contract, if it is
  let path = o.tpl;
  let poolId = null;
  if (o.hasId) {
    const pool = W.pools[pathPool(o)] ?? [];
    let id;
    switch (c.id.mode) {
      case 'pool':
        id = pool.length ? pool[c.id.i % pool.length] : randomUUID();
        poolId = id;
        break;
      case 'random':
        id = randomUUID();
        notes.push('id:unknown');
        break;
      case 'foreign':
        id = W.foreign.ids[0];
        notes.push('id:foreign');
        break;
      case 'malformed':
        id = 'not-a-uuid';
        notes.push('id:malformed');
        break;
      case 'upper':
        id = (pool[0] ?? randomUUID()).toUpperCase();
        break;
      case 'nul':
        id = `${pool[0] ?? randomUUID()}%00`;
        notes.push('id:malformed');
        break;
      default: {
        // An id of another kind of resource.
        const other = o.tpl.startsWith('/v1/products') ? W.pools.customers : W.pools.products;
        id = other[0];
        notes.push('id:other-kind');
      }
    }
    path = path.replace('{id}', id);
    if (c.id.mode === 'pool' || c.id.mode === 'upper') used.push(id.toLowerCase());
  }

  // Query string.
  const parts = [];
  for (const p of o.query) {
    const qv = c.query[p.name];
    if (qv.mode === 'absent') continue;
    // "Without it, or with any other value, the duplicate guard applies": any value is in the contract.
    const lenient = p.name === 'confirm_duplicate';
    let raw = qv.value;
    if (p.name === 'cursor' && qv.mode === 'bad' && qv.value !== '') notes.push('~cursor:forged');
    if (qv.mode === 'valid' && p.name === 'cursor') {
      // A cursor is opaque: only one the server returned is one (422 otherwise).
      const m = POOL_REF.exec(raw);
      const real = W.cursors[o.tpl] ?? [];
      if (m && real.length) raw = real[Number(m[2]) % real.length];
      else {
        if (m) raw = 'AAAA';
        notes.push('~cursor:forged');
      }
      // Customers and contacts with `q` are ranked: a cursor of the plain list is not one of those.
      const q = c.query.q;
      if (/^\/v1\/(customers|contacts)$/.test(o.tpl) && q && q.mode !== 'absent' && q.value !== '' && !notes.includes('~cursor:forged')) notes.push('~cursor:other-ordering');
    } else if (qv.mode === 'valid') raw = resolveRefs(raw, []);
    if (raw.startsWith('LONG:')) raw = makeText(raw.slice(5), (deref(p.schema)?.maxLength ?? deref(deref(p.schema)?.$ref)?.maxLength ?? 200) + 1, 7);
    const errs = queryValueErrors(o, p, raw);
    if (errs && !lenient) notes.push(`query:${p.name}`);
    parts.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(raw)}`);
  }
  const url = path + (parts.length ? `?${parts.join('&')}` : '');

  // Headers.
  const headers = {};
  let token = null;
  const authKind = c.auth;
  if (ROLES.includes(authKind)) token = await tokenOf(authKind);
  else if (authKind === 'foreign') token = W.foreign.token;
  else if (authKind === 'none-alg') token = W.forged.algnone;
  else if (W.forged[authKind]) token = W.forged[authKind];
  if (token) headers.authorization = `Bearer ${token}`;
  if (authKind === 'basic') headers.authorization = 'Basic YWRtaW46YWRtaW4=';
  const tokenValid = ROLES.includes(authKind) || authKind === 'foreign';
  if (o.secured && !tokenValid) notes.push(`auth:${authKind}`);

  const requestId = { ok: `fz-${randomUUID()}`, long: 'r'.repeat(65), bad: 'bad id', empty: '' }[c.requestId];
  if (c.requestId !== 'empty') headers['x-request-id'] = requestId;

  if (o.ifMatch) {
    if (c.ifMatch === 'current' || c.ifMatch === 'stale') {
      const getPath = o.tpl === '/v1/tenant' ? '/v1/tenant' : path.replace(/\/(send|accept|reject)$/, '');
      const r = await fetchRaw('GET', getPath, { authorization: `Bearer ${await tokenOf('admin')}` });
      const etag = r.headers.get('etag');
      const v = etag && /^"\d+"$/.test(etag) ? Number(etag.slice(1, -1)) : 1;
      headers['if-match'] = c.ifMatch === 'current' ? `"${v}"` : `"${v + 1000}"`;
    } else if (c.ifMatch !== 'absent') {
      headers['if-match'] = IF_MATCH_VALUES[c.ifMatch];
    }
    const ifm = headers['if-match'];
    if (ifm === undefined || !/^"[1-9][0-9]{0,9}"$/.test(ifm)) notes.push(`if-match:${c.ifMatch}`);
  }

  if (o.idempotent && c.idem !== 'absent') {
    const key = { fresh: `k-${randomUUID()}`, replay: `k-${randomUUID()}`, reuse: `k-${randomUUID()}`, tab: `k\t${randomUUID()}`, long: 'k'.repeat(256), max: `${'k'.repeat(219)}${randomUUID()}`, latin1: `k-\u00e9-${randomUUID()}` }[c.idem];
    headers['idempotency-key'] = key;
    if (!/^[\u0020-\u007e]{1,255}$/.test(key)) notes.push(`idempotency-key:${c.idem}`);
  }
  if (c.accept) headers.accept = c.accept;

  // Body.
  let text;
  let bodyValue;
  let mutation = null;
  let depth = 0;
  if (c.body) {
    const schema = o.bodies[c.contentType];
    headers['content-type'] = c.contentType;
    const b = c.body;
    if (b.kind === 'malformed') {
      text = b.raw === 'INVALID_UTF8' ? Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) : b.raw === 'nul' ? '{"a":"\u0000"}' : b.raw;
      notes.push('body:malformed-json');
    } else if (b.kind === 'nonobject') {
      text = b.raw;
      notes.push('body:not-an-object');
    } else {
      bodyValue = resolveRefs(b.value, used);
      if (b.kind === 'mutated') {
        // Only a mutation of a valid body is "wrong in one place".
        const baseValid = !valueErrors(`${o.name} body`, schema, bodyValue);
        mutation = { ...mutate(schema, bodyValue, b.m), baseValid };
        bodyValue = mutation.value;
      }
      text = JSON.stringify(bodyValue);
      if (b.kind === 'dupkey') {
        text = dupKeyText(bodyValue);
        notes.push('body:duplicate-member');
      } else if (b.kind === 'deep') {
        text = `${'['.repeat(40)}${text}${']'.repeat(40)}`;
        notes.push('body:too-deep');
      } else if (b.kind === 'big') {
        text = JSON.stringify({ ...(bodyValue && typeof bodyValue === 'object' ? bodyValue : {}), notes: 'a'.repeat(MAX_BODY + 10) });
        notes.push('body:too-large');
      } else if (b.kind === 'ctype') {
        headers['content-type'] = 'text/plain';
        notes.push('content-type');
      } else if (b.kind === 'noctype') {
        delete headers['content-type'];
        notes.push('content-type');
      }
      if (text !== undefined && b.kind !== 'dupkey' && b.kind !== 'deep' && b.kind !== 'big') {
        depth = jsonDepth(bodyValue);
        if (depth > MAX_DEPTH) notes.push('body:too-deep');
        const errs = valueErrors(`${o.name} body`, schema, bodyValue);
        if (errs) notes.push(`body:schema ${errs[0].instancePath || '/'} ${errs[0].message}`);
      }
      if (bodyValue !== undefined) refNotes(bodyValue, notes);
    }
  }

  // The other tenant's own ids are within the contract for its own token.
  if (authKind === 'foreign') for (let i = notes.indexOf('id:foreign'); i >= 0; i = notes.indexOf('id:foreign')) notes.splice(i, 1);
  const foreign = authKind === 'foreign' && used.some((id) => W.known.has(id));
  if (foreign) notes.push('isolation:foreign-token');
  if (tokenValid && authKind !== 'foreign' && roleForbidden(o, authKind)) notes.push(`role:${authKind}`);
  return { method: o.method, url, headers, text, bodyValue, mutation, notes, requestId, authKind, tokenValid, depth, poolId, c };
}

// A reference member naming an id that is none of ours cannot be written.
function refNotes(v, notes, key = '') {
  if (typeof v === 'string') {
    if (REF_MEMBERS.has(key) && /^[0-9a-f-]{36}$/i.test(v) && !W.known.has(v.toLowerCase())) notes.push(`ref:${key}`);
  } else if (Array.isArray(v)) v.forEach((x) => refNotes(x, notes, key));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) refNotes(x, notes, k);
}

// What the spec's prose says a role may never do (a 2xx would be a leak).
function roleForbidden(o, role) {
  const { method, tpl } = o;
  const readOnly = ['assistant', 'finance', 'service'].includes(role);
  if (method === 'GET') {
    if (tpl === '/v1/audit-log') return role !== 'admin';
    if (tpl === '/v1/users') return role !== 'admin' && role !== 'manager';
    return false;
  }
  if (/^\/v1\/(users|teams)(\/|$)/.test(tpl) || tpl === '/v1/tenant') return role !== 'admin';
  if (/^\/v1\/customers\/\{id\}\/(transfer|merge)$/.test(tpl)) return role !== 'admin' && role !== 'manager';
  if (method === 'DELETE' && tpl === '/v1/customers/{id}') return role !== 'admin' && role !== 'manager';
  if (/^\/v1\/(customers|contacts|contact-records)(\/|$)/.test(tpl)) return readOnly;
  if (/^\/v1\/products(\/|$)/.test(tpl)) return ['sales', 'finance', 'service'].includes(role);
  if (/^\/v1\/quotations(\/|$)/.test(tpl) && method !== 'DELETE') return readOnly;
  if (method === 'POST' && (tpl === '/v1/contracts' || tpl === '/v1/shipments')) return role === 'finance' || role === 'service';
  return false;
}

async function fetchRaw(method, url, headers, body) {
  let res;
  try {
    res = await fetch(BASE + url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(30000) });
  } catch (err) {
    return { status: 0, headers: new Headers(), text: '', body: null, error: `${err.message}${err.cause ? ` (${err.cause.code ?? err.cause.message ?? err.cause})` : ''}` };
  }
  const text = await res.text();
  let parsed = text;
  const ct = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (text && (ct === 'application/json' || ct.endsWith('+json'))) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

// --- the oracle -------------------------------------------------------------------

/**
 * Every way `res` breaks the contract for request `req`: [{check, detail}].
 */
function judge(o, req, res, sqlFailures) {
  const v = [];
  const add = (check, detail, key) => v.push({ check, detail, key });
  const s = res.status;
  if (res.error) {
    add('no-response', res.error);
    return v;
  }
  if (s >= 500) add('5xx', `status ${s}: ${res.body?.detail ?? res.text.slice(0, 100)}`, `${s} ${res.body?.detail ?? ''}`);
  try {
    checkResponse(o.method, req.url, res, { template: o.tpl });
  } catch (err) {
    const lines = err.message.split('\n');
    const why = lines.filter((l) => l.startsWith('  - ')).slice(0, 3).map((l) => l.replace(/ \(schema [^)]*\)$/, '').trim());
    add('response-contract', [lines[0], ...why].join('\n  '), `${lines[0]} ${(why[0] ?? '').replace(/\{.*$/, '')}`);
  }
  const ct = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  if (s >= 400 && ct !== 'application/problem+json') add('problem-json', `an error answered with content type "${ct}"`);
  if (s >= 400 && res.body && typeof res.body === 'object' && res.body.status !== s) add('problem-json', `problem status ${res.body.status} is not the HTTP status ${s}`);
  if (req.c.requestId === 'ok' && res.headers.get('x-request-id') !== req.requestId) add('request-id', `X-Request-Id ${res.headers.get('x-request-id')} is not the one sent`);

  const notes = req.notes;
  const ok = s >= 200 && s < 300;
  // Notes starting with "~" make a request one whose fate the client cannot know (a
  // cursor it made up may happen to decode): neither a 2xx nor a 422 is a break.
  const outside = notes.filter((n) => !n.startsWith('~'));
  const errors = s === 422 && Array.isArray(res.body?.errors) ? res.body.errors : [];
  if (s === 422) {
    const wholeBody = notes.includes('body:not-an-object') || notes.includes('body:malformed-json') || (req.text !== undefined && (!req.bodyValue || typeof req.bodyValue !== 'object' || Array.isArray(req.bodyValue)));
    if (!errors.length) add('422-names-a-field', 'a 422 without errors[]');
    else if (!wholeBody && !errors.some((e) => typeof e.field === 'string' && e.field !== '')) add('422-names-a-field', `errors name no field: ${JSON.stringify(errors).slice(0, 200)}`);
  }
  if (ok && outside.length) add('accepted-invalid', `${s} for a request outside the contract (${outside.join('; ')})`, outside.map((n) => n.replace(/^(body:schema \S*).*$/, '$1')).join('; '));
  // A body announced larger than the limit is refused before it is read, credentials or not.
  const refusedUnread = s === 413 && notes.includes('body:too-large');
  if (o.secured && notes.some((n) => n.startsWith('auth:')) && s !== 401 && !refusedUnread) add('unauthenticated-not-401', `${s} for ${req.authKind} credentials`);
  if (notes.includes('body:malformed-json') && notes.length === 1 && s === 422) add('malformed-not-400', 'a body that is not JSON answered 422');
  if (notes.length === 1 && notes[0] === 'body:not-an-object' && s === 400) add('shape-not-422', `the JSON text ${JSON.stringify(String(req.text))} is JSON of the wrong shape: 422, not 400`, '');

  // A request wrong in one place only: the refusal says so, in that place — unless the
  // server refused something else for a reason only it can know (`invalid`: a
  // contact of another customer, a team that does not exist), which it checks apart.
  const semantic = errors.some((e) => ['invalid', 'reused', 'range'].includes(e.code)
    || (e.code === 'unknown' && ['currency', 'default_currency'].includes(e.field)) || (e.code === 'enum' && e.field === 'timezone'));
  if (notes.length === 1 && s === 422 && !semantic && req.mutation?.baseValid && notes[0].startsWith('body:schema')) {
    const f = fieldName(req.mutation.path);
    // A member whose absence an anyOf answers with its alternative (no product_id:
    // then description and unit_price) is answered on its siblings, as required.
    const parent = f.includes('.') ? f.slice(0, f.lastIndexOf('.') + 1) : '';
    const sibling = (e) => e.code === 'required' && e.field.startsWith(parent) && !/[.[]/.test(e.field.slice(parent.length));
    const related = (e) => typeof e.field === 'string' && (e.field === f || e.field.startsWith(`${f}.`) || e.field.startsWith(`${f}[`) || (e.field !== '' && (f.startsWith(`${e.field}.`) || f.startsWith(`${e.field}[`))) || (f === '' && e.field === '') || sibling(e));
    if (errors.length && !errors.some(related)) add('422-wrong-field', `mutated ${f || '(body)'} (${req.mutation.kind}) but errors name ${errors.map((e) => e.field).join(', ')}`);
  }
  if (notes.length === 1 && notes[0].startsWith('query:') && s === 422 && !semantic) {
    const name = notes[0].slice(6);
    if (!errors.some((e) => e.field === name)) add('422-wrong-field', `query ${name} is out of its schema but errors name ${errors.map((e) => e.field).join(', ')}`);
  }
  if (notes.length === 1 && notes[0].startsWith('if-match:')) {
    const mode = notes[0].slice(9);
    const want = mode === 'absent' || mode === 'star' ? 428 : 412;
    if (![want, 403, 404, 409].includes(s)) add('if-match', `If-Match ${mode} (${JSON.stringify(req.headers['if-match'] ?? null)}) answered ${s}, not ${want}`);
  }
  if (notes.length === 1 && notes[0].startsWith('idempotency-key:') && s === 422 && !semantic && !errors.some((e) => e.field === 'Idempotency-Key')) {
    add('422-wrong-field', `a malformed Idempotency-Key answered 422 naming ${errors.map((e) => e.field).join(', ')}`);
  }

  // A request inside the contract is refused only for a reason the spec gives.
  if (notes.length === 0 && s >= 400 && s < 500) {
    if (s === 400 && req.depth <= MAX_DEPTH) add('refused-valid', `400 for a well-formed body within the schema`);
    if (s === 401 && o.secured) add('refused-valid', '401 with a valid access token');
    if (s === 413 && Buffer.byteLength(req.text ?? '') <= MAX_BODY) add('refused-valid', '413 for a body under 1 MiB');
    if (s === 415) add('refused-valid', `415 for ${req.headers['content-type']}`);
    if (s === 428) add('refused-valid', '428 although If-Match was sent');
    if (s === 422) {
      // A merge patch of custom fields is held to their limits together with
      // the stored members, which the schema of the patch alone cannot say.
      const mergedCustom = (e) => o.method === 'PATCH' && e.field === 'custom' && e.code === 'too_long';
      const schemaSays = errors.filter((e) => !(e.field === 'cursor' && notes.some((n) => n.startsWith('~cursor:'))) && !mergedCustom(e) && ['type', 'too_long', 'too_short', 'read_only', 'required', 'format'].includes(e.code)
        || (e.code === 'enum' && e.field !== 'timezone')
        || (e.code === 'unknown' && !['currency', 'default_currency'].includes(e.field)));
      if (schemaSays.length) add('refused-valid', `422 ${schemaSays.map((e) => `${e.field}:${e.code}`).join(', ')} for a value the schema allows`);
    }
  }
  for (const f of sqlFailures) add('server-log', f.line.slice(0, 300));
  return v;
}

// --- running cases ------------------------------------------------------------------

let serverLog;

async function runCase(o, c) {
  const req = await buildRequest(o, c);
  const send = (headers, text) => fetchRaw(req.method, req.url, headers, text);
  serverLog.failures(); // what came before is not this request's
  const res = await send(req.headers, req.text);
  let violations = judge(o, req, res, serverLog.failures());
  if (req.authKind !== 'foreign') recordCreated(o, res);

  // Idempotency: the same key and body again answers the first response; another body 422.
  if (res.status === 201 && (c.idem === 'replay' || c.idem === 'reuse') && req.notes.length === 0) {
    let text2 = req.text;
    if (c.idem === 'reuse') {
      text2 = JSON.stringify(resolveRefs(c.body2, []));
      if (text2 === req.text) return { req, res, violations };
    }
    const again = await send({ ...req.headers, 'x-request-id': `fz-${randomUUID()}` }, text2);
    const req2 = { ...req, text: text2, notes: [], requestId: null, c: { ...c, requestId: 'none' } };
    violations = violations.concat(judge(o, req2, again, serverLog.failures()));
    if (c.idem === 'replay') {
      if (again.status !== res.status || again.text !== res.text) violations.push({ check: 'idempotent-replay', detail: `the replay answered ${again.status} ${again.text.slice(0, 120)} instead of ${res.status} ${res.text.slice(0, 120)}` });
      if (again.headers.get('idempotent-replayed') !== 'true') violations.push({ check: 'idempotent-replay', detail: 'the replay lacks Idempotent-Replayed: true' });
    } else if (again.status !== 422 || !(again.body?.errors ?? []).some((e) => e.field === 'Idempotency-Key' && e.code === 'reused')) {
      violations.push({ check: 'idempotent-reuse', detail: `the same key with another body answered ${again.status} ${again.text.slice(0, 160)}` });
    }
  }
  return { req, res, violations };
}

const CREATED_POOLS = { '/v1/customers': ['customers', 'victimCustomers'], '/v1/products': ['products'], '/v1/quotations': ['quotations'], '/v1/contracts': ['contracts'], '/v1/shipments': ['shipments'], '/v1/contact-records': ['records'], '/v1/customers/{id}/contacts': ['contacts'], '/v1/customers/{id}/contact-records': ['records'], '/v1/teams': ['victimTeams', 'teams'], '/v1/users': ['victimUsers', 'users'] };

function recordCreated(o, res) {
  if (o.method !== 'POST' || res.status !== 201 || !res.body?.id) return;
  for (const p of CREATED_POOLS[o.tpl] ?? []) addToPool(p, res.body.id);
  for (const l of res.body.lines ?? []) if (o.tpl === '/v1/contracts' && l.id) addToPool('contractLines', l.id);
}

// A signature tells one break from another, so each is shrunk and reported once.
function signature(v) {
  const d = (v.key ?? v.detail)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, 'ID')
    .replace(/\(.*$/, '')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 90);
  return `${v.check}: ${d}`;
}

function showRequest(req) {
  const h = Object.entries(req.headers)
    .map(([k, x]) => `    ${k}: ${k === 'authorization' ? `${x.split(' ')[0]} <${req.authKind}>` : JSON.stringify(x).slice(1, -1)}`)
    .join('\n');
  let body = '';
  if (req.text !== undefined) {
    const t = Buffer.isBuffer(req.text) ? `<bytes ${req.text.toString('hex')}>` : req.text;
    const shown = JSON.stringify(t.length > 1500 ? t.slice(0, 1500) : t).slice(1, -1).replace(/[\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    body = `\n    body: ${shown}${t.length > 1500 ? `… (${t.length} characters)` : ''}`;
  }
  return `  ${req.method} ${req.url}\n${h}${body}`;
}

function showResponse(res) {
  const t = res.text.length > 600 ? `${res.text.slice(0, 600)}…` : res.text;
  return `  → ${res.status} ${res.headers.get('content-type') ?? ''} ${t}`;
}

// --- the tests ------------------------------------------------------------------------

const seedOf = (o) => (SEED + o.index * 7919) % 2 ** 31;
// Writes have the most to get wrong, the static routes the least: time is shared by weight.
const weightOf = (o) => (Object.keys(o.bodies).length ? 3 : o.query.length ? 1.5 : o.secured ? 1 : 0.3);
const TOTAL_WEIGHT = OPS.reduce((n, o) => n + weightOf(o), 0);
const explorePerOp = (o) => Math.max(200, Math.floor((SECONDS * 1000 * weightOf(o)) / TOTAL_WEIGHT));
let shrinkLeft = SHRINK_SECONDS * 1000; // milliseconds of shrinking left for the whole run
const findings = [];

describe('contract fuzz: every operation, any input', () => {
  before(async () => {
    const logPath = process.env.CRM_TEST_SERVER_LOG;
    assert.ok(logPath, 'CRM_TEST_SERVER_LOG must name the server log (scripts/test.sh sets it) so that SQL failures are seen');
    serverLog = new ServerLog(logPath);
    console.log(`contract fuzz: seed ${SEED} (CRM_FUZZ_SEED=${SEED}), at most ${RUNS} cases per operation, ${SECONDS} s exploring ${OPS.length} operations, ${SHRINK_SECONDS} s shrinking`);
    await buildWorld();
  });

  after(() => {
    serverLog?.close();
    if (findings.length) {
      console.log(`\ncontract fuzz: ${findings.length} distinct breaks (seed ${SEED}):`);
      for (const f of findings) console.log(`  - ${f}`);
    }
  });

  for (const o of OPS) {
    test(`${o.name} holds the contract`, async () => {
      const arb = caseArb(o);
      const seed = seedOf(o);
      const found = new Map(); // signature -> {run, example}
      let run = 0;
      let cases = 0;
      const started = Date.now();
      const explored = await fc.check(
        fc.asyncProperty(arb, async (c) => {
          const at = run++;
          const { req, res, violations } = await runCase(o, c);
          cases++;
          for (const v of violations) {
            const sig = signature(v);
            if (!found.has(sig) && found.size < 12) found.set(sig, { run: at, v, req, res });
          }
          return true;
        }),
        { seed, numRuns: RUNS, interruptAfterTimeLimit: explorePerOp(o), endOnFailure: true },
      );
      // The property never fails by itself: a failure here is the harness's own error.
      if (explored.failed) throw explored.errorInstance ?? new Error(String(explored.error));
      const reports = [];
      for (const [sig, first] of found) {
        let best = first;
        let steps = 0;
        const shrinkStart = Date.now();
        const shrinkDeadline = shrinkStart + Math.min(shrinkLeft, 8000);
        if (shrinkLeft > 0) {
          // Replay that case and let fast-check shrink it while the same break shows.
          const r = await fc.check(
            fc.asyncProperty(arb, async (c) => {
              if (Date.now() > shrinkDeadline || steps > 400) return true;
              steps++;
              const out = await runCase(o, c);
              const hit = out.violations.find((x) => signature(x) === sig);
              if (hit) best = { run: first.run, v: hit, req: out.req, res: out.res };
              return !hit;
            }),
            { seed, path: String(first.run), numRuns: 1, endOnFailure: false },
          );
          if (!r.failed) steps = -steps; // did not reproduce
          shrinkLeft -= Date.now() - shrinkStart;
        }
        const how = steps > 0 ? `shrunk in ${steps} steps` : steps < 0 ? 'did not reproduce on replay; first occurrence shown' : 'not shrunk (out of time)';
        findings.push(`${o.name} — ${sig}`);
        reports.push(`[${best.v.check}] ${o.name} (seed ${seed}, case ${first.run}, ${how})\n  ${best.v.detail}\n${showRequest(best.req)}\n${showResponse(best.res)}`);
      }
      const took = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`# ${o.name}: ${cases} cases in ${took} s, ${found.size} distinct breaks`);
      if (reports.length) assert.fail(`${o.name} breaks the contract in ${reports.length} ways (CRM_FUZZ_SEED=${SEED} CRM_FUZZ_OPS='^${o.method} ${o.tpl.replace(/[{}]/g, '\\$&')}$' to rerun):\n\n${reports.join('\n\n')}`);
    });
  }

  test('the server logged no database failure during the run', () => {
    const left = serverLog.failures();
    assert.deepEqual(left.map((f) => f.line), [], 'database failures outside any request');
  });
});
