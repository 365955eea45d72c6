// The contracts the user may see, filtered by status, customer and owner.
import { Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { DocumentFilters, KeysetTable, PageHeader, StatusTag, ToneTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import { useUrlFilter } from '../../lib/urlFilter';
import { useContracts, type Contract, type ContractStatus } from './api';

const STATUSES: ContractStatus[] = ['draft', 'active', 'completed', 'cancelled'];

export default function ContractsList() {
  const { t } = useTranslation('contracts');
  const f = useFormat();
  const [filter, set] = useUrlFilter(['status', 'customer_id', 'owner_id'] as const);
  const list = useContracts({ ...filter, status: filter.status as ContractStatus | undefined });

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader title={t('title')} />
      <DocumentFilters ns="contracts" statuses={STATUSES} values={filter} set={set} owner />
      <KeysetTable<Contract>
        list={list}
        empty={t('empty')}
        columns={[
          { title: t('field.number'), dataIndex: 'number', render: (v: string, c) => <Link to={`/contracts/${c.id}`}>{v}</Link> },
          { title: t('field.customer_name'), dataIndex: 'customer_name' },
          { title: t('field.status'), dataIndex: 'status', render: (s: string) => <StatusTag ns="contracts" status={s} /> },
          { title: t('field.gross_total'), dataIndex: 'gross_total', align: 'right', render: (v: string, c) => f.money(v, c.currency) },
          { title: t('field.signed_on'), dataIndex: 'signed_on', render: (v: string | null) => f.date(v) },
          { title: t('field.delivery_due'), dataIndex: 'delivery_due', render: (v: string | null) => f.date(v) },
          {
            title: t('field.fully_shipped'),
            dataIndex: 'fully_shipped',
            render: (v: boolean) => <ToneTag tone={v ? 'success' : 'neutral'}>{v ? t('shipped.yes') : t('shipped.no')}</ToneTag>,
          },
        ]}
      />
    </Space>
  );
}
