// What shipments look like here and on a contract's page: the columns of a
// list of them, and the fields of their shipping details.
import { DatePicker, Form, Input, Space, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { StatusTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import type { Shipment } from './api';

/** With `parties`, also the contract and customer of each shipment. */
export function useShipmentColumns(parties: boolean): TableColumnsType<Shipment> {
  const { t } = useTranslation('shipments');
  const f = useFormat();
  const none = t('common:state.none');
  return [
    { title: t('field.number'), dataIndex: 'number', render: (v: string, s) => <Link to={`/shipments/${s.id}`}>{v}</Link> },
    ...(parties
      ? [
          { title: t('field.contract_number'), dataIndex: 'contract_number', render: (v: string, s: Shipment) => <Link to={`/contracts/${s.contract_id}`}>{v}</Link> },
          { title: t('field.customer_name'), dataIndex: 'customer_name' },
        ]
      : []),
    { title: t('field.status'), dataIndex: 'status', render: (v: string) => <StatusTag ns="shipments" status={v} /> },
    { title: t('field.shipping_date'), dataIndex: 'shipping_date', render: (v: string | null) => f.date(v) },
    { title: t('field.carrier'), dataIndex: 'carrier', render: (v: string | null) => v ?? none },
    { title: t('field.tracking_no'), dataIndex: 'tracking_no', render: (v: string | null) => v ?? none },
  ];
}

/** The shipping date, warehouse, carrier and tracking number, as form fields. */
export function ShippingFields() {
  const { t } = useTranslation('shipments');
  return (
    <Space wrap size="large">
      <Form.Item name="shipping_date" label={t('field.shipping_date')}>
        <DatePicker />
      </Form.Item>
      {(['warehouse', 'carrier', 'tracking_no'] as const).map((k) => (
        <Form.Item key={k} name={k} label={t(`field.${k}`)}>
          <Input maxLength={200} />
        </Form.Item>
      ))}
    </Space>
  );
}
