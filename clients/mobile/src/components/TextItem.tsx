// TextItem.tsx: one line of text in a form — its label, the input, and when
// required the rule saying so. Every form of the app writes its text fields
// with it.
import { Form, Input } from 'antd-mobile';
import { useTranslation } from 'react-i18next';

type InputProps = Partial<Parameters<typeof Input>[0]>;

export function TextItem({ name, label, required = false, input = {} }: { name: string; label: string; required?: boolean; input?: InputProps }) {
  const { t } = useTranslation();
  return (
    <Form.Item name={name} label={label} rules={required ? [{ required: true, whitespace: true, message: t('problem.field.required') }] : undefined}>
      <Input {...input} />
    </Form.Item>
  );
}
