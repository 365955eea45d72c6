// CustomerForm.tsx: a new customer met in the field, or an edit of one — the
// edit sends only the fields the user changed (a merge patch).
import { Button, Form, TextArea, Toast } from 'antd-mobile';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Choices } from '../components/Choices';
import { useNavigate, useParams } from 'react-router-dom';
import { createCustomer, updateCustomer, useCustomer, type Customer, type CustomerInput } from '../data';
import { Empty, Loading, Screen } from '../components/Screen';
import { TextItem } from '../components/TextItem';
import { changed, cleaned } from '../lib/patch';
import { problemMessage } from '../lib/problem';
import { savedText } from '../lib/saved';

type Status = Customer['status'];
type Kind = Customer['kind'];
const STATUSES: Status[] = ['lead', 'prospect', 'active', 'dormant', 'lost'];
const KINDS: Kind[] = ['company', 'person'];
const TEXTS = ['name', 'phone', 'email', 'address', 'region', 'industry', 'source', 'notes'] as const;

interface Values {
  name: string;
  phone?: string;
  email?: string;
  address?: string;
  region?: string;
  industry?: string;
  source?: string;
  notes?: string;
  status: Status[];
  kind: Kind[];
}

export function CustomerForm() {
  const { id } = useParams();
  const customer = useCustomer(id);
  const { t } = useTranslation();
  if (id && customer === undefined) return <Screen title={t('customer.editTitle')} back="/customers"><Loading /></Screen>;
  if (id && customer === null) {
    return (
      <Screen title={t('customer.editTitle')} back="/customers">
        <Empty text={t('customer.notFound')} hint={t('customer.notFoundHint')} />
      </Screen>
    );
  }
  return <CustomerFormOf customer={customer ?? null} />;
}

function CustomerFormOf({ customer }: { customer: Customer | null }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);

  const initial: Values = customer
    ? {
        ...Object.fromEntries(TEXTS.map((k) => [k, customer[k] ?? ''])),
        name: customer.name,
        status: [customer.status],
        kind: [customer.kind],
      }
    : { name: '', status: ['prospect'], kind: ['company'] };

  const submit = async (v: Values) => {
    setBusy(true);
    const body = cleaned({
      ...Object.fromEntries(TEXTS.map((k) => [k, v[k] ?? ''])),
      status: v.status[0] ?? customer?.status ?? 'prospect',
      kind: v.kind[0] ?? customer?.kind ?? 'company',
    }) as unknown as CustomerInput;
    try {
      if (customer) {
        const patch = changed(customer as unknown as Record<string, unknown>, body as unknown as Record<string, unknown>);
        if (Object.keys(patch).length === 0) {
          Toast.show({ content: t('customer.unchanged'), position: 'bottom' });
        } else {
          await updateCustomer(customer.id, patch);
          Toast.show({ content: savedText(t, 'customer.saved'), position: 'bottom' });
        }
        navigate(`/customers/${customer.id}`, { replace: true });
      } else {
        const id = await createCustomer(body);
        Toast.show({ content: savedText(t, 'customer.created'), position: 'bottom' });
        navigate(`/customers/${id}`, { replace: true });
      }
    } catch (e) {
      Toast.show({ content: problemMessage(t, e, i18n.language), icon: 'fail' });
      setBusy(false);
    }
  };

  const text = (name: (typeof TEXTS)[number], input?: Parameters<typeof TextItem>[0]['input']) => (
    <TextItem name={name} label={t(`customer.field.${name}`)} required={name === 'name'} input={input} />
  );

  return (
    <Screen title={customer ? t('customer.editTitle') : t('customer.newTitle')} back={customer ? `/customers/${customer.id}` : '/customers'}>
      <Form
        form={form}
        name="customer"
        layout="horizontal"
        mode="card"
        initialValues={initial}
        onFinish={(v: Values) => void submit(v)}
        footer={
          <Button block type="submit" color="primary" size="large" loading={busy}>
            {t('action.save')}
          </Button>
        }
      >
        {text('name')}
        {text('phone', { type: 'tel', autoComplete: 'tel' })}
        {text('address')}
        {text('region')}
        {text('industry')}
        <Form.Item name="status" label={t('customer.field.status')} layout="vertical">
          <Choices<Status>
            aria-label={t('customer.field.status')}
            columns={3}
            options={STATUSES.map((s) => ({ label: t(`customer.status.${s}`), value: s }))}
          />
        </Form.Item>
        <Form.Item name="kind" label={t('customer.field.kind')} layout="vertical">
          <Choices<Kind> aria-label={t('customer.field.kind')} columns={2} options={KINDS.map((k) => ({ label: t(`customer.kind.${k}`), value: k }))} />
        </Form.Item>
        {text('email', { type: 'email', autoComplete: 'email', autoCapitalize: 'off' })}
        {text('source')}
        <Form.Item name="notes" label={t('customer.field.notes')} layout="vertical">
          <TextArea autoSize={{ minRows: 2, maxRows: 6 }} />
        </Form.Item>
      </Form>
    </Screen>
  );
}
