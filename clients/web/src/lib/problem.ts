// problem.ts: the one way a screen shows what the server refused — a message
// for the problem as a whole, and each field error next to its field.
import type { FormInstance } from 'antd';
import type { TFunction } from 'i18next';
import { ApiError, fieldPath, type FieldError } from '@crm/shared';
import i18n from './i18n';

/** A sentence for the user about `error` in the current language. */
export function problemMessage(t: TFunction, error: unknown): string {
  if (!(error instanceof ApiError)) return t('common:problem.unknown', { status: '?' });
  const key = `common:problem.${error.kind}`;
  const text = t(key, { defaultValue: '' });
  if (!text) return t('common:problem.unknown', { status: error.status });
  // The server's own sentence says what this time was wrong; English readers get it as is.
  if (error.problem?.detail && i18n.language === 'en' && error.kind !== 'network') {
    return error.problem.detail;
  }
  return text;
}

/** The message for one field error: the server's own words in English, the
 * kind of mistake in Chinese followed by the server's specifics. */
export function fieldMessage(t: TFunction, e: FieldError): string {
  const kind = t(`common:problem.field.${e.code}`, { defaultValue: '' });
  if (i18n.language === 'en' || !kind) return e.message;
  return `${kind}（${e.message}）`;
}

/** Puts each field error of `error` next to its field in `form`; returns the
 * errors no field of the form shows (for a message above the form). */
export function showFieldErrors(t: TFunction, form: FormInstance, error: unknown): FieldError[] {
  if (!(error instanceof ApiError)) return [];
  const rest: FieldError[] = [];
  const fields: { name: (string | number)[]; errors: string[] }[] = [];
  for (const e of error.fieldErrors) {
    const name = fieldPath(e.field);
    if (e.field && form.getFieldInstance(name as never) !== undefined) {
      fields.push({ name, errors: [fieldMessage(t, e)] });
    } else if (e.field && isRegistered(form, name)) {
      fields.push({ name, errors: [fieldMessage(t, e)] });
    } else {
      rest.push(e);
    }
  }
  form.setFields(fields as never);
  return rest;
}

function isRegistered(form: FormInstance, name: (string | number)[]): boolean {
  try {
    return form.isFieldTouched(name as never) || form.getFieldValue(name as never) !== undefined;
  } catch {
    return false;
  }
}
