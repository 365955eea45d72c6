// overlay.ts: the local copy is the server's copy with the outbox laid over
// it. These pure functions do the laying over, and tell the office's changes
// from the user's when the server refuses an update as stale (412).
import type { Customer, OutboxOp } from './db';

type Row = Record<string, unknown>;

/** Deep equality of JSON values (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameValue(v, bb[i]));
  }
  const ka = Object.keys(a as Row);
  const kb = Object.keys(b as Row);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Row)[k], (b as Row)[k]));
}

/** `row` with the pending writes `ops` (in outbox order) laid over it; a
 * record that exists only in the outbox is built from its create. */
export function overlay<T extends object>(row: T | undefined, ops: OutboxOp[]): T | undefined {
  let current = row ? ({ ...row } as Row) : undefined;
  for (const op of ops) {
    if (op.op === 'create') current = { ...(current ?? {}), ...op.body };
    else if (current) current = { ...current, ...op.body };
  }
  return current as T | undefined;
}

/** What the server keeps on a customer from its contact records: the latest
 * record's time and its planned follow-up. A record written on the phone
 * updates them at once, as the server will once it arrives. */
export function withRecord(customer: Customer, record: { occurred_at?: string | null; next_contact_at?: string | null }): Customer {
  const at = record.occurred_at ?? new Date().toISOString();
  if (customer.last_contact_at && Date.parse(customer.last_contact_at) > Date.parse(at)) return customer;
  return { ...customer, last_contact_at: at, next_contact_at: record.next_contact_at ?? null };
}

/**
 * After a 412: the members of the user's patch where the server's current
 * value differs from theirs and the office changed it too (server ≠ base).
 * A member only the user changed is no conflict: their value goes through.
 */
export function conflictingFields(op: OutboxOp, server: Row): string[] {
  const base = op.base ?? {};
  return Object.keys(op.body).filter(
    (k) => !sameValue(server[k], op.body[k]) && !sameValue(server[k], base[k]),
  );
}

/** The patch to send again on the server's new version: the user's members
 * that still differ from the server, minus those where the user took the
 * server's value. Empty when nothing is left to change. */
export function rebasedPatch(op: OutboxOp, server: Row, takeServer: Iterable<string> = []): Row {
  const skip = new Set(takeServer);
  const patch: Row = {};
  for (const [k, v] of Object.entries(op.body)) {
    if (skip.has(k) || sameValue(server[k], v)) continue;
    patch[k] = v;
  }
  return patch;
}

/** Folds a later edit into an entry not yet sent: the patch merged, and the
 * first-seen value of each member kept as the base. */
export function mergeEdit(op: OutboxOp, patch: Row, before: Row): OutboxOp {
  const base = { ...(op.base ?? {}) };
  for (const k of Object.keys(patch)) if (!(k in base) && op.op === 'update') base[k] = before[k];
  return { ...op, body: { ...op.body, ...patch }, base: op.op === 'update' ? base : undefined };
}
