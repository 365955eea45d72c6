// What customers owe: open, paid and written-off receivables, overdue ones first to find.
import { Space, Switch, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { DocumentFilters, KeysetTable, PageHeader } from '../../lib/documents';
import { useUrlFilter } from '../../lib/urlFilter';
import { useReceivables, type ReceivableStatus } from './api';
import { useReceivableColumns } from './parts';

const STATUSES: ReceivableStatus[] = ['open', 'paid', 'written_off'];

export default function ReceivablesList() {
  const { t } = useTranslation('money');
  const [filter, set] = useUrlFilter(['status', 'customer_id', 'overdue'] as const);
  const list = useReceivables({
    status: filter.status as ReceivableStatus | undefined,
    customer_id: filter.customer_id,
    overdue: filter.overdue === 'true' ? true : undefined,
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader title={t('receivables')} />
      <Space wrap>
        <DocumentFilters ns="money" statuses={STATUSES} values={filter} set={(k, v) => set(k as 'status' | 'customer_id', v)} />
        <Space>
          <Switch aria-label={t('overdueOnly')} checked={filter.overdue === 'true'} onChange={(on) => set('overdue', on ? 'true' : undefined)} />
          <Typography.Text>{t('overdueOnly')}</Typography.Text>
        </Space>
      </Space>
      <KeysetTable list={list} empty={t('emptyReceivables')} columns={useReceivableColumns()} />
    </Space>
  );
}
