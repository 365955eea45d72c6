// FiguresTable.tsx: the rows of a performance report as a table — the
// figures every chart of them draws, in numbers a reader can check.
import { Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { COUNTS, rowKey, rowName, type PerformanceReport, type PerformanceRow } from './figures';

interface Props {
  report: PerformanceReport;
  /** Header of the first column (salesperson, team or month). */
  nameTitle: string;
}

export function FiguresTable({ report, nameTitle }: Props) {
  const { t } = useTranslation('reports');
  const f = useFormat();
  return (
    <Table<PerformanceRow>
      size="small"
      rowKey={rowKey}
      dataSource={report.data}
      pagination={false}
      scroll={{ x: 'max-content' }}
      locale={{ emptyText: t('empty') }}
      columns={[
        { key: 'name', title: nameTitle, render: (_, r) => rowName(r, t('noTeam')), fixed: 'left' },
        ...COUNTS.map((k) => ({ key: k, title: t(`figure.${k}`), align: 'right' as const, render: (_: unknown, r: PerformanceRow) => r[k] })),
        {
          key: 'contract_amount',
          title: t('figure.contract_amount'),
          align: 'right' as const,
          render: (_: unknown, r: PerformanceRow) => <span style={{ whiteSpace: 'nowrap' }}>{f.money(r.contract_amount, report.currency)}</span>,
        },
        {
          key: 'contracts_other_currency',
          title: t('figure.contracts_other_currency'),
          align: 'right' as const,
          render: (_: unknown, r: PerformanceRow) => r.contracts_other_currency,
        },
      ]}
    />
  );
}
