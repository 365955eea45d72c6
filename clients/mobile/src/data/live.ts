// live.ts: a read of the whole copy kept current, without redrawing a screen
// for every page a sync writes. Dexie's live queries run again after every
// transaction that touches what they read; a first sync writes hundreds of
// pages, and a screen reading thousands of rows each time (the agenda, the
// search index) would make the sync quadratic. This read runs at once after a
// quiet spell, then at most once every QUIET_MS while writes keep coming.
import Dexie from 'dexie';
import { useEffect, useState, type DependencyList } from 'react';

export const QUIET_MS = 1000;
/** The wait while a sync pass writes page after page: a reader of the whole
 * copy also holds the writes back (IndexedDB runs them one after the other). */
export const BUSY_MS = 5000;

/** Tells when the copy is being filled in bulk, and when that ends. */
export interface Pacer {
  busy(): boolean;
  subscribe(listener: () => void): () => void;
}

/** `query`'s latest answer (undefined until the first), read again when one
 * of `tables` of the copy changes, here or in another tab. */
export function useCopy<T>(tables: string[], query: () => Promise<T>, deps: DependencyList, pacer?: Pacer): T | undefined {
  const [value, setValue] = useState<{ v: T } | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    let running = false;
    let again = false;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      last = Date.now();
      try {
        const v = await query();
        if (alive) setValue({ v });
      } finally {
        running = false;
      }
      if (again) {
        again = false;
        schedule();
      }
    };
    const schedule = () => {
      if (timer !== undefined) return;
      const wait = pacer?.busy() ? BUSY_MS : QUIET_MS;
      timer = setTimeout(() => {
        timer = undefined;
        void run();
      }, Math.max(0, last + wait - Date.now()));
    };
    // A bulk write over: read at once what it wrote.
    const unpace = pacer?.subscribe(() => {
      if (timer !== undefined && !pacer.busy()) {
        clearTimeout(timer);
        timer = undefined;
        void run();
      }
    });
    const watched = tables.map((t) => `/${t}/`);
    const onChange = (parts: Record<string, unknown>) => {
      if (Object.keys(parts).some((k) => watched.some((w) => k.includes(w)))) schedule();
    };
    void run();
    Dexie.on('storagemutated', onChange);
    return () => {
      alive = false;
      unpace?.();
      Dexie.on.storagemutated.unsubscribe(onChange);
      if (timer !== undefined) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return value?.v;
}
