// The shipments the user may see, filtered by status and customer (and, from
// a contract's link, by contract).
import { Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { DocumentFilters, KeysetTable, PageHeader } from '../../lib/documents';
import { useUrlFilter } from '../../lib/urlFilter';
import { useShipments, type ShipmentStatus } from './api';
import { useShipmentColumns } from './parts';

const STATUSES: ShipmentStatus[] = ['pending', 'shipped', 'delivered', 'cancelled'];

export default function ShipmentsList() {
  const { t } = useTranslation('shipments');
  const [filter, set] = useUrlFilter(['status', 'customer_id', 'contract_id'] as const);
  const list = useShipments({ ...filter, status: filter.status as ShipmentStatus | undefined });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader title={t('title')} />
      <DocumentFilters ns="shipments" statuses={STATUSES} values={filter} set={set} />
      <KeysetTable list={list} empty={t('empty')} columns={useShipmentColumns(true)} />
    </Space>
  );
}
