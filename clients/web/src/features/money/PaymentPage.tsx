// One payment: what came in, what it paid, its credit allocated later, and
// its reversal (with a reason; payment and allocations stay visible).
import { Alert, Button, Card, Input, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { QueryState } from '../../lib/QueryState';
import { useHasRole } from '../../lib/auth';
import { ActionButton, FactsCard, PageHeader, SectionTitle, StatusTag, ToneTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import { ProblemAlert } from '../../lib/forms';
import { allocatePayment, reversePayment, useCustomerReceivables, useOpenReceivables, usePayment, type Payment } from './api';
import { AllocationTable, allocationsOf } from './parts';

export default function PaymentPage() {
  const { id } = useParams();
  const query = usePayment(id);
  return <QueryState query={query}>{(p: Payment) => <PaymentView payment={p} />}</QueryState>;
}

function PaymentView({ payment: p }: { payment: Payment }) {
  const { t } = useTranslation('money');
  const f = useFormat();
  const mayMove = useHasRole('admin', 'finance');
  const [reason, setReason] = useState('');
  const live = p.status === 'received';
  const paid = new Map((useCustomerReceivables(p.customer_id).data ?? []).map((r) => [r.id, r]));
  const none = t('common:state.none');
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader
        title={t('heading', { amount: f.money(p.amount, p.currency) })}
        extra={<StatusTag ns="money" status={p.status} />}
        actions={
          mayMove &&
          live && (
            <Space>
              <Input aria-label={t('reverseReason')} placeholder={t('reverseReason')} value={reason} onChange={(e) => setReason(e.target.value)} style={{ width: 260 }} />
              <ActionButton danger label={t('reverse')} disabled={!reason.trim()} run={() => reversePayment(p.id, reason.trim())} />
            </Space>
          )
        }
      />
      {!live && <Alert type="warning" showIcon title={t('reversedNote')} description={p.reversal_reason} />}
      <FactsCard
        items={[
          { key: 'customer', label: t('field.customer'), children: <Link to={`/customers/${p.customer_id}`}>{p.customer_name}</Link> },
          { key: 'received_on', label: t('field.received_on'), children: f.date(p.received_on) },
          { key: 'method', label: t('field.method'), children: t(`method.${p.method}`) },
          { key: 'reference', label: t('field.reference'), children: p.reference ?? none },
          { key: 'payer', label: t('field.payer'), children: p.payer ?? none },
          { key: 'allocated', label: t('field.amount_allocated'), children: f.money(p.amount_allocated, p.currency) },
          { key: 'unallocated', label: t('field.amount_unallocated'), children: <strong>{f.money(p.amount_unallocated, p.currency)}</strong> },
          ...(p.notes ? [{ key: 'notes', label: t('field.notes'), children: p.notes }] : []),
        ]}
      />
      <SectionTitle>{t('field.allocations')}</SectionTitle>
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={p.allocations}
        locale={{ emptyText: t('common:state.none') }}
        columns={[
          {
            title: t('field.receivable'),
            dataIndex: 'receivable_id',
            render: (v: string) => {
              const r = paid.get(v);
              return r ? (r.contract_number ? `${r.contract_number} · ${r.installment_seq}` : r.description) : none;
            },
          },
          { title: t('field.allocated_at'), dataIndex: 'created_at', render: (v: string) => f.dateTime(v) },
          { title: t('field.amount'), dataIndex: 'amount', align: 'right', render: (v: string) => f.money(v, p.currency) },
          { title: t('field.status'), dataIndex: 'reversed_at', render: (v: string | null) => <ToneTag tone={v ? 'neutral' : 'success'}>{v ? t('status.reversed') : t('inEffect')}</ToneTag> },
        ]}
      />
      {mayMove && live && Number(p.amount_unallocated) > 0 && <AllocateCredit payment={p} />}
    </Space>
  );
}

function AllocateCredit({ payment: p }: { payment: Payment }) {
  const { t } = useTranslation('money');
  const open = useOpenReceivables(p.customer_id);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const rows = (open.data ?? []).filter((r) => r.currency === p.currency);
  if (rows.length === 0) return null;
  const save = async () => {
    setError(null);
    try {
      await allocatePayment(p.id, allocationsOf(values));
      setValues({});
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card size="small" title={t('allocateCredit')}>
      <ProblemAlert error={error} />
      <AllocationTable rows={rows} values={values} onChange={setValues} />
      <Space style={{ marginTop: 12 }}>
        <Button type="primary" disabled={allocationsOf(values).length === 0} onClick={() => void save()}>
          {t('allocateSave')}
        </Button>
        <Typography.Text type="secondary">{t('field.amount_unallocated')}</Typography.Text>
      </Space>
    </Card>
  );
}
