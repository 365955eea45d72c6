import { AppstoreOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { Feature } from '../../lib/feature';

const ProductsList = lazy(() => import('./ProductsList'));

const feature: Feature = {
  routes: [{ path: 'products', element: <ProductsList /> }],
  menu: [{ path: '/products', label: 'nav.products', icon: <AppstoreOutlined />, order: 60 }],
};
export default feature;
