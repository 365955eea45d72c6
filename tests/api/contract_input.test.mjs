// contract_input.test.mjs: the contract holds at the edges of input. Text is
// text: NUL and control characters are refused with a 422 naming the member,
// also inside custom fields and tags; custom fields keep to 200 members, after
// a merge patch too; a JSON text that is not an object is a 422, a malformed
// one a 400 that never echoes the body; query parameters are held to their
// schemas (empty values, NUL, padded limits, unknown audit entities); an
// Idempotency-Key is printable ASCII.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, createCustomer, expectStatus, expectProblem, ifMatch, uniq, qs } from './lib/client.mjs';

let T;

before(async () => {
  T = await signup();
});

const post = (body) => api('POST', '/v1/customers?confirm_duplicate=true', { token: T.token, body });

describe('text is text', () => {
  test('a NUL inside a string is a 422 naming the member, also inside custom fields', async () => {
    expectProblem(await post({ name: `Nul\u0000 ${uniq()}` }), 422, { field: 'name', code: 'format' });
    expectProblem(await post({ name: `Nul ${uniq()}`, custom: { note: 'a\u0000b' } }), 422, { field: 'custom.note', code: 'format' });
    expectProblem(await post({ name: `Nul ${uniq()}`, custom: { list: ['ok', '\u0000'] } }), 422, { field: 'custom.list[1]', code: 'format' });
  });

  test('control characters are refused in tags and custom fields; tab and newline are text', async () => {
    expectProblem(await post({ name: `Ctl ${uniq()}`, tags: ['fine', 'bell\u0007'] }), 422, { field: 'tags[1]', code: 'format' });
    // A member name that is not text is named by its object (a field name never carries control characters).
    expectProblem(await post({ name: `Ctl ${uniq()}`, custom: { 'key\u001b': 'x' } }), 422, { field: 'custom', code: 'format' });
    const ok = expectStatus(await post({ name: `Ctl ${uniq()}`, tags: ['two\twords'], custom: { note: 'line one\nline two' } }), 201).body;
    assert.deepEqual(ok.tags, ['two\twords']);
    const list = expectStatus(await api('GET', `/v1/customers/${ok.id}`, { token: T.token }), 200);
    assert.equal(list.body.custom.note, 'line one\nline two');
  });
});

describe('custom fields', () => {
  const members = (n, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));

  test('at most 200 members, in a create and after a merge patch', async () => {
    expectProblem(await post({ name: `Wide ${uniq()}`, custom: members(201) }), 422, { field: 'custom', code: 'too_long' });
    const c = expectStatus(await post({ name: `Wide ${uniq()}`, custom: members(150) }), 201).body;
    const r = await api('PATCH', `/v1/customers/${c.id}`, { token: T.token, headers: ifMatch(c), body: { custom: members(60, 'x') } });
    expectProblem(r, 422, { field: 'custom', code: 'too_long' });
    const after = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: T.token }), 200).body;
    assert.equal(Object.keys(after.custom).length, 150, 'nothing changed');
    assert.equal(after.version, c.version);
    const fits = await api('PATCH', `/v1/customers/${c.id}`, { token: T.token, headers: ifMatch(c), body: { custom: members(50, 'x') } });
    assert.equal(Object.keys(expectStatus(fits, 200).body.custom).length, 200);
  });
});

describe('bodies', () => {
  test('valid JSON that is not an object is a 422 saying the body must be an object', async () => {
    for (const raw of ['2', 'false', 'null', '" "', '[]', '[{"name":"x"}]']) {
      const r = await api('POST', '/v1/customers', { token: T.token, rawBody: raw });
      expectProblem(r, 422, { field: '', code: 'type' });
      assert.match(r.body.detail + JSON.stringify(r.body.errors), /object/, raw);
    }
  });

  test('malformed JSON is a 400 with a problem body that does not quote the body', async () => {
    const cases = ['["\\\u{1F600}"]', '{"name": "\\x"}', '{"a":', '[\u00e9]'];
    for (const raw of cases) {
      const r = await api('POST', '/v1/customers', { token: T.token, rawBody: Buffer.from(raw, 'utf8') });
      expectProblem(r, 400);
      assert.ok(r.text.length > 0, `a body for ${JSON.stringify(raw)}`);
      assert.ok(!r.body.detail.includes('\u{1F600}') && !r.body.detail.includes('\\x'), r.body.detail);
    }
    const invalidUtf8 = Buffer.concat([Buffer.from('["\\'), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from('"]')]);
    expectProblem(await api('POST', '/v1/customers', { token: T.token, rawBody: invalidUtf8 }), 400);
  });
});

describe('query parameters', () => {
  test('an empty typed value, a padded limit and a NUL are 422 naming the parameter', async () => {
    expectProblem(await api('GET', '/v1/customers?status=', { token: T.token }), 422, { field: 'status', code: 'format' });
    expectProblem(await api('GET', '/v1/customers?owner_id=', { token: T.token }), 422, { field: 'owner_id' });
    expectProblem(await api('GET', '/v1/customers?limit=%205', { token: T.token }), 422, { field: 'limit' });
    expectProblem(await api('GET', '/v1/customers?limit=5%20', { token: T.token }), 422, { field: 'limit' });
    expectProblem(await api('GET', '/v1/customers?limit=+5', { token: T.token }), 422, { field: 'limit' });
    expectProblem(await api('GET', '/v1/customers?q=%00', { token: T.token }), 422, { field: 'q', code: 'format' });
    expectProblem(await api('GET', '/v1/products?q=a%00b', { token: T.token }), 422, { field: 'q', code: 'format' });
    expectProblem(await api('GET', `/v1/customers${qs({ q: 'bell\u0007' })}`, { token: T.token }), 422, { field: 'q', code: 'format' });
    expectProblem(await api('GET', `/v1/customers${qs({ tag: 'x'.repeat(101) })}`, { token: T.token }), 422, { field: 'tag', code: 'too_long' });
    expectProblem(await api('GET', '/v1/customers?q=', { token: T.token }), 422, { field: 'q', code: 'too_short' });
    expectProblem(await api('GET', '/v1/customers?tag=', { token: T.token }), 422, { field: 'tag', code: 'too_short' });
    expectStatus(await api('GET', '/v1/products?q=&limit=5', { token: T.token }), 200, 'an empty product q is no search');
    expectStatus(await api('GET', '/v1/customers?region=&limit=5', { token: T.token }), 200, 'an empty region is no filter');
    expectStatus(await api('GET', '/v1/customers?limit=5&confirm_duplicate=a%00b', { token: T.token }), 200, 'an unread parameter is not held');
  });

  test('the audit log filters by the entities it records, and refuses others', async () => {
    expectProblem(await api('GET', '/v1/audit-log?entity=bogus', { token: T.token }), 422, { field: 'entity', code: 'enum' });
    expectStatus(await api('GET', '/v1/audit-log?entity=customers', { token: T.token }), 200);
  });
});

test('an Idempotency-Key must be printable ASCII', async () => {
  const r = await api('POST', '/v1/customers?confirm_duplicate=true', {
    token: T.token,
    headers: { 'Idempotency-Key': 'tab\there' },
    body: { name: `Keyed ${uniq()}` },
  });
  expectProblem(r, 422, { field: 'Idempotency-Key', code: 'format' });
  const list = expectStatus(await api('GET', `/v1/customers${qs({ q: 'Keyed' })}`, { token: T.token }), 200).body;
  assert.ok(!list.data.some((c) => c.name.startsWith('Keyed')), 'nothing was created');
});

test('an Idempotency-Key in Latin-1 is refused, not dropped', async () => {
  const name = `Latin ${uniq()}`;
  const r = await api('POST', '/v1/customers?confirm_duplicate=true', {
    token: T.token,
    headers: { 'Idempotency-Key': `k-\u00e9-${uniq()}` }, // sent as the single byte 0xE9
    body: { name },
  });
  expectProblem(r, 422, { field: 'Idempotency-Key', code: 'format' });
  expectProblem(await api('GET', '/v1/customers/%C3%A9', { token: T.token }), 404);
});
