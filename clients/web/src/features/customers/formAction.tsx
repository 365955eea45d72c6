// formAction.tsx: how the customers screens' small forms and dialogs send
// what was typed — the server's refusal next to its fields and above the form —
// and the dialog frame they share.
import { Alert, Button, Modal, type FormInstance } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { problemMessage, showFieldErrors } from '../../lib/problem';

/** `onFinish` for an antd Form: runs `action`; a refusal is put next to its
 * fields and kept in `error` for the message above the form. */
export function useFormAction<V>(form: FormInstance<V>, action: (values: V) => Promise<void>) {
  const { t } = useTranslation('customers');
  const [error, setError] = useState<unknown>(null);
  const onFinish = async (values: V) => {
    setError(null);
    try {
      await action(values);
    } catch (e) {
      setError(e);
      showFieldErrors(t, form, e);
    }
  };
  return { error, setError, onFinish: (values: V) => void onFinish(values) };
}

/** The problem of a request as a whole, above its form or list. */
export function ProblemAlert({ error, retry }: { error: unknown; retry?: () => unknown }) {
  const { t } = useTranslation('customers');
  if (error === null || error === undefined) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 16 }}
      title={problemMessage(t, error)}
      action={retry && <Button onClick={() => void retry()}>{t('common:action.retry')}</Button>}
    />
  );
}

interface DialogProps {
  title: string;
  okText: string;
  danger?: boolean;
  busy: boolean;
  error: unknown;
  form: FormInstance;
  onClose: () => void;
  children: ReactNode;
}

/** A dialog around one form: OK submits it (as Enter in a field does). */
export function FormDialog({ title, okText, danger, busy, error, form, onClose, children }: DialogProps) {
  const { t } = useTranslation('customers');
  return (
    <Modal
      open
      title={title}
      okText={okText}
      okButtonProps={danger ? { danger: true } : undefined}
      cancelText={t('common:action.cancel')}
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <ProblemAlert error={error} />
      {children}
    </Modal>
  );
}
