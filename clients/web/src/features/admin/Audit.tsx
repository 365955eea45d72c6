// Audit.tsx: who did what when (admins), newest first, filtered by who,
// the kind of record, the record, the action and the days; the filters are in the URL.
import { Button, DatePicker, Form, Input, Select, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { useFormat } from '../../lib/format';
import { QueryState } from '../../lib/QueryState';
import { useAllUsers } from '../../lib/directory';
import { AUDIT_ACTIONS, AUDIT_ENTITIES, useAuditLog, type AuditAction, type AuditEntity, type AuditEntry, type AuditFilter } from './api';

const FILTERS = ['actor_id', 'entity', 'entity_id', 'action'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The days `from`..`to` of the URL (either may be absent), as the instants the API bounds by. */
function period(from: string | null, to: string | null): { since?: string; before?: string } {
  return {
    since: from && DAY.test(from) ? dayjs(from).startOf('day').toISOString() : undefined,
    before: to && DAY.test(to) ? dayjs(to).add(1, 'day').startOf('day').toISOString() : undefined,
  };
}

export default function Audit() {
  const { t } = useTranslation('admin');
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const filter: AuditFilter = {
    actor_id: params.get('actor_id') ?? undefined,
    entity: (AUDIT_ENTITIES as string[]).includes(params.get('entity') ?? '') ? (params.get('entity') as AuditEntity) : undefined,
    entity_id: params.get('entity_id') ?? undefined,
    action: (AUDIT_ACTIONS as string[]).includes(params.get('action') ?? '') ? (params.get('action') as AuditAction) : undefined,
    ...period(params.get('from'), params.get('to')),
  };
  const log = useAuditLog(filter);
  const users = useAllUsers();
  const [form] = Form.useForm<Record<(typeof FILTERS)[number], string> & { days?: [Dayjs | null, Dayjs | null] | null }>();
  // The form shows the filters of the URL (also after back/forward).
  const search = params.toString();
  useEffect(() => {
    const p = new URLSearchParams(search);
    const day = (k: string) => (DAY.test(p.get(k) ?? '') ? dayjs(p.get(k)) : null);
    form.setFieldsValue({
      actor_id: p.get('actor_id') ?? '',
      entity: p.get('entity') ?? '',
      action: p.get('action') ?? '',
      entity_id: p.get('entity_id') ?? '',
      days: day('from') || day('to') ? [day('from'), day('to')] : null,
    });
  }, [search, form]);
  const who = (id: string | null) => (id ? (users.data?.find((u) => u.id === id)?.name ?? id) : t('audit.system'));
  const all = { value: '', label: t('common:state.all') };

  const apply = (v: Record<(typeof FILTERS)[number], string | undefined> & { days?: [Dayjs | null, Dayjs | null] | null }) => {
    const next = new URLSearchParams();
    for (const k of FILTERS) {
      const value = v[k]?.trim();
      if (value) next.set(k, value);
    }
    if (v.days?.[0]) next.set('from', v.days[0].format('YYYY-MM-DD'));
    if (v.days?.[1]) next.set('to', v.days[1].format('YYYY-MM-DD'));
    setParams(next);
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Form form={form} layout="inline" style={{ rowGap: 8 }} onFinish={apply}>
        <Form.Item name="actor_id" label={t('audit.filterActor')}>
          <Select style={{ width: 160 }} showSearch optionFilterProp="label" options={[all, ...(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))]} />
        </Form.Item>
        <Form.Item name="entity" label={t('audit.filterEntity')}>
          <Select style={{ width: 150 }} options={[all, ...AUDIT_ENTITIES.map((e) => ({ value: e, label: t(`entity.${e}`) }))]} />
        </Form.Item>
        <Form.Item name="entity_id" label={t('audit.filterEntityId')}>
          <Input style={{ width: 300 }} allowClear />
        </Form.Item>
        <Form.Item name="action" label={t('audit.filterAction')}>
          <Select style={{ width: 110 }} options={[all, ...AUDIT_ACTIONS.map((a) => ({ value: a, label: t(`action.${a}`) }))]} />
        </Form.Item>
        <Form.Item name="days" label={t('audit.filterDays')}>
          <DatePicker.RangePicker allowEmpty={[true, true]} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit">
            {t('audit.apply')}
          </Button>
          <Button onClick={() => setParams(new URLSearchParams())}>{t('audit.reset')}</Button>
        </Space>
      </Form>
      <QueryState query={{ ...log, data: log.isPending ? undefined : log.rows }}>
        {(rows) => (
          <>
            <Table<AuditEntry>
              rowKey="id"
              size="small"
              dataSource={rows}
              pagination={false}
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: t('audit.empty') }}
              columns={[
                { key: 'at', title: t('audit.at'), render: (_, e) => <span style={{ whiteSpace: 'nowrap' }}>{f.dateTime(e.at)}</span> },
                { key: 'actor', title: t('audit.actor'), render: (_, e) => who(e.actor_id) },
                { key: 'action', title: t('audit.action'), render: (_, e) => t(`action.${e.action}`) },
                { key: 'entity', title: t('audit.entity'), render: (_, e) => t(`entity.${e.entity}`) },
                {
                  key: 'entity_id',
                  title: t('audit.entityId'),
                  render: (_, e) =>
                    e.entity_id ? (
                      <Link to={`/admin/audit?entity_id=${e.entity_id}`}>
                        <Typography.Text code>{e.entity_id}</Typography.Text>
                      </Link>
                    ) : (
                      t('audit.records', { n: e.entity_ids?.length ?? 0 })
                    ),
                },
                { key: 'changes', title: t('audit.changes'), render: (_, e) => <Changes entry={e} /> },
              ]}
            />
            {log.hasMore && (
              <Button onClick={log.loadMore} loading={log.loadingMore}>
                {t('common:action.loadMore')}
              </Button>
            )}
          </>
        )}
      </QueryState>
    </Space>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function Changes({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation('admin');
  const changes = Object.entries(entry.changes ?? {});
  if (changes.length === 0) return <Typography.Text type="secondary">{t('audit.noChanges')}</Typography.Text>;
  return (
    <ul style={{ margin: 0, paddingLeft: 16, maxWidth: 520 }}>
      {changes.map(([field, c]) => (
        <li key={field} style={{ wordBreak: 'break-word' }}>
          <Typography.Text strong>{field}</Typography.Text>: {entry.action === 'create' ? show(c.new) : `${show(c.old)} → ${show(c.new)}`}
        </li>
      ))}
    </ul>
  );
}
