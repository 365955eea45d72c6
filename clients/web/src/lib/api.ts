// api.ts: the app's one API client (see clients/shared) and the helpers every
// feature's TanStack Query hooks use. Features fetch only through these.
import { createCrmClient, localSessionStore, unwrap, unwrapVersioned, ApiError, apiErrorFrom } from '@crm/shared';
import type { components, paths, Versioned } from '@crm/shared';
import { QueryClient } from '@tanstack/react-query';
import i18n from './i18n';

export type Schemas = components['schemas'];
export type { paths, Versioned };
export { unwrap, unwrapVersioned, ApiError };

const signedOutListeners = new Set<() => void>();

/** Called when the session ends by itself (its refresh was refused). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export const crm = createCrmClient({
  store: localSessionStore('crm.web.session'),
  onSignedOut: () => signedOutListeners.forEach((l) => l()),
  language: () => i18n.language,
});

/** The typed client: `api.GET('/v1/customers/{id}', { params: { path: { id } } })`. */
export const api = crm.api;

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A 4xx will not change by asking again; a lost connection, a busy
      // server (503) or the organization's share of expensive work being in
      // use this second (429, Retry-After: 1) will.
      retry: (count, error) =>
        error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500) && count < 3,
      retryDelay: (attempt) => 1000 * (attempt + 1),
      refetchOnWindowFocus: true,
    },
    mutations: { retry: false },
  },
});

/** A fresh random id (for Idempotency-Key). */
export function newKey(): string {
  return crypto.randomUUID();
}

/** Hands a PDF or CSV answer (an `api.GET(..., { parseAs: 'blob', headers:
 * { Accept } })` call) to the browser as a download named by the server. */
export async function saveDownload(
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
  fallbackName: string,
): Promise<void> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiErrorFrom(response.status, error);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(data as Blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
