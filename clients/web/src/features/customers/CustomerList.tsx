// CustomerList.tsx: /customers — the customers the user may see, searched as
// they type and filtered; the filters live in the URL so a list is bookmarkable.
import { PlusOutlined } from '@ant-design/icons';
import { Button, Empty, Form, Input, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useHasRole } from '../../lib/auth';
import { useFormat } from '../../lib/format';
import { PAGE, useCustomerList, type Customer, type CustomerFilters } from './api';
import { useAllUsers } from '../../lib/directory';
import { useDebounced } from './debounce';
import { ProblemAlert } from '../../lib/forms';
import { CATEGORIES, STATUSES, StatusTag, useCategoryLabel } from './labels';

const FILTERS = ['q', 'status', 'category', 'owner_id', 'region', 'tag'] as const;

type Typed = Record<(typeof FILTERS)[number], string>;

function typedFrom(params: URLSearchParams): Typed {
  return Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Typed;
}

const FILTER_STYLE = { marginBottom: 8, flex: '1 1 130px' };

/** One of the list's dropdown filters: "all" when empty, searchable by its labels. */
function FilterSelect(props: { name: string; label: string; value: string; onChange: (v: string | undefined) => void; options: { value: string; label: string }[] }) {
  const { t } = useTranslation('customers');
  return (
    <Form.Item label={props.label} htmlFor={`customer-${props.name}`} style={FILTER_STYLE}>
      <Select
        id={`customer-${props.name}`}
        allowClear
        showSearch={{ optionFilterProp: 'label' }}
        value={props.value || undefined}
        placeholder={t('common:state.all')}
        onChange={props.onChange}
        options={props.options}
      />
    </Form.Item>
  );
}

export default function CustomerList() {
  const { t, i18n } = useTranslation('customers');
  const fmt = useFormat();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const mayCreate = useHasRole('admin', 'manager', 'sales');
  const seesOthers = useHasRole('admin', 'manager', 'assistant', 'finance', 'service');
  const users = useAllUsers();
  const categoryLabel = useCategoryLabel();

  // What the user types, shown at once; the URL (and the query) follow when they
  // pause. A URL changed from outside (the menu, back, a bookmark) is typed anew.
  const [typed, setTyped] = useState(() => typedFrom(params));
  const settled = useDebounced(typed, 300);
  const written = useRef(params.toString());
  useEffect(() => {
    const next = new URLSearchParams();
    for (const f of FILTERS) {
      const v = settled[f].trim();
      if (v) next.set(f, v);
    }
    if (next.toString() === written.current) return;
    written.current = next.toString();
    setParams(next, { replace: true });
  }, [settled, setParams]);
  useEffect(() => {
    if (params.toString() === written.current) return;
    written.current = params.toString();
    setTyped(typedFrom(params));
  }, [params]);

  const filters: CustomerFilters = {
    q: params.get('q') ?? undefined,
    status: (params.get('status') as CustomerFilters['status']) ?? undefined,
    category: (params.get('category') as CustomerFilters['category']) ?? undefined,
    owner_id: params.get('owner_id') ?? undefined,
    region: params.get('region') ?? undefined,
    tag: params.get('tag') ?? undefined,
  };
  const list = useCustomerList(filters);
  const filtered = FILTERS.some((f) => params.get(f));

  // The table shows one page of the rows loaded so far, so the page stays light
  // however many are loaded; "load more" fetches the next page and shows it.
  const [pageNo, setPageNo] = useState(1);
  const jumpTo = useRef<number | null>(null);
  const filterKey = params.toString();
  useEffect(() => setPageNo(1), [filterKey]);
  useEffect(() => {
    if (jumpTo.current !== null && list.rows.length > (jumpTo.current - 1) * PAGE) {
      setPageNo(jumpTo.current);
      jumpTo.current = null;
    }
  }, [list.rows.length]);
  const loadMore = () => {
    jumpTo.current = Math.floor(list.rows.length / PAGE) + 1;
    list.loadMore();
  };
  const set = (f: (typeof FILTERS)[number]) => (v: string | undefined) => setTyped((old) => ({ ...old, [f]: v ?? '' }));

  const columns: ColumnsType<Customer> = useMemo(() => [
    {
      title: t('field.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_: unknown, c) => <Link to={`/customers/${c.id}`}>{c.name}</Link>,
    },
    { title: t('field.status'), dataIndex: 'status', width: 100, render: (_: unknown, c) => <StatusTag status={c.status} /> },
    { title: t('field.category'), dataIndex: 'category', width: 110, render: (_: unknown, c) => categoryLabel(c.category) },
    { title: t('field.region'), dataIndex: 'region', width: 110, ellipsis: true, render: (v: string | null) => v ?? t('common:state.none') },
    { title: t('field.phone'), dataIndex: 'phone', width: 150, ellipsis: true, render: (v: string | null) => v ?? t('common:state.none') },
    {
      title: t('field.owner_id'),
      dataIndex: 'owner_name',
      width: 110,
      ellipsis: true,
    },
    { title: t('field.next_contact_at'), dataIndex: 'next_contact_at', width: 150, render: (v: string | null) => fmt.dateTime(v) },
    { title: t('field.last_contact_at'), dataIndex: 'last_contact_at', width: 150, render: (v: string | null) => fmt.dateTime(v) },
  // Rebuilt only when the language or the known users change, so a page of rows is not redrawn for nothing.
  ], [t, i18n.language]);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 16 }}>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {t('title')}
        </Typography.Title>
        {mayCreate && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/customers/new')}>
            {t('new')}
          </Button>
        )}
      </div>

      <Form layout="vertical" role="search" aria-label={t('filters')} onFinish={() => undefined}>
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: '0 12px' }}>
          <Form.Item label={t('search')} htmlFor="customer-q" style={{ marginBottom: 8, flex: '2 1 240px' }}>
            <Input
              id="customer-q"
              type="search"
              allowClear
              value={typed.q}
              placeholder={t('searchPlaceholder')}
              maxLength={64}
              onChange={(e) => set('q')(e.target.value)}
            />
          </Form.Item>
          <FilterSelect
            name="status"
            label={t('field.status')}
            value={typed.status}
            onChange={set('status')}
            options={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
          />
          <FilterSelect
            name="category"
            label={t('field.category')}
            value={typed.category}
            onChange={set('category')}
            options={CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}`) }))}
          />
          {seesOthers && users.data ? (
            <FilterSelect
              name="owner"
              label={t('field.owner_id')}
              value={typed.owner_id}
              onChange={set('owner_id')}
              options={users.data.map((u) => ({ value: u.id, label: u.name }))}
            />
          ) : null}
          <Form.Item label={t('field.region')} htmlFor="customer-region" style={FILTER_STYLE}>
            <Input id="customer-region" allowClear value={typed.region} onChange={(e) => set('region')(e.target.value)} maxLength={200} />
          </Form.Item>
          <Form.Item label={t('field.tag')} htmlFor="customer-tag" style={FILTER_STYLE}>
            <Input id="customer-tag" allowClear value={typed.tag} onChange={(e) => set('tag')(e.target.value)} maxLength={100} />
          </Form.Item>
        </div>
      </Form>

      {list.error ? (
        <ProblemAlert error={list.error} retry={list.refetch} />
      ) : (
        <Table<Customer>
          rowKey="id"
          size="middle"
          // Rows scroll sideways on a narrow screen (each has a link to focus);
          // an empty list does not, so no unreachable scroll region is left.
          scroll={list.rows.length > 0 ? { x: 1100 } : undefined}
          loading={list.isPending}
          columns={columns}
          dataSource={list.rows}
          pagination={{
            current: pageNo,
            pageSize: PAGE,
            total: list.rows.length,
            onChange: setPageNo,
            showSizeChanger: false,
            hideOnSinglePage: true,
            placement: ['bottomEnd'],
          }}
          locale={{ emptyText: <Empty description={filtered ? t('empty') : t('emptyAll')} /> }}
          onRow={(c) => ({ onClick: (e) => !(e.target as HTMLElement).closest('a') && navigate(`/customers/${c.id}`), style: { cursor: 'pointer' } })}
        />
      )}

      <div style={{ display: 'flex', alignItems: 'center', gap: 16 }}>
        <Typography.Text type="secondary" aria-live="polite">
          {list.isPending ? t('common:state.loading') : t(list.hasMore ? 'countMore' : 'count', { count: list.rows.length })}
        </Typography.Text>
        {list.hasMore && (
          <Button onClick={loadMore} loading={list.loadingMore}>
            {t('common:action.loadMore')}
          </Button>
        )}
      </div>
    </Space>
  );
}
