// session.ts: the signed-in session — where its tokens are kept between
// reloads, and the one refresh of a single-use refresh token shared by every
// tab of the browser (two tabs refreshing the same token would look like reuse
// to the server, which then revokes the whole sign-in).
import type { components } from './schema';

export type TokenResponse = components['schemas']['TokenResponse'];

export interface Session {
  /** The organization's slug the user signed in to (to prefill the next sign-in). */
  tenant: string;
  access_token: string;
  refresh_token: string;
  /** When the access token stops working, ms since the epoch (client clock). */
  expires_at: number;
}

/** Where a session lives between page loads. */
export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
  /** Calls `listener` when another tab changed the session; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** A SessionStore in the browser's localStorage under `key`. */
export function localSessionStore(key: string, storage: Storage = window.localStorage): SessionStore {
  return {
    load() {
      const raw = storage.getItem(key);
      if (!raw) return null;
      try {
        const s = JSON.parse(raw) as Session;
        return typeof s.refresh_token === 'string' && typeof s.access_token === 'string' ? s : null;
      } catch {
        return null;
      }
    },
    save(session) {
      if (session) storage.setItem(key, JSON.stringify(session));
      else storage.removeItem(key);
    },
    subscribe(listener) {
      const onStorage = (e: StorageEvent) => {
        if (e.key === key || e.key === null) listener();
      };
      window.addEventListener('storage', onStorage);
      return () => window.removeEventListener('storage', onStorage);
    },
  };
}

/** A SessionStore in memory (tests, and browsers without storage). */
export function memorySessionStore(initial: Session | null = null): SessionStore {
  let current = initial;
  return {
    load: () => current,
    save: (s) => {
      current = s;
    },
    subscribe: () => () => {},
  };
}

/** Runs `fn` while holding the browser-wide lock `name` (Web Locks), or
 * directly where there are none. */
export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return fn();
  return locks.request(name, fn) as Promise<T>;
}
