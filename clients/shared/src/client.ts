// client.ts: the typed API client both apps use — openapi-fetch over the
// generated paths, behind the one thin wrapper the apps need: it adds the
// access token, refreshes it once on a 401 and retries, and turns every
// answer that is not 2xx into an ApiError carrying the server's problem+json.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, apiErrorFrom } from './problem';
import { type Session, type SessionStore, type TokenResponse, withLock } from './session';

export type Paths = paths;
export type Client = ReturnType<typeof createClient<paths>>;

export interface CrmClientOptions {
  /** Origin the API is under; '' means the page's own. */
  baseUrl?: string;
  store: SessionStore;
  fetch?: typeof globalThis.fetch;
  /** Called when the session ended on its own (refresh refused): show sign-in. */
  onSignedOut?: () => void;
  /** Language for the server's answers (Accept-Language). */
  language?: () => string;
}

const TOKEN_PATH = '/v1/auth/token';
const REFRESH_LOCK = 'crm-session-refresh';

export interface CrmClient {
  api: Client;
  session(): Session | null;
  signIn(tenant: string, email: string, password: string): Promise<Session>;
  signOut(): Promise<void>;
  /** Replaces the session's tokens by new ones (e.g. after a password change). */
  refresh(): Promise<Session | null>;
}

export function createCrmClient(options: CrmClientOptions): CrmClient {
  const baseUrl = options.baseUrl ?? '';
  const rawFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const { store } = options;

  const post = async (path: string, body: unknown): Promise<Response> => {
    try {
      return await rawFetch(new Request(baseUrl + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      }));
    } catch (e) {
      throw new ApiError(0, null, e instanceof Error ? e.message : 'network');
    }
  };

  const failed = async (r: Response): Promise<ApiError> => {
    let body: unknown = null;
    try {
      body = await r.json();
    } catch {
      body = null;
    }
    return apiErrorFrom(r.status, body);
  };

  /* One refresh at a time in the whole browser. `stale` is the refresh token
   * the caller saw rejected or about to expire: when the stored one differs,
   * another tab has refreshed already and its tokens are ours too. */
  const refreshFrom = (stale: string): Promise<Session | null> =>
    withLock(REFRESH_LOCK, async () => {
      const current = store.load();
      if (!current) return null;
      if (current.refresh_token !== stale) return current;
      const r = await post(TOKEN_PATH, { grant_type: 'refresh_token', refresh_token: current.refresh_token });
      if (!r.ok) {
        if (r.status === 401 || r.status === 400) {
          store.save(null);
          options.onSignedOut?.();
          return null;
        }
        throw await failed(r);
      }
      const t = (await r.json()) as TokenResponse;
      const next: Session = {
        ...current,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        expires_at: Date.now() + t.expires_in * 1000,
      };
      store.save(next);
      return next;
    });

  const authorized = (request: Request, session: Session | null): Request => {
    const headers = new Headers(request.headers);
    if (session) headers.set('Authorization', `Bearer ${session.access_token}`);
    if (options.language) headers.set('Accept-Language', options.language());
    return new Request(request, { headers });
  };

  const send = async (request: Request): Promise<Response> => {
    try {
      return await rawFetch(request);
    } catch (e) {
      throw new ApiError(0, null, e instanceof Error ? e.message : 'network');
    }
  };

  /* The fetch openapi-fetch calls: token on, one refresh-and-retry on 401. */
  const authFetch = async (input: Request): Promise<Response> => {
    let session = store.load();
    // A token about to expire is refreshed before use, saving a round trip.
    if (session && session.expires_at - Date.now() < 10_000) session = await refreshFrom(session.refresh_token);
    const retry = input.clone();
    const first = await send(authorized(input, session));
    if (first.status !== 401 || !session) return first;
    const renewed = await refreshFrom(session.refresh_token);
    if (!renewed) return first;
    return send(authorized(retry, renewed));
  };

  const api = createClient<paths>({ baseUrl, fetch: authFetch });

  return {
    api,
    session: () => store.load(),
    async signIn(tenant, email, password) {
      const r = await post(TOKEN_PATH, { grant_type: 'password', tenant, email, password });
      if (!r.ok) throw await failed(r);
      const t = (await r.json()) as TokenResponse;
      const session: Session = {
        tenant,
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        expires_at: Date.now() + t.expires_in * 1000,
      };
      store.save(session);
      return session;
    },
    async signOut() {
      const session = store.load();
      store.save(null);
      if (session) {
        // Revoking is a courtesy to the server; signing out here never waits on it.
        await post('/v1/auth/revoke', { refresh_token: session.refresh_token, token_type_hint: 'refresh_token' }).catch(() => undefined);
      }
    },
    async refresh() {
      const session = store.load();
      return session ? refreshFrom(session.refresh_token) : null;
    },
  };
}

/** The answer of an openapi-fetch call. */
export interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a 2xx answer, or throws the ApiError of any other. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiErrorFrom(response.status, error);
  return data as T;
}

/** A record together with the ETag its next change must send as If-Match. */
export interface Versioned<T> {
  data: T;
  etag: string;
}

/** Like unwrap, keeping the answer's ETag. */
export async function unwrapVersioned<T>(call: Promise<FetchResult<T>>): Promise<Versioned<T>> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiErrorFrom(response.status, error);
  return { data: data as T, etag: response.headers.get('ETag') ?? '' };
}
