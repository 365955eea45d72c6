import { DashboardOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { Feature } from '../../lib/feature';

const Dashboard = lazy(() => import('./Dashboard'));

const feature: Feature = {
  routes: [{ index: true, element: <Dashboard /> }],
  menu: [{ path: '/', label: 'nav.dashboard', icon: <DashboardOutlined />, order: 0 }],
};
export default feature;
