// The product catalogue: search, create, edit, deactivate (for the roles that may).
import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Input, Modal, Select, Space } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUrlFilter } from '../../lib/urlFilter';
import { useHasRole } from '../../lib/auth';
import { KeysetTable, PageHeader, ToneTag } from '../../lib/documents';
import { useFormat } from '../../lib/format';
import { FormButtons, useDraftForm } from '../../lib/forms';
import { problemMessage } from '../../lib/problem';
import { fetchProduct, saveProduct, useCreateProduct, useProducts, type Product, type ProductInput } from './api';

type Values = Omit<ProductInput, 'id'>;
const FIELDS = ['sku', 'name', 'description', 'unit', 'unit_price', 'tax_rate'] as const;

export default function ProductsList() {
  const { t } = useTranslation('products');
  const f = useFormat();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [{ q, active }, setFilter] = useUrlFilter(['q', 'active'] as const);
  const list = useProducts({ q, active: active === undefined ? undefined : active === 'true' });
  const mayEdit = useHasRole('admin', 'manager', 'assistant');
  const [editing, setEditing] = useState<Product | 'new' | null>(null);

  const toggleActive = async (p: Product) => {
    try {
      await saveProduct({ active: !p.active }, p);
      await qc.invalidateQueries({ queryKey: ['products'] });
    } catch (e) {
      void message.error(problemMessage(t, e));
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageHeader
        title={t('title')}
        actions={
          mayEdit && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
              {t('new')}
            </Button>
          )
        }
      />
      <Space wrap>
        <Input.Search
          aria-label={t('searchLabel')}
          placeholder={t('searchPlaceholder')}
          defaultValue={q}
          allowClear
          enterButton={t('common:action.search')}
          onSearch={(v) => setFilter('q', v.trim() || undefined)}
          style={{ width: 320 }}
        />
        <Select
          aria-label={t('activeFilter')}
          prefix={t('activeFilter')}
          value={active ?? ''}
          onChange={(v: string) => setFilter('active', v || undefined)}
          style={{ width: 180 }}
          options={[
            { value: '', label: t('common:state.all') },
            { value: 'true', label: t('active') },
            { value: 'false', label: t('inactive') },
          ]}
        />
      </Space>
      <KeysetTable<Product>
        list={list}
        empty={t('empty')}
        columns={[
          { title: t('field.sku'), dataIndex: 'sku' },
          { title: t('field.name'), dataIndex: 'name' },
          { title: t('field.unit'), dataIndex: 'unit', render: (v: string | null) => v ?? t('common:state.none') },
          { title: t('field.unit_price'), dataIndex: 'unit_price', align: 'right', render: (v: string) => f.decimal(v) },
          { title: t('field.tax_rate'), dataIndex: 'tax_rate', align: 'right', render: (v: string) => f.decimal(v) },
          {
            title: t('field.active'),
            dataIndex: 'active',
            render: (v: boolean) => <ToneTag tone={v ? 'success' : 'neutral'}>{v ? t('active') : t('inactive')}</ToneTag>,
          },
          ...(mayEdit
            ? [
                {
                  title: t('actions'),
                  key: 'actions',
                  render: (_: unknown, p: Product) => (
                    <Space>
                      <Button size="small" onClick={() => setEditing(p)} aria-label={`${t('common:action.edit')} ${p.name}`}>
                        {t('common:action.edit')}
                      </Button>
                      <Button size="small" onClick={() => void toggleActive(p)} aria-label={`${p.active ? t('deactivate') : t('activate')} ${p.name}`}>
                        {p.active ? t('deactivate') : t('activate')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing && <ProductForm product={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Space>
  );
}

function ProductForm({ product, onClose }: { product: Product | null; onClose: () => void }) {
  const { t } = useTranslation('products');
  const qc = useQueryClient();
  const create = useCreateProduct();
  const { form, error, busy, submit, dialog } = useDraftForm<Product, Product, Values>({
    record: product,
    draft: (p) => p,
    fields: nulls,
    values: pick,
    send: saveProduct,
    reload: () => fetchProduct(product!.id),
    create: (v) => create.mutateAsync(nulls(v)),
    label: (k) => t(`field.${String(k)}`),
    onSaved: () => {
      void qc.invalidateQueries({ queryKey: ['products'] });
      onClose();
    },
    onDiscarded: () => void qc.invalidateQueries({ queryKey: ['products'] }),
  });

  return (
    <Modal
      open
      title={product ? t('edit') : t('new')}
      footer={null}
      onCancel={onClose}
      destroyOnHidden
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Form<Values> form={form} layout="vertical" initialValues={product ? pick(product) : { tax_rate: '0' }} onFinish={(v) => void submit(v)}>
        <Form.Item name="sku" label={t('field.sku')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="name" label={t('field.name')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
          <Input />
        </Form.Item>
        <Form.Item name="description" label={t('field.description')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Space size="middle" wrap>
          <Form.Item name="unit" label={t('field.unit')}>
            <Input maxLength={20} style={{ width: 100 }} />
          </Form.Item>
          <Form.Item name="unit_price" label={t('field.unit_price')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
            <Input inputMode="decimal" style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="tax_rate" label={t('field.tax_rate')}>
            <Input inputMode="decimal" style={{ width: 120 }} />
          </Form.Item>
        </Space>
        <FormButtons onCancel={onClose} busy={busy} />
      </Form>
      {dialog}
    </Modal>
  );
}

function pick(p: Product): Values {
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) out[k] = p[k];
  return out as Values;
}

/** Empty optional texts are sent as null (the API's "none"). */
function nulls(v: Values): Values {
  return { ...v, description: v.description || null, unit: v.unit || null, tax_rate: v.tax_rate || undefined };
}
