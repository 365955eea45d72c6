// The quotation editor: a new draft (/quotations/new?customer_id=) or one
// quotation (/quotations/{id}) — its lines from the catalogue or free text,
// the totals the server computed when it was saved, and what can be done with
// it in its state: send, accept, reject, revise, make a contract, print.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, DatePicker, Descriptions, Form, Input, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useHasRole } from '../../lib/auth';
import { BusyButton } from '../../lib/BusyButton';
import { ActionButton, DocumentDownloads, PageHeader, SectionTitle, StatusTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import { useDraftForm } from '../../lib/forms';
import { CustomerPicker } from '../../lib/pickers';
import { QueryState } from '../../lib/QueryState';
import {
  contractFromQuotation,
  createQuotation,
  deleteQuotation,
  fetchQuotation,
  patchQuotation,
  quotationAction,
  useContacts,
  useQuotation,
  type Quotation,
  type QuotationInput,
} from './api';
import { draftFields, draftOf, formValues, lineInput, patchBody, plainDecimal, type Draft, type FormValues } from './draft';
import { ProductPicker } from './ProductPicker';

export default function QuotationEditor() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const query = useQuotation(id);
  if (!id) return <Editor key="new" quotation={null} customerId={params.get('customer_id') ?? undefined} />;
  return <QueryState query={query}>{(q) => <Editor key={q.id} quotation={q} customerId={q.customer_id} />}</QueryState>;
}

const EDITABLE = new Set(['draft', 'sent', 'expired']);

function Editor({ quotation, customerId }: { quotation: Quotation | null; customerId?: string }) {
  const { t } = useTranslation('quotations');
  const f = useFormat();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [dirty, setDirty] = useState(false);
  const mayWrite = useHasRole('admin', 'manager', 'sales');
  const mayContract = useHasRole('admin', 'manager', 'assistant', 'sales');
  const chosenCustomer = Form.useWatch('customer_id', form) ?? customerId;
  const contacts = useContacts(chosenCustomer);
  const editable = mayWrite && (!quotation || EDITABLE.has(quotation.status));
  const status = quotation?.status;

  const { error, setError, busy, submit, dialog } = useDraftForm<Quotation, Draft, FormValues>({
    form,
    record: quotation,
    draft: draftOf,
    fields: draftFields,
    values: (d) => formValues(d, customerId),
    send: (changed, base) => patchQuotation(patchBody(changed), base),
    reload: () => fetchQuotation(quotation!.id),
    create: (v) => {
      const fields = draftFields(v);
      return createQuotation({
        customer_id: v.customer_id as string,
        contact_id: fields.contact_id,
        ...(fields.currency ? { currency: fields.currency } : {}),
        valid_until: fields.valid_until,
        notes: fields.notes,
        lines: fields.lines.map(lineInput) as QuotationInput['lines'],
      });
    },
    label: (k) => t(`field.${String(k)}`),
    show: (k, v) => {
      if (v == null || v === '') return t('common:state.none');
      if (k === 'lines') return (v as Draft['lines']).map((l) => `${l.description ?? ''} × ${l.quantity ?? ''}`).join('；');
      if (k === 'contact_id') return contacts.data?.data.find((c) => c.id === v)?.name ?? String(v);
      return String(v);
    },
    onSaved: (saved) => {
      void message.success(t('common:state.saved'));
      if (!quotation || saved.id !== quotation.id) {
        navigate(`/quotations/${saved.id}`, { replace: !quotation });
        return;
      }
      form.setFieldsValue(formValues(draftOf(saved), customerId));
      setDirty(false);
    },
    onDiscarded: () => setDirty(false),
  });

  const act = (run: () => Promise<unknown>) => async () => {
    setError(null);
    await run();
  };

  const initial: FormValues = quotation
    ? formValues(draftOf(quotation), customerId)
    : { customer_id: customerId, lines: [{}] };
  const showTotals = quotation && !dirty;

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader
        title={quotation ? t('heading', { number: quotation.number }) : t('newTitle')}
        extra={
          quotation && (
            <>
              <StatusTag ns="quotations" status={quotation.status} />
              <Typography.Text type="secondary">{t('revision', { revision: quotation.revision })}</Typography.Text>
              {quotation.supersedes_id && <Link to={`/quotations/${quotation.supersedes_id}`}>{t('previous')}</Link>}
              {quotation.superseded_by_id && <Link to={`/quotations/${quotation.superseded_by_id}`}>{t('supersededBy')}</Link>}
            </>
          )
        }
        actions={
          <>
            {quotation && mayWrite && status === 'draft' && (
              <ActionButton primary disabled={dirty} label={t('action.send')} confirm={t('action.confirmSend')} run={act(() => quotationAction(quotation.id, 'send'))} />
            )}
            {quotation && mayWrite && status === 'sent' && (
              <ActionButton primary disabled={dirty} label={t('action.accept')} run={act(() => quotationAction(quotation.id, 'accept'))} />
            )}
            {quotation && mayWrite && (status === 'sent' || status === 'expired') && (
              <ActionButton danger label={t('action.reject')} confirm={t('action.confirmReject')} run={act(() => quotationAction(quotation.id, 'reject'))} />
            )}
            {quotation && mayWrite && status === 'draft' && (
              <ActionButton
                danger
                label={t('action.delete')}
                confirm={t('action.confirmDelete')}
                run={act(async () => {
                  await deleteQuotation(quotation);
                  navigate(quotation.supersedes_id ? `/quotations/${quotation.supersedes_id}` : '/quotations', { replace: true });
                })}
              />
            )}
            {quotation && mayContract && status === 'accepted' && (
              <ActionButton
                primary
                label={t('action.makeContract')}
                run={act(async () => navigate(`/contracts/${(await contractFromQuotation(quotation.id)).id}`))}
              />
            )}
            {quotation && <DocumentDownloads path="/v1/quotations/{id}" id={quotation.id} name={`${quotation.number}-${quotation.revision}`} />}
          </>
        }
      />

      {quotation && (status === 'sent' || status === 'expired') && editable && (
        <Alert type="info" showIcon title={t('revisionHint', { next: quotation.revision + 1 })} />
      )}
      {quotation && !editable && mayWrite && <Alert type="info" showIcon title={t('readOnly', { status: t(`status.${quotation.status}`) })} />}
      {error && <Alert type="error" showIcon title={error} role="alert" />}

      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={initial}
        disabled={!editable}
        onValuesChange={() => setDirty(true)}
        onFinish={(v) => void submit(v)}
      >
        <Card size="small">
          <Space wrap size="large" align="start">
            <Form.Item name="customer_id" label={t('field.customer_id')}>
              <CustomerPicker disabled={!!quotation || !editable} style={{ width: 260 }} />
            </Form.Item>
            <Form.Item name="contact_id" label={t('field.contact_id')}>
              <Select
                allowClear
                style={{ width: 200 }}
                options={(contacts.data?.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
                notFoundContent={t('common:state.empty')}
              />
            </Form.Item>
            <Form.Item name="currency" label={t('field.currency')}>
              <Input maxLength={3} placeholder={t('field.currencyDefault')} style={{ width: 140 }} />
            </Form.Item>
            <Form.Item name="valid_until" label={t('field.valid_until')}>
              <DatePicker />
            </Form.Item>
          </Space>
          <Form.Item name="notes" label={t('field.notes')} style={{ marginBottom: 0 }}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </Card>

        <SectionTitle style={{ marginTop: 16, marginBottom: 12 }}>{t('field.lines')}</SectionTitle>
        <Form.List name="lines">
          {(fields, { add, remove }) => (
            <>
              <Table
                size="small"
                rowKey="key"
                pagination={false}
                dataSource={fields}
                scroll={{ x: 'max-content' }}
                columns={[
                  { title: t('line.no'), key: 'no', width: 44, render: (_, __, i) => i + 1 },
                  {
                    title: t('line.product'),
                    key: 'product',
                    render: (_, field, i) => (
                      <Form.Item name={[field.name, 'product_id']} noStyle>
                        <ProductPicker
                          aria-label={`${t('line.product')} ${i + 1}`}
                          fallbackLabel={form.getFieldValue(['lines', field.name, 'description']) as string | null}
                          onPick={(p) => {
                            form.setFieldValue(['lines', field.name, 'description'], p.name);
                            form.setFieldValue(['lines', field.name, 'unit'], p.unit);
                            form.setFieldValue(['lines', field.name, 'unit_price'], plainDecimal(p.unit_price));
                            form.setFieldValue(['lines', field.name, 'tax_rate'], plainDecimal(p.tax_rate));
                          }}
                        />
                      </Form.Item>
                    ),
                  },
                  cell('description', 150),
                  cell('quantity', 72, true),
                  cell('unit', 52),
                  cell('unit_price', 96, true),
                  cell('discount_percent', 60, true),
                  cell('tax_rate', 60, true),
                  ...(['net', 'tax', 'gross'] as const).map((k) => ({
                    title: t(`line.${k}`),
                    key: k,
                    align: 'right' as const,
                    render: (_: unknown, __: unknown, i: number) => {
                      const line = showTotals && quotation ? quotation.lines[i] : undefined;
                      return <span style={{ whiteSpace: 'nowrap' }}>{line && quotation ? f.money(line[k], quotation.currency) : t('common:state.none')}</span>;
                    },
                  })),
                  {
                    title: '',
                    key: 'remove',
                    render: (_, field, i) => (
                      <Button
                        type="text"
                        icon={<DeleteOutlined />}
                        aria-label={t('line.remove', { n: i + 1 })}
                        disabled={!editable || fields.length <= 1}
                        onClick={() => {
                          remove(field.name);
                          setDirty(true);
                        }}
                      />
                    ),
                  },
                ]}
              />
              {editable && (
                <Button
                  icon={<PlusOutlined />}
                  style={{ marginTop: 8 }}
                  onClick={() => {
                    add({});
                    setDirty(true);
                  }}
                >
                  {t('line.add')}
                </Button>
              )}
            </>
          )}
        </Form.List>

        <Card size="small" title={t('totals.title')} style={{ marginTop: 16, maxWidth: 520 }}>
          {showTotals && quotation ? (
            <Descriptions
              column={1}
              size="small"
              items={(['net_total', 'tax_total', 'gross_total'] as const).map((k) => ({
                key: k,
                label: t(`totals.${k.replace('_total', '')}`),
                children: <strong style={{ whiteSpace: 'nowrap' }}>{f.money(quotation[k], quotation.currency)}</strong>,
              }))}
            />
          ) : (
            <Alert type="warning" showIcon title={quotation ? t('totals.dirty') : t('totals.unsaved')} />
          )}
        </Card>

        {editable && (
          <BusyButton type="primary" htmlType="submit" busy={busy} style={{ marginTop: 16 }}>
            {status === 'sent' || status === 'expired' ? t('action.saveRevision') : t('action.saveDraft')}
          </BusyButton>
        )}
      </Form>

      {dialog}
    </Space>
  );

  function cell(key: 'description' | 'quantity' | 'unit' | 'unit_price' | 'discount_percent' | 'tax_rate', width: number, numeric = false) {
    return {
      title: t(`line.${key}`),
      key,
      render: (_: unknown, field: { name: number }, i: number) => (
        <Form.Item name={[field.name, key]} style={{ marginBottom: 0 }}>
          <Input aria-label={`${t(`line.${key}`)} ${i + 1}`} inputMode={numeric ? 'decimal' : undefined} style={{ width, textAlign: numeric ? 'right' : undefined }} />
        </Form.Item>
      ),
    };
  }
}
