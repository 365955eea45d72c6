import { AuditOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { Feature } from '../../lib/feature';

const ContractsList = lazy(() => import('./ContractsList'));
const ContractPage = lazy(() => import('./ContractPage'));

const feature: Feature = {
  routes: [
    { path: 'contracts', element: <ContractsList /> },
    { path: 'contracts/:id', element: <ContractPage /> },
  ],
  menu: [{ path: '/contracts', label: 'nav.contracts', icon: <AuditOutlined />, order: 40 }],
};
export default feature;
