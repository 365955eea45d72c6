import { AccountBookOutlined, WalletOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { Feature } from '../../lib/feature';

const ReceivablesList = lazy(() => import('./ReceivablesList'));
const PaymentsList = lazy(() => import('./PaymentsList'));
const PaymentPage = lazy(() => import('./PaymentPage'));

const feature: Feature = {
  routes: [
    { path: 'receivables', element: <ReceivablesList /> },
    { path: 'payments', element: <PaymentsList /> },
    { path: 'payments/:id', element: <PaymentPage /> },
  ],
  menu: [
    { path: '/receivables', label: 'nav.receivables', icon: <AccountBookOutlined />, order: 55 },
    { path: '/payments', label: 'nav.payments', icon: <WalletOutlined />, order: 56 },
  ],
};
export default feature;
