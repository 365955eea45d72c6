// One shipment: its lines, the carrier and tracking details (changed while
// pending), ship / deliver / cancel, and the printable delivery note.
import { Alert, Card, Form, Space, Table } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useHasRole } from '../../lib/auth';
import { ActionButton, DocumentDownloads, FactsCard, PageHeader, SectionTitle, StatusTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import { FormButtons, useDraftForm } from '../../lib/forms';
import { QueryState } from '../../lib/QueryState';
import { ShippingFields } from './parts';
import { fetchShipment, patchShipment, shipmentAction, useShipment, type Shipment, type ShipmentPatch } from './api';

export default function ShipmentPage() {
  const { id } = useParams();
  const query = useShipment(id);
  return <QueryState query={query}>{(s) => <ShipmentView key={s.id} shipment={s} />}</QueryState>;
}

type Details = Required<ShipmentPatch> & { id: string; version: number };
interface Values {
  shipping_date?: Dayjs | null;
  warehouse?: string | null;
  carrier?: string | null;
  tracking_no?: string | null;
}
const text = (v: string | null | undefined) => ((v ?? '').trim() === '' ? null : (v ?? '').trim());
const detailsOf = (s: Shipment): Details => ({
  id: s.id,
  version: s.version,
  shipping_date: s.shipping_date,
  warehouse: s.warehouse,
  carrier: s.carrier,
  tracking_no: s.tracking_no,
});
const valuesOf = (d: ShipmentPatch): Values => ({ ...d, shipping_date: d.shipping_date ? dayjs(d.shipping_date) : null });
const fieldsOf = (v: Values): ShipmentPatch => ({
  shipping_date: v.shipping_date ? v.shipping_date.format('YYYY-MM-DD') : null,
  warehouse: text(v.warehouse),
  carrier: text(v.carrier),
  tracking_no: text(v.tracking_no),
});

function ShipmentView({ shipment: s }: { shipment: Shipment }) {
  const { t } = useTranslation('shipments');
  const f = useFormat();
  const mayWrite = useHasRole('admin', 'manager', 'assistant', 'sales');
  const editable = mayWrite && s.status === 'pending';

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader
        title={t('heading', { number: s.number })}
        extra={<StatusTag ns="shipments" status={s.status} />}
        actions={
          <>
            {mayWrite && s.status === 'pending' && (
              <ActionButton primary label={t('action.ship')} confirm={t('action.confirmShip')} run={() => shipmentAction(s.id, 'ship')} />
            )}
            {mayWrite && s.status === 'shipped' && <ActionButton primary label={t('action.deliver')} run={() => shipmentAction(s.id, 'deliver')} />}
            {mayWrite && (s.status === 'pending' || s.status === 'shipped') && (
              <ActionButton danger label={t('action.cancel')} confirm={t('action.confirmCancel')} run={() => shipmentAction(s.id, 'cancel')} />
            )}
            <DocumentDownloads path="/v1/shipments/{id}" id={s.id} name={s.number} pdfLabel={t('deliveryNote')} />
          </>
        }
      />
      <FactsCard
        items={[
          { key: 'customer', label: t('field.customer_name'), children: <Link to={`/customers/${s.customer_id}`}>{s.customer_name}</Link> },
          { key: 'contract', label: t('field.contract_number'), children: <Link to={`/contracts/${s.contract_id}`}>{s.contract_number}</Link> },
          { key: 'shipped_at', label: t('field.shipped_at'), children: f.dateTime(s.shipped_at) },
          { key: 'delivered_at', label: t('field.delivered_at'), children: f.dateTime(s.delivered_at) },
          ...(editable
            ? []
            : (['shipping_date', 'warehouse', 'carrier', 'tracking_no'] as const).map((k) => ({
                key: k,
                label: t(`field.${k}`),
                children: k === 'shipping_date' ? f.date(s[k]) : (s[k] ?? t('common:state.none')),
              }))),
        ]}
      />
      <SectionTitle>{t('lines')}</SectionTitle>
      <Table
        size="small"
        rowKey="contract_line_id"
        pagination={false}
        dataSource={s.lines}
        columns={[
          { title: t('line.no'), dataIndex: 'line_no' },
          { title: t('line.description'), dataIndex: 'description' },
          { title: t('line.quantity'), dataIndex: 'quantity', align: 'right', render: (v: string) => f.decimal(v) },
          { title: t('line.unit'), dataIndex: 'unit', render: (v: string | null) => v ?? t('common:state.none') },
        ]}
      />
      {editable && <DetailsForm shipment={s} />}
    </Space>
  );
}

function DetailsForm({ shipment: s }: { shipment: Shipment }) {
  const { t } = useTranslation('shipments');
  const { form, error, busy, submit, dialog } = useDraftForm<Shipment, Details, Values>({
    record: s,
    draft: detailsOf,
    fields: fieldsOf,
    values: valuesOf,
    send: (changed, base) => patchShipment(changed, base),
    reload: () => fetchShipment(s.id),
    label: (k) => t(`field.${String(k)}`),
  });
  return (
    <Card size="small" title={t('details')}>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 12 }} />}
      <Form<Values> form={form} layout="vertical" initialValues={valuesOf(detailsOf(s))} onFinish={(v) => void submit(v)}>
        <ShippingFields />
        <FormButtons busy={busy} saveLabel={t('action.save')} />
      </Form>
      {dialog}
    </Card>
  );
}
