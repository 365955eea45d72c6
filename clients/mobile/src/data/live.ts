// live.ts: a read of the whole copy kept current, without redrawing a screen
// for every page a sync writes. Dexie's live queries run again after every
// transaction that touches what they read; a first sync writes hundreds of
// pages, and a screen reading thousands of rows each time (the agenda, the
// search index) would make the sync quadratic. This read runs at once after a
// quiet spell, then at most once every QUIET_MS while writes keep coming.
import Dexie from 'dexie';
import { useEffect, useState, type DependencyList } from 'react';

export const QUIET_MS = 1000;

/** `query`'s latest answer (undefined until the first), read again when one
 * of `tables` of the copy changes, here or in another tab. */
export function useCopy<T>(tables: string[], query: () => Promise<T>, deps: DependencyList): T | undefined {
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
      timer = setTimeout(() => {
        timer = undefined;
        void run();
      }, Math.max(0, last + QUIET_MS - Date.now()));
    };
    const watched = tables.map((t) => `/${t}/`);
    const onChange = (parts: Record<string, unknown>) => {
      if (Object.keys(parts).some((k) => watched.some((w) => k.includes(w)))) schedule();
    };
    void run();
    Dexie.on('storagemutated', onChange);
    return () => {
      alive = false;
      Dexie.on.storagemutated.unsubscribe(onChange);
      if (timer !== undefined) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return value?.v;
}
