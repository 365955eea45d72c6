// The quotations the user may see, filtered by status, customer and owner.
import { PlusOutlined } from '@ant-design/icons';
import { Button, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { useHasRole } from '../../lib/auth';
import { DocumentFilters, KeysetTable, PageHeader, StatusTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import { useUrlFilter } from '../../lib/urlFilter';
import { useQuotations, type Quotation, type QuotationStatus } from './api';

const STATUSES: QuotationStatus[] = ['draft', 'sent', 'accepted', 'rejected', 'expired', 'superseded'];

export default function QuotationsList() {
  const { t } = useTranslation('quotations');
  const f = useFormat();
  const [filter, set] = useUrlFilter(['status', 'customer_id', 'owner_id'] as const);
  const list = useQuotations({ ...filter, status: filter.status as QuotationStatus | undefined });
  const mayCreate = useHasRole('admin', 'manager', 'sales');
  const navigate = useNavigate();

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader
        title={t('title')}
        actions={
          mayCreate && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => navigate(filter.customer_id ? `/quotations/new?customer_id=${filter.customer_id}` : '/quotations/new')}
            >
              {t('new')}
            </Button>
          )
        }
      />
      <DocumentFilters ns="quotations" statuses={STATUSES} values={filter} set={set} owner />
      <KeysetTable<Quotation>
        list={list}
        empty={t('empty')}
        columns={[
          {
            title: t('field.number'),
            dataIndex: 'number',
            render: (v: string, q) => (
              <Link to={`/quotations/${q.id}`}>
                {v}
                {q.revision > 1 ? ` · ${t('revision', { revision: q.revision })}` : ''}
              </Link>
            ),
          },
          { title: t('field.customer_name'), dataIndex: 'customer_name' },
          { title: t('field.status'), dataIndex: 'status', render: (s: string) => <StatusTag ns="quotations" status={s} /> },
          { title: t('field.gross_total'), dataIndex: 'gross_total', align: 'right', render: (v: string, q) => f.money(v, q.currency) },
          { title: t('field.valid_until'), dataIndex: 'valid_until', render: (v: string | null) => f.date(v) },
          { title: t('field.updated_at'), dataIndex: 'updated_at', render: (v: string) => f.dateTime(v) },
        ]}
      />
    </Space>
  );
}
