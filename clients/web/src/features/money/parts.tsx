// What receivables look like in a list, and the table where a payment is
// allocated to them.
import { Input, Table, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { StatusTag, ToneTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import type { Receivable } from './api';

export function useReceivableColumns(): TableColumnsType<Receivable> {
  const { t } = useTranslation('money');
  const f = useFormat();
  const none = t('common:state.none');
  const money = (k: 'amount' | 'amount_paid' | 'amount_open') => ({
    title: t(`field.${k}`),
    dataIndex: k,
    align: 'right' as const,
    render: (v: string, r: Receivable) => <span style={{ whiteSpace: 'nowrap' }}>{f.money(v, r.currency)}</span>,
  });
  return [
    { title: t('field.customer_name'), dataIndex: 'customer_name' },
    {
      title: t('field.contract_number'),
      dataIndex: 'contract_number',
      render: (v: string | null, r) => (v && r.contract_id ? <Link to={`/contracts/${r.contract_id}`}>{`${v} · ${r.installment_seq}`}</Link> : r.description ?? none),
    },
    { title: t('field.due_date'), dataIndex: 'due_date', render: (v: string) => <span style={{ whiteSpace: 'nowrap' }}>{f.date(v)}</span> },
    money('amount'),
    money('amount_paid'),
    money('amount_open'),
    {
      title: t('field.status'),
      dataIndex: 'status',
      render: (v: string, r) =>
        r.days_overdue > 0 ? <ToneTag tone="error">{t('overdueDays', { count: r.days_overdue })}</ToneTag> : <StatusTag ns="money" status={v} />,
    },
  ];
}

/** The open receivables of a customer with an amount to allocate to each. */
export function AllocationTable({ rows, values, onChange }: { rows: Receivable[]; values: Record<string, string>; onChange(v: Record<string, string>): void }) {
  const { t } = useTranslation('money');
  const f = useFormat();
  return (
    <Table<Receivable>
      rowKey="id"
      size="small"
      pagination={false}
      dataSource={rows}
      scroll={{ x: 'max-content' }}
      columns={[
        {
          title: t('field.contract_number'),
          dataIndex: 'contract_number',
          render: (v: string | null, r) => (v ? `${v} · ${r.installment_seq}` : r.description),
        },
        { title: t('field.due_date'), dataIndex: 'due_date', render: (v: string) => f.date(v) },
        { title: t('field.amount_open'), dataIndex: 'amount_open', align: 'right', render: (v: string, r) => <span style={{ whiteSpace: 'nowrap' }}>{f.money(v, r.currency)}</span> },
        {
          title: t('field.allocate'),
          key: 'allocate',
          render: (_: unknown, r) => (
            <Input
              aria-label={`${t('field.allocate')} ${r.contract_number ?? r.description ?? ''} ${r.installment_seq ?? ''}`.trim()}
              inputMode="decimal"
              style={{ width: 140 }}
              value={values[r.id] ?? ''}
              onChange={(e) => onChange({ ...values, [r.id]: e.target.value.trim() })}
            />
          ),
        },
      ]}
    />
  );
}

/** The allocations worth sending: the non-empty amounts entered. */
export function allocationsOf(values: Record<string, string>) {
  return Object.entries(values)
    .filter(([, amount]) => amount !== '')
    .map(([receivable_id, amount]) => ({ receivable_id, amount }));
}
