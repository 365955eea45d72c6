// agenda_duplicates.test.mjs: one owner per customer, and a salesperson's day.
// The duplicate guard (similar names in Latin and Chinese script, the same
// phone or email, across owners), confirming a duplicate, the duplicates check,
// ranked fuzzy search of customers and contact persons, merging duplicates, the
// organization's settings, and the agenda: follow-ups in the organization's
// time zone, birthdays, dormant customers and whose agenda who may read.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  api,
  signup,
  addUser,
  createTeam,
  listAll,
  expectStatus,
  expectProblem,
  ifMatch,
  etag,
  uniq,
  ids,
  qs,
  sleep,
} from './lib/client.mjs';

const DUPLICATE = 'https://crm.example/problems/duplicate';

/** POST /v1/customers as is (the duplicate guard applies). */
const post = (token, body, { confirm = false, headers } = {}) =>
  api('POST', `/v1/customers${confirm ? '?confirm_duplicate=true' : ''}`, { token, body, headers });

/** Create a customer that must succeed, whatever it looks like. */
async function make(token, fields = {}) {
  const body = { name: `Customer ${uniq()}`, ...fields };
  return expectStatus(await post(token, body, { confirm: true }), 201, `create customer ${body.name}`).body;
}

/** A UUID that sorts first ('0') or last ('f') among ids: search ties are broken by id. */
const idSorting = (first) => `${(first ? '0' : 'f').repeat(8)}${randomUUID().slice(8)}`;

async function addContact(token, customerId, fields) {
  const r = await api('POST', `/v1/customers/${customerId}/contacts`, { token, body: fields });
  return expectStatus(r, 201, `add contact ${fields.name}`).body;
}

/** Expect a 409 duplicate problem and return its candidates. */
function expectDuplicate(res, what) {
  expectProblem(res, 409);
  assert.equal(res.body.type, DUPLICATE, `${what}: problem type`);
  assert.ok(Array.isArray(res.body.candidates) && res.body.candidates.length > 0, `${what}: candidates listed`);
  return res.body.candidates;
}

async function countCustomers(adminToken) {
  return (await listAll('/v1/customers', adminToken)).length;
}

async function settings(token) {
  return expectStatus(await api('GET', '/v1/tenant', { token }), 200, 'read settings').body;
}

/** Admin changes the organization's settings (reads the ETag first). */
async function setSettings(adminToken, patch) {
  const now = await settings(adminToken);
  const r = await api('PATCH', '/v1/tenant', { token: adminToken, body: patch, headers: ifMatch(now) });
  return expectStatus(r, 200, `change settings ${JSON.stringify(patch)}`).body;
}

async function agenda(token, params = {}) {
  return expectStatus(await api('GET', `/v1/agenda${qs(params)}`, { token }), 200, 'agenda').body;
}

const itemsOf = (ag, customerId) => ag.items.filter((i) => i.customer_id === customerId);

/** 'YYYY-MM-DD' plus n days. */
function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Today in an IANA time zone, 'YYYY-MM-DD'. */
function todayIn(timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

async function eventually(fn, what, ms = 8000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for: ${what}`);
    await sleep(200);
  }
}


async function recordContact(token, customerId, { occurredAt = new Date(), next } = {}) {
  const body = { customer_id: customerId, kind: 'call', direction: 'outbound', occurred_at: new Date(occurredAt).toISOString() };
  if (next !== undefined) body.next_contact_at = next;
  const r = await api('POST', '/v1/contact-records', { token, body });
  return expectStatus(r, 201, 'record a contact').body;
}

// ---------------------------------------------------------------------------

describe('duplicate guard on POST /v1/customers', () => {
  let T, S1, S2, A;
  let hualian, acme, phoneHolder, mailHolder;

  before(async () => {
    T = await signup();
    S1 = await addUser(T, 'sales');
    S2 = await addUser(T, 'sales');
    A = await addUser(T, 'assistant');
    // All owned by S2: S1 cannot see any of them.
    hualian = await make(T.token, { name: '上海华联贸易有限公司', owner_id: S2.user.id, region: 'Shanghai' });
    acme = await make(T.token, { name: 'Acme Trading Co.', owner_id: S2.user.id });
    phoneHolder = await make(T.token, { name: 'Qingdao Harbour Supplies', phone: '+86 138-0013-8000', owner_id: S2.user.id });
    mailHolder = await make(T.token, { name: 'Lindqvist Maskin AB', email: 'Orders@Lindqvist.example', owner_id: S2.user.id });
  });

  test('a Chinese name that differs only in its legal form is caught (上海华联贸易公司 vs 上海华联贸易有限公司)', async () => {
    const c = expectDuplicate(await post(S1.token, { name: '上海华联贸易公司' }), '上海华联贸易公司');
    assert.ok(ids(c).includes(hualian.id), `candidates name ${hualian.id}: ${JSON.stringify(c)}`);
  });

  test('a Latin name in another case and legal form is caught (ACME Trading Company vs Acme Trading Co.)', async () => {
    const c = expectDuplicate(await post(S1.token, { name: 'ACME Trading Company' }), 'ACME Trading Company');
    assert.ok(ids(c).includes(acme.id), JSON.stringify(c));
  });

  test('the same phone written another way is caught (13800138000 vs +86 138-0013-8000)', async () => {
    const c = expectDuplicate(await post(S1.token, { name: 'Zhang San Hardware', phone: '13800138000' }), 'same phone');
    assert.deepEqual(ids(c), [phoneHolder.id]);
  });

  test('the same email in other case is caught', async () => {
    const c = expectDuplicate(await post(S1.token, { name: 'Nordic Machines', email: 'orders@LINDQVIST.example' }), 'same email');
    assert.deepEqual(ids(c), [mailHolder.id]);
  });

  test('clearly different names are not blocked', async () => {
    for (const name of ['Zenith Logistics', '北京红星超市']) {
      const r = expectStatus(await post(S1.token, { name }), 201, name);
      assert.equal(r.body.name, name);
    }
  });

  test("candidates show a colleague's customer the salesperson cannot see, as id, name and owner's name only", async () => {
    expectProblem(await api('GET', `/v1/customers/${hualian.id}`, { token: S1.token }), 404);
    const c = expectDuplicate(await post(S1.token, { name: '上海华联贸易公司' }), 'hidden colleague customer');
    const hit = c.find((x) => x.id === hualian.id);
    assert.deepEqual(hit, { id: hualian.id, name: '上海华联贸易有限公司', owner_name: S2.user.name });
    for (const x of c) assert.deepEqual(Object.keys(x).sort(), ['id', 'name', 'owner_name'], 'no other member of the customer leaks');
  });

  test('the 409 creates nothing; confirm_duplicate=true creates the customer anyway', async () => {
    const before = await countCustomers(T.token);
    expectDuplicate(await post(S1.token, { name: 'ACME Trading Company', region: 'West' }), 'unconfirmed');
    expectDuplicate(await api('POST', '/v1/customers?confirm_duplicate=false', { token: S1.token, body: { name: 'ACME Trading Company' } }), 'confirm_duplicate=false');
    assert.equal(await countCustomers(T.token), before, 'nothing created by the 409s');

    const r = expectStatus(await post(S1.token, { name: 'ACME Trading Company', region: 'West' }, { confirm: true }), 201);
    assert.equal(r.body.owner_id, S1.user.id);
    expectStatus(await api('GET', `/v1/customers/${r.body.id}`, { token: S1.token }), 200);
    assert.equal(await countCustomers(T.token), before + 1);
  });

  test('an Idempotency-Key refused with 409 can be sent again with confirm_duplicate=true', async () => {
    const key = randomUUID();
    const body = { name: 'Acme Trading Corp' };
    expectDuplicate(await post(S1.token, body, { headers: { 'idempotency-key': key } }), 'first try');
    const r = expectStatus(await post(S1.token, body, { confirm: true, headers: { 'idempotency-key': key } }), 201);
    expectStatus(await api('GET', `/v1/customers/${r.body.id}`, { token: S1.token }), 200);
  });

  test('the best match comes first among several candidates', async () => {
    const best = await make(T.token, { id: idSorting(false), name: 'Blue Harbour Foods' });
    const worse = await make(T.token, { id: idSorting(true), name: 'Blue Harbour Foods Export' });
    const c = expectDuplicate(await post(S1.token, { name: 'Blue Harbor Foods' }), 'Blue Harbor Foods');
    assert.deepEqual(ids(c).filter((id) => id === best.id || id === worse.id), [best.id, worse.id], JSON.stringify(c));
  });

  test('at most ten candidates', async () => {
    for (let i = 1; i <= 11; i++) await make(T.token, { name: `Sunrise Textiles ${String(i).padStart(2, '0')}` });
    const c = expectDuplicate(await post(S1.token, { name: 'Sunrise Textiles' }), 'eleven look-alikes');
    assert.equal(c.length, 10);
  });

  test('a deleted customer does not block its name', async () => {
    const gone = await make(T.token, { name: 'Vanishing Ventures Ltd' });
    expectStatus(await api('DELETE', `/v1/customers/${gone.id}`, { token: T.token, headers: ifMatch(gone) }), 204);
    expectStatus(await post(S1.token, { name: 'Vanishing Ventures Ltd' }), 201);
  });

  test('GET /v1/customers/duplicates answers what the guard would, for any signed-in role', async () => {
    const byName = expectStatus(await api('GET', `/v1/customers/duplicates${qs({ name: '上海华联贸易公司' })}`, { token: S1.token }), 200);
    assert.ok(ids(byName.body.candidates).includes(hualian.id));
    for (const x of byName.body.candidates) assert.deepEqual(Object.keys(x).sort(), ['id', 'name', 'owner_name']);

    const byPhone = expectStatus(await api('GET', `/v1/customers/duplicates${qs({ phone: '0086 138 0013 8000' })}`, { token: A.token }), 200);
    assert.deepEqual(ids(byPhone.body.candidates), [phoneHolder.id]);
    const byEmail = expectStatus(await api('GET', `/v1/customers/duplicates${qs({ email: 'ORDERS@lindqvist.example' })}`, { token: S1.token }), 200);
    assert.deepEqual(ids(byEmail.body.candidates), [mailHolder.id]);

    const none = expectStatus(await api('GET', `/v1/customers/duplicates${qs({ name: 'Pemberton Orchard Cider' })}`, { token: S1.token }), 200);
    assert.deepEqual(none.body.candidates, []);
    const empty = expectStatus(await api('GET', '/v1/customers/duplicates', { token: S1.token }), 200);
    assert.deepEqual(empty.body.candidates, []);
    expectProblem(await api('GET', `/v1/customers/duplicates${qs({ name: 'x'.repeat(301) })}`, { token: S1.token }), 422, { field: 'name' });
  });

  test("the organization's duplicate threshold changes what counts as similar", async () => {
    const U = await signup();
    const base = await make(U.token, { name: 'Nordwind Handel' });
    const check = async (name) =>
      ids(expectStatus(await api('GET', `/v1/customers/duplicates${qs({ name })}`, { token: U.token }), 200).body.candidates);

    // 'Nordwind Handelshaus' is about 0.68 similar, 'Nordwind Trading' about 0.38.
    assert.deepEqual(await check('Nordwind Handelshaus'), [base.id], 'similar at the default 0.5');
    assert.deepEqual(await check('Nordwind Trading'), [], 'not similar at the default 0.5');

    await setSettings(U.token, { duplicate_threshold: 0.9 });
    assert.deepEqual(await check('Nordwind Handelshaus'), [], 'not similar enough at 0.9');
    expectStatus(await post(U.token, { name: 'Nordwind Handelshaus' }), 201, 'created without confirmation at 0.9');

    await setSettings(U.token, { duplicate_threshold: 0.3 });
    assert.ok((await check('Nordwind Trading')).includes(base.id), 'similar at 0.3');
    expectDuplicate(await post(U.token, { name: 'Nordwind Trading' }), 'at 0.3');
  });
});

// ---------------------------------------------------------------------------

describe('ranked search: GET /v1/customers?q= and GET /v1/contacts', () => {
  let T, S1, S2;

  before(async () => {
    T = await signup();
    S1 = await addUser(T, 'sales');
    S2 = await addUser(T, 'sales');
  });

  const search = async (token, params) =>
    expectStatus(await api('GET', `/v1/customers${qs({ limit: 200, ...params })}`, { token }), 200, `search ${JSON.stringify(params)}`).body;
  const names = (page) => page.data.map((c) => c.name);

  test('a Latin query ranks the closest name first, also with a typo', async () => {
    // Ties are broken by id: the closest names get the ids that sort last, so
    // only a real ranking puts them first.
    const closest = await make(T.token, { id: idSorting(false), name: 'Acme Trading Co.' });
    await make(T.token, { id: idSorting(true), name: 'Acme Trading International Holdings Group' });
    await make(T.token, { id: idSorting(true), name: 'Apex Trading' });
    await make(T.token, { id: idSorting(true), name: 'Acme Tools' });

    const exact = await search(T.token, { q: 'Acme Trading' });
    assert.equal(exact.data[0]?.id, closest.id, `'Acme Trading' ranks 'Acme Trading Co.' first, got ${names(exact).join(' | ')}`);
    assert.ok(names(exact).indexOf('Apex Trading') > 0);

    const typo = await search(T.token, { q: 'acme tradng' });
    assert.equal(typo.data[0]?.id, closest.id, `'acme tradng' ranks 'Acme Trading Co.' first, got ${names(typo).join(' | ')}`);
  });

  test('a Chinese query ranks the closest name first (华联贸易)', async () => {
    const closest = await make(T.token, { id: idSorting(false), name: '上海华联贸易有限公司' });
    await make(T.token, { id: idSorting(true), name: '上海华联贸易发展集团有限公司' });
    const unrelated = await make(T.token, { id: idSorting(true), name: '北京红星超市' });

    const page = await search(T.token, { q: '华联贸易' });
    assert.ok(!ids(page.data).includes(unrelated.id), '北京红星超市 does not match');
    assert.equal(page.data[0]?.id, closest.id, `'华联贸易' ranks 上海华联贸易有限公司 first, got ${names(page).join(' | ')}`);
  });

  test('q finds a customer by part of its phone or email', async () => {
    const c = await make(T.token, { name: 'Harbin Ice Works', phone: '+86 451-8765-4321', email: 'Sales@HarbinIce.example' });
    assert.ok(ids((await search(T.token, { q: '8765-4321' })).data).includes(c.id), 'by phone');
    assert.ok(ids((await search(T.token, { q: 'harbinice.EXAMPLE' })).data).includes(c.id), 'by email, any case');
  });

  test('q finds a customer by its phone typed without separators', async () => {
    const c = await make(T.token, { name: 'Dalian Seafood Export', phone: '+86 411-2233-4455' });
    const page = await search(T.token, { q: '41122334455' });
    assert.ok(ids(page.data).includes(c.id), `phone 41122334455 finds '+86 411-2233-4455', got ${names(page).join(' | ') || 'nothing'}`);
  });

  test('q respects visibility and the other filters', async () => {
    const mine = await make(S1.token, { name: 'Visible Widgets Works', status: 'active' });
    const mineLead = await make(S1.token, { name: 'Visible Widgets Depot', status: 'lead' });
    const theirs = await make(S2.token, { name: 'Visible Widgets Works GmbH' });

    const bySales = await search(S1.token, { q: 'Visible Widgets' });
    assert.deepEqual(ids(bySales.data).sort(), [mine.id, mineLead.id].sort(), 'a salesperson finds only their own');
    const byAdmin = await search(T.token, { q: 'Visible Widgets' });
    for (const id of [mine.id, mineLead.id, theirs.id]) assert.ok(ids(byAdmin.data).includes(id), 'the admin finds all three');

    const active = await search(S1.token, { q: 'Visible Widgets', status: 'active' });
    assert.deepEqual(ids(active.data), [mine.id]);
    const owned = await search(T.token, { q: 'Visible Widgets', owner_id: S2.user.id });
    assert.deepEqual(ids(owned.data), [theirs.id]);
  });

  test('ranked results page by cursor without repeats or gaps, in the order of one big page', async () => {
    const tag = uniq('pagoda');
    const created = [];
    for (let i = 0; i < 7; i++) created.push(await make(T.token, { name: `Pagoda Tea House ${'x'.repeat(i)}`, tags: [tag] }));
    const whole = await search(T.token, { q: 'Pagoda Tea House', tag });
    assert.equal(whole.data.length, 7);

    const seen = [];
    let cursor;
    for (let pages = 0; pages < 10; pages++) {
      const page = await search(T.token, { q: 'Pagoda Tea House', tag, limit: 3, cursor });
      assert.ok(page.data.length <= 3);
      seen.push(...ids(page.data));
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    assert.equal(new Set(seen).size, seen.length, 'no customer twice');
    assert.deepEqual(seen, ids(whole.data), 'pages concatenate to the single page');
    assert.deepEqual([...seen].sort(), ids(created).sort());
  });

  test('a cursor of the creation-ordered list is refused by a ranked search', async () => {
    await make(T.token);
    await make(T.token);
    const plain = expectStatus(await api('GET', '/v1/customers?limit=1', { token: T.token }), 200).body;
    assert.ok(plain.next_cursor);
    expectProblem(
      await api('GET', `/v1/customers${qs({ q: 'Acme', cursor: plain.next_cursor })}`, { token: T.token }),
      422,
      { field: 'cursor' },
    );
  });

  describe('contact persons', () => {
    let own, other, wang, anna, annaLonger, annaOther;

    before(async () => {
      own = await make(S1.token, { name: 'Nordwind Contacts Holder' });
      other = await make(S2.token, { name: 'Südwind Contacts Holder' });
      wang = await addContact(S1.token, own.id, { name: '王小明', mobile: '139 1234 5678' });
      anna = await addContact(S1.token, own.id, { id: idSorting(false), name: 'Anna Schmidt', email: 'anna.schmidt@nordwind.example' });
      annaLonger = await addContact(S1.token, own.id, { id: idSorting(true), name: 'Anna Schmidt-Berger' });
      annaOther = await addContact(S2.token, other.id, { name: 'Anna Schmidt' });
    });

    const contacts = async (token, params) =>
      expectStatus(await api('GET', `/v1/contacts${qs({ limit: 200, ...params })}`, { token }), 200, `contacts ${JSON.stringify(params)}`).body;

    test('q finds contact persons by name (Chinese and Latin), mobile and email', async () => {
      assert.ok(ids((await contacts(S1.token, { q: '王小明' })).data).includes(wang.id));
      assert.ok(ids((await contacts(S1.token, { q: '1234 5678' })).data).includes(wang.id), 'by mobile');
      assert.ok(ids((await contacts(S1.token, { q: 'nordwind.example' })).data).includes(anna.id), 'by email');
      assert.ok(ids((await contacts(S1.token, { q: 'Ana Schmidt' })).data).includes(anna.id), 'with a typo');
    });

    test('q ranks the exact name first', async () => {
      const page = await contacts(S1.token, { q: 'Anna Schmidt' });
      assert.equal(page.data[0]?.id, anna.id, `exact name first, got ${page.data.map((c) => c.name).join(' | ')}`);
      assert.ok(ids(page.data).includes(annaLonger.id));
    });

    test("only contact persons of customers the caller may see", async () => {
      const bySales = await contacts(S1.token, { q: 'Anna Schmidt' });
      assert.ok(!ids(bySales.data).includes(annaOther.id), "a colleague's customer's contact stays hidden");
      const byAdmin = await contacts(T.token, { q: 'Anna Schmidt' });
      assert.ok(ids(byAdmin.data).includes(annaOther.id));
      const all = await listAll('/v1/contacts', S2.token);
      assert.deepEqual(ids(all), [annaOther.id]);
    });

    test('without q: every visible contact person in creation order, paged without repeats', async () => {
      const all = [];
      let cursor;
      for (let pages = 0; pages < 10; pages++) {
        const page = await contacts(S1.token, { limit: 2, cursor });
        all.push(...page.data);
        cursor = page.next_cursor;
        if (!cursor) break;
      }
      assert.deepEqual(ids(all), [wang.id, anna.id, annaLonger.id]);
    });
  });
});

// ---------------------------------------------------------------------------

describe('POST /v1/customers/{id}/merge', () => {
  let T, M1, S1, S2;

  before(async () => {
    T = await signup();
    M1 = await addUser(T, 'manager');
    const team = await createTeam(T.token, `North ${uniq()}`, M1.user.id);
    S1 = await addUser(T, 'sales', { team_id: team.id });
    S2 = await addUser(T, 'sales');
  });

  const merge = (token, id, duplicateId) =>
    api('POST', `/v1/customers/${id}/merge`, { token, body: duplicateId === undefined ? {} : { duplicate_id: duplicateId } });

  test('moves contact persons, fills empty fields, unites tags; the duplicate is gone', async () => {
    const keep = await make(S1.token, { name: 'Hualian Trading', tags: ['vip'], region: 'East' });
    const dup = await make(S1.token, {
      name: 'Hua Lian Trading Co.',
      tags: ['export', 'vip'],
      phone: '+86 21 5555 0101',
      region: 'Shanghai',
      notes: 'Met at the Canton fair.',
    });
    const li = await addContact(S1.token, keep.id, { name: 'Li Lei' });
    const han = await addContact(S1.token, dup.id, { name: 'Han Meimei' });
    const wu = await addContact(S1.token, dup.id, { name: 'Wu Di' });

    const r = expectStatus(await merge(M1.token, keep.id, dup.id), 200, 'merge');
    assert.equal(r.body.id, keep.id);
    assert.ok(r.body.version > keep.version, 'the survivor has a new version');
    assert.equal(r.headers.get('etag'), etag(r.body.version));
    assert.equal(r.body.phone, '+86 21 5555 0101', 'an empty field is filled from the duplicate');
    assert.equal(r.body.region, 'East', "the survivor's own value stays");
    assert.equal(r.body.notes, 'Met at the Canton fair.');
    assert.deepEqual([...r.body.tags].sort(), ['export', 'vip']);

    expectProblem(await api('GET', `/v1/customers/${dup.id}`, { token: M1.token }), 404);
    expectProblem(await api('GET', `/v1/customers/${dup.id}/contacts`, { token: M1.token }), 404);
    const listed = await listAll('/v1/customers', S1.token);
    assert.ok(!ids(listed).includes(dup.id), 'the duplicate is no longer listed');

    const moved = await listAll(`/v1/customers/${keep.id}/contacts`, S1.token);
    assert.deepEqual(ids(moved).sort(), [li.id, han.id, wu.id].sort());
    const hanNow = expectStatus(await api('GET', `/v1/contacts/${han.id}`, { token: S1.token }), 200).body;
    assert.equal(hanNow.customer_id, keep.id);

    const audit = expectStatus(await api('GET', `/v1/audit-log${qs({ entity: 'customers', entity_id: dup.id })}`, { token: T.token }), 200);
    const deletion = audit.body.data.find((e) => e.action === 'delete');
    assert.ok(deletion, 'the merge is in the audit log as the deletion of the duplicate');
    assert.equal(deletion.actor_id, M1.user.id);
    assert.equal(deletion.changes.merged_into?.new, keep.id, 'the audit entry names the customer it was merged into');
  });

  test('a merged customer keeps at most one primary contact person', async () => {
    const keep = await make(S1.token, { name: 'Primary Keeper Ltd' });
    const dup = await make(S1.token, { name: 'Primary Keeper Limited' });
    const mine = await addContact(S1.token, keep.id, { name: 'Keeper Primary', is_primary: true });
    await addContact(S1.token, dup.id, { name: 'Duplicate Primary', is_primary: true });
    expectStatus(await merge(M1.token, keep.id, dup.id), 200);
    const contacts = await listAll(`/v1/customers/${keep.id}/contacts`, S1.token);
    const primaries = contacts.filter((c) => c.is_primary);
    assert.deepEqual(ids(primaries), [mine.id], `one primary (the survivor's), got ${JSON.stringify(primaries.map((c) => c.name))}`);
  });

  test("moves the duplicate's contact records and follow-up", async () => {
    const keep = await make(S1.token, { name: 'Record Keeper Shenzhen' });
    const dup = await make(S1.token, { name: 'Record Keeper SZ' });
    const rec = await recordContact(S1.token, dup.id, { occurredAt: Date.now() - 3600e3, next: '2031-01-05T02:00:00Z' });
    const r = expectStatus(await merge(M1.token, keep.id, dup.id), 200).body;
    assert.equal(Date.parse(r.next_contact_at), Date.parse('2031-01-05T02:00:00Z'), "the survivor takes over the duplicate's follow-up");
    const records = await listAll(`/v1/customers/${keep.id}/contact-records`, S1.token);
    assert.deepEqual(ids(records), [rec.id]);
    assert.equal(records[0].customer_id, keep.id);
  });

  test('who may merge what', async () => {
    const a = await make(S1.token, { name: 'Merge Rules One' });
    const b = await make(S1.token, { name: 'Merge Rules Two' });
    const hidden = await make(S2.token, { name: 'Merge Rules Hidden' });

    expectProblem(await merge(S1.token, a.id, b.id), 403);
    expectProblem(await merge(M1.token, a.id, a.id), 422, { field: 'duplicate_id' });
    expectProblem(await merge(M1.token, a.id, hidden.id), 422, { field: 'duplicate_id' });
    expectProblem(await merge(M1.token, hidden.id, a.id), 404);
    expectProblem(await merge(M1.token, a.id, randomUUID()), 422, { field: 'duplicate_id' });
    expectProblem(await merge(M1.token, a.id), 422, { field: 'duplicate_id', code: 'required' });

    // Nothing of the refused merges happened.
    expectStatus(await api('GET', `/v1/customers/${b.id}`, { token: S1.token }), 200);
    expectStatus(await api('GET', `/v1/customers/${hidden.id}`, { token: S2.token }), 200);

    expectStatus(await merge(T.token, a.id, b.id), 200, 'an admin may merge');
    expectProblem(await merge(T.token, a.id, b.id), 422, { field: 'duplicate_id' });
  });
});

// ---------------------------------------------------------------------------

describe('organization settings: GET/PATCH /v1/tenant', () => {
  let T, M, S;

  before(async () => {
    T = await signup();
    M = await addUser(T, 'manager');
    S = await addUser(T, 'sales');
  });

  test('every role reads them; defaults; the ETag is the version', async () => {
    const r = expectStatus(await api('GET', '/v1/tenant', { token: S.token }), 200);
    assert.equal(r.body.id, T.tenant.id);
    assert.equal(r.body.slug, T.slug);
    assert.equal(r.body.dormant_after_days, 90);
    assert.equal(r.body.duplicate_threshold, 0.5);
    assert.equal(typeof r.body.timezone, 'string');
    assert.equal(r.body.default_currency, 'CNY');
    assert.equal(r.headers.get('etag'), etag(r.body.version));
  });

  test('an admin changes them with If-Match; 428 without, 412 when stale, nothing changed', async () => {
    const before = await settings(T.token);
    const patch = { timezone: 'Asia/Shanghai', default_currency: 'EUR', dormant_after_days: 30, duplicate_threshold: 0.6, name: `Renamed ${uniq()}` };
    expectProblem(await api('PATCH', '/v1/tenant', { token: T.token, body: patch }), 428);
    expectProblem(await api('PATCH', '/v1/tenant', { token: T.token, body: patch, headers: ifMatch(etag(before.version + 7)) }), 412);
    assert.deepEqual(await settings(T.token), before, 'unchanged by the refused requests');

    const r = expectStatus(await api('PATCH', '/v1/tenant', { token: T.token, body: patch, headers: ifMatch(before) }), 200);
    assert.equal(r.body.version, before.version + 1);
    assert.equal(r.headers.get('etag'), etag(r.body.version));
    assert.equal(r.body.timezone, 'Asia/Shanghai');
    assert.equal(r.body.default_currency, 'EUR');
    assert.equal(r.body.dormant_after_days, 30);
    assert.equal(r.body.duplicate_threshold, 0.6);
    assert.equal(r.body.name, patch.name);
    assert.deepEqual(await settings(S.token), r.body);

    expectProblem(await api('PATCH', '/v1/tenant', { token: T.token, body: { dormant_after_days: 31 }, headers: ifMatch(before) }), 412);
  });

  test('managers and salespeople may not change them', async () => {
    const now = await settings(T.token);
    for (const who of [M, S]) {
      expectProblem(await api('PATCH', '/v1/tenant', { token: who.token, body: { dormant_after_days: 7 }, headers: ifMatch(now) }), 403);
    }
    assert.deepEqual(await settings(T.token), now);
  });

  test('invalid values answer 422 naming the field', async () => {
    const now = await settings(T.token);
    const cases = [
      [{ timezone: 'Mars/Olympus_Mons' }, 'timezone', 'enum'],
      [{ timezone: 'Shanghai' }, 'timezone', 'enum'],
      [{ dormant_after_days: 0 }, 'dormant_after_days', 'range'],
      [{ dormant_after_days: 3651 }, 'dormant_after_days', 'range'],
      [{ dormant_after_days: '30' }, 'dormant_after_days', 'type'],
      [{ duplicate_threshold: 0.2 }, 'duplicate_threshold', 'range'],
      [{ duplicate_threshold: 1.5 }, 'duplicate_threshold', undefined],
      [{ duplicate_threshold: '0.6' }, 'duplicate_threshold', 'type'],
      [{ name: '' }, 'name', undefined],
      [{ slug: 'new-slug' }, 'slug', 'read_only'],
      [{ id: randomUUID() }, 'id', 'read_only'],
      [{ currency: 'EUR' }, 'currency', 'unknown'],
      [{ default_currency: 'XYZ' }, 'default_currency', 'unknown'],
      [{ default_currency: 'eur' }, 'default_currency', 'format'],
      [{ default_currency: null }, 'default_currency', 'required'],
    ];
    for (const [body, field, code] of cases) {
      const r = await api('PATCH', '/v1/tenant', { token: T.token, body, headers: ifMatch(now) });
      expectProblem(r, 422, { field, code });
    }
    assert.deepEqual(await settings(T.token), now, 'nothing changed');
  });
});

// ---------------------------------------------------------------------------

describe('GET /v1/agenda', () => {
  let T, M1, M2, S1, S2, A;

  before(async () => {
    T = await signup();
    M1 = await addUser(T, 'manager');
    M2 = await addUser(T, 'manager');
    const team1 = await createTeam(T.token, `North ${uniq()}`, M1.user.id);
    const team2 = await createTeam(T.token, `South ${uniq()}`, M2.user.id);
    S1 = await addUser(T, 'sales', { team_id: team1.id });
    S2 = await addUser(T, 'sales', { team_id: team2.id });
    A = await addUser(T, 'assistant');
  });

  test("without date: today in the organization's time zone", async () => {
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      await setSettings(T.token, { timezone: zone });
      const before = todayIn(zone);
      const ag = await agenda(S1.token);
      const after = todayIn(zone);
      assert.equal(ag.timezone, zone);
      assert.equal(ag.user_id, S1.user.id);
      assert.ok([before, after].includes(ag.date), `date ${ag.date} is today in ${zone} (${before})`);
    }
    await setSettings(T.token, { timezone: 'UTC' });
  });

  test("follow-ups due today, tomorrow and overdue are counted in the organization's time zone", async () => {
    const day = '2030-06-15';
    const follow = async (name, next) => {
      const c = await make(S1.token, { name: `${name} ${uniq()}` });
      await recordContact(S1.token, c.id, { occurredAt: Date.now() - 3600e3, next });
      return c;
    };
    // Instants in UTC; Asia/Shanghai is UTC+8 all year.
    const midday = await follow('Midday', '2030-06-15T02:00:00Z'); //         Shanghai 15th 10:00, UTC 15th
    const earlyNext = await follow('Early next', '2030-06-15T17:30:00Z'); //  Shanghai 16th 01:30, UTC 15th
    const earlyToday = await follow('Early today', '2030-06-14T16:30:00Z'); // Shanghai 15th 00:30, UTC 14th
    const late = await follow('Three days late', '2030-06-12T04:00:00Z'); // Shanghai 12th, UTC 12th
    const later = await follow('Day after', '2030-06-16T17:00:00Z'); //       Shanghai 17th 01:00, UTC 16th
    const notMine = await make(S2.token, { name: `Not mine ${uniq()}` });
    await recordContact(S2.token, notMine.id, { occurredAt: Date.now() - 3600e3, next: '2030-06-15T02:00:00Z' });

    const kindOf = (ag, c) => itemsOf(ag, c.id).map((i) => i.kind);

    await setSettings(T.token, { timezone: 'Asia/Shanghai' });
    const sh = await agenda(S1.token, { date: day });
    assert.equal(sh.date, day);
    assert.equal(sh.timezone, 'Asia/Shanghai');
    assert.deepEqual(kindOf(sh, midday), ['follow_up_today']);
    assert.deepEqual(kindOf(sh, earlyNext), ['follow_up_tomorrow']);
    assert.deepEqual(kindOf(sh, earlyToday), ['follow_up_today']);
    assert.deepEqual(kindOf(sh, late), ['overdue']);
    assert.deepEqual(kindOf(sh, later), []);
    assert.deepEqual(kindOf(sh, notMine), [], "a colleague's follow-up is not on my agenda");

    const item = itemsOf(sh, late.id)[0];
    assert.equal(item.customer_name, late.name);
    assert.equal(Date.parse(item.due), Date.parse('2030-06-12T04:00:00Z'));
    assert.equal(item.detail, '3 days overdue');
    assert.equal(item.contact_id, null);

    const order = ['overdue', 'follow_up_today', 'follow_up_tomorrow', 'birthday', 'dormant'];
    const ranks = sh.items.map((i) => order.indexOf(i.kind));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), 'items ordered by kind');

    await setSettings(T.token, { timezone: 'UTC' });
    const utc = await agenda(S1.token, { date: day });
    assert.deepEqual(kindOf(utc, midday), ['follow_up_today']);
    assert.deepEqual(kindOf(utc, earlyNext), ['follow_up_today']);
    assert.deepEqual(kindOf(utc, earlyToday), ['overdue']);
    assert.deepEqual(kindOf(utc, late), ['overdue']);
    assert.deepEqual(kindOf(utc, later), ['follow_up_tomorrow']);
  });

  test('birthdays of contact persons in the next seven days', async () => {
    const today = (await agenda(S1.token)).date;
    const born = (day) => `1988-${day.slice(5)}`; // 1988 is a leap year: any month-day exists
    const c = await make(S1.token, { name: `Birthday Holder ${uniq()}` });
    const inTwo = await addContact(S1.token, c.id, { name: 'Two Days', birthday: born(addDays(today, 2)) });
    const now = await addContact(S1.token, c.id, { name: 'Today Person', birthday: born(today) });
    const inEight = await addContact(S1.token, c.id, { name: 'Eight Days', birthday: born(addDays(today, 8)) });
    const gone = await addContact(S1.token, c.id, { name: 'Deleted Person', birthday: born(addDays(today, 1)) });
    expectStatus(await api('DELETE', `/v1/contacts/${gone.id}`, { token: S1.token, headers: ifMatch(gone) }), 204);

    const ag = await agenda(S1.token);
    const births = itemsOf(ag, c.id).filter((i) => i.kind === 'birthday');
    assert.deepEqual(births.map((i) => i.contact_id), [now.id, inTwo.id], 'today, then in two days; not in eight days, not deleted');
    assert.deepEqual(births[1], {
      kind: 'birthday',
      due: addDays(today, 2),
      customer_id: c.id,
      customer_name: c.name,
      contact_id: inTwo.id,
      contact_name: 'Two Days',
      detail: 'in 2 days',
    });
    assert.equal(births[0].due, today);
    assert.ok(!births.some((i) => i.contact_id === inEight.id));
  });

  test('birthdays across the new year, and 29 February in other years', async () => {
    const c = await make(S1.token, { name: `Leap Holder ${uniq()}` });
    const newYear = await addContact(S1.token, c.id, { name: 'New Year', birthday: '1990-01-02' });
    const leap = await addContact(S1.token, c.id, { name: 'Leap Day', birthday: '2000-02-29' });
    const on = async (date) =>
      itemsOf(await agenda(S1.token, { date }), c.id)
        .filter((i) => i.kind === 'birthday')
        .map((i) => [i.contact_id, i.due]);

    assert.deepEqual(await on('2030-12-30'), [[newYear.id, '2031-01-02']]);
    assert.deepEqual(await on('2027-02-25'), [[leap.id, '2027-02-28']], '28 February in a common year');
    assert.deepEqual(await on('2028-02-25'), [[leap.id, '2028-02-29']], '29 February in a leap year');
    assert.deepEqual(await on('2027-03-01'), [], 'the 2027 birthday has passed');
  });

  test("dormant: active or prospect customers not contacted for the organization's number of days", async () => {
    const today = (await agenda(S1.token)).date;
    const active = await make(S1.token, { name: `Quiet Active ${uniq()}`, status: 'active' });
    const prospect = await make(S1.token, { name: `Quiet Prospect ${uniq()}`, status: 'prospect' });
    const lead = await make(S1.token, { name: `Quiet Lead ${uniq()}`, status: 'lead' });
    const lost = await make(S1.token, { name: `Quiet Lost ${uniq()}`, status: 'lost' });
    const dormant = await make(S1.token, { name: `Already Dormant ${uniq()}`, status: 'dormant' });
    const dormantOf = (ag) => ag.items.filter((i) => i.kind === 'dormant').map((i) => i.customer_id);

    const now = dormantOf(await agenda(S1.token));
    assert.ok(now.includes(dormant.id), 'status dormant is listed');
    for (const c of [active, prospect, lead, lost]) assert.ok(!now.includes(c.id), `${c.name} is not dormant today`);

    const { dormant_after_days: days } = await settings(S1.token);
    const justBefore = dormantOf(await agenda(S1.token, { date: addDays(today, days - 1) }));
    assert.ok(!justBefore.includes(active.id), `not yet dormant after ${days - 1} days`);
    const after = await agenda(S1.token, { date: addDays(today, days) });
    const late = dormantOf(after);
    assert.ok(late.includes(active.id) && late.includes(prospect.id), `dormant after ${days} days`);
    assert.ok(!late.includes(lead.id) && !late.includes(lost.id), 'leads and lost customers never count as dormant');
    const item = itemsOf(after, active.id).find((i) => i.kind === 'dormant');
    assert.equal(item.detail, 'never contacted');
    assert.equal(item.due, active.created_at);

    await setSettings(T.token, { dormant_after_days: 10 });
    try {
      assert.ok(dormantOf(await agenda(S1.token, { date: addDays(today, 10) })).includes(active.id), 'the setting applies');
    } finally {
      await setSettings(T.token, { dormant_after_days: days });
    }
  });

  test('the sweep marks customers dormant, and a new contact record makes them active again', async () => {
    const U = await signup();
    await setSettings(U.token, { dormant_after_days: 5 });
    const quiet = await make(U.token, { name: 'Long Quiet Co', status: 'active' });
    const lead = await make(U.token, { name: 'Long Quiet Lead', status: 'lead' });
    const tenDaysAgo = Date.now() - 10 * 86400e3;
    await recordContact(U.token, quiet.id, { occurredAt: tenDaysAgo });
    await recordContact(U.token, lead.id, { occurredAt: tenDaysAgo });

    await eventually(async () => {
      const c = expectStatus(await api('GET', `/v1/customers/${quiet.id}`, { token: U.token }), 200).body;
      return c.status === 'dormant';
    }, 'the sweep marks the customer dormant (the server runs it every CRM_SWEEP_SECONDS)');
    const leadNow = expectStatus(await api('GET', `/v1/customers/${lead.id}`, { token: U.token }), 200).body;
    assert.equal(leadNow.status, 'lead', 'a lead is not swept');

    const ag = await agenda(U.token);
    const item = itemsOf(ag, quiet.id).find((i) => i.kind === 'dormant');
    assert.ok(item, 'listed as dormant');
    assert.equal(item.detail, 'no contact for 10 days');

    await recordContact(U.token, quiet.id);
    const back = expectStatus(await api('GET', `/v1/customers/${quiet.id}`, { token: U.token }), 200).body;
    assert.equal(back.status, 'active', 'a new contact record makes it active again');
    assert.ok(!itemsOf(await agenda(U.token), quiet.id).some((i) => i.kind === 'dormant'));
  });

  test("a salesperson's agenda lists only their own customers", async () => {
    const today = (await agenda(S1.token)).date;
    const birthday = `1988-${addDays(today, 1).slice(5)}`;
    const mine = await make(S1.token, { name: `Own Agenda ${uniq()}` });
    const theirs = await make(S2.token, { name: `Their Agenda ${uniq()}` });
    const admins = await make(T.token, { name: `Admin Agenda ${uniq()}` });
    for (const [who, c] of [[S1, mine], [S2, theirs], [T, admins]]) await addContact(who.token, c.id, { name: 'Birthday Soon', birthday });

    const own = new Set((await agenda(S1.token)).items.map((i) => i.customer_id));
    assert.ok(own.has(mine.id));
    assert.ok(!own.has(theirs.id) && !own.has(admins.id));

    const customers = new Set(ids(await listAll('/v1/customers', S1.token)));
    for (const id of own) assert.ok(customers.has(id), `every item is one of the salesperson's customers (${id})`);
    const adminOwn = new Set((await agenda(T.token)).items.map((i) => i.customer_id));
    assert.ok(adminOwn.has(admins.id) && !adminOwn.has(mine.id), "an admin's own agenda is their own customers'");
  });

  test("who may read whose agenda", async () => {
    const c = await make(S1.token, { name: `Shared Agenda ${uniq()}`, status: 'dormant' });
    const own = await agenda(S1.token);
    assert.ok(itemsOf(own, c.id).length > 0);

    const byManager = await agenda(M1.token, { user_id: S1.user.id });
    assert.equal(byManager.user_id, S1.user.id);
    assert.deepEqual(byManager.items, own.items, "a manager reads their team member's agenda");
    const byAdmin = await agenda(T.token, { user_id: S2.user.id });
    assert.equal(byAdmin.user_id, S2.user.id);

    expectProblem(await api('GET', `/v1/agenda${qs({ user_id: S2.user.id })}`, { token: M1.token }), 403);
    expectProblem(await api('GET', `/v1/agenda${qs({ user_id: S2.user.id })}`, { token: S1.token }), 403);
    expectProblem(await api('GET', `/v1/agenda${qs({ user_id: S1.user.id })}`, { token: A.token }), 403);
    expectProblem(await api('GET', `/v1/agenda${qs({ user_id: randomUUID() })}`, { token: T.token }), 404);
    expectStatus(await api('GET', `/v1/agenda${qs({ user_id: S1.user.id })}`, { token: S1.token }), 200);
  });

  test('a malformed date or user_id answers 422', async () => {
    for (const date of ['2026-02-30', '23.11.2026', 'today']) {
      expectProblem(await api('GET', `/v1/agenda${qs({ date })}`, { token: S1.token }), 422, { field: 'date' });
    }
    expectProblem(await api('GET', `/v1/agenda${qs({ user_id: 'nobody' })}`, { token: M1.token }), 422, { field: 'user_id' });
  });
});
