import { TeamOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { Feature } from '../../lib/feature';

const CustomerList = lazy(() => import('./CustomerList'));
const CustomerPage = lazy(() => import('./CustomerPage'));
const NewCustomer = lazy(() => import('./CustomerForm').then((m) => ({ default: m.NewCustomer })));
const EditCustomer = lazy(() => import('./CustomerForm').then((m) => ({ default: m.EditCustomer })));

const feature: Feature = {
  routes: [
    { path: 'customers', element: <CustomerList /> },
    { path: 'customers/new', element: <NewCustomer /> },
    { path: 'customers/:id/edit', element: <EditCustomer /> },
    { path: 'customers/:id', element: <CustomerPage /> },
    { path: 'customers/:id/:tab', element: <CustomerPage /> },
  ],
  menu: [{ path: '/customers', label: 'nav.customers', icon: <TeamOutlined />, order: 10 }],
};
export default feature;
