// FiguresChart.tsx: a performance report drawn as two charts — the counts
// per row, and the contract amount per row (bars sized from the server's
// amounts, labelled with them formatted).
import { Col, Row } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Chart, type ChartOption } from '../../lib/Chart';
import { useFormat } from '../../lib/format';
import { barLength, COUNTS, rowName, type PerformanceReport } from './figures';

interface Props {
  report: PerformanceReport;
  /** What the rows are (for the charts' names): "by salesperson", ... */
  what: string;
  /** Lines rather than bars for the counts (rows in time order). */
  line?: boolean;
}

export function FiguresChart({ report, what, line = false }: Props) {
  const { t, i18n } = useTranslation('reports');
  const f = useFormat();
  const names = useMemo(() => report.data.map((r) => rowName(r, t('noTeam'))), [report, t]);

  const counts = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 56, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: { type: 'value', minInterval: 1 },
      series: COUNTS.map((k) => ({ type: line ? 'line' : 'bar', name: t(`figure.${k}`), data: report.data.map((r) => r[k]) })),
    }),
    [report, names, line, t],
  );

  const amounts = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: () => '' },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: { type: 'value', axisLabel: { show: false } },
      series: [
        {
          type: 'bar',
          name: t('figure.contract_amount'),
          data: report.data.map((r) => barLength(r.contract_amount)),
          label: {
            show: true,
            position: 'top',
            formatter: (p: { dataIndex: number }) => f.money(report.data[p.dataIndex].contract_amount, report.currency),
          },
        },
      ],
    }),
    [report, names, t, i18n.language],
  );

  const n = report.data.length;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Chart option={counts} label={t('chart.counts', { what, n })} />
      </Col>
      <Col xs={24} xl={10}>
        <Chart option={amounts} label={t('chart.amount', { what, n, currency: report.currency })} />
      </Col>
    </Row>
  );
}
