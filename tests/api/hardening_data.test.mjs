// hardening_data.test.mjs: customer data protection — a search term that is not
// text is refused rather than dropped, a create with an id held by a record the
// caller cannot see tells nothing about that record, and no name can be made to
// look like another with invisible or direction-changing characters; every
// read of customers by someone other than their owner is in the audit log,
// however they were read.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, signup, addUser, createCustomer, createTeam, expectStatus, expectProblem, listAll, uniq } from './lib/client.mjs';

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


describe('reads of customers by someone other than their owner', () => {
  let admin, lead, rep, theirs, own;
  before(async () => {
    admin = await signup({});
    lead = await addUser(admin, 'manager');
    const team = await createTeam(admin.token, `Team ${uniq()}`, lead.user.id);
    rep = await addUser(admin, 'sales', { team_id: team.id });
    theirs = await createCustomer(rep.token, { name: `Lantern Trading ${uniq()}`, phone: '+86 21 5555 0101' });
    own = await createCustomer(lead.token, { name: `Manager Own ${uniq()}` });
  });

  /** The read entries of the audit log newer than `since` (an entry id). */
  async function readsSince(since) {
    const r = expectStatus(await api('GET', '/v1/audit-log?entity=customers&action=read&limit=200', { token: admin.token }), 200);
    return r.body.data.filter((e) => e.id > since);
  }
  async function newest() {
    const r = expectStatus(await api('GET', '/v1/audit-log?limit=1', { token: admin.token }), 200);
    return r.body.data[0]?.id ?? 0;
  }
  /** One entry by `actor` naming `id` (alone or among several), and only one. */
  function oneEntryNaming(entries, actor, id) {
    const mine = entries.filter((e) => e.actor_id === actor);
    assert.equal(mine.length, 1, `one entry for the request: ${JSON.stringify(entries)}`);
    const named = mine[0].entity_ids ?? [mine[0].entity_id];
    assert.ok(named.includes(id), `the entry names ${id}: ${JSON.stringify(mine[0])}`);
    return mine[0];
  }

  const ways = [
    ['a list', () => '/v1/customers?limit=200'],
    ['a search', () => `/v1/customers?q=${encodeURIComponent('Lantern Trading')}`],
    ['the duplicate finder', () => `/v1/customers/duplicates?name=${encodeURIComponent('Lantern Trading')}`],
    ['the change feed', () => '/v1/changes?limit=200'],
  ];
  for (const [what, path] of ways) {
    test(`through ${what}: one entry naming the customers returned, none of the reader's own`, async () => {
      const since = await newest();
      const r = expectStatus(await api('GET', path(), { token: lead.token }), 200);
      assert.ok(JSON.stringify(r.body).includes(theirs.id), 'the read returned the team member\'s customer');
      const entry = oneEntryNaming(await readsSince(since), lead.user.id, theirs.id);
      assert.ok(!(entry.entity_ids ?? []).includes(own.id), 'the reader\'s own customer is not a read to record');
      // Findable as a read of that customer.
      const byId = expectStatus(
        await api('GET', `/v1/audit-log?entity=customers&action=read&entity_id=${theirs.id}&limit=200`, { token: admin.token }),
        200,
      );
      assert.ok(byId.body.data.some((e) => e.id === entry.id), 'the entity_id filter finds it');
    });
  }

  test('the owner reading their own customers leaves no entry', async () => {
    const since = await newest();
    expectStatus(await api('GET', '/v1/customers?limit=200', { token: rep.token }), 200);
    expectStatus(await api('GET', `/v1/customers?q=Lantern`, { token: rep.token }), 200);
    expectStatus(await api('GET', '/v1/changes?limit=200', { token: rep.token }), 200);
    expectStatus(await api('GET', `/v1/customers/${theirs.id}`, { token: rep.token }), 200);
    assert.deepEqual((await readsSince(since)).filter((e) => e.actor_id === rep.user.id), []);
  });

  test('a printed quotation is a read of its customer', async () => {
    const q = expectStatus(
      await api('POST', '/v1/quotations', {
        token: rep.token,
        body: { customer_id: theirs.id, currency: 'CNY', lines: [{ description: 'Bolts', quantity: '10', unit: 'pcs', unit_price: '2.5', tax_rate: '13' }] },
      }),
      201,
    ).body;
    const since = await newest();
    const pdf = await fetch(`${BASE}/v1/quotations/${q.id}`, {
      headers: { authorization: `Bearer ${lead.token}`, accept: 'application/pdf' },
    });
    assert.equal(pdf.status, 200);
    await pdf.arrayBuffer();
    const entry = oneEntryNaming(await readsSince(since), lead.user.id, theirs.id);
    assert.equal(entry.entity_id, theirs.id);
  });
});
