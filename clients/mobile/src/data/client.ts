// client.ts: the app's one API client (the typed client of clients/shared),
// its session kept in localStorage so the app opens signed in with no network.
import { createCrmClient, localSessionStore } from '@crm/shared';
import i18next from 'i18next';

const signedOutListeners = new Set<() => void>();

/** Called when the session ends by itself (its refresh was refused). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export const crm = createCrmClient({
  store: localSessionStore('crm.mobile.session'),
  onSignedOut: () => signedOutListeners.forEach((l) => l()),
  language: () => i18next.language || 'zh-CN',
});

export const api = crm.api;
