// formAction.tsx: the customers screens' small forms and dialogs: the shared
// refusal handling (lib/forms.tsx) as an `onFinish`, and the dialog frame.
import { Modal, type FormInstance } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ProblemAlert, useRefusal, type Refusal } from '../../lib/forms';

/** `onFinish` for an antd Form: runs `action`; a refusal is put next to its
 * fields and kept in `error` for the message above the form (lib/forms.tsx). */
export function useFormAction<V>(form: FormInstance<V>, action: (values: V) => Promise<void>) {
  const { refusal, run } = useRefusal(form);
  return { error: refusal, onFinish: (values: V) => void run(() => action(values)) };
}

interface DialogProps {
  title: string;
  okText: string;
  danger?: boolean;
  busy: boolean;
  error: Refusal | null;
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
      {error && <ProblemAlert {...error} />}
      {children}
    </Modal>
  );
}
