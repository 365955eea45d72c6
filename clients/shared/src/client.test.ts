import { describe, expect, it } from 'vitest';
import { createCrmClient, unwrap } from './client';
import { ApiError } from './problem';
import { memorySessionStore, type Session } from './session';

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const problem = (status: number, kind: string, extra: object = {}) =>
  new Response(JSON.stringify({ type: `https://crm.example/problems/${kind}`, title: kind, status, detail: `${kind} detail`, ...extra }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });

function session(over: Partial<Session> = {}): Session {
  return { tenant: 'acme', access_token: 'a.b.old', refresh_token: 'r-old', expires_at: Date.now() + 600_000, ...over };
}

/** A fake server: records every request, answers from `handler`. */
function fakeFetch(handler: (req: Request, body: unknown) => Response | Promise<Response>) {
  const seen: { method: string; url: string; auth: string | null; body: unknown }[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const text = req.method === 'GET' ? '' : await req.clone().text();
    const body = text ? JSON.parse(text) : null;
    seen.push({ method: req.method, url: new URL(req.url).pathname, auth: req.headers.get('Authorization'), body });
    return handler(req, body);
  };
  return { fn: fn as typeof fetch, seen };
}

describe('the API client', () => {
  it('adds the access token to every call', async () => {
    const f = fakeFetch(() => new Response(JSON.stringify({ user: {}, tenant: {} }), { headers: JSON_HEADERS }));
    const c = createCrmClient({ baseUrl: 'http://api.test', store: memorySessionStore(session()), fetch: f.fn });
    await unwrap(c.api.GET('/v1/me'));
    expect(f.seen).toHaveLength(1);
    expect(f.seen[0].auth).toBe('Bearer a.b.old');
  });

  it('on a 401 refreshes once, stores the rotated tokens and retries with the new access token', async () => {
    const f = fakeFetch((req, body) => {
      if (new URL(req.url).pathname === '/v1/auth/token') {
        expect(body).toEqual({ grant_type: 'refresh_token', refresh_token: 'r-old' });
        return new Response(JSON.stringify({ access_token: 'a.b.new', token_type: 'Bearer', expires_in: 900, refresh_token: 'r-new' }), {
          headers: JSON_HEADERS,
        });
      }
      return req.headers.get('Authorization') === 'Bearer a.b.new'
        ? new Response(JSON.stringify({ id: 'x' }), { headers: JSON_HEADERS })
        : problem(401, 'unauthorized');
    });
    const store = memorySessionStore(session());
    const c = createCrmClient({ baseUrl: 'http://api.test', store, fetch: f.fn });
    const r = await c.api.POST('/v1/customers', { body: { name: '上海华东贸易' } as never });
    expect(r.response.status).toBe(200);
    expect(f.seen.map((s) => s.url)).toEqual(['/v1/customers', '/v1/auth/token', '/v1/customers']);
    // The retry carries the same body as the first try.
    expect(f.seen[2].body).toEqual({ name: '上海华东贸易' });
    expect(store.load()?.refresh_token).toBe('r-new');
    expect(store.load()?.access_token).toBe('a.b.new');
  });

  it('refreshes only once: a second 401 is the answer, not a loop', async () => {
    let refreshes = 0;
    const f = fakeFetch((req) => {
      if (new URL(req.url).pathname === '/v1/auth/token') {
        refreshes++;
        return new Response(JSON.stringify({ access_token: `a.b.${refreshes}`, token_type: 'Bearer', expires_in: 900, refresh_token: `r-${refreshes}` }), {
          headers: JSON_HEADERS,
        });
      }
      return problem(401, 'unauthorized');
    });
    const c = createCrmClient({ baseUrl: 'http://api.test', store: memorySessionStore(session()), fetch: f.fn });
    await expect(unwrap(c.api.GET('/v1/me'))).rejects.toMatchObject({ status: 401, kind: 'unauthorized' });
    expect(refreshes).toBe(1);
    expect(f.seen).toHaveLength(3);
  });

  it('ends the session when the refresh token is refused, and says so', async () => {
    let signedOut = 0;
    const f = fakeFetch((req) =>
      new URL(req.url).pathname === '/v1/auth/token' ? problem(401, 'invalid-grant') : problem(401, 'unauthorized'),
    );
    const store = memorySessionStore(session());
    const c = createCrmClient({ baseUrl: 'http://api.test', store, fetch: f.fn, onSignedOut: () => signedOut++ });
    await expect(unwrap(c.api.GET('/v1/me'))).rejects.toBeInstanceOf(ApiError);
    expect(store.load()).toBeNull();
    expect(signedOut).toBe(1);
  });

  it('uses the tokens another tab stored instead of spending the already rotated refresh token', async () => {
    const store = memorySessionStore(session());
    const f = fakeFetch((req) => {
      if (new URL(req.url).pathname === '/v1/auth/token') throw new Error('must not refresh again');
      if (req.headers.get('Authorization') === 'Bearer a.b.old') {
        // Meanwhile another tab refreshed: the store now holds its tokens.
        store.save(session({ access_token: 'a.b.other', refresh_token: 'r-other' }));
        return problem(401, 'unauthorized');
      }
      return new Response('{}', { headers: JSON_HEADERS });
    });
    const c = createCrmClient({ baseUrl: 'http://api.test', store, fetch: f.fn });
    const r = await c.api.GET('/v1/me');
    expect(r.response.status).toBe(200);
    expect(f.seen.map((s) => s.auth)).toEqual(['Bearer a.b.old', 'Bearer a.b.other']);
  });

  it('refreshes an access token about to expire before using it', async () => {
    const f = fakeFetch((req) =>
      new URL(req.url).pathname === '/v1/auth/token'
        ? new Response(JSON.stringify({ access_token: 'a.b.new', token_type: 'Bearer', expires_in: 900, refresh_token: 'r-new' }), {
            headers: JSON_HEADERS,
          })
        : new Response('{}', { headers: JSON_HEADERS }),
    );
    const c = createCrmClient({ baseUrl: 'http://api.test', store: memorySessionStore(session({ expires_at: Date.now() + 2000 })), fetch: f.fn });
    await c.api.GET('/v1/me');
    expect(f.seen.map((s) => s.url)).toEqual(['/v1/auth/token', '/v1/me']);
    expect(f.seen[1].auth).toBe('Bearer a.b.new');
  });

  it('signs in with the password grant and keeps the organization slug', async () => {
    const f = fakeFetch(() =>
      new Response(JSON.stringify({ access_token: 'a.b.c', token_type: 'Bearer', expires_in: 900, refresh_token: 'r1' }), { headers: JSON_HEADERS }),
    );
    const store = memorySessionStore();
    const c = createCrmClient({ baseUrl: 'http://api.test', store, fetch: f.fn });
    await c.signIn('acme', 'a@acme.test', 'secret-words-42');
    expect(f.seen[0].body).toEqual({ grant_type: 'password', tenant: 'acme', email: 'a@acme.test', password: 'secret-words-42' });
    expect(store.load()).toMatchObject({ tenant: 'acme', access_token: 'a.b.c', refresh_token: 'r1' });
  });

  it('a refused sign-in is an ApiError with the server problem', async () => {
    const f = fakeFetch(() => problem(401, 'invalid-grant'));
    const c = createCrmClient({ baseUrl: 'http://api.test', store: memorySessionStore(), fetch: f.fn });
    await expect(c.signIn('acme', 'a@acme.test', 'x')).rejects.toMatchObject({ status: 401, kind: 'invalid-grant' });
  });

  it('signing out forgets the session and revokes its refresh token', async () => {
    const f = fakeFetch(() => new Response(null, { status: 204 }));
    const store = memorySessionStore(session());
    const c = createCrmClient({ baseUrl: 'http://api.test', store, fetch: f.fn });
    await c.signOut();
    expect(store.load()).toBeNull();
    expect(f.seen[0]).toMatchObject({ url: '/v1/auth/revoke', body: { refresh_token: 'r-old', token_type_hint: 'refresh_token' } });
  });

  it('no answer at all is an ApiError of kind network', async () => {
    const c = createCrmClient({
      baseUrl: 'http://api.test',
      store: memorySessionStore(session()),
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as typeof fetch,
    });
    await expect(unwrap(c.api.GET('/v1/me'))).rejects.toMatchObject({ status: 0, kind: 'network' });
  });
});
