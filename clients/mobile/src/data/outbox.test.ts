// The phone's copy and outbox against a stand-in server: nothing the user
// wrote is lost, nothing is created twice, and the office's changes are kept.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { CrmDb } from './db';
import { confirmDuplicate, discard, push, resolveConflict, resubmit } from './outbox';
import { PAGE, pull } from './sync';
import { createContact, createCustomer, recordContact, updateCustomer, type Writer } from './writes';
import { FakeServer } from './test/fakeServer';

let db: CrmDb;
let server: FakeServer;
let w: Writer;
let n = 0;

beforeEach(() => {
  db = new CrmDb(`test-${++n}`);
  server = new FakeServer();
  w = { db, me: () => ({ id: 'u1', name: 'Wang' }), nudge: () => {} };
});

const sync = async () => {
  const api = server.client();
  const pushed = await push(db, api);
  await pull(db, api);
  return pushed;
};

describe('the copy', () => {
  it('applies the feed page by page and resumes from its cursor', async () => {
    const n = 2 * PAGE + 50;
    for (let i = 0; i < n; i++) server.seedCustomer({ id: `c${i}`, name: `Customer ${i}` });
    await pull(db, server.client());
    expect(await db.customers.count()).toBe(n);
    expect(server.log.filter((l) => l.startsWith('GET /v1/changes')).length).toBe(4); // two full pages, 50, then empty
    server.officeEdit('customer', 'c7', { name: 'Renamed' });
    server.log = [];
    await pull(db, server.client());
    expect((await db.customers.get('c7'))?.name).toBe('Renamed');
    expect(server.log[0]).toContain(`cursor=${n}`);
  });

  it('drops a customer taken away from the user with everything under it', async () => {
    server.seedCustomer({ id: 'c1', name: 'Acme' });
    await db.contacts.put({ id: 'p1', customer_id: 'c1', name: 'Li' } as never);
    await db.records.put({ id: 'r1', customer_id: 'c1', occurred_at: '2026-05-01T00:00:00Z' } as never);
    await db.records.put({ id: 'r2', customer_id: 'c2', occurred_at: '2026-05-01T00:00:00Z' } as never);
    await pull(db, server.client());
    server.officeDelete('customer', 'c1');
    await pull(db, server.client());
    expect(await db.customers.get('c1')).toBeUndefined();
    expect(await db.contacts.get('p1')).toBeUndefined();
    expect(await db.records.get('r1')).toBeUndefined();
    expect(await db.records.get('r2')).toBeDefined();
  });

  it('keeps an edit not yet sent on top of what the feed brings', async () => {
    server.seedCustomer({ id: 'c1', name: 'Acme', phone: '1' });
    await pull(db, server.client());
    await updateCustomer(w, 'c1', { phone: '2' });
    server.officeEdit('customer', 'c1', { region: 'North' });
    await pull(db, server.client());
    const local = await db.customers.get('c1');
    expect(local?.phone).toBe('2');
    expect(local?.region).toBe('North');
  });
});

describe('creates', () => {
  it('are sent with the phone ids, in order, and leave the outbox', async () => {
    server.offline = true;
    const c = await createCustomer(w, { name: 'New Co' });
    const p = await createContact(w, c, { name: 'Zhang' });
    const r = await recordContact(w, { customer_id: c, kind: 'visit', location: { lat: 31.2, lon: 121.4, accuracy_m: 8 } });
    expect((await db.customers.get(c))?.last_contact_at).toBeTruthy();
    expect((await push(db, server.client())).stalled).toBe(true);
    expect(await db.outbox.count()).toBe(3);
    server.offline = false;
    await sync();
    expect(await db.outbox.count()).toBe(0);
    expect(server.rows.customer.get(c)?.name).toBe('New Co');
    expect(server.rows.contact.get(p)?.customer_id).toBe(c);
    expect(server.rows.contact_record.get(r)?.distance_m).toBe(42);
    expect((await db.records.get(r))?.distance_m).toBe(42);
    const posts = server.log.filter((l) => l.startsWith('POST'));
    // Offline: the first was tried and the rest waited; then all three, in order.
    expect(posts).toEqual(['POST /v1/customers', 'POST /v1/customers', `POST /v1/customers/${c}/contacts`, 'POST /v1/contact-records']);
  });

  it('create once when the answer was lost after the server committed', async () => {
    const c = await createCustomer(w, { name: 'Lost Answer Ltd' });
    server.dropNextAnswer = true;
    expect((await sync()).stalled).toBe(true);
    expect(server.rows.customer.size).toBe(1); // committed, answer lost
    expect(await db.outbox.count()).toBe(1);
    await sync();
    expect(server.rows.customer.size).toBe(1);
    expect(await db.outbox.count()).toBe(0);
    expect((await db.customers.get(c))?.version).toBe(1);
  });

  it('an edit made after a create was tried waits for the create, then goes on its version', async () => {
    const c = await createCustomer(w, { name: 'Early' });
    server.dropNextAnswer = true;
    await sync();
    await updateCustomer(w, c, { phone: '555' });
    const ops = await db.outbox.toArray();
    expect(ops.map((o) => [o.op, o.version ?? null])).toEqual([['create', null], ['update', null]]);
    await sync();
    expect(server.rows.customer.get(c)?.phone).toBe('555');
    expect(await db.outbox.count()).toBe(0);
  });

  it('an edit of a record never sent is folded into its create', async () => {
    server.offline = true;
    const c = await createCustomer(w, { name: 'Draft' });
    await updateCustomer(w, c, { phone: '777' });
    expect(await db.outbox.count()).toBe(1);
    server.offline = false;
    await sync();
    expect(server.rows.customer.get(c)?.phone).toBe('777');
  });
});

describe('refusals wait for the user', () => {
  it('a duplicate shows the candidates; "create anyway" creates it', async () => {
    server.seedCustomer({ id: 'old', name: 'Acme' });
    await pull(db, server.client());
    const c = await createCustomer(w, { name: 'Acme' });
    const p = await createContact(w, c, { name: 'Li' });
    await sync();
    const [op, held] = await db.outbox.orderBy('seq').toArray();
    expect(op.state).toBe('duplicate');
    expect(op.attention?.candidates?.[0]).toMatchObject({ id: 'old', name: 'Acme' });
    expect(held.state).toBe('pending'); // held back behind its customer, not sent
    expect(server.log.some((l) => l.includes('/contacts'))).toBe(false);
    await confirmDuplicate(db, op.seq!);
    await sync();
    expect(server.rows.customer.has(c)).toBe(true);
    expect(server.rows.contact.get(p)?.customer_id).toBe(c);
  });

  it('discarding a refused create drops what was written under it', async () => {
    server.seedCustomer({ id: 'old', name: 'Acme' });
    const c = await createCustomer(w, { name: 'Acme' });
    await createContact(w, c, { name: 'Li' });
    await sync();
    const [op] = await db.outbox.toArray();
    await discard(db, op.seq!);
    expect(await db.outbox.count()).toBe(0);
    expect(await db.customers.get(c)).toBeUndefined();
    expect(await db.contacts.where('customer_id').equals(c).count()).toBe(0);
  });

  it('a 422 marks the record with the message by its field, others still go', async () => {
    const bad = await createCustomer(w, { name: '' });
    const good = await createCustomer(w, { name: 'Fine' });
    await sync();
    const op = (await db.outbox.toArray())[0];
    expect(op.state).toBe('invalid');
    expect(op.attention?.field_errors?.[0]).toMatchObject({ field: 'name' });
    expect(server.rows.customer.has(good)).toBe(true);
    await resubmit(db, op.seq!, { ...op.body, name: 'Fixed' });
    await sync();
    expect(server.rows.customer.get(bad)?.name).toBe('Fixed');
  });
});

describe('a stale edit (412)', () => {
  beforeEach(async () => {
    server.seedCustomer({ id: 'c1', name: 'Acme', phone: '1', region: 'East', notes: null });
    await pull(db, server.client());
  });

  it('goes again on the new version when the office changed other members', async () => {
    await updateCustomer(w, 'c1', { phone: '2' });
    server.officeEdit('customer', 'c1', { region: 'West' });
    await sync();
    expect(server.rows.customer.get('c1')).toMatchObject({ phone: '2', region: 'West' });
    expect(await db.customers.get('c1')).toMatchObject({ phone: '2', region: 'West' });
    expect(await db.outbox.count()).toBe(0);
  });

  it('found already there after a lost answer, leaves quietly', async () => {
    await updateCustomer(w, 'c1', { phone: '9' });
    server.dropNextAnswer = true;
    await sync();
    await sync();
    expect(server.rows.customer.get('c1')?.phone).toBe('9');
    expect(await db.outbox.count()).toBe(0);
  });

  it('shows the members both changed, and keeps the one the user chose', async () => {
    await updateCustomer(w, 'c1', { phone: 'mine', notes: 'visited' });
    server.officeEdit('customer', 'c1', { phone: 'office', region: 'West' });
    await sync();
    const [op] = await db.outbox.toArray();
    expect(op.state).toBe('conflict');
    expect(op.attention?.fields).toEqual(['phone']);
    expect(op.attention?.server?.phone).toBe('office');
    await resolveConflict(db, op.seq!, { phone: 'mine' });
    await sync();
    expect(server.rows.customer.get('c1')).toMatchObject({ phone: 'mine', notes: 'visited', region: 'West' });
  });

  it("takes the server's value when the user says so", async () => {
    await updateCustomer(w, 'c1', { phone: 'mine', notes: 'visited' });
    server.officeEdit('customer', 'c1', { phone: 'office' });
    await sync();
    const [op] = await db.outbox.toArray();
    await resolveConflict(db, op.seq!, { phone: 'server' });
    expect((await db.customers.get('c1'))?.phone).toBe('office');
    await sync();
    expect(server.rows.customer.get('c1')).toMatchObject({ phone: 'office', notes: 'visited' });
    expect(await db.outbox.count()).toBe(0);
  });
});
