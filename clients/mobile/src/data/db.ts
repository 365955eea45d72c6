// db.ts: the phone's copy of what the salesperson may see, in IndexedDB
// (Dexie): one table per entity of the change feed, the outbox of writes not
// yet acknowledged by the server, and a few cached answers (who is signed in,
// the organization's settings, the sync cursor). Every screen reads from here.
import Dexie, { type Table } from 'dexie';
import type { components, DuplicateCandidate, FieldError } from '@crm/shared';

type S = components['schemas'];
export type Customer = S['Customer'];
export type Contact = S['Contact'];
export type ContactRecord = S['ContactRecord'];
export type Quotation = S['Quotation'];
export type Contract = S['Contract'];
export type Shipment = S['Shipment'];
export type Receivable = S['Receivable'];
export type Payment = S['Payment'];
export type Me = S['Me'];
export type TenantSettings = S['TenantSettings'];
export type CustomerInput = S['CustomerInput'];
export type CustomerPatch = S['CustomerPatch'];
/** A new contact person (`is_primary` defaults to false, as on the server). */
export type ContactInput = Omit<S['ContactInput'], 'is_primary'> & { is_primary?: boolean };
export type ContactRecordInput = S['ContactRecordInput'];
export type CheckIn = NonNullable<S['CheckIn']>;

/** The entities of GET /v1/changes, as the feed names them. */
export type Entity = S['Change']['entity'];

/** The entities the phone writes. */
export type WritableEntity = 'customer' | 'contact' | 'contact_record';

/**
 * Why an outbox entry waits for the user rather than the network:
 * - `conflict`: the server's copy changed since the edit (412); `server` holds
 *   it, `fields` the members where it and the user's values differ.
 * - `duplicate`: a new customer looks like existing ones (409), `candidates`.
 * - `invalid`: the server refused the values (422, 403, 404...); `detail` and
 *   `field_errors` say why, next to which field.
 */
export interface Attention {
  status: number;
  detail: string;
  field_errors?: FieldError[];
  candidates?: DuplicateCandidate[];
  server?: Record<string, unknown>;
  server_version?: number;
  fields?: string[];
}

export type OutboxState = 'pending' | 'conflict' | 'duplicate' | 'invalid';

/** One write waiting for the server's 2xx (or the user's decision). */
export interface OutboxOp {
  seq?: number;
  op: 'create' | 'update';
  entity: WritableEntity;
  /** The resource's id, made on the phone for a create. */
  id: string;
  /** The customer the write belongs to: a refused write holds back the later ones of the same customer. */
  customer_id: string;
  /** The create's body or the update's merge patch. */
  body: Record<string, unknown>;
  /** For an update: the values the edited members had before the edit (to tell the office's changes from ours). */
  base?: Record<string, unknown>;
  /** For an update: the version the edit was made on (If-Match); null until the record's create is acknowledged. */
  version?: number | null;
  /** Idempotency-Key of a create, the same for every retry. */
  key: string;
  /** For a customer create the user confirmed after the duplicate prompt. */
  confirm_duplicate?: boolean;
  state: OutboxState;
  attention?: Attention;
  attempts: number;
  created_at: string;
  last_error?: string;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

export class CrmDb extends Dexie {
  customers!: Table<Customer, string>;
  contacts!: Table<Contact, string>;
  records!: Table<ContactRecord, string>;
  quotations!: Table<Quotation, string>;
  contracts!: Table<Contract, string>;
  shipments!: Table<Shipment, string>;
  receivables!: Table<Receivable, string>;
  payments!: Table<Payment, string>;
  outbox!: Table<OutboxOp, number>;
  meta!: Table<MetaRow, string>;

  /**
   * `relaxed`: a commit is reported before the disk has it (Chromium writes
   * it a moment later), several times faster. For what the server already
   * holds — the feed's pages, whose cursor is saved in the same transaction,
   * and the answers to the outbox — a power cut loses nothing that is not
   * read or replayed again. The user's own writes use the default.
   */
  constructor(name = 'crm-mobile', durability?: 'relaxed') {
    super(name, durability ? { chromeTransactionDurability: durability } : undefined);
    this.version(1).stores({
      customers: 'id, owner_id, name, next_contact_at',
      contacts: 'id, customer_id',
      records: 'id, customer_id, [customer_id+occurred_at], occurred_at',
      quotations: 'id, customer_id',
      contracts: 'id, customer_id',
      shipments: 'id, customer_id',
      outbox: '++seq, id, customer_id, state',
      meta: 'key',
    });
    // Only the indexes a screen or the sync asks by: every index is written
    // for every row a first sync stores. A record's customer is found through
    // the first part of [customer_id+occurred_at].
    this.version(2).stores({
      customers: 'id, owner_id',
      records: 'id, [customer_id+occurred_at]',
    });
    // What customers owe and what they paid, from the feed (read only here).
    this.version(3).stores({
      receivables: 'id, customer_id',
      payments: 'id, customer_id',
    });
  }
}

/** The Dexie table of each entity of the feed. */
export function tableOf(db: CrmDb, entity: Entity): Table<{ id: string; customer_id?: string }, string> {
  switch (entity) {
    case 'customer':
      return db.customers as unknown as Table<{ id: string }, string>;
    case 'contact':
      return db.contacts;
    case 'contact_record':
      return db.records;
    case 'quotation':
      return db.quotations;
    case 'contract':
      return db.contracts;
    case 'shipment':
      return db.shipments;
    case 'receivable':
      return db.receivables;
    case 'payment':
      return db.payments;
  }
}

/** The tables of what hangs under a customer (dropped with it). */
export function childTables(db: CrmDb): Table<{ id: string; customer_id?: string }, string>[] {
  return [db.contacts, db.records, db.quotations, db.contracts, db.shipments, db.receivables, db.payments];
}

export async function getMeta<T>(db: CrmDb, key: string): Promise<T | undefined> {
  return (await db.meta.get(key))?.value as T | undefined;
}

export async function setMeta(db: CrmDb, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value });
}
