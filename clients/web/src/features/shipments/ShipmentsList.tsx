// The shipments the user may see, filtered by status and customer (and, from
// a contract's link, by contract).
import { Alert, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { DocumentFilters, EmptyText, LoadMore, StatusTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import { problemMessage } from '../../lib/problem';
import { useUrlFilter } from '../../lib/urlFilter';
import { useShipments, type Shipment, type ShipmentStatus } from './api';

const STATUSES: ShipmentStatus[] = ['pending', 'shipped', 'delivered', 'cancelled'];

export default function ShipmentsList() {
  const { t } = useTranslation('shipments');
  const f = useFormat();
  const [filter, set] = useUrlFilter(['status', 'customer_id', 'contract_id'] as const);
  const list = useShipments({ ...filter, status: filter.status as ShipmentStatus | undefined });

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ margin: 0, fontSize: 24 }}>
        {t('title')}
      </Typography.Title>
      <DocumentFilters ns="shipments" statuses={STATUSES} values={filter} set={set} />
      {list.error ? <Alert type="error" showIcon title={problemMessage(t, list.error)} /> : null}
      <Table<Shipment>
        rowKey="id"
        dataSource={list.rows}
        loading={list.isPending}
        pagination={false}
        locale={{ emptyText: <EmptyText>{t('empty')}</EmptyText> }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('field.number'), dataIndex: 'number', render: (v: string, s) => <Link to={`/shipments/${s.id}`}>{v}</Link> },
          { title: t('field.contract_number'), dataIndex: 'contract_number', render: (v: string, s) => <Link to={`/contracts/${s.contract_id}`}>{v}</Link> },
          { title: t('field.customer_name'), dataIndex: 'customer_name' },
          { title: t('field.status'), dataIndex: 'status', render: (v: string) => <StatusTag ns="shipments" status={v} /> },
          { title: t('field.shipping_date'), dataIndex: 'shipping_date', render: (v: string | null) => f.date(v) },
          { title: t('field.carrier'), dataIndex: 'carrier', render: (v: string | null) => v ?? t('common:state.none') },
          { title: t('field.tracking_no'), dataIndex: 'tracking_no', render: (v: string | null) => v ?? t('common:state.none') },
        ]}
      />
      <LoadMore list={list} />
    </Space>
  );
}
