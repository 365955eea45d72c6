// The quotations the user may see, filtered by status, customer and owner.
import { PlusOutlined } from '@ant-design/icons';
import { Button, DatePicker, Space } from 'antd';
import dayjs from 'dayjs';
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
  const [filter, set] = useUrlFilter(['status', 'customer_id', 'owner_id', 'updated_since'] as const);
  // The day in the URL; the API takes the instant that day starts here.
  const since = filter.updated_since ? dayjs(filter.updated_since) : null;
  const list = useQuotations({
    status: filter.status as QuotationStatus | undefined,
    customer_id: filter.customer_id,
    owner_id: filter.owner_id,
    updated_since: since?.isValid() ? since.startOf('day').format() : undefined,
  });
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
      <Space wrap>
        <DocumentFilters ns="quotations" statuses={STATUSES} values={filter} set={set} owner />
        <DatePicker
          aria-label={t('filter.updated_since')}
          placeholder={t('filter.updated_since')}
          value={since?.isValid() ? since : null}
          onChange={(d) => set('updated_since', d ? d.format('YYYY-MM-DD') : undefined)}
        />
      </Space>
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
