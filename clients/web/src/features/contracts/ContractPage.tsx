// One contract: its parties, lines with what is shipped and what remains (the
// server's figures), totals, the payment plan (edited while draft), its state
// actions, and its shipments — a new one proposes everything remaining.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, DatePicker, Form, Input, Modal, Space, Table, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { Dayjs } from 'dayjs';
import { ApiError } from '../../lib/api';
import { useHasRole } from '../../lib/auth';
import { ActionButton, DocumentDownloads, FactsCard, KeysetTable, PageHeader, SectionTitle, StatusTag, ToneTag } from '../../lib/documents';
import { ShippingFields, useShipmentColumns } from '../shipments/parts';
import { useFormat } from '../../lib/format';
import { FormButtons, formProblem, useDraftForm } from '../../lib/forms';
import { QueryState } from '../../lib/QueryState';
import {
  contractAction,
  createShipment,
  fetchContract,
  patchContract,
  useContract,
  useContractShipments,
  type Contract,
  type Shipment,
} from './api';
import { contractDraft, contractFields, contractFormValues, contractPatch, type ContractDraft, type ContractFormValues } from './draft';

export default function ContractPage() {
  const { id } = useParams();
  const query = useContract(id);
  return <QueryState query={query}>{(c) => <ContractView key={c.id} contract={c} />}</QueryState>;
}

function ContractView({ contract: c }: { contract: Contract }) {
  const { t } = useTranslation('contracts');
  const f = useFormat();
  const mayWrite = useHasRole('admin', 'manager', 'assistant', 'sales');
  const [shipping, setShipping] = useState(false);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader
        title={t('heading', { number: c.number })}
        extra={
          <>
            <StatusTag ns="contracts" status={c.status} />
            <ToneTag tone={c.fully_shipped ? 'success' : 'neutral'}>{c.fully_shipped ? t('shipped.yes') : t('shipped.no')}</ToneTag>
          </>
        }
        actions={
          <>
            {mayWrite && c.status === 'draft' && (
              <ActionButton primary label={t('action.activate')} confirm={t('action.confirmActivate')} run={() => contractAction(c.id, 'activate')} />
            )}
            {mayWrite && c.status === 'active' && c.fully_shipped && (
              <ActionButton primary label={t('action.complete')} run={() => contractAction(c.id, 'complete')} />
            )}
            {mayWrite && (c.status === 'draft' || c.status === 'active') && (
              <ActionButton danger label={t('action.cancel')} confirm={t('action.confirmCancel')} run={() => contractAction(c.id, 'cancel')} />
            )}
            <DocumentDownloads path="/v1/contracts/{id}" id={c.id} name={c.number} />
          </>
        }
      />
      <FactsCard
        items={[
          { key: 'customer', label: t('field.customer_name'), children: <Link to={`/customers/${c.customer_id}`}>{c.customer_name}</Link> },
          ...(c.quotation_id
            ? [{ key: 'quotation', label: t('fromQuotation'), children: <Link to={`/quotations/${c.quotation_id}`}>{t('openQuotation')}</Link> }]
            : []),
          { key: 'currency', label: t('field.currency'), children: c.currency },
          { key: 'signed_on', label: t('field.signed_on'), children: f.date(c.signed_on) },
          { key: 'delivery_due', label: t('field.delivery_due'), children: f.date(c.delivery_due) },
          ...(['net_total', 'tax_total', 'gross_total'] as const).map((k) => ({
            key: k,
            label: t(`field.${k}`),
            children: <strong style={{ whiteSpace: 'nowrap' }}>{f.money(c[k], c.currency)}</strong>,
          })),
        ]}
      />

      <SectionTitle>{t('lines')}</SectionTitle>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={c.lines}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('line.no'), dataIndex: 'line_no' },
          { title: t('line.description'), dataIndex: 'description' },
          ...(['quantity', 'quantity_shipped', 'quantity_remaining'] as const).map((k) => ({
            title: t(`line.${k}`),
            dataIndex: k,
            align: 'right' as const,
            render: (v: string) => f.decimal(v),
          })),
          { title: t('line.unit'), dataIndex: 'unit', render: (v: string | null) => v ?? t('common:state.none') },
          { title: t('line.unit_price'), dataIndex: 'unit_price', align: 'right', render: (v: string) => f.decimal(v) },
          { title: t('line.discount_percent'), dataIndex: 'discount_percent', align: 'right', render: (v: string) => f.decimal(v) },
          { title: t('line.tax_rate'), dataIndex: 'tax_rate', align: 'right', render: (v: string) => f.decimal(v) },
          ...(['net', 'tax', 'gross'] as const).map((k) => ({
            title: t(`line.${k}`),
            dataIndex: k,
            align: 'right' as const,
            render: (v: string) => <span style={{ whiteSpace: 'nowrap' }}>{f.money(v, c.currency)}</span>,
          })),
        ]}
      />

      {c.status === 'draft' && mayWrite ? (
        <DraftForm contract={c} />
      ) : (
        <Card size="small" title={t('field.installments')}>
          <Table
            size="small"
            rowKey="seq"
            pagination={false}
            dataSource={c.installments}
            columns={[
              { title: t('installment.seq'), dataIndex: 'seq' },
              { title: t('installment.due_date'), dataIndex: 'due_date', render: (v: string) => f.date(v) },
              { title: t('installment.amount'), dataIndex: 'amount', align: 'right', render: (v: string) => f.money(v, c.currency) },
            ]}
          />
          {c.notes && <Typography.Paragraph style={{ marginTop: 12 }}>{c.notes}</Typography.Paragraph>}
        </Card>
      )}

      <Shipments contract={c} onNew={mayWrite && c.status === 'active' && !c.fully_shipped ? () => setShipping(true) : undefined} />
      {shipping && <NewShipment contract={c} onClose={() => setShipping(false)} />}
    </Space>
  );
}

/** Dates, notes and the payment plan of a draft contract. */
function DraftForm({ contract: c }: { contract: Contract }) {
  const { t } = useTranslation('contracts');
  const f = useFormat();
  const { form, error, busy, submit, dialog } = useDraftForm<Contract, ContractDraft, ContractFormValues>({
    record: c,
    draft: contractDraft,
    fields: contractFields,
    values: contractFormValues,
    send: (changed, base) => patchContract(contractPatch(changed), base),
    reload: () => fetchContract(c.id),
    label: (k) => t(`field.${String(k)}`),
    show: (k, v) => {
      if (v == null || v === '') return t('common:state.none');
      if (k === 'installments') return (v as ContractDraft['installments']).map((i) => `${i.due_date ?? ''} ${i.amount ?? ''}`).join('；');
      return String(v);
    },
  });

  return (
    <Card size="small" title={t('field.installments')}>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 12 }} />}
      <Form<ContractFormValues> form={form} layout="vertical" initialValues={contractFormValues(contractDraft(c))} onFinish={(v) => void submit(v)}>
        <Space wrap size="large">
          <Form.Item name="signed_on" label={t('field.signed_on')}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="delivery_due" label={t('field.delivery_due')}>
            <DatePicker />
          </Form.Item>
        </Space>
        <Typography.Paragraph type="secondary">{t('installment.hint', { total: f.money(c.gross_total, c.currency) })}</Typography.Paragraph>
        <Form.List name="installments">
          {(fields, { add, remove }, { errors }) => (
            <>
              <Form.ErrorList errors={errors} />
              {fields.map((field, i) => (
                <Space key={field.key} align="baseline" wrap>
                  <Typography.Text style={{ display: 'inline-block', width: 40 }}>{i + 1}</Typography.Text>
                  <Form.Item name={[field.name, 'due_date']} label={`${t('installment.due_date')} ${i + 1}`}>
                    <DatePicker />
                  </Form.Item>
                  <Form.Item name={[field.name, 'amount']} label={`${t('installment.amount')} ${i + 1}`}>
                    <Input inputMode="decimal" style={{ width: 160, textAlign: 'right' }} />
                  </Form.Item>
                  <Button
                    type="text"
                    icon={<DeleteOutlined />}
                    aria-label={t('installment.remove', { n: i + 1 })}
                    disabled={fields.length <= 1}
                    onClick={() => remove(field.name)}
                  />
                </Space>
              ))}
              <Form.Item>
                <Button icon={<PlusOutlined />} onClick={() => add({ due_date: null as Dayjs | null, amount: '' })}>
                  {t('installment.add')}
                </Button>
              </Form.Item>
            </>
          )}
        </Form.List>
        <Form.Item name="notes" label={t('field.notes')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <FormButtons busy={busy} saveLabel={t('installment.save')} />
      </Form>
      {dialog}
    </Card>
  );
}

function Shipments({ contract: c, onNew }: { contract: Contract; onNew?: () => void }) {
  const { t } = useTranslation('contracts');
  const list = useContractShipments(c.id);
  return (
    <Card
      size="small"
      title={t('shipments.title')}
      extra={
        onNew ? (
          <Button type="primary" icon={<PlusOutlined />} onClick={onNew}>
            {t('shipments.new')}
          </Button>
        ) : c.fully_shipped ? (
          <Typography.Text type="secondary">{t('shipments.nothingLeft')}</Typography.Text>
        ) : null
      }
    >
      <KeysetTable<Shipment> small list={list} empty={t('shipments.empty')} columns={useShipmentColumns(false)} />
    </Card>
  );
}

interface ShipmentValues {
  lines: { quantity?: string }[];
  shipping_date?: Dayjs | null;
  warehouse?: string;
  carrier?: string;
  tracking_no?: string;
}

/** A new shipment: each line proposes what the server says remains; the user
 * lowers a quantity for a partial shipment or clears it to leave a line out. */
function NewShipment({ contract: c, onClose }: { contract: Contract; onClose: () => void }) {
  const { t } = useTranslation('contracts');
  const f = useFormat();
  const navigate = useNavigate();
  const [form] = Form.useForm<ShipmentValues>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The lines the server says have something left (its figure, compared as text).
  const open = c.lines.filter((l) => !/^0+(\.0+)?$/.test(l.quantity_remaining));
  const text = (v: string | undefined) => (v ?? '').trim() || null;
  const sentRows = useRef<number[]>([]);

  const submit = async (v: ShipmentValues) => {
    setError(null);
    setBusy(true);
    try {
      // A cleared quantity leaves its line out; `sent[k]` is the form row of the k-th line sent.
      const sent = open.map((_, i) => i).filter((i) => text(v.lines[i]?.quantity) !== null);
      const lines = sent.map((i) => ({ contract_line_id: open[i].id, quantity: text(v.lines[i].quantity) as string }));
      sentRows.current = sent;
      const s = await createShipment({
        contract_id: c.id,
        shipping_date: v.shipping_date ? v.shipping_date.format('YYYY-MM-DD') : null,
        warehouse: text(v.warehouse),
        carrier: text(v.carrier),
        tracking_no: text(v.tracking_no),
        ...(lines.length ? { lines } : {}),
      });
      navigate(`/shipments/${s.id}`);
    } catch (e) {
      setError(formProblem(t, form, renumberLines(e, sentRows.current)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('shipments.dialog')} footer={null} onCancel={onClose} width={760} destroyOnHidden>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 12 }} />}
      <Form<ShipmentValues>
        form={form}
        layout="vertical"
        initialValues={{ lines: open.map((l) => ({ quantity: l.quantity_remaining })) }}
        onFinish={(v) => void submit(v)}
      >
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={open}
          columns={[
            { title: t('line.no'), dataIndex: 'line_no' },
            { title: t('line.description'), dataIndex: 'description' },
            { title: t('shipments.remaining'), dataIndex: 'quantity_remaining', align: 'right', render: (v: string) => f.decimal(v) },
            { title: t('line.unit'), dataIndex: 'unit', render: (v: string | null) => v ?? t('common:state.none') },
            {
              title: t('line.quantity'),
              key: 'qty',
              render: (_, l, i) => (
                <Form.Item name={['lines', i, 'quantity']} style={{ marginBottom: 0 }}>
                  <Input aria-label={t('shipments.quantity', { n: l.line_no })} inputMode="decimal" style={{ width: 110, textAlign: 'right' }} />
                </Form.Item>
              ),
            },
          ]}
        />
        <div style={{ marginTop: 16 }}>
          <ShippingFields />
        </div>
        <FormButtons onCancel={onClose} busy={busy} saveLabel={t('shipments.create')} />
      </Form>
    </Modal>
  );
}

/** The refusal of a shipment with its `lines[k]` renamed to the form rows they came from. */
function renumberLines(e: unknown, rows: number[]): unknown {
  if (!(e instanceof ApiError) || !e.problem?.errors) return e;
  const errors = e.problem.errors.map((fe) => ({
    ...fe,
    field: fe.field.replace(/^lines\[(\d+)\]/, (m, k: string) => (rows[Number(k)] === undefined ? m : `lines[${rows[Number(k)]}]`)),
  }));
  return new ApiError(e.status, { ...e.problem, errors });
}
