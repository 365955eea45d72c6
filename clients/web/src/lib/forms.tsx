// forms.tsx: what every edit form of the document screens does alike — its
// Save/Cancel as real buttons inside the form (so Enter in any field
// submits), a refusal as field errors plus one sentence, and the edit of a
// record that sends only what changed and survives a stale If-Match.
import { Alert, App, Button, Form, Space, type FormInstance } from 'antd';
import type { FieldError } from '@crm/shared';
import type { TFunction } from 'i18next';
import { useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BusyButton } from './BusyButton';
import { changedFields, useConflictSave } from './conflict';
import { ApiError } from './api';
import { fieldMessage, problemMessage, showFieldErrors } from './problem';

/** A refusal of the server as a form shows it: the error, and the field
 * errors no field of the form shows (those sit next to their field). */
export interface Refusal {
  error: unknown;
  rest: FieldError[];
}

/** The problem of a request as a whole, above its form or list: a sentence,
 * the field errors no field shows, and a retry when given. */
export function ProblemAlert({ error, rest = [], retry }: { error: unknown; rest?: FieldError[]; retry?: () => unknown }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 16 }}
      title={problemMessage(t, error)}
      description={rest.length > 0 ? rest.map((e) => `${e.field}: ${fieldMessage(t, e)}`).join('；') : undefined}
      action={retry && <Button onClick={() => void retry()}>{t('action.retry')}</Button>}
    />
  );
}

/** `run(action)` runs a form's save; when the server refuses it, the field
 * errors go next to their fields of `form` and the rest into `refusal`
 * (show it with <ProblemAlert {...refusal} />). Resolves whether it saved. */
export function useRefusal(form: FormInstance) {
  const { t } = useTranslation();
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setRefusal(null);
    setBusy(true);
    try {
      await action();
      return true;
    } catch (e) {
      setRefusal({ error: e, rest: showFieldErrors(t, form, e) });
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { refusal, busy, run, clear: () => setRefusal(null) };
}

export function FormButtons({ onCancel, busy, saveLabel }: { onCancel?: () => void; busy?: boolean; saveLabel?: string }) {
  const { t } = useTranslation();
  return (
    <Space style={{ width: '100%', justifyContent: 'flex-end' }}>
      {onCancel && <Button onClick={onCancel}>{t('action.cancel')}</Button>}
      <BusyButton type="primary" htmlType="submit" busy={!!busy}>
        {saveLabel ?? t('action.save')}
      </BusyButton>
    </Space>
  );
}

/** Shows each field error of `error` next to its field in `form` and returns
 * the sentence for above the form: the problem, then what no field shows. */
export function formProblem(t: TFunction, form: FormInstance, error: unknown): string {
  const rest = showFieldErrors(t, form, error);
  // When fields are marked, that is where to look, whatever the status was
  // (a taken SKU is a 409, but "not allowed in this state" would mislead).
  const marked = error instanceof ApiError && error.fieldErrors.length > rest.length;
  const head = marked ? t('common:problem.validation') : problemMessage(t, error);
  return [head, ...rest.map((e) => (e.field ? `${e.field}: ` : '') + fieldMessage(t, e))].join(' ');
}

interface DraftFormOptions<R extends { id: string; version: number }, D extends { version: number }, V> {
  /** The record as the server has it (null: a form that creates one). */
  record: R | null;
  /** Its editable part, in the same shape `fields` gives the form's values. */
  draft: (record: R) => D;
  fields: (values: V) => Partial<D>;
  /** The form's values for a draft (after a save, or a discard). */
  values: (draft: D) => V;
  /** Sends the changed fields over `base` (If-Match of its version). */
  send: (changed: Partial<D>, base: D) => Promise<R>;
  /** The record as the server has it now (for the conflict dialog). */
  reload: () => Promise<R>;
  /** Creates the record when there is none yet. */
  create?: (values: V) => Promise<R>;
  label: (field: keyof D) => string;
  show?: (field: keyof D, value: unknown) => ReactNode;
  /** After a save; by default "saved" and the form shows the server's values. */
  onSaved?: (record: R) => void;
  /** After the user discarded their changes in the conflict dialog. */
  onDiscarded?: () => void;
  /** The form, when the screen needs it before this hook (Form.useWatch). */
  form?: FormInstance<V>;
}

/** One way an edit form of a record goes: only the changed fields are sent,
 * a stale If-Match opens the conflict dialog (lib/conflict.tsx), any other
 * refusal lands next to its fields with one sentence above the form. */
export function useDraftForm<R extends { id: string; version: number }, D extends { version: number }, V>(o: DraftFormOptions<R, D, V>) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<V>(o.form);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const last = useRef<R | null>(null);
  const inFlight = useRef(false);
  const show = (values: V) => form.setFieldsValue(values as Parameters<typeof form.setFieldsValue>[0]);
  const saved = (record: R) => {
    if (o.onSaved) o.onSaved(record);
    else {
      void message.success(t('state.saved'));
      show(o.values(o.draft(record)));
    }
  };
  const conflict = useConflictSave<D>({
    save: async (patch, base) => {
      last.current = await o.send(patch, base);
      return o.draft(last.current);
    },
    reload: async () => o.draft(await o.reload()),
    label: o.label,
    show: o.show,
    onDone: (record, ok) => {
      if (ok && last.current) saved(last.current);
      else {
        show(o.values(record));
        o.onDiscarded?.();
      }
    },
  });
  const submit = async (values: V) => {
    if (inFlight.current) return; // a second Enter while the first save runs
    inFlight.current = true;
    setError(null);
    setBusy(true);
    try {
      if (o.record) {
        const base = o.draft(o.record);
        await conflict.submit(changedFields(base, o.fields(values)), base);
      } else if (o.create) {
        saved(await o.create(values));
      }
    } catch (e) {
      setError(formProblem(t, form, e));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  return { form, error, setError, busy, submit, dialog: conflict.dialog };
}
