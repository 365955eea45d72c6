// Reports.tsx: the performance report over a period — per salesperson, per
// month, per team, and the funnel from quotations to contracts — each as a
// chart beside its table, with the server's CSV to download. The period and
// the tab are in the URL, so every view is bookmarkable.
import { DownloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, DatePicker, Form, Select, Space, Tabs, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { Chart, type ChartOption } from '../../lib/Chart';
import { problemMessage } from '../../lib/problem';
import { QueryState } from '../../lib/QueryState';
import { useAllTeams } from '../../lib/directory';
import { downloadPerformanceCsv, usePerformance, type PerformanceQuery } from './api';
import { funnelSteps, type PerformanceReport } from './figures';
import { FiguresChart } from './FiguresChart';
import { FiguresTable } from './FiguresTable';

type Tab = 'owner' | 'month' | 'team' | 'funnel';
const TABS: Tab[] = ['owner', 'month', 'team', 'funnel'];
const DAY = 'YYYY-MM-DD';

export default function Reports() {
  const { t } = useTranslation('reports');
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const tab = (TABS as string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'owner';
  const teamId = params.get('team') ?? undefined;
  const from = params.get('from') ?? undefined;
  const to = params.get('to') ?? undefined;

  // Without a period the server reports the current month of the
  // organization; by month, the six months up to this one are more telling.
  const query: PerformanceQuery = useMemo(() => {
    const groupBy = tab === 'funnel' ? 'owner' : tab;
    const q: PerformanceQuery = { group_by: groupBy };
    if (from) q.from = from;
    if (to) q.to = to;
    if (!from && !to && groupBy === 'month') {
      q.from = dayjs().subtract(5, 'month').startOf('month').format(DAY);
      q.to = dayjs().endOf('month').format(DAY);
    }
    if (teamId) q.team_id = teamId;
    return q;
  }, [tab, from, to, teamId]);

  const report = usePerformance(query);
  const teams = useAllTeams();

  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  const shown: [Dayjs, Dayjs] | null = report.data ? [dayjs(report.data.from), dayjs(report.data.to)] : null;

  const exportCsv = async () => {
    try {
      await downloadPerformanceCsv(query);
    } catch (e) {
      void message.error(problemMessage(t, e));
    }
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {t('title')}
      </Typography.Title>
      <Form layout="inline" style={{ rowGap: 12 }}>
        <Form.Item label={t('period')} htmlFor="report-period">
          <DatePicker.RangePicker
            id={{ start: 'report-period' }}
            value={shown}
            allowClear={false}
            onChange={(v) => v && v[0] && v[1] && set({ from: v[0].format(DAY), to: v[1].format(DAY) })}
          />
        </Form.Item>
        <Form.Item label={t('team')} htmlFor="report-team">
          <Select
            id="report-team"
            style={{ minWidth: 180 }}
            value={teamId ?? ''}
            onChange={(v: string) => set({ team: v || undefined })}
            options={[{ value: '', label: t('allTeams') }, ...(teams.data ?? []).map((x) => ({ value: x.id, label: x.name }))]}
          />
        </Form.Item>
        {tab !== 'funnel' && (
          <Form.Item>
            <Button icon={<DownloadOutlined />} onClick={() => void exportCsv()}>
              {t('common:action.exportCsv')}
            </Button>
          </Form.Item>
        )}
      </Form>
      <Card>
      <Tabs
        activeKey={tab}
        onChange={(k) => set({ tab: k === 'owner' ? undefined : k })}
        items={TABS.map((k) => ({
          key: k,
          label: t(`tabs.${k}`),
          children: k === tab && <QueryState query={report}>{(r) => <ReportView tab={tab} report={r} />}</QueryState>,
        }))}
      />
      </Card>
    </Space>
  );
}

function ReportView({ tab, report }: { tab: Tab; report: PerformanceReport }) {
  const { t } = useTranslation('reports');
  const other = report.data.reduce((n, r) => n + r.contracts_other_currency, 0);
  if (tab === 'funnel') return <Funnel report={report} />;
  const what = t(`tabs.${tab}`);
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {report.data.length > 0 && <FiguresChart report={report} what={what} line={tab === 'month'} />}
      <FiguresTable report={report} nameTitle={t(`column.${tab}`)} />
      <Typography.Text type="secondary">{t('currencyNote', { currency: report.currency, timezone: report.timezone })}</Typography.Text>
      {other > 0 && <Alert type="info" showIcon title={t('otherCurrency', { n: other })} />}
    </Space>
  );
}

function Funnel({ report }: { report: PerformanceReport }) {
  const { t } = useTranslation('reports');
  const steps = funnelSteps(report.data);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'item' },
      series: [
        {
          type: 'funnel',
          sort: 'none',
          left: '10%',
          width: '80%',
          minSize: '20%',
          label: { show: true, position: 'inside', formatter: '{b}: {c}' },
          data: (['quotations_sent', 'quotations_accepted', 'contracts_signed'] as const).map((k) => ({ name: t(`figure.${k}`), value: steps[k] })),
        },
      ],
    }),
    [steps.quotations_sent, steps.quotations_accepted, steps.contracts_signed, t],
  );
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('funnelNote')}</Typography.Paragraph>
      <Chart
        option={option}
        height={280}
        label={t('chart.funnel', { sent: steps.quotations_sent, accepted: steps.quotations_accepted, signed: steps.contracts_signed })}
      />
      <FiguresTable report={report} nameTitle={t('column.owner')} />
    </Space>
  );
}
