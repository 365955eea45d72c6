// contract_breaks.test.mjs: regressions of the contract breaks of issue 8 in
// the domain modules (merges, replays, sign-in, revocation, quotations, the
// agenda, lengths), one describe per break: each failed on the code before
// its fix, with a status or a body the contract does not allow.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  api,
  signup,
  addUser,
  createCustomer,
  tokenRequest,
  login,
  expectStatus,
  expectProblem,
  ifMatch,
  etag,
  uniq,
  qs,
} from './lib/client.mjs';

let T; // a tenant of its own: its admin merges
let S; // a salesperson of T

before(async () => {
  T = await signup();
  S = await addUser(T, 'sales');
});

const merge = (keep, dup) =>
  api('POST', `/v1/customers/${keep.id}/merge`, { token: T.token, body: { duplicate_id: dup.id } });
const getCustomer = (c) => api('GET', `/v1/customers/${c.id}`, { token: T.token });

/** `n` custom members named with `prefix`, each `size` characters long. */
function customOf(prefix, n, size = 1) {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'x'.repeat(size)]));
}

describe('a merge stays within what a customer may hold', () => {
  /** Merge two customers made of `a` and `b`: the refusal must name `field`,
   * and both customers must be as they were. */
  async function refused(a, b, field) {
    const keep = await createCustomer(T.token, a);
    const dup = await createCustomer(T.token, b);
    const r = expectProblem(await merge(keep, dup), 409, { field, code: 'too_long' });
    assert.match(r.body.detail, new RegExp(field));
    assert.deepEqual(expectStatus(await getCustomer(keep), 200).body, keep, 'the survivor is unchanged');
    assert.deepEqual(expectStatus(await getCustomer(dup), 200).body, dup, 'the duplicate is still there');
  }

  test('notes: two of 6,000 characters would join to 12,002', async () => {
    await refused({ notes: 'a'.repeat(6000) }, { notes: '笔'.repeat(6000) }, 'notes');
  });

  test('tags: 40 and 40 others would make 80', async () => {
    const tags = (p) => Array.from({ length: 40 }, (_, i) => `${p}-${i}`);
    await refused({ tags: tags('a') }, { tags: tags('b') }, 'tags');
  });

  test('custom: 150 and 150 other members would make 300', async () => {
    await refused({ custom: customOf('a', 150) }, { custom: customOf('b', 150) }, 'custom');
  });

  test('custom: two of 10 KB would encode to more than 16 KiB', async () => {
    await refused({ custom: customOf('a', 10, 1000) }, { custom: customOf('b', 10, 1000) }, 'custom');
  });

  test('within the limits the merge joins them as before', async () => {
    const shared = Array.from({ length: 30 }, (_, i) => `t-${i}`);
    const keep = await createCustomer(T.token, {
      notes: 'k'.repeat(4998),
      tags: [...shared, 'keep'],
      custom: { ...customOf('a', 100), same: 'keep' },
    });
    const dup = await createCustomer(T.token, {
      notes: 'd'.repeat(5000),
      tags: [...shared, ...Array.from({ length: 19 }, (_, i) => `d-${i}`)],
      custom: { ...customOf('b', 99), same: 'dup' },
    });
    const merged = expectStatus(await merge(keep, dup), 200).body;
    assert.equal([...merged.notes].length, 10000, 'notes joined by a blank line, exactly at the limit');
    assert.equal(merged.tags.length, 50);
    assert.equal(Object.keys(merged.custom).length, 200);
    assert.equal(merged.custom.same, 'keep', "the survivor's value wins");
    expectProblem(await getCustomer(dup), 404);
  });
});

describe('custom fields patched in stay within their limits', () => {
  const patch = (c, body) => api('PATCH', `/v1/customers/${c.id}`, { token: T.token, body, headers: ifMatch(c) });

  test('150 members patched into 150 would make 300: 422 naming custom, nothing changed', async () => {
    const c = await createCustomer(T.token, { custom: customOf('a', 150) });
    expectProblem(await patch(c, { custom: customOf('b', 150) }), 422, { field: 'custom', code: 'too_long' });
    expectProblem(await patch(c, { custom: customOf('b', 16, 1000), name: 'x' }), 422, { field: 'custom' });
    assert.deepEqual(expectStatus(await getCustomer(c), 200).body, c);
    // Removing members in the same patch makes room; other fields are not held to it.
    const fewer = { ...customOf('b', 100), ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`a${i}`, null])) };
    const changed = expectStatus(await patch(c, { custom: fewer }), 200).body;
    assert.equal(Object.keys(changed.custom).length, 200);
    expectStatus(await patch(changed, { notes: 'n' }), 200);
    expectProblem(await patch(c, { notes: 'stale' }), 412);
  });
});

describe('idempotent replays', () => {
  test('a replayed customer carries its ETag, whatever numbers its custom fields hold', async () => {
    // PostgreSQL writes 1e20 out as 21 digits, more than an integer of the
    // JSON library holds: the replay read no version from it.
    // (Sent as text: JSON.stringify would write 1e20 out in full, which the
    // server's parser refuses as an integer too big.)
    const key = uniq('replay-');
    const rawBody = `{"name":"Replay ${uniq()}","custom":{"big":1e20,"small":1e-7}}`;
    const post = () =>
      api('POST', '/v1/customers?confirm_duplicate=true', { token: S.token, rawBody, headers: { 'idempotency-key': key } });
    const first = expectStatus(await post(), 201);
    const again = expectStatus(await post(), 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, first.text, 'the same body, byte for byte');
    assert.equal(again.headers.get('etag'), etag(1));
    assert.equal(again.headers.get('location'), first.headers.get('location'));
  });
});

describe('signing in', () => {
  test('an email of 100 emoji is a wrong credential (401), not a broken character', async () => {
    // The rate limit's key held 400 bytes: the cut fell inside the 98th emoji.
    const email = '😀'.repeat(100);
    const r = expectProblem(await tokenRequest({ grant_type: 'password', tenant: T.slug, email, password: 'x' }), 401);
    assert.equal(r.body.type, 'https://crm.example/problems/invalid-grant');
    // The same with a CJK tenant slug in the key as well.
    expectProblem(
      await tokenRequest({ grant_type: 'password', tenant: '租户'.repeat(31), email: `${'邮'.repeat(240)}@x.cn`, password: 'x' }),
      401,
    );
  });
});

describe('revoking a refresh token', () => {
  const revoke = (body) => api('POST', '/v1/auth/revoke', { body });

  test('a body the schema refuses is 422 naming the field', async () => {
    expectProblem(await revoke({ refresh_token: 'not a token!' }), 422, { field: 'refresh_token', code: 'format' });
    expectProblem(await revoke({ refresh_token: '租户.token' }), 422, { field: 'refresh_token', code: 'format' });
    expectProblem(await revoke({ refresh_token: '' }), 422, { field: 'refresh_token' });
    expectProblem(await revoke({ refresh_token: 'abc', token_type_hint: 'access_token' }), 422, {
      field: 'token_type_hint',
      code: 'enum',
    });
    expectProblem(await revoke({ refresh_token: 'abc', token_type_hint: '' }), 422, { field: 'token_type_hint' });
  });

  test('a well-formed token answers 204 whether or not it was issued (RFC 7009)', async () => {
    expectStatus(await revoke({ refresh_token: `never-issued.${uniq()}` }), 204);
    expectStatus(await revoke({ refresh_token: `${T.tenant.id}.unknown~secret_1`, token_type_hint: 'refresh_token' }), 204);
    const { refresh } = await login(T.slug, T.email, T.password);
    expectStatus(await revoke({ refresh_token: refresh, token_type_hint: 'refresh_token' }), 204);
    expectProblem(await tokenRequest({ grant_type: 'refresh_token', refresh_token: refresh }), 401);
  });

  test('the refresh grant holds refresh_token to the same form', async () => {
    expectProblem(await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'a b' }), 422, {
      field: 'refresh_token',
      code: 'format',
    });
  });
});

describe('quotation revisions', () => {
  let C, P; // S's customer and one of its contact persons
  const line = { description: 'Work', quantity: '1', unit_price: '10' };
  const create = async (extra = {}) =>
    expectStatus(
      await api('POST', '/v1/quotations', { token: S.token, body: { customer_id: C.id, lines: [line], ...extra } }),
      201,
    ).body;
  const patch = (q, body) => api('PATCH', `/v1/quotations/${q.id}`, { token: S.token, body, headers: ifMatch(q) });
  const send = async (q) => expectStatus(await api('POST', `/v1/quotations/${q.id}/send`, { token: S.token }), 200).body;
  const get = async (q) => expectStatus(await api('GET', `/v1/quotations/${q.id}`, { token: S.token }), 200).body;

  before(async () => {
    C = await createCustomer(S.token);
    const r = await api('POST', `/v1/customers/${C.id}/contacts`, { token: S.token, body: { name: 'Li Lei' } });
    P = expectStatus(r, 201).body;
  });

  test('after its draft revision was deleted, a sent quotation is revised again with the next revision', async () => {
    const sent = await send(await create());
    const rev2 = expectStatus(await patch(sent, { notes: 'v2' }), 200).body;
    assert.equal(rev2.revision, 2);
    expectStatus(await api('DELETE', `/v1/quotations/${rev2.id}`, { token: S.token, headers: ifMatch(rev2) }), 204);
    const back = await get(sent);
    assert.equal(back.status, 'sent');
    const rev3 = expectStatus(await patch(back, { notes: 'v3' }), 200, 'revise again').body;
    assert.deepEqual([rev3.number, rev3.revision, rev3.supersedes_id, rev3.notes], [sent.number, 3, sent.id, 'v3']);
    assert.equal((await get(sent)).superseded_by_id, rev3.id);
  });

  test('a quotation whose contact person was deleted can still be changed', async () => {
    const r = await api('POST', `/v1/customers/${C.id}/contacts`, { token: S.token, body: { name: 'Han Meimei' } });
    const gone = expectStatus(r, 201).body;
    const draft = await create({ contact_id: gone.id });
    const sent = await send(await create({ contact_id: gone.id }));
    expectStatus(
      await api('DELETE', `/v1/contacts/${gone.id}`, { token: S.token, headers: ifMatch(gone) }),
      204,
      'delete the contact',
    );
    const changed = expectStatus(await patch(draft, { notes: 'x' }), 200, 'change the draft').body;
    assert.deepEqual([changed.notes, changed.contact_id], ['x', gone.id], 'the contact it had stays');
    const rev = expectStatus(await patch(sent, { notes: 'y' }), 200, 'revise the sent one').body;
    assert.deepEqual([rev.revision, rev.contact_id], [2, gone.id]);
    // Naming a contact is still checked.
    expectProblem(await patch(changed, { contact_id: gone.id }), 422, { field: 'contact_id' });
    const other = expectStatus(await patch(changed, { contact_id: P.id }), 200).body;
    assert.equal(other.contact_id, P.id);
  });
});

describe('the agenda stays within four-digit years', () => {
  test('a date whose seven days pass 9999-12-31 is 422 naming date', async () => {
    const c = await createCustomer(S.token);
    const r = await api('POST', `/v1/customers/${c.id}/contacts`, {
      token: S.token,
      body: { name: 'New Year', birthday: '1990-01-02' },
    });
    expectStatus(r, 201);
    for (const date of ['9999-12-31', '9999-12-26']) {
      const refused = expectProblem(await api('GET', `/v1/agenda${qs({ date })}`, { token: S.token }), 422, {
        field: 'date',
        code: 'range',
      });
      assert.match(refused.body.errors[0].message, /0001-01-01.*9999-12-25/);
    }
    const last = expectStatus(await api('GET', `/v1/agenda${qs({ date: '9999-12-25' })}`, { token: S.token }), 200).body;
    assert.equal(last.date, '9999-12-25');
    const first = expectStatus(await api('GET', `/v1/agenda${qs({ date: '0001-01-01' })}`, { token: S.token }), 200).body;
    const birthday = first.items.find((i) => i.kind === 'birthday' && i.customer_id === c.id);
    assert.equal(birthday?.due, '0001-01-02');
  });
});

describe('lengths count characters, not bytes', () => {
  test('the duplicate look-up takes a phone of 26 × é (52 bytes)', async () => {
    const r = await api('GET', `/v1/customers/duplicates${qs({ phone: 'é'.repeat(26) })}`, { token: S.token });
    assert.deepEqual(expectStatus(r, 200).body, { candidates: [] });
    expectProblem(
      await api('GET', `/v1/customers/duplicates${qs({ phone: 'é'.repeat(51) })}`, { token: S.token }),
      422,
      { field: 'phone', code: 'too_long' },
    );
  });

  test('a customer with a phone of 20 (or 50) CJK characters is created past the duplicate guard', async () => {
    for (const n of [20, 50]) {
      const phone = '电'.repeat(n); // no digits: it looks like no other customer's phone
      const name = `${uniq()}${uniq()}`;
      const r = await api('POST', '/v1/customers', { token: S.token, body: { name, phone } });
      assert.equal(expectStatus(r, 201, `${n} characters`).body.phone, phone);
    }
  });
});
