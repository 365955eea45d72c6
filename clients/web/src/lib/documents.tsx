// documents.tsx: what the quotation, contract and shipment screens share —
// a status as a coloured tag, the PDF and CSV downloads of a document, and a
// state action button (send, activate, ship...) that says what the server
// refused.
import { DownloadOutlined, FilePdfOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Popconfirm, Select, Space, Table, Tag, Typography, type DescriptionsProps, type TableColumnsType } from 'antd';
import { useState, type CSSProperties, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, saveDownload } from './api';
import { useHasRole } from './auth';
import { BusyButton } from './BusyButton';
import { ProblemAlert } from './forms';
import { CustomerPicker, UserPicker } from './pickers';
import { problemMessage } from './problem';

export type Tone = 'neutral' | 'info' | 'success' | 'error' | 'warning';

// Text dark enough on its light background for WCAG AA (antd's preset tag
// colours are lighter than that).
const TONES: Record<Tone, { color: string; background: string; borderColor: string }> = {
  neutral: { color: '#434343', background: '#fafafa', borderColor: '#d9d9d9' },
  info: { color: '#003eb3', background: '#e6f4ff', borderColor: '#91caff' },
  success: { color: '#135200', background: '#f6ffed', borderColor: '#b7eb8f' },
  error: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
  warning: { color: '#873800', background: '#fff7e6', borderColor: '#ffd591' },
};

const STATUS_TONES: Record<string, Tone> = {
  sent: 'info',
  active: 'info',
  shipped: 'info',
  accepted: 'success',
  completed: 'success',
  delivered: 'success',
  rejected: 'error',
  cancelled: 'error',
  expired: 'warning',
};

/** A short state word in a readable coloured tag. */
export function ToneTag({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <Tag style={TONES[tone]}>{children}</Tag>;
}

/** What an empty table says, readable (the table's own grey is too light). */
export function EmptyText({ children }: { children: ReactNode }) {
  return <Typography.Text type="secondary">{children}</Typography.Text>;
}

/** A status as a tag, its text `status.<value>` of namespace `ns`. */
export function StatusTag({ ns, status }: { ns: string; status: string }) {
  const { t } = useTranslation(ns);
  return <ToneTag tone={STATUS_TONES[status] ?? 'neutral'}>{t(`status.${status}`)}</ToneTag>;
}

export type DocumentPath = '/v1/quotations/{id}' | '/v1/contracts/{id}' | '/v1/shipments/{id}';

/** Downloads a document as the server prints it: PDF, or its lines as CSV. */
export function downloadDocument(path: DocumentPath, id: string, kind: 'pdf' | 'csv', name: string): Promise<void> {
  const accept = kind === 'pdf' ? 'application/pdf' : 'text/csv';
  const get = api.GET as (p: DocumentPath, init: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
  return saveDownload(get(path, { params: { path: { id } }, parseAs: 'blob', headers: { Accept: accept } }), `${name}.${kind}`);
}

/** "Download PDF" and "Export CSV" of one document. */
export function DocumentDownloads({ path, id, name, pdfLabel }: { path: DocumentPath; id: string; name: string; pdfLabel?: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<'pdf' | 'csv' | null>(null);
  const run = async (kind: 'pdf' | 'csv') => {
    setBusy(kind);
    try {
      await downloadDocument(path, id, kind, name);
    } catch (e) {
      void message.error(problemMessage(t, e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Space wrap>
      <Button icon={<FilePdfOutlined />} loading={busy === 'pdf'} onClick={() => void run('pdf')}>
        {pdfLabel ?? t('action.downloadPdf')}
      </Button>
      <Button icon={<DownloadOutlined />} loading={busy === 'csv'} onClick={() => void run('csv')}>
        {t('action.exportCsv')}
      </Button>
    </Space>
  );
}

interface ActionProps {
  label: ReactNode;
  /** Runs the action; a refusal is shown as a message. */
  run: () => Promise<unknown>;
  /** Asks this question first (for what cannot be undone). */
  confirm?: string;
  primary?: boolean;
  danger?: boolean;
  disabled?: boolean;
}

/** A state action of a document as a real button. */
export function ActionButton({ label, run, confirm, primary, danger, disabled }: ActionProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    try {
      await run();
    } catch (e) {
      void message.error(problemMessage(t, e));
    } finally {
      setBusy(false);
    }
  };
  const button = (
    <BusyButton type={primary ? 'primary' : 'default'} danger={danger} busy={busy} disabled={disabled} onClick={confirm || busy ? undefined : () => void go()}>
      {label}
    </BusyButton>
  );
  if (!confirm) return button;
  return (
    <Popconfirm title={confirm} okText={t('action.confirm')} cancelText={t('action.cancel')} onConfirm={() => go()}>
      {button}
    </Popconfirm>
  );
}

type FilterKey = 'status' | 'customer_id' | 'owner_id' | 'contract_id' | 'updated_since';

interface FiltersProps {
  /** The namespace whose `status.<value>` and `filter.<key>` texts label the filters. */
  ns: string;
  statuses: readonly string[];
  values: Partial<Record<FilterKey, string>>;
  set(key: FilterKey, value: string | undefined): void;
  /** Whether the list can be filtered by owner (admins and managers may list users). */
  owner?: boolean;
}

/** The filter bar of a document list: status, customer and (for managers) owner. */
export function DocumentFilters({ ns, statuses, values, set, owner }: FiltersProps) {
  const { t } = useTranslation(ns);
  const mayListUsers = useHasRole('admin', 'manager');
  return (
    <Space wrap>
      <Select
        aria-label={t('filter.status')}
        value={values.status ?? ''}
        onChange={(v: string) => set('status', v || undefined)}
        prefix={t('filter.status')}
        style={{ width: 180 }}
        options={[{ value: '', label: t('common:state.all') }, ...statuses.map((s) => ({ value: s, label: t(`status.${s}`) }))]}
      />
      <CustomerPicker aria-label={t('filter.customer')} placeholder={t('filter.customer')} allowClear value={values.customer_id} onChange={(v) => set('customer_id', v)} />
      {owner && mayListUsers && (
        <UserPicker aria-label={t('filter.owner')} placeholder={t('filter.owner')} allowClear value={values.owner_id} onChange={(v) => set('owner_id', v)} />
      )}
    </Space>
  );
}

/** "Load more" under a keyset list, while there is more. */
export function LoadMore({ list }: { list: { hasMore: boolean; loadingMore: boolean; loadMore: () => void } }) {
  const { t } = useTranslation();
  if (!list.hasMore) return null;
  return (
    <BusyButton onClick={list.loadingMore ? undefined : list.loadMore} busy={list.loadingMore}>
      {t('action.loadMore')}
    </BusyButton>
  );
}

/** A screen's heading row: the title and what stands beside it on the left,
 * the screen's actions on the right. */
export function PageHeader({ title, extra, actions }: { title: ReactNode; extra?: ReactNode; actions?: ReactNode }) {
  return (
    <Space wrap align="center" style={{ justifyContent: 'space-between', width: '100%' }}>
      <Space wrap align="center">
        <Typography.Title level={1} style={{ margin: 0, fontSize: 24 }}>
          {title}
        </Typography.Title>
        {extra}
      </Space>
      {actions && <Space wrap>{actions}</Space>}
    </Space>
  );
}

/** A document's facts (parties, dates, totals) as label: value in columns. */
export function FactsCard({ items }: { items: DescriptionsProps['items'] }) {
  return (
    <Card size="small">
      <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} items={items} />
    </Card>
  );
}

/** The heading of a part of a screen (its lines, its plan...). */
export function SectionTitle({ children, style }: { children: ReactNode; style?: CSSProperties }) {
  return (
    <Typography.Title level={2} style={{ fontSize: 18, margin: 0, ...style }}>
      {children}
    </Typography.Title>
  );
}

interface KeysetRows<T> {
  rows: T[];
  error: unknown;
  isPending: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}

/** A keyset list (lib/list.ts) as a table: its problem above, "load more" below. */
export function KeysetTable<T extends object>({ list, columns, empty, small }: { list: KeysetRows<T>; columns: TableColumnsType<T>; empty: string; small?: boolean }) {
  return (
    <>
      <ProblemAlert error={list.error} />
      <Table<T>
        rowKey="id"
        size={small ? 'small' : undefined}
        dataSource={list.rows}
        loading={list.isPending}
        pagination={false}
        locale={{ emptyText: <EmptyText>{empty}</EmptyText> }}
        scroll={{ x: 'max-content' }}
        columns={columns}
      />
      <LoadMore list={list} />
    </>
  );
}
