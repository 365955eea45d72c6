// DocumentsTabs.tsx: the customer's quotations, contracts and shipments, each
// a link to its own page; amounts are the server's, formatted for display.
import { Button, Space, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { Schemas } from '../../lib/api';
import { useHasRole } from '../../lib/auth';
import { useFormat } from '../../lib/format';
import { KeysetTable } from '../../lib/documents';
import { useCustomerContracts, useCustomerQuotations, useCustomerShipments } from './api';

type ListState<T extends object> = Parameters<typeof KeysetTable<T>>[0]['list'];

function DocumentTable<T extends { id: string }>({ list, columns, action }: { list: ListState<T>; columns: ColumnsType<T>; action?: ReactNode }) {
  const { t } = useTranslation('customers');
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {action}
      <KeysetTable<T> list={list} columns={columns} empty={t('docs.empty')} />
    </Space>
  );
}

const right = { align: 'right' as const };

export function QuotationsTab({ customerId }: { customerId: string }) {
  const { t } = useTranslation('customers');
  const fmt = useFormat();
  const list = useCustomerQuotations(customerId);
  const mayQuote = useHasRole('admin', 'manager', 'sales');
  const navigate = useNavigate();
  const columns: ColumnsType<Schemas['Quotation']> = [
    {
      title: t('docs.number'),
      dataIndex: 'number',
      render: (_: unknown, q) => (
        <Link to={`/quotations/${q.id}`}>
          {q.number}
          {q.revision > 1 ? ` (${t('docs.revision', { n: q.revision })})` : ''}
        </Link>
      ),
    },
    { title: t('docs.status'), dataIndex: 'status', render: (s: Schemas['QuotationStatus']) => <Tag>{t(`docs.quotationStatus.${s}`)}</Tag> },
    { title: t('docs.date'), dataIndex: 'created_at', render: (v: string) => fmt.dateTime(v) },
    { title: t('docs.total'), dataIndex: 'gross_total', ...right, render: (_: unknown, q) => fmt.money(q.gross_total, q.currency) },
  ];
  const action = mayQuote ? (
    <Button type="primary" onClick={() => navigate(`/quotations/new?customer_id=${customerId}`)}>
      {t('docs.newQuotation')}
    </Button>
  ) : undefined;
  return <DocumentTable list={list} columns={columns} action={action} />;
}

export function ContractsTab({ customerId }: { customerId: string }) {
  const { t } = useTranslation('customers');
  const fmt = useFormat();
  const list = useCustomerContracts(customerId);
  const columns: ColumnsType<Schemas['Contract']> = [
    { title: t('docs.number'), dataIndex: 'number', render: (_: unknown, c) => <Link to={`/contracts/${c.id}`}>{c.number}</Link> },
    { title: t('docs.status'), dataIndex: 'status', render: (s: Schemas['ContractStatus']) => <Tag>{t(`docs.contractStatus.${s}`)}</Tag> },
    { title: t('docs.date'), dataIndex: 'signed_on', render: (v: string | null) => fmt.date(v) },
    { title: t('docs.total'), dataIndex: 'gross_total', ...right, render: (_: unknown, c) => fmt.money(c.gross_total, c.currency) },
  ];
  return <DocumentTable list={list} columns={columns} />;
}

export function ShipmentsTab({ customerId }: { customerId: string }) {
  const { t } = useTranslation('customers');
  const fmt = useFormat();
  const list = useCustomerShipments(customerId);
  const columns: ColumnsType<Schemas['Shipment']> = [
    { title: t('docs.number'), dataIndex: 'number', render: (_: unknown, s) => <Link to={`/shipments/${s.id}`}>{s.number}</Link> },
    { title: t('docs.contract'), dataIndex: 'contract_number', render: (_: unknown, s) => <Link to={`/contracts/${s.contract_id}`}>{s.contract_number}</Link> },
    { title: t('docs.status'), dataIndex: 'status', render: (s: Schemas['ShipmentStatus']) => <Tag>{t(`docs.shipmentStatus.${s}`)}</Tag> },
    { title: t('docs.shipped'), dataIndex: 'shipping_date', render: (v: string | null) => fmt.date(v) },
  ];
  return <DocumentTable list={list} columns={columns} />;
}
