import { FileTextOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { Feature } from '../../lib/feature';

const QuotationsList = lazy(() => import('./QuotationsList'));
const QuotationEditor = lazy(() => import('./QuotationEditor'));

const feature: Feature = {
  routes: [
    { path: 'quotations', element: <QuotationsList /> },
    { path: 'quotations/new', element: <QuotationEditor /> },
    { path: 'quotations/:id', element: <QuotationEditor /> },
  ],
  menu: [{ path: '/quotations', label: 'nav.quotations', icon: <FileTextOutlined />, order: 30 }],
};
export default feature;
