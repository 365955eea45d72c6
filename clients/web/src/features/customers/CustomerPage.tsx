// CustomerPage.tsx: /customers/{id}[/{tab}] — everything about one customer
// on one page, a tab per kind of thing, the tab in the URL.
import { EditOutlined } from '@ant-design/icons';
import { Button, Descriptions, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { useHasRole } from '../../lib/auth';
import { useFormat } from '../../lib/format';
import { NotFound } from '../../lib/NotFound';
import { QueryState } from '../../lib/QueryState';
import { useCustomer, type Customer } from './api';
import { ContactsTab } from './ContactsTab';
import { ContractsTab, QuotationsTab, ShipmentsTab } from './DocumentsTabs';
import { StatusTag, useCategoryLabel } from './labels';
import { ManageActions } from './ManageActions';
import { RecordsTab } from './RecordsTab';

export const TABS = ['overview', 'contacts', 'records', 'quotations', 'contracts', 'shipments'] as const;
type TabKey = (typeof TABS)[number];

export default function CustomerPage() {
  const { id = '', tab = 'overview' } = useParams();
  const query = useCustomer(id);
  if (!(TABS as readonly string[]).includes(tab)) return <NotFound />;
  return <QueryState query={query}>{(c) => <Loaded customer={c} tab={tab as TabKey} />}</QueryState>;
}

function Loaded({ customer, tab }: { customer: Customer; tab: TabKey }) {
  const { t } = useTranslation('customers');
  const navigate = useNavigate();
  const writes = useHasRole('admin', 'manager', 'sales');
  const base = `/customers/${customer.id}`;

  const body: Record<TabKey, () => React.ReactNode> = {
    overview: () => <Overview customer={customer} />,
    contacts: () => <ContactsTab customerId={customer.id} writes={writes} />,
    records: () => <RecordsTab customerId={customer.id} writes={writes} />,
    quotations: () => <QuotationsTab customerId={customer.id} />,
    contracts: () => <ContractsTab customerId={customer.id} />,
    shipments: () => <ShipmentsTab customerId={customer.id} />,
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 16, flexWrap: 'wrap' }}>
        <Space size="middle" align="center">
          <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
            {customer.name}
          </Typography.Title>
          <StatusTag status={customer.status} />
        </Space>
        <Space wrap>
          {writes && (
            <Button icon={<EditOutlined />} onClick={() => navigate(`${base}/edit`)}>
              {t('common:action.edit')}
            </Button>
          )}
          <ManageActions customer={customer} />
        </Space>
      </div>
      <Tabs
        activeKey={tab}
        onChange={(k) => navigate(k === 'overview' ? base : `${base}/${k}`)}
        items={TABS.map((k) => ({ key: k, label: t(`tab.${k}`), children: k === tab ? body[k]() : null }))}
      />
    </Space>
  );
}

function Overview({ customer: c }: { customer: Customer }) {
  const { t } = useTranslation('customers');
  const fmt = useFormat();
  const categoryLabel = useCategoryLabel();
  const none = t('common:state.none');
  const text = (v: string | null) => v ?? none;
  return (
    <Descriptions
      bordered
      size="middle"
      column={{ xs: 1, md: 2, xl: 3 }}
      items={[
        { key: 'kind', label: t('field.kind'), children: t(`kind.${c.kind}`) },
        { key: 'status', label: t('field.status'), children: <StatusTag status={c.status} /> },
        { key: 'category', label: t('field.category'), children: categoryLabel(c.category) },
        { key: 'owner', label: t('field.owner_id'), children: c.owner_name },
        { key: 'phone', label: t('field.phone'), children: c.phone ? <a href={`tel:${c.phone.replace(/[^+\d]/g, '')}`}>{c.phone}</a> : none },
        { key: 'email', label: t('field.email'), children: c.email ? <a href={`mailto:${c.email}`}>{c.email}</a> : none },
        { key: 'region', label: t('field.region'), children: text(c.region) },
        { key: 'industry', label: t('field.industry'), children: text(c.industry) },
        { key: 'source', label: t('field.source'), children: text(c.source) },
        { key: 'website', label: t('field.website'), children: text(c.website) },
        { key: 'credit', label: t('field.credit_limit'), children: c.credit_limit == null ? none : fmt.decimal(c.credit_limit) },
        { key: 'terms', label: t('field.payment_terms_days'), children: c.payment_terms_days ?? none },
        { key: 'last', label: t('field.last_contact_at'), children: fmt.dateTime(c.last_contact_at) },
        { key: 'next', label: t('field.next_contact_at'), children: fmt.dateTime(c.next_contact_at) },
        { key: 'created', label: t('field.created_at'), children: fmt.dateTime(c.created_at) },
        { key: 'tags', label: t('field.tags'), span: 'filled', children: c.tags.length ? c.tags.join('、') : none },
        { key: 'address', label: t('field.address'), span: 'filled', children: text(c.address) },
        { key: 'notes', label: t('field.notes'), span: 'filled', children: <span style={{ whiteSpace: 'pre-wrap' }}>{text(c.notes)}</span> },
      ]}
    />
  );
}
