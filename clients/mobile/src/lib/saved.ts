// saved.ts: what a toast says after a write — saved on the phone, and when
// there is no network, that it goes to the server later.
import type { TFunction } from 'i18next';

export function savedText(t: TFunction, key: string): string {
  const what = t(key);
  return typeof navigator !== 'undefined' && navigator.onLine === false ? t('app.savedOffline', { what }) : what;
}
