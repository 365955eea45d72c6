// Payments received, and recording one: the customer, the money, and what of
// it pays which open receivable (the rest is the customer's credit).
import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, DatePicker, Form, Input, Modal, Select, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { useHasRole } from '../../lib/auth';
import { DocumentFilters, KeysetTable, PageHeader, StatusTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import { FormButtons, ProblemAlert, useRefusal } from '../../lib/forms';
import { CustomerPicker } from '../../lib/pickers';
import { useUrlFilter } from '../../lib/urlFilter';
import { METHODS, recordPayment, useOpenReceivables, usePayments, type Payment, type PaymentMethod, type PaymentStatus } from './api';
import { AllocationTable, allocationsOf } from './parts';

const STATUSES: PaymentStatus[] = ['received', 'reversed'];

export default function PaymentsList() {
  const { t } = useTranslation('money');
  const f = useFormat();
  const [filter, set] = useUrlFilter(['status', 'customer_id'] as const);
  const list = usePayments({ status: filter.status as PaymentStatus | undefined, customer_id: filter.customer_id });
  const mayRecord = useHasRole('admin', 'finance');
  const [recording, setRecording] = useState(false);
  const money = (k: 'amount' | 'amount_allocated' | 'amount_unallocated') => ({
    title: t(`field.${k}`),
    dataIndex: k,
    align: 'right' as const,
    render: (v: string, p: Payment) => <span style={{ whiteSpace: 'nowrap' }}>{f.money(v, p.currency)}</span>,
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader
        title={t('payments')}
        actions={
          mayRecord && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setRecording(true)}>
              {t('record')}
            </Button>
          )
        }
      />
      <DocumentFilters ns="money" statuses={STATUSES} values={filter} set={set} />
      <KeysetTable<Payment>
        list={list}
        empty={t('emptyPayments')}
        columns={[
          {
            title: t('field.received_on'),
            dataIndex: 'received_on',
            render: (v: string, p) => (
              <Link to={`/payments/${p.id}`} style={{ whiteSpace: 'nowrap' }}>
                {f.date(v)}
              </Link>
            ),
          },
          { title: t('field.customer_name'), dataIndex: 'customer_name' },
          { title: t('field.method'), dataIndex: 'method', render: (v: string) => t(`method.${v}`) },
          { title: t('field.reference'), dataIndex: 'reference', render: (v: string | null) => v ?? t('common:state.none') },
          money('amount'),
          money('amount_allocated'),
          money('amount_unallocated'),
          { title: t('field.status'), dataIndex: 'status', render: (v: string) => <StatusTag ns="money" status={v} /> },
        ]}
      />
      {recording && <RecordPayment onClose={() => setRecording(false)} />}
    </Space>
  );
}

interface Values {
  customer_id?: string;
  received_on?: Dayjs;
  amount?: string;
  currency?: string;
  method?: PaymentMethod;
  reference?: string;
  payer?: string;
  notes?: string;
}

function RecordPayment({ onClose }: { onClose(): void }) {
  const { t } = useTranslation('money');
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const { refusal, busy, run } = useRefusal(form);
  const customerId = Form.useWatch('customer_id', form);
  const open = useOpenReceivables(customerId);
  const [allocations, setAllocations] = useState<Record<string, string>>({});
  const required = [{ required: true, message: t('common:problem.field.required') }];
  const submit = (v: Values) =>
    void run(async () => {
      const p = await recordPayment({
        customer_id: v.customer_id as string,
        received_on: (v.received_on as Dayjs).format('YYYY-MM-DD'),
        amount: (v.amount ?? '').trim(),
        currency: (v.currency ?? '').trim().toUpperCase(),
        method: v.method as PaymentMethod,
        reference: v.reference?.trim() || null,
        payer: v.payer?.trim() || null,
        notes: v.notes?.trim() || null,
        allocations: allocationsOf(allocations),
      });
      onClose();
      navigate(`/payments/${p.id}`);
    });
  const rows = open.data ?? [];
  return (
    <Modal open title={t('recordTitle')} footer={null} onCancel={onClose} destroyOnHidden width={760}>
      {refusal && <ProblemAlert {...refusal} />}
      <Form<Values> form={form} layout="vertical" initialValues={{ received_on: dayjs(), currency: 'CNY', method: 'bank_transfer' }} onFinish={submit}>
        <Form.Item name="customer_id" label={t('field.customer')} rules={required}>
          <CustomerPicker aria-label={t('field.customer')} onChange={() => setAllocations({})} />
        </Form.Item>
        <Space wrap size="middle">
          <Form.Item name="received_on" label={t('field.received_on')} rules={required}>
            <DatePicker allowClear={false} />
          </Form.Item>
          <Form.Item name="amount" label={t('field.amount')} rules={required}>
            <Input inputMode="decimal" style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="currency" label={t('field.currency')} rules={required}>
            <Input maxLength={3} style={{ width: 90 }} />
          </Form.Item>
          <Form.Item name="method" label={t('field.method')} rules={required}>
            <Select style={{ width: 160 }} options={METHODS.map((m) => ({ value: m, label: t(`method.${m}`) }))} />
          </Form.Item>
        </Space>
        <Space wrap size="middle">
          <Form.Item name="reference" label={t('field.reference')}>
            <Input maxLength={200} style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="payer" label={t('field.payer')}>
            <Input maxLength={200} style={{ width: 260 }} />
          </Form.Item>
        </Space>
        <Form.Item name="notes" label={t('field.notes')}>
          <Input.TextArea rows={2} maxLength={10000} />
        </Form.Item>
        <Typography.Paragraph strong>{t('field.allocations')}</Typography.Paragraph>
        {!customerId ? (
          <Typography.Paragraph type="secondary">{t('pickCustomer')}</Typography.Paragraph>
        ) : rows.length === 0 && !open.isPending ? (
          <Alert type="info" showIcon title={t('noOpen')} style={{ marginBottom: 16 }} />
        ) : (
          <>
            <Typography.Paragraph type="secondary">{t('openOfCustomer')}</Typography.Paragraph>
            <AllocationTable rows={rows} values={allocations} onChange={setAllocations} />
          </>
        )}
        <div style={{ marginTop: 16 }}>
          <FormButtons onCancel={onClose} busy={busy} saveLabel={t('record')} />
        </div>
      </Form>
    </Modal>
  );
}
