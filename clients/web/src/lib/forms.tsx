// forms.tsx: the two things every dialog form of the document screens does
// alike — its Save/Cancel as real buttons inside the form (so Enter in any
// field submits), and turning a refusal into field errors plus one sentence.
import { Button, Space, type FormInstance } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { fieldMessage, problemMessage, showFieldErrors } from './problem';

export function FormButtons({ onCancel, busy, saveLabel }: { onCancel?: () => void; busy?: boolean; saveLabel?: string }) {
  const { t } = useTranslation();
  return (
    <Space style={{ width: '100%', justifyContent: 'flex-end' }}>
      {onCancel && <Button onClick={onCancel}>{t('action.cancel')}</Button>}
      <Button type="primary" htmlType="submit" loading={busy}>
        {saveLabel ?? t('action.save')}
      </Button>
    </Space>
  );
}

/** Shows each field error of `error` next to its field in `form` and returns
 * the sentence for above the form: the problem, then what no field shows. */
export function formProblem(t: TFunction, form: FormInstance, error: unknown): string {
  const rest = showFieldErrors(t, form, error);
  return [problemMessage(t, error), ...rest.map((e) => (e.field ? `${e.field}: ` : '') + fieldMessage(t, e))].join(' ');
}
