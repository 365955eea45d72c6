// problem.ts: what went wrong, in the user's language — the kind of problem
// the server reported (its own sentence for English readers, as the web app
// does), and one field error next to its field.
import { ApiError, type FieldError } from '@crm/shared';
import type { TFunction } from 'i18next';

/** A sentence about `error` (an ApiError, or a failure on the phone itself). */
export function problemMessage(t: TFunction, error: unknown, language: string): string {
  if (!(error instanceof ApiError)) return t('problem.local', { message: error instanceof Error ? error.message : String(error) });
  const text = t(`problem.${error.kind}`, { defaultValue: '' });
  if (!text) return error.problem?.detail ?? t('problem.unknown', { status: error.status });
  if (error.problem?.detail && language.startsWith('en') && error.kind !== 'network') return error.problem.detail;
  return text;
}

/** The server's message for one field: its own words in English, the kind of
 * mistake in Chinese followed by the server's specifics. */
export function fieldMessage(t: TFunction, e: FieldError, language: string): string {
  const kind = t(`problem.field.${e.code}`, { defaultValue: '' });
  if (language.startsWith('en') || !kind) return e.message;
  return `${kind}（${e.message}）`;
}

/** The same for a refusal kept in the outbox, of which the status and the
 * server's sentence were kept (not the problem's type). */
export function refusalMessage(t: TFunction, status: number, detail: string, language: string): string {
  if (language.startsWith('en') && detail) return detail;
  const kind: Record<number, string> = { 400: 'bad-request', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 422: 'validation' };
  return kind[status] ? t(`problem.${kind[status]}`) : detail || t('problem.unknown', { status });
}
