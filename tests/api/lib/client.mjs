// client.mjs: the HTTP client every API test uses. Each response is checked
// against openapi/openapi.yaml before the test sees it; plus helpers that make
// a fresh tenant and users so every test file stands on its own.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { checkResponse } from './spec.mjs';

export const BASE = (process.env.CRM_TEST_URL ?? 'http://127.0.0.1:18080').replace(/\/+$/, '');
export const PASSWORD = 'test-password-123';
const TIMEOUT_MS = Number(process.env.CRM_TEST_TIMEOUT_MS ?? 30000);

/** A short random suffix for names that must be unique across runs. */
export function uniq(prefix = '') {
  return `${prefix}${randomUUID().slice(0, 8)}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function hasHeader(headers, name) {
  return Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());
}

/**
 * Send one request. Options:
 *   token     access token for `Authorization: Bearer`
 *   body      a value sent as JSON
 *   rawBody   a string/Buffer sent as is (Content-Type application/json unless given)
 *   headers   extra request headers
 *   validate  false to skip the OpenAPI check (only for requests the spec cannot know, e.g. unknown routes)
 * Returns { status, headers (a Headers), body (parsed JSON, or the text), text }.
 */
export async function api(method, path, { token, body, rawBody, headers = {}, validate = true } = {}) {
  const h = { ...headers };
  let payload;
  if (rawBody !== undefined) payload = rawBody;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined && !hasHeader(h, 'content-type')) h['content-type'] = 'application/json';
  if (token && !hasHeader(h, 'authorization')) h.authorization = `Bearer ${token}`;

  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      headers: h,
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = err.cause ? ` (${err.cause.code ?? ''} ${err.cause.message ?? err.cause})` : '';
    throw new Error(`${method} ${path}: no HTTP response: ${err.message}${cause}`);
  }
  const text = await res.text();
  const ct = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  let parsed = text;
  if (text.length > 0 && (ct === 'application/json' || ct.endsWith('+json'))) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text; // checkResponse reports it
    }
  }
  const out = { status: res.status, headers: res.headers, body: parsed, text };
  if (validate) checkResponse(method, path, out);
  return out;
}

/** Assert the status, showing the body when it differs. */
export function expectStatus(res, status, what = '') {
  const want = Array.isArray(status) ? status : [status];
  if (!want.includes(res.status)) {
    assert.fail(`${what ? what + ': ' : ''}expected HTTP ${want.join(' or ')}, got ${res.status}: ${res.text.slice(0, 800)}`);
  }
  return res;
}

/** Assert a problem+json error with the given status (and, if given, field errors). */
export function expectProblem(res, status, { field, code } = {}) {
  expectStatus(res, status);
  const ct = res.headers.get('content-type') ?? '';
  assert.match(ct, /^application\/problem\+json/, `error must be application/problem+json, got ${ct}`);
  assert.equal(res.body.status, status, 'problem "status" member equals the HTTP status');
  assert.equal(typeof res.body.type, 'string');
  assert.equal(typeof res.body.title, 'string');
  if (field !== undefined) {
    const errors = res.body.errors ?? [];
    const hit = errors.find((e) => e.field === field && (code === undefined || e.code === code));
    assert.ok(
      hit,
      `expected errors[] to name field "${field}"${code ? ` with code "${code}"` : ''}, got ${JSON.stringify(errors)}`,
    );
  }
  return res;
}

/** The ETag value a resource of `version` carries. */
export const etag = (version) => `"${version}"`;

/** `If-Match` header for a resource (object with version) or a raw ETag string. */
export function ifMatch(resourceOrEtag) {
  const v = typeof resourceOrEtag === 'string' ? resourceOrEtag : etag(resourceOrEtag.version);
  return { 'if-match': v };
}

/** Decode a JWT without verifying it: { header, payload }. */
export function decodeJwt(token) {
  const [h, p] = token.split('.');
  const dec = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  return { header: dec(h), payload: dec(p) };
}

/** POST /v1/auth/token with any body; the response as is. */
export function tokenRequest(body, opts = {}) {
  return api('POST', '/v1/auth/token', { body, ...opts });
}

/** Password grant that must succeed: { token, refresh, body }. */
export async function login(slug, email, password = PASSWORD) {
  const r = expectStatus(
    await tokenRequest({ grant_type: 'password', tenant: slug, email, password }),
    200,
    `login ${email}@${slug}`,
  );
  return { token: r.body.access_token, refresh: r.body.refresh_token, body: r.body };
}

/** Refresh grant; the response as is. */
export function refresh(refreshToken) {
  return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
}

/**
 * Sign up a new tenant (unique organization name) and its first admin.
 * Returns { tenant, user, token, refresh, email, password, slug }.
 */
export async function signup({ organization, name = 'Test Admin', email, password = PASSWORD } = {}) {
  const org = organization ?? `Test Org ${uniq()}`;
  const mail = email ?? `${uniq('admin-')}@example.com`;
  const r = expectStatus(
    await api('POST', '/v1/signup', { body: { organization: org, name, email: mail, password } }),
    201,
    'signup',
  );
  return {
    tenant: r.body.tenant,
    user: r.body.user,
    slug: r.body.tenant.slug,
    token: r.body.access_token,
    refresh: r.body.refresh_token,
    email: mail,
    password,
  };
}

/**
 * Admin creates a user of `role`; `extra` adds/overrides fields (team_id, name, email...).
 * Returns the created user plus { email, password } used.
 */
export async function createUser(adminToken, role, extra = {}) {
  const body = {
    email: `${uniq(role + '-')}@example.com`,
    name: `${role[0].toUpperCase()}${role.slice(1)} ${uniq()}`,
    role,
    password: PASSWORD,
    ...extra,
  };
  const r = expectStatus(await api('POST', '/v1/users', { token: adminToken, body }), 201, `create ${role}`);
  return { ...r.body, email: body.email, password: body.password };
}

/** createUser + login: { user, token, refresh, email, password }. */
export async function addUser(tenantCtx, role, extra = {}) {
  const user = await createUser(tenantCtx.token, role, extra);
  const { token, refresh: rt } = await login(tenantCtx.slug, user.email, user.password);
  return { user, token, refresh: rt, email: user.email, password: user.password };
}

/** Admin creates a team. */
export async function createTeam(adminToken, name, leaderId) {
  const body = { name };
  if (leaderId !== undefined) body.leader_id = leaderId;
  const r = expectStatus(await api('POST', '/v1/teams', { token: adminToken, body }), 201, 'create team');
  return r.body;
}

/** Create a customer that must succeed; returns the customer. Generated names
 * look alike, so the duplicate guard is confirmed past (it has tests of its own). */
export async function createCustomer(token, fields = {}) {
  const body = { name: `Customer ${uniq()}`, ...fields };
  const r = expectStatus(await api('POST', '/v1/customers?confirm_duplicate=true', { token, body }), 201, 'create customer');
  return r.body;
}

/** Follow next_cursor through every page; returns all items. */
export async function listAll(path, token, { limit = 200 } = {}) {
  const items = [];
  let cursor = null;
  for (let pages = 0; pages < 1000; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = expectStatus(await api('GET', url, { token }), 200, `list ${path}`);
    items.push(...r.body.data);
    cursor = r.body.next_cursor;
    if (!cursor) return items;
  }
  throw new Error(`list ${path} never ended`);
}

/** The ids of a list of resources. */
export const ids = (items) => items.map((x) => x.id);

/** Build a query string from an object, skipping undefined. */
export function qs(params) {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Page the feed from `cursor` to its end: { items, cursor }. */
export async function drain(token, cursor) {
  const items = [];
  for (let pages = 0; pages < 1000; pages++) {
    const r = expectStatus(await api('GET', `/v1/changes${qs({ cursor, limit: 200 })}`, { token }), 200, 'change feed');
    if (r.body.data.length === 0) return { items, cursor: r.body.next_cursor };
    items.push(...r.body.data);
    cursor = r.body.next_cursor;
  }
  throw new Error('the feed never ended');
}

/** Drain until `done(items)` holds (a change shows once older transactions have finished). */
export async function drainUntil(token, cursor, done, what) {
  const items = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await drain(token, cursor);
    items.push(...r.items);
    cursor = r.cursor;
    if (done(items)) return { items, cursor };
    if (Date.now() > deadline) assert.fail(`the feed never showed ${what}; got ${JSON.stringify(items)}`);
    await sleep(50);
  }
}
