// outbox.ts: every write the salesperson makes goes here first, is laid over
// the local copy at once, and is sent in order when there is network.
//
// Nothing leaves the outbox without a 2xx or the user's decision, and nothing
// is created twice: a create carries the id made on the phone and an
// Idempotency-Key kept for every retry, so a request whose answer was lost
// (the server committed, the phone timed out) answers the first response
// again; an update carries If-Match with the version it was made on, and a
// repeat after a lost answer finds its own change already there.
import { apiErrorFrom, type ApiError } from '@crm/shared';
import type { Client } from '@crm/shared';
import { type Attention, type CrmDb, type OutboxOp, type WritableEntity, tableOf } from './db';
import { conflictingFields, overlay, rebasedPatch, withRecord } from './overlay';

type Row = Record<string, unknown>;

/** How long a request may take before the phone gives up on it and tries
 * again later (an outbox write is safe to repeat). */
export const REQUEST_TIMEOUT_MS = 20_000;

/** Entries still waiting (for the network or the user), in outbox order. */
export async function openOps(db: CrmDb): Promise<OutboxOp[]> {
  return db.outbox.orderBy('seq').toArray();
}

/** Writes `server` (the server's copy of a record, or undefined when it has
 * none yet) into the local copy with the entries still open laid over it. */
export async function layOver(db: CrmDb, entity: WritableEntity, id: string, server: Row | undefined, ops?: OutboxOp[]) {
  const all = ops ?? (await openOps(db));
  const mine = all.filter((o) => o.entity === entity && o.id === id);
  let row = overlay(server, mine);
  if (row && entity === 'customer') {
    for (const o of all) if (o.entity === 'contact_record' && o.op === 'create' && o.body.customer_id === id) row = withRecord(row as never, o.body) as Row;
  }
  const table = tableOf(db, entity);
  if (row) await table.put(row as never);
  else await table.delete(id);
}

interface Answer {
  status: number;
  data?: Row;
  error?: unknown;
  etag?: string;
}

const PATHS: Record<WritableEntity, string> = {
  customer: '/v1/customers/{id}',
  contact: '/v1/contacts/{id}',
  contact_record: '/v1/contact-records/{id}',
};

type Call = (path: string, init: Row) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

async function answer(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<Answer> {
  try {
    const { data, error, response } = await call;
    return { status: response.status, data: data as Row, error, etag: response.headers.get('ETag') ?? undefined };
  } catch (e) {
    // No answer at all: offline, refused, or given up on after the timeout.
    return { status: 0, error: e };
  }
}

function send(api: Client, op: OutboxOp): Promise<Answer> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const post = api.POST as unknown as Call;
  const patch = api.PATCH as unknown as Call;
  if (op.op === 'update') {
    return answer(
      patch(PATHS[op.entity], {
        params: { path: { id: op.id } },
        body: op.body,
        headers: { 'If-Match': `"${op.version}"` },
        signal,
      }),
    );
  }
  const headers = { 'Idempotency-Key': op.key };
  switch (op.entity) {
    case 'customer':
      return answer(
        post('/v1/customers', {
          params: { query: op.confirm_duplicate ? { confirm_duplicate: true } : {} },
          body: op.body,
          headers,
          signal,
        }),
      );
    case 'contact': {
      const { customer_id: _customer, ...body } = op.body;
      void _customer;
      return answer(post('/v1/customers/{id}/contacts', { params: { path: { id: op.customer_id } }, body, headers, signal }));
    }
    case 'contact_record':
      return answer(post('/v1/contact-records', { body: op.body, headers, signal }));
  }
}

async function fetchCurrent(api: Client, op: OutboxOp): Promise<Answer> {
  const get = api.GET as unknown as Call;
  return answer(get(PATHS[op.entity], { params: { path: { id: op.id } }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }));
}

function attentionOf(status: number, error: unknown): Attention {
  const e: ApiError = apiErrorFrom(status, error);
  return {
    status,
    detail: e.problem?.detail ?? e.problem?.title ?? e.message,
    field_errors: e.fieldErrors.length ? e.fieldErrors : undefined,
    candidates: e.candidates.length ? e.candidates : undefined,
  };
}

/** The outcome of one pass over the outbox. */
export interface PushResult {
  sent: number;
  /** No answer, or the server busy: the rest waits for the next pass. */
  stalled: boolean;
  /** The session ended (refresh refused). */
  signedOut: boolean;
}

/** Whether an answer means "ask again later", the entry unchanged. */
function transient(status: number, error: unknown): boolean {
  if (status === 0 || status === 429 || status >= 500 || status === 408) return true;
  // 409 while the first request with this key is still running (not a duplicate).
  return status === 409 && apiErrorFrom(status, error).kind !== 'duplicate';
}

async function settle(db: CrmDb, op: OutboxOp, server: Row) {
  await db.transaction('rw', [db.outbox, db.customers, db.contacts, db.records], async () => {
    await db.outbox.delete(op.seq!);
    // Later edits of a record made before its create was acknowledged go on
    // the version the create answered.
    if (op.op === 'create' && typeof server.version === 'number') {
      await db.outbox
        .where('id')
        .equals(op.id)
        .modify((o) => {
          if (o.op === 'update' && o.version == null) o.version = server.version as number;
        });
    }
    await layOver(db, op.entity, op.id, server);
    if (op.entity === 'contact_record') {
      const customer = await db.customers.get(op.customer_id);
      if (customer) await db.customers.put(withRecord(customer, server));
    }
  });
}

async function needsUser(db: CrmDb, op: OutboxOp, state: OutboxOp['state'], attention: Attention) {
  await db.outbox.update(op.seq!, { state, attention, attempts: op.attempts + 1 });
}

/** Sends what the outbox holds, in order, until it is empty or the network
 * fails. An entry refused for a reason only the user can settle holds back
 * the later entries of the same customer, not the others. */
export async function push(db: CrmDb, api: Client): Promise<PushResult> {
  const result: PushResult = { sent: 0, stalled: false, signedOut: false };
  const held = new Set<string>();
  for (const listed of await openOps(db)) {
    // Read again: an entry sent before may have changed this one (a create's version).
    const op = await db.outbox.get(listed.seq!);
    if (!op) continue;
    if (op.state !== 'pending' || held.has(op.customer_id)) {
      held.add(op.customer_id);
      continue;
    }
    if (op.op === 'update' && op.version == null) {
      held.add(op.customer_id); // its create has not been acknowledged yet
      continue;
    }
    const a = await send(api, op);
    if (a.status >= 200 && a.status < 300) {
      await settle(db, op, a.data ?? {});
      result.sent++;
      continue;
    }
    if (transient(a.status, a.error)) {
      await db.outbox.update(op.seq!, { attempts: op.attempts + 1, last_error: a.status ? `HTTP ${a.status}` : 'network' });
      result.stalled = true;
      break;
    }
    if (a.status === 401) {
      result.signedOut = true;
      break;
    }
    held.add(op.customer_id);
    if (a.status === 412 && op.op === 'update') {
      const settled = await onStale(db, api, op);
      if (settled === 'stalled') {
        result.stalled = true;
        break;
      }
      if (settled === 'sent') {
        held.delete(op.customer_id);
        result.sent++;
      }
      continue;
    }
    if (a.status === 409 && op.op === 'create' && op.entity === 'customer') {
      await needsUser(db, op, 'duplicate', attentionOf(a.status, a.error));
      continue;
    }
    await needsUser(db, op, 'invalid', attentionOf(a.status, a.error));
  }
  return result;
}

/* A 412: the record changed on the server since the edit. Where the office
 * changed none of the members the user edited, the edit goes again on the
 * new version (or is found already there, after a lost answer); otherwise
 * the user chooses, member by member. */
async function onStale(db: CrmDb, api: Client, op: OutboxOp): Promise<'sent' | 'conflict' | 'stalled'> {
  const current = await fetchCurrent(api, op);
  if (current.status === 0 || current.status >= 500 || current.status === 429) return 'stalled';
  if (current.status !== 200 || !current.data) {
    await needsUser(db, op, 'invalid', attentionOf(current.status, current.error));
    return 'conflict';
  }
  const server = current.data;
  const fields = conflictingFields(op, server);
  if (fields.length === 0) {
    const patch = rebasedPatch(op, server);
    if (Object.keys(patch).length === 0) {
      await settle(db, op, server);
      return 'sent';
    }
    await db.outbox.update(op.seq!, { body: patch, version: server.version as number, attempts: op.attempts + 1 });
    const again = await send(api, { ...op, body: patch, version: server.version as number });
    if (again.status >= 200 && again.status < 300) {
      await settle(db, op, again.data ?? {});
      return 'sent';
    }
    if (transient(again.status, again.error)) return 'stalled';
    if (again.status !== 412) {
      await needsUser(db, op, 'invalid', attentionOf(again.status, again.error));
      return 'conflict';
    }
    return onStale(db, api, { ...op, body: patch, version: server.version as number });
  }
  await needsUser(db, op, 'conflict', {
    status: 412,
    detail: 'changed on the server since your edit',
    server,
    server_version: server.version as number,
    fields,
  });
  return 'conflict';
}

/* ---- the user's decisions ------------------------------------------------ */

/** Records whose server copy the next sync reads again (an edit given up
 * before the server's copy was known). */
export async function markRefetch(db: CrmDb, entity: WritableEntity, id: string): Promise<void> {
  const list = ((await db.meta.get('refetch'))?.value as [WritableEntity, string][] | undefined) ?? [];
  await db.meta.put({ key: 'refetch', value: [...list, [entity, id]] });
}

/** Reads again the records markRefetch named; those it could not stay named. */
export async function refetch(db: CrmDb, api: Client): Promise<void> {
  const list = ((await db.meta.get('refetch'))?.value as [WritableEntity, string][] | undefined) ?? [];
  const left: [WritableEntity, string][] = [];
  for (const [entity, id] of list) {
    const a = await fetchCurrent(api, { entity, id } as OutboxOp);
    if (a.status === 200 && a.data) await layOver(db, entity, id, a.data);
    else if (a.status === 404 || a.status === 403) await layOver(db, entity, id, undefined);
    else left.push([entity, id]);
  }
  await db.meta.put({ key: 'refetch', value: left });
}

async function entry(db: CrmDb, seq: number): Promise<OutboxOp> {
  const op = await db.outbox.get(seq);
  if (!op) throw new Error(`no outbox entry ${seq}`);
  return op;
}

/**
 * Settles a conflict: for each conflicting member, `mine` sends the user's
 * value again on the server's new version, `server` takes the server's.
 * Members not named keep the user's value.
 */
export async function resolveConflict(db: CrmDb, seq: number, choices: Record<string, 'mine' | 'server'>): Promise<void> {
  const op = await entry(db, seq);
  const server = op.attention?.server;
  if (op.state !== 'conflict' || !server) throw new Error(`outbox entry ${seq} is no conflict`);
  const patch = rebasedPatch(
    op,
    server,
    Object.keys(choices).filter((k) => choices[k] === 'server'),
  );
  await db.transaction('rw', [db.outbox, db.customers, db.contacts, db.records], async () => {
    if (Object.keys(patch).length === 0) {
      await db.outbox.delete(seq);
    } else {
      const base: Row = {};
      for (const k of Object.keys(patch)) base[k] = server[k];
      await db.outbox.update(seq, {
        body: patch,
        base,
        version: op.attention?.server_version ?? (server.version as number),
        state: 'pending',
        attention: undefined,
      });
    }
    await layOver(db, op.entity, op.id, server);
  });
}

/** A new customer the user confirmed is no duplicate: sent again with
 * `confirm_duplicate=true` (under a new key: the refused request created nothing). */
export async function confirmDuplicate(db: CrmDb, seq: number): Promise<void> {
  await entry(db, seq);
  await db.outbox.update(seq, { confirm_duplicate: true, key: crypto.randomUUID(), state: 'pending', attention: undefined });
}

/** The user corrected a refused write: its values replaced by `body`, sent again. */
export async function resubmit(db: CrmDb, seq: number, body: Row): Promise<void> {
  const op = await entry(db, seq);
  await db.transaction('rw', [db.outbox, db.customers, db.contacts, db.records], async () => {
    await db.outbox.update(seq, { body, key: crypto.randomUUID(), state: 'pending', attention: undefined });
    const table = tableOf(db, op.entity);
    const row = (await table.get(op.id)) as Row | undefined;
    await table.put({ ...(row ?? {}), ...body } as never);
  });
}

/**
 * The user gives a write up. A create's record goes from the phone with
 * everything written under it since (those entries go too); an update's
 * record shows the server's values again at the next sync.
 */
export async function discard(db: CrmDb, seq: number): Promise<void> {
  const op = await entry(db, seq);
  await db.transaction('rw', [db.outbox, db.customers, db.contacts, db.records, db.meta], async () => {
    await db.outbox.delete(seq);
    if (op.op !== 'create') {
      const server = op.attention?.server;
      if (server) await layOver(db, op.entity, op.id, server);
      else await markRefetch(db, op.entity, op.id); // the server's values come back at the next sync
      return;
    }
    await tableOf(db, op.entity).delete(op.id);
    const under = (await openOps(db)).filter(
      (o) => o.id === op.id || (op.entity === 'customer' && o.customer_id === op.id) || o.body.contact_id === op.id,
    );
    await db.outbox.bulkDelete(under.map((o) => o.seq!));
    if (op.entity === 'customer') {
      await db.contacts.where('customer_id').equals(op.id).delete();
      await db.records.where('customer_id').equals(op.id).delete();
    }
  });
}
