import { CarOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { Feature } from '../../lib/feature';

const ShipmentsList = lazy(() => import('./ShipmentsList'));
const ShipmentPage = lazy(() => import('./ShipmentPage'));

const feature: Feature = {
  routes: [
    { path: 'shipments', element: <ShipmentsList /> },
    { path: 'shipments/:id', element: <ShipmentPage /> },
  ],
  menu: [{ path: '/shipments', label: 'nav.shipments', icon: <CarOutlined />, order: 50 }],
};
export default feature;
