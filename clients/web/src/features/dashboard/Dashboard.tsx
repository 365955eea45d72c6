// Dashboard.tsx: the first screen — today's agenda, the user's figures this
// month, and for managers and admins the figures of the people they lead
// (charts load on their own, after the agenda).
import { Col, Row, Space, Statistic, Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { useHasRole, useMe } from '../../lib/auth';
import { useFormat } from '../../lib/format';
import { QueryState } from '../../lib/QueryState';
import { usePerformance } from '../reports/api';
import { COUNTS } from '../reports/figures';
import { Agenda } from './Agenda';
import { Panel } from './Panel';

const TeamFigures = lazy(() => import('./TeamFigures'));

export default function Dashboard() {
  const { t } = useTranslation('dashboard');
  const leads = useHasRole('admin', 'manager');
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {t('title')}
      </Typography.Title>
      <Agenda />
      <MyFigures />
      {leads && (
        <Suspense fallback={null}>
          <TeamFigures />
        </Suspense>
      )}
    </Space>
  );
}

function MyFigures() {
  const { t } = useTranslation('dashboard');
  const f = useFormat();
  const me = useMe().data;
  const report = usePerformance({ group_by: 'owner', owner_id: me?.user.id }, !!me);
  return (
    <Panel
      title={t('mine.title')}
    >
      <QueryState query={report}>
        {(r) => {
          const row = r.data.find((x) => 'owner_id' in x && x.owner_id === me?.user.id) ?? r.data[0];
          return (
            <>
              <Typography.Paragraph type="secondary">{t('mine.period', { from: f.date(r.from), to: f.date(r.to) })}</Typography.Paragraph>
              <Row gutter={[24, 16]}>
                {COUNTS.map((k) => (
                  <Col key={k} xs={12} md={8} xl={6} xxl={3}>
                    <Statistic title={t(`reports:figure.${k}`)} value={row ? row[k] : 0} />
                  </Col>
                ))}
                <Col xs={24} md={16} xl={12} xxl={6}>
                  <Statistic title={t('reports:figure.contract_amount')} value={row ? f.money(row.contract_amount, r.currency) : '—'} />
                </Col>
              </Row>
            </>
          );
        }}
      </QueryState>
    </Panel>
  );
}
