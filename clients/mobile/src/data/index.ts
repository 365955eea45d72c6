// The app's data: one copy on the phone, one sync engine, one way to write.
// Screens read through the hooks here (live: a write or a sync shows at once)
// and write through the functions here; they never call the API themselves.
import { useLiveQuery } from 'dexie-react-hooks';
import { useMemo, useSyncExternalStore } from 'react';
import type { components } from '@crm/shared';
import { api, crm, onSignedOut } from './client';
import { CrmDb, getMeta, setMeta, type Me, type OutboxOp, type TenantSettings } from './db';
import * as outbox from './outbox';
import { Syncer, type SyncStatus } from './sync';
import * as writes from './writes';
import { agendaOf, type AgendaEntry } from './agenda';
import { byName, indexOf, search } from './search';
import { useCopy, type Pacer } from './live';

export * from './db';
export type { SyncStatus } from './sync';
export type { AgendaEntry, AgendaKind } from './agenda';
export { currentPosition, distanceMetres, mapLink, PositionError } from './geo';
export { ApiError } from '@crm/shared';

export type Figures = components['schemas']['PerformanceReport'];

export const db = new CrmDb();
/** The same copy, for the sync engine: pages of the feed and the server's answers (see CrmDb). */
const synced = new CrmDb('crm-mobile', 'relaxed');

/* ---- the session ----------------------------------------------------------- */

type Listener = () => void;
const sessionListeners = new Set<Listener>();
let signedIn = crm.session() !== null;
const setSignedIn = (v: boolean) => {
  signedIn = v;
  sessionListeners.forEach((l) => l());
};

onSignedOut(() => setSignedIn(false));

/** Whether a session is kept on the phone (it is, offline, until signed out). */
export function useSignedIn(): boolean {
  return useSyncExternalStore(
    (l) => {
      sessionListeners.add(l);
      return () => sessionListeners.delete(l);
    },
    () => signedIn,
  );
}

/** The tenant slug of the last sign-in, to prefill the form. */
export function lastTenant(): string {
  return localStorage.getItem('crm.mobile.tenant') ?? '';
}

/** Who is signed in and the organization's settings, read again after each sync. */
async function refreshProfile(): Promise<void> {
  const [me, tenant] = await Promise.all([api.GET('/v1/me'), api.GET('/v1/tenant')]);
  if (me.data) await setMeta(db, 'me', me.data);
  if (tenant.data) await setMeta(db, 'tenant', tenant.data);
  const user = me.data?.user.id;
  if (!user) return;
  const figures = await api.GET('/v1/reports/performance', { params: { query: { owner_id: user } } });
  if (figures.data) await setMeta(db, 'figures', { at: new Date().toISOString(), report: figures.data });
}

export const syncer = new Syncer(synced, api, {
  onSignedOut: () => setSignedIn(false),
  afterPass: () => refreshProfile().catch(() => undefined),
});

/**
 * Signs in; a different user than the copy's (or another organization) starts
 * from an empty copy. Rejects with the ApiError of a refusal.
 */
export async function signIn(tenant: string, email: string, password: string): Promise<void> {
  await crm.signIn(tenant, email, password);
  localStorage.setItem('crm.mobile.tenant', tenant);
  const me = await api.GET('/v1/me');
  const was = await getMeta<Me>(db, 'me');
  if (me.data && was && (was.user.id !== me.data.user.id || was.tenant.id !== me.data.tenant.id)) await clearCopy();
  if (me.data) await setMeta(db, 'me', me.data);
  setSignedIn(true);
  syncer.start();
}

/** Signs out and empties the copy (what the outbox still holds is lost: ask first). */
export async function signOut(): Promise<void> {
  syncer.stop();
  await crm.signOut();
  await clearCopy();
  setSignedIn(false);
}

async function clearCopy() {
  await Promise.all(db.tables.map((t) => t.clear()));
}

/** Starts syncing when a session was kept from before (call once at start). */
export function resume(): void {
  if (signedIn) syncer.start();
}

/* ---- reads --------------------------------------------------------------- */

export function useSyncStatus(): SyncStatus {
  return useSyncExternalStore(syncer.subscribe, syncer.getSnapshot);
}

export function useMe(): Me | undefined {
  return useLiveQuery(() => getMeta<Me>(db, 'me'));
}

export function useTenantSettings(): TenantSettings | undefined {
  return useLiveQuery(() => getMeta<TenantSettings>(db, 'tenant'));
}

/** My figures of this month as last read from the server, and when. */
export function useFigures(): { at: string; report: Figures } | undefined {
  return useLiveQuery(() => getMeta<{ at: string; report: Figures }>(db, 'figures'));
}

/** undefined while loading, null when the phone has no such customer. */
export function useCustomer(id: string | undefined) {
  return useLiveQuery(async () => (id ? ((await db.customers.get(id)) ?? null) : null), [id]);
}

export function useContacts(customerId: string | undefined) {
  return useLiveQuery(
    async () => (customerId ? (await db.contacts.where('customer_id').equals(customerId).toArray()).sort((a, b) => Number(b.is_primary) - Number(a.is_primary) || byName(a.name, b.name)) : []),
    [customerId],
  );
}

export function useContact(id: string | undefined) {
  return useLiveQuery(async () => (id ? ((await db.contacts.get(id)) ?? null) : null), [id]);
}

/** The customer's latest contact records, newest first. */
export function useRecords(customerId: string | undefined, limit = 20) {
  return useLiveQuery(
    async () =>
      customerId
        ? db.records.where('[customer_id+occurred_at]').between([customerId, ''], [customerId, '\uffff']).reverse().limit(limit).toArray()
        : [],
    [customerId, limit],
  );
}

/** Quotations of the customer still open (draft or sent), newest first. */
export function useOpenQuotations(customerId: string | undefined) {
  return useLiveQuery(
    async () =>
      customerId
        ? (await db.quotations.where('customer_id').equals(customerId).toArray())
            .filter((q) => q.status === 'draft' || q.status === 'sent')
            .sort((a, b) => (a.created_at < b.created_at ? 1 : -1))
        : [],
    [customerId],
  );
}

/** A customer's money as the feed brought it: the receivables still open
 * (soonest due first) and the latest payments (newest first, at most five). */
export function useMoneyOf(customerId: string | undefined) {
  return useLiveQuery(
    async () => {
      if (!customerId) return { open: [], payments: [] };
      const open = (await db.receivables.where('customer_id').equals(customerId).toArray())
        .filter((r) => r.status === 'open')
        .sort((a, b) => (a.due_date < b.due_date ? -1 : 1));
      const payments = (await db.payments.where('customer_id').equals(customerId).toArray())
        .sort((a, b) => (a.received_on < b.received_on ? 1 : a.received_on > b.received_on ? -1 : a.created_at < b.created_at ? 1 : -1))
        .slice(0, 5);
      return { open, payments };
    },
    [customerId],
  );
}

/** A sync pass that has written more than a few pages is filling the copy in bulk. */
const pacer: Pacer = {
  busy: () => syncer.snapshot.state === 'syncing' && syncer.snapshot.received > 1000,
  subscribe: (l) => syncer.subscribe(l),
};

/** The search index of every customer on the phone, kept current. */
function useIndex() {
  return useCopy(['customers', 'contacts'], async () => indexOf(await db.customers.toArray(), await db.contacts.toArray()), [], pacer);
}

/** Customers matching `query` (all by name when empty), best first. */
export function useSearch(query: string, limit = 50) {
  const index = useIndex();
  return useMemo(() => {
    if (!index) return undefined;
    if (!query.trim()) return index.map((e) => e.customer).sort((a, b) => byName(a.name, b.name)).slice(0, limit);
    return search(index, query, limit);
  }, [index, query, limit]);
}

/** The signed-in salesperson's agenda for today, from the copy. */
export function useAgenda(): AgendaEntry[] | undefined {
  const me = useMe();
  const settings = useTenantSettings();
  const id = me?.user.id;
  const mine = useCopy(
    ['customers', 'contacts'],
    async () => {
      if (!id) return undefined;
      const customers = await db.customers.where('owner_id').equals(id).toArray();
      const ids = customers.map((c) => c.id);
      return { customers, contacts: await db.contacts.where('customer_id').anyOf(ids).toArray() };
    },
    [id],
    pacer,
  );
  return useMemo(() => {
    if (!id || !mine) return undefined;
    return agendaOf(mine.customers, mine.contacts, id, settings ?? { timezone: 'Asia/Shanghai', dormant_after_days: 90 });
  }, [id, mine, settings]);
}

/** The outbox, oldest first: what waits for the network or for the user. */
export function useOutbox(): OutboxOp[] | undefined {
  return useLiveQuery(() => db.outbox.orderBy('seq').toArray());
}

/** The entries of one record (to mark it "not yet sent" or "needs attention"). */
export function useOutboxOf(id: string | undefined): OutboxOp[] | undefined {
  return useLiveQuery(async () => (id ? db.outbox.where('id').equals(id).toArray() : []), [id]);
}

/* ---- writes -------------------------------------------------------------- */

let me: { id: string; name: string } = { id: '', name: '' };
void getMeta<Me>(db, 'me').then((m) => m && (me = { id: m.user.id, name: m.user.name }));
db.meta.hook('creating', (key, row) => {
  if (key === 'me') me = { id: (row.value as Me).user.id, name: (row.value as Me).user.name };
});
db.meta.hook('updating', (mods, key) => {
  const value = (mods as { value?: Me }).value;
  if (key === 'me' && value) me = { id: value.user.id, name: value.user.name };
});

const writer: writes.Writer = { db, me: () => me, nudge: () => syncer.nudge() };

export const createCustomer = (input: Parameters<typeof writes.createCustomer>[1]) => writes.createCustomer(writer, input);
export const updateCustomer = (id: string, patch: Parameters<typeof writes.updateCustomer>[2]) => writes.updateCustomer(writer, id, patch);
export const createContact = (customerId: string, input: Parameters<typeof writes.createContact>[2]) => writes.createContact(writer, customerId, input);
export const updateContact = (id: string, patch: Parameters<typeof writes.updateContact>[2]) => writes.updateContact(writer, id, patch);
export const recordContact = (input: Parameters<typeof writes.recordContact>[1]) => writes.recordContact(writer, input);

/* ---- the user's decisions on the outbox ---------------------------------- */

const decided = <A extends unknown[]>(fn: (db: CrmDb, ...a: A) => Promise<void>) => async (...a: A) => {
  await fn(db, ...a);
  syncer.nudge();
};

export const resolveConflict = decided(outbox.resolveConflict);
export const confirmDuplicate = decided(outbox.confirmDuplicate);
export const resubmit = decided(outbox.resubmit);
export const discard = decided(outbox.discard);
