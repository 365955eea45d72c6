// writes.ts: what the salesperson writes, made on the phone: a new record
// gets its id here, goes into the outbox and into the local copy in one
// transaction, and the sync engine is nudged to send it.
import type { Contact, ContactInput, ContactRecord, ContactRecordInput, CrmDb, CustomerInput, CustomerPatch, OutboxOp, WritableEntity } from './db';
import { tableOf } from './db';
import { mergeEdit, withRecord } from './overlay';

type Row = Record<string, unknown>;

function newOp(op: OutboxOp['op'], entity: WritableEntity, id: string, customer_id: string, body: Row): OutboxOp {
  return { op, entity, id, customer_id, body, key: crypto.randomUUID(), state: 'pending', attempts: 0, created_at: new Date().toISOString() };
}

const now = () => new Date().toISOString();

/** The local look of a record not yet on the server: the server's defaults
 * filled in so every screen can show it like any other. */
function draft(entity: WritableEntity, body: Row, me: { id: string; name: string }): Row {
  const common = { version: 0, created_at: now(), updated_at: now() };
  if (entity === 'customer') {
    return {
      kind: 'company', status: 'prospect', category: null, industry: null, region: null, address: null, phone: null,
      email: null, website: null, source: null, tags: [], credit_limit: null, payment_terms_days: null, notes: null,
      owner_id: me.id, owner_name: me.name, custom: {}, location: null, last_contact_at: null, next_contact_at: null,
      ...common, ...body,
    };
  }
  if (entity === 'contact') {
    return { title: null, phone: null, mobile: null, email: null, im: null, birthday: null, is_primary: false, notes: null, ...common, ...body };
  }
  return {
    contact_id: null, direction: 'outbound', occurred_at: now(), duration_minutes: null, subject: null, summary: null,
    outcome: null, next_contact_at: null, location: null, distance_m: null, owner_id: me.id, owner_name: me.name,
    ...common, ...body,
  };
}

export interface Writer {
  db: CrmDb;
  me: () => { id: string; name: string };
  nudge: () => void;
}

async function create(w: Writer, entity: WritableEntity, customerId: string, body: Row): Promise<string> {
  const id = (body.id as string | undefined) ?? crypto.randomUUID();
  const full = { ...body, id };
  const { db } = w;
  await db.transaction('rw', [db.outbox, db.customers, db.contacts, db.records], async () => {
    await db.outbox.add(newOp('create', entity, id, entity === 'customer' ? id : customerId, full));
    const local = draft(entity, entity === 'contact' ? { ...full, customer_id: customerId } : full, w.me());
    await tableOf(db, entity).put(local as never);
    if (entity === 'contact_record') {
      const c = await db.customers.get(customerId);
      if (c) await db.customers.put(withRecord(c, local));
    }
  });
  w.nudge();
  return id;
}

/** A new customer; the id is made here. */
export function createCustomer(w: Writer, input: CustomerInput): Promise<string> {
  return create(w, 'customer', '', input as Row);
}

/** A new contact person of `customerId`. */
export function createContact(w: Writer, customerId: string, input: ContactInput): Promise<string> {
  return create(w, 'contact', customerId, { ...(input as Row), customer_id: customerId });
}

/** A new contact record (a call, a visit with its check-in...). */
export function recordContact(w: Writer, input: ContactRecordInput & { customer_id: string }): Promise<string> {
  return create(w, 'contact_record', input.customer_id, input as Row);
}

/**
 * An edit: a merge patch of the members changed. It is folded into an entry
 * of the same record not yet sent (the create itself, or an earlier edit),
 * else queued on the version the copy holds now.
 */
async function update(w: Writer, entity: WritableEntity, id: string, patch: Row): Promise<void> {
  const { db } = w;
  const table = tableOf(db, entity);
  await db.transaction('rw', [db.outbox, db.customers, db.contacts, db.records], async () => {
    const before = (await table.get(id)) as Row | undefined;
    if (!before) throw new Error(`no ${entity} ${id} on this phone`);
    const open = (await db.outbox.where('id').equals(id).toArray()).filter((o) => o.entity === entity);
    const last = open[open.length - 1];
    // An entry already tried may have reached the server: its body is final.
    if (last && last.attempts === 0 && last.state === 'pending') {
      await db.outbox.put(mergeEdit(last, patch, before));
    } else {
      const base: Row = {};
      for (const k of Object.keys(patch)) base[k] = before[k];
      const pendingCreate = open.some((o) => o.op === 'create');
      const op = newOp('update', entity, id, entity === 'customer' ? id : (before.customer_id as string), patch);
      op.base = base;
      op.version = pendingCreate ? null : (before.version as number);
      await db.outbox.add(op);
    }
    await table.put({ ...before, ...patch, updated_at: now() } as never);
  });
  w.nudge();
}

export function updateCustomer(w: Writer, id: string, patch: CustomerPatch): Promise<void> {
  return update(w, 'customer', id, patch as Row);
}

export function updateContact(w: Writer, id: string, patch: Partial<Omit<Contact, 'id' | 'customer_id' | 'version' | 'created_at' | 'updated_at'>>): Promise<void> {
  return update(w, 'contact', id, patch as Row);
}

export function updateRecord(w: Writer, id: string, patch: Partial<Omit<ContactRecord, 'id' | 'customer_id' | 'version' | 'created_at' | 'updated_at' | 'distance_m' | 'owner_id' | 'owner_name'>>): Promise<void> {
  return update(w, 'contact_record', id, patch as Row);
}

