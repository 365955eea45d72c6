import { BarChartOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { Feature } from '../../lib/feature';

const Reports = lazy(() => import('./Reports'));

const feature: Feature = {
  routes: [{ path: 'reports', element: <Reports /> }],
  menu: [{ path: '/reports', label: 'nav.reports', icon: <BarChartOutlined />, order: 80 }],
};
export default feature;
