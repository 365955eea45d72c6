// hardening_data.test.mjs: customer data protection — a search term that is not
// text is refused rather than dropped, a create with an id held by a record the
// caller cannot see tells nothing about that record, and no name can be made to
// look like another with invisible or direction-changing characters.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, addUser, createCustomer, createTeam, expectStatus, expectProblem, listAll, uniq } from './lib/client.mjs';

let T, S1, S2, M;

before(async () => {
  T = await signup({});
  S1 = await addUser(T, 'sales');
  S2 = await addUser(T, 'sales');
  M = await addUser(T, 'manager');
});

describe('q= that is not text', () => {
  // Invalid UTF-8 (a lone byte, an overlong dot, a surrogate, past U+10FFFF) and NUL.
  const BAD = ['%FF', '%C0%AE', '%ED%A0%80', '%F4%90%80%80', 'x%00y', 'Alpha%00'];
  for (const [path, key] of [
    ['/v1/customers', 'q'],
    ['/v1/contacts', 'q'],
    ['/v1/products', 'q'],
    ['/v1/customers/duplicates', 'name'],
  ]) {
    test(`${path}?${key}= refuses invalid UTF-8 and NUL naming ${key}, never answers the unfiltered list`, async () => {
      await createCustomer(S1.token, { name: `Alpha ${uniq()}` });
      for (const q of BAD) {
        const r = await api('GET', `${path}?${key}=${q}`, { token: S1.token });
        expectProblem(r, 422, { field: key, code: 'format' });
      }
    });
  }
});

describe('a client-chosen id already held by a record the caller cannot see', () => {
  test('is answered exactly as for a record the caller can see, and the record stays hidden', async () => {
    const mine = await createCustomer(S1.token, { name: `Hidden ${uniq()}` });
    // S2 cannot see S1's customer…
    expectStatus(await api('GET', `/v1/customers/${mine.id}`, { token: S2.token }), 404);
    const theirs = await api('POST', '/v1/customers?confirm_duplicate=true', {
      token: S2.token,
      body: { id: mine.id, name: `Probe ${uniq()}` },
    });
    // …and S1 retrying with its own id.
    const own = await api('POST', '/v1/customers?confirm_duplicate=true', {
      token: S1.token,
      body: { id: mine.id, name: `Again ${uniq()}` },
    });
    expectProblem(theirs, 409, { field: 'id' });
    expectProblem(own, 409, { field: 'id' });
    const strip = ({ instance, request_id, ...rest }) => rest;
    assert.deepEqual(strip(theirs.body), strip(own.body), 'the two answers must not differ');
    assert.doesNotMatch(theirs.body.detail, /exist|customer/i, 'the answer must not confirm the other record');
    expectStatus(await api('GET', `/v1/customers/${mine.id}`, { token: S2.token }), 404);
    const again = expectStatus(await api('GET', `/v1/customers/${mine.id}`, { token: S1.token }), 200);
    assert.equal(again.body.name, mine.name, 'the probe changed nothing');
  });

  test('for a contact person under another customer, the same words', async () => {
    const a = await createCustomer(S1.token);
    const b = await createCustomer(S2.token);
    const contact = expectStatus(
      await api('POST', `/v1/customers/${a.id}/contacts`, { token: S1.token, body: { name: 'Li Wei' } }),
      201,
    ).body;
    const r = await api('POST', `/v1/customers/${b.id}/contacts`, {
      token: S2.token,
      body: { id: contact.id, name: 'Probe' },
    });
    expectProblem(r, 409, { field: 'id' });
    assert.doesNotMatch(r.body.detail, /exist|contact/i);
  });
});

describe('names that could pass for others', () => {
  const SPOOFS = [
    ['right-to-left override', 'Acme\u202Egnp.exe'],
    ['zero-width space', 'Ac\u200Bme Trading'],
    ['zero-width joiner', 'Ac\u200Dme Trading'],
    ['zero-width non-joiner', 'Ac\u200Cme Trading'],
    ['byte-order mark', '\uFEFFAcme Trading'],
    ['soft hyphen', 'Ac\u00ADme Trading'],
    ['left-to-right isolate', 'Acme \u2066Trading\u2069'],
    ['word joiner', 'Acme\u2060Trading'],
    ['right-to-left mark', 'Acme\u200F Trading'],
    ['tag characters', 'Acme\u{E0041}\u{E0042}'],
    ['a line break', 'Acme\nTrading'],
  ];

  test('a customer name with any of them is refused naming name, and nothing is created', async () => {
    const before = (await listAll('/v1/customers', S1.token)).length;
    for (const [what, name] of SPOOFS) {
      const r = await api('POST', '/v1/customers?confirm_duplicate=true', { token: S1.token, body: { name } });
      expectProblem(r, 422, { field: 'name', code: 'format' });
      assert.match(r.body.errors[0].message, /visible|line/i, what);
    }
    assert.equal((await listAll('/v1/customers', S1.token)).length, before);
  });

  test('a rename to such a name is refused and the name is unchanged', async () => {
    const c = await createCustomer(S1.token, { name: `Genuine ${uniq()}` });
    const r = await api('PATCH', `/v1/customers/${c.id}`, {
      token: S1.token,
      body: { name: 'Genuine\u200B' },
      headers: { 'if-match': `"${c.version}"`, 'content-type': 'application/merge-patch+json' },
    });
    expectProblem(r, 422, { field: 'name', code: 'format' });
    const now = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: S1.token }), 200).body;
    assert.equal(now.name, c.name);
    assert.equal(now.version, c.version);
  });

  test('contact persons, products, users, teams and organizations are held to the same rule', async () => {
    const c = await createCustomer(S1.token);
    const bad = 'Wang\u202EFang';
    expectProblem(await api('POST', `/v1/customers/${c.id}/contacts`, { token: S1.token, body: { name: bad } }), 422, {
      field: 'name',
      code: 'format',
    });
    expectProblem(
      await api('POST', '/v1/products', { token: T.token, body: { sku: uniq('SKU-'), name: bad, unit: 'pcs' } }),
      422,
      { field: 'name', code: 'format' },
    );
    expectProblem(
      await api('POST', '/v1/users', {
        token: T.token,
        body: { email: `${uniq('u-')}@example.com`, name: bad, role: 'sales', password: 'a long enough pass phrase' },
      }),
      422,
      { field: 'name', code: 'format' },
    );
    expectProblem(await api('POST', '/v1/teams', { token: T.token, body: { name: bad } }), 422, { field: 'name', code: 'format' });
    expectProblem(
      await api('POST', '/v1/signup', {
        body: { organization: `Org\u200B${uniq()}`, name: 'Admin', email: `${uniq('a-')}@example.com`, password: 'a long enough pass phrase' },
      }),
      422,
      { field: 'organization', code: 'format' },
    );
    const team = await createTeam(T.token, `Team ${uniq()}`, M.user.id);
    assert.ok(team.id);
  });

  test('visible text of every script is still accepted', async () => {
    for (const name of ['上海华东贸易有限公司', 'شركة النور للتجارة', 'Café Müller GmbH', 'O’Brien & Søn', '株式会社ヤマト', '❤️ Flower Shop']) {
      const r = await api('POST', '/v1/customers?confirm_duplicate=true', { token: S1.token, body: { name } });
      expectStatus(r, 201, name);
      assert.equal(r.body.name, name);
    }
  });
});

