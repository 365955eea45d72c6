// sync.ts: keeps the phone's copy current. One pass sends the outbox, then
// reads the change feed from the saved cursor to its end, applying every
// create, update and delete; passes run on opening, on regaining network,
// every few minutes while the app is in front, and soon after every write.
import { type CrmDb, type Entity, type WritableEntity, childTables, getMeta, setMeta, tableOf } from './db';
import { layOver, openOps, push, refetch, REQUEST_TIMEOUT_MS } from './outbox';
import { withLock, type Client, type components } from '@crm/shared';

type Change = components['schemas']['Change'];
type Row = Record<string, unknown>;

/** Items per page of the feed (its maximum): each request costs the server a
 * few milliseconds of its own and the phone a wait for its next turn. */
export const PAGE = 1000;
/** Between passes while the app is in front. */
export const EVERY_MS = 3 * 60_000;
/** After a pass that got no answer: the waits before trying again. */
const RETRY_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

const WRITABLE = new Set<Entity>(['customer', 'contact', 'contact_record']);

/** Applies one page of the feed in one transaction, the outbox laid over
 * what it touches, and saves the cursor with it (a page is applied wholly
 * or not at all, so a pass cut short resumes where it stopped). */
export async function applyPage(db: CrmDb, items: Change[], cursor: string): Promise<void> {
  const tables = [
    db.customers, db.contacts, db.records, db.quotations, db.contracts, db.shipments, db.receivables, db.payments,
    db.outbox, db.meta,
  ];
  await db.transaction('rw', tables, async () => {
    const ops = await openOps(db);
    // Records with writes still open, and customers with contact records
    // still open (whose last and next contact those records move).
    const touched = new Set(ops.map((o) => `${o.entity}:${o.id}`));
    for (const o of ops) if (o.entity === 'contact_record' && o.op === 'create') touched.add(`customer:${o.customer_id}`);
    const byEntity = new Map<Entity, Row[]>();
    for (const item of items) {
      const entity = item.entity as Entity;
      if (item.op === 'delete') {
        // Flush what was gathered so the delete lands after it, in feed order.
        await flush(db, byEntity);
        await tableOf(db, entity).delete(item.id);
        if (entity === 'customer') for (const t of childTables(db)) await t.where('customer_id').equals(item.id).delete();
        continue;
      }
      const data = item.data as unknown as Row;
      if (WRITABLE.has(entity) && touched.has(`${entity}:${item.id}`)) {
        await flush(db, byEntity);
        await layOver(db, entity as WritableEntity, item.id, data, ops);
        continue;
      }
      const list = byEntity.get(entity) ?? [];
      // The feed sends an entity's latest state; a later item of the same id wins.
      list.push(data);
      byEntity.set(entity, list);
    }
    await flush(db, byEntity);
    await db.meta.put({ key: 'cursor', value: cursor });
  });
}

/** Rows stored per call: copying rows into IndexedDB is work on the page's own
 * thread, and between calls the reader gets to ask for the next page. */
const CHUNK = 200;

async function flush(db: CrmDb, byEntity: Map<Entity, Row[]>) {
  for (const [entity, rows] of byEntity) {
    for (let i = 0; i < rows.length; i += CHUNK) await tableOf(db, entity).bulkPut(rows.slice(i, i + CHUNK) as never[]);
  }
  byEntity.clear();
}

/** Pages read ahead of the one being written at most. */
const AHEAD = 4;

/**
 * Reads the feed from the saved cursor until a page comes back empty. Pages
 * are asked for one after the other as fast as the server answers, while the
 * phone writes those that have arrived, each page in one transaction with the
 * cursor after it: a slow write never holds the network back.
 */
export async function pull(db: CrmDb, api: Client, onPage?: (items: number) => void): Promise<void> {
  const read = async (cursor: string) => {
    const { data, error, response } = await api.GET('/v1/changes', {
      params: { query: cursor ? { cursor, limit: PAGE } : { limit: PAGE } },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok || !data) throw Object.assign(new Error(`changes: HTTP ${response.status}`), { status: response.status, error });
    return data;
  };
  const start = (await getMeta<string>(db, 'cursor')) ?? '';
  const arrived: { items: Change[]; cursor: string }[] = [];
  let finished = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const signal = () => {
    wake?.();
    wake = null;
  };
  const waitFor = () => new Promise<void>((r) => (wake = r));

  let stop = false;
  const reader = (async () => {
    let cursor = start;
    try {
      while (!stop) {
        while (arrived.length >= AHEAD && !stop) await waitFor();
        const data = await read(cursor);
        if (data.data.length === 0) {
          if (data.next_cursor !== cursor) arrived.push({ items: [], cursor: data.next_cursor });
          break;
        }
        arrived.push({ items: data.data, cursor: data.next_cursor });
        cursor = data.next_cursor;
        signal();
      }
    } catch (e) {
      failure = e;
    } finally {
      finished = true;
      signal();
    }
  })();

  try {
    for (;;) {
      if (arrived.length === 0) {
        if (finished) break;
        await waitFor();
        continue;
      }
      const { items, cursor } = arrived.shift()!;
      signal(); // room again for the reader
      await applyPage(db, items, cursor);
      if (items.length) onPage?.(items.length);
    }
  } finally {
    stop = true;
    signal();
    await reader;
  }
  if (failure) throw failure;
}

/** Everything a screen shows about the state of the copy. */
export interface SyncStatus {
  /** `syncing` during a pass; `offline` when the last pass got no answer. */
  state: 'idle' | 'syncing' | 'offline' | 'error';
  /** When a pass last read the feed to its end (ISO), from the copy. */
  synced_at: string | null;
  /** Feed items applied in the running pass (for a progress line). */
  received: number;
  error?: string;
}

type Listener = () => void;

/** The sync engine of one copy: at most one pass at a time; a pass asked
 * for during one runs right after it. */
export class Syncer {
  private status: SyncStatus = { state: 'idle', synced_at: null, received: 0 };
  private listeners = new Set<Listener>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private soon: ReturnType<typeof setTimeout> | null = null;
  private detach: (() => void) | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;

  constructor(
    private readonly db: CrmDb,
    private readonly api: Client,
    private readonly hooks: { onSignedOut?: () => void; afterPass?: () => Promise<void> } = {},
  ) {
    void getMeta<string>(db, 'synced_at').then((at) => at && this.set({ synced_at: at }));
  }

  get snapshot(): SyncStatus {
    return this.status;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SyncStatus => this.status;

  private set(change: Partial<SyncStatus>) {
    this.status = { ...this.status, ...change };
    if (typeof document !== 'undefined') {
      document.documentElement.dataset.sync = this.status.state;
      if (this.status.synced_at) document.documentElement.dataset.syncedAt = this.status.synced_at;
    }
    this.listeners.forEach((l) => l());
  }

  /** Runs a pass now (or right after the running one); resolves when done. */
  syncNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        // One pass at a time in the whole browser: two tabs of the app share
        // one copy and one outbox.
        await withLock('crm-mobile-sync', () => this.pass());
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** A pass shortly after a write (several quick writes share one). */
  nudge(delayMs = 300): void {
    if (this.soon) clearTimeout(this.soon);
    this.soon = setTimeout(() => void this.syncNow(), delayMs);
  }

  /* A pass that got no answer (or a busy server) while the phone believes it
   * has network is tried again soon, then less and less often. */
  private retryLater(failed: boolean) {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    if (!failed) {
      this.failures = 0;
      return;
    }
    if (!this.detach) return;
    const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)];
    this.retry = setTimeout(() => void this.syncNow(), delay);
  }

  private async pass(): Promise<void> {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.set({ state: 'offline' });
      return;
    }
    this.set({ state: 'syncing', received: 0, error: undefined });
    try {
      const pushed = await push(this.db, this.api);
      if (pushed.signedOut) {
        this.set({ state: 'idle' });
        this.hooks.onSignedOut?.();
        return;
      }
      await refetch(this.db, this.api);
      await pull(this.db, this.api, (n) => this.set({ received: this.status.received + n }));
      const at = new Date().toISOString();
      await setMeta(this.db, 'synced_at', at);
      // The network may have gone while the pass ran (the offline event came first).
      const offline = pushed.stalled || (typeof navigator !== 'undefined' && navigator.onLine === false);
      this.set({ state: offline ? 'offline' : 'idle', synced_at: at });
      this.retryLater(pushed.stalled);
      // The profile and the month's figures are not the copy: read after it,
      // never holding the copy's "synced" back.
      void this.hooks.afterPass?.();
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status === 401) {
        this.set({ state: 'idle' });
        this.hooks.onSignedOut?.();
        return;
      }
      const offline = status === undefined || status === 0 || (e as Error).name === 'TimeoutError';
      this.set({ state: offline ? 'offline' : 'error', error: (e as Error).message });
      this.retryLater(true);
    }
  }

  /** Passes on regaining network, on coming back to the front, and every
   * EVERY_MS while in front; the first one now. */
  start(): void {
    if (this.detach) return;
    const online = () => void this.syncNow();
    const visible = () => {
      if (document.visibilityState === 'visible') void this.syncNow();
    };
    window.addEventListener('online', online);
    const offline = () => this.set({ state: 'offline' });
    window.addEventListener('offline', offline);
    document.addEventListener('visibilitychange', visible);
    this.timer = setInterval(() => {
      if (document.visibilityState === 'visible') void this.syncNow();
    }, EVERY_MS);
    this.detach = () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      document.removeEventListener('visibilitychange', visible);
      if (this.timer) clearInterval(this.timer);
      if (this.soon) clearTimeout(this.soon);
      if (this.retry) clearTimeout(this.retry);
    };
    void this.syncNow();
  }

  stop(): void {
    this.detach?.();
    this.detach = null;
  }
}

