// TeamFigures.tsx: for managers and admins, this month's figures of everyone
// they may see, per salesperson, as a chart beside its table.
import { Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { QueryState } from '../../lib/QueryState';
import { usePerformance } from '../reports/api';
import { FiguresChart } from '../reports/FiguresChart';
import { FiguresTable } from '../reports/FiguresTable';
import { Panel } from './Panel';

export default function TeamFigures() {
  const { t } = useTranslation('dashboard');
  const report = usePerformance({ group_by: 'owner' });
  return (
    <Panel
      title={t('team.title')}
      extra={
        <Link to="/reports">
          {t('team.reports')}
        </Link>
      }
    >
      <QueryState query={report}>
        {(r) => (
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            {r.data.length > 0 && <FiguresChart report={r} what={t('team.what')} />}
            <FiguresTable report={r} nameTitle={t('reports:column.owner')} />
          </Space>
        )}
      </QueryState>
    </Panel>
  );
}
