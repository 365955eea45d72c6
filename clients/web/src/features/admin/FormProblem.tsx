// FormProblem.tsx: what an admin form shows above its fields when the server
// refused it — the problem as a sentence, plus any field errors no field of
// the form shows (those it does show sit next to their field).
import { Alert, Button, Space, type FormInstance } from 'antd';
import { useState } from 'react';
import type { FieldError } from '@crm/shared';
import { useTranslation } from 'react-i18next';
import { fieldMessage, problemMessage, showFieldErrors } from '../../lib/problem';

export interface Refusal {
  error: unknown;
  rest: FieldError[];
}

export function FormProblem({ refusal }: { refusal: Refusal | null }) {
  const { t } = useTranslation();
  if (!refusal) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 16 }}
      title={problemMessage(t, refusal.error)}
      description={refusal.rest.length > 0 ? refusal.rest.map((e) => `${e.field}: ${fieldMessage(t, e)}`).join('；') : undefined}
    />
  );
}

/** `run(action)` runs a form's save; when the server refuses it, the field
 * errors go next to their fields of `form` and the rest into `refusal`. */
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

/** The buttons at the end of every admin form: save (the form's submit, so
 * Enter in any field saves) and cancel. */
export function SaveCancel({ busy, onCancel }: { busy: boolean; onCancel: () => void }) {
  const { t } = useTranslation();
  return (
    <Space>
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('action.save')}
      </Button>
      <Button onClick={onCancel}>{t('action.cancel')}</Button>
    </Space>
  );
}
