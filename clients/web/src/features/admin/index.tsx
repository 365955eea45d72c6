import { SettingOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { Navigate } from 'react-router-dom';
import type { Feature } from '../../lib/feature';

const AdminLayout = lazy(() => import('./AdminLayout'));
const Users = lazy(() => import('./Users'));
const Teams = lazy(() => import('./Teams'));
const Settings = lazy(() => import('./Settings'));
const Audit = lazy(() => import('./Audit'));

const feature: Feature = {
  routes: [
    {
      path: 'admin',
      element: <AdminLayout />,
      children: [
        { index: true, element: <Navigate to="users" replace /> },
        { path: 'users', element: <Users /> },
        { path: 'teams', element: <Teams /> },
        { path: 'settings', element: <Settings /> },
        { path: 'audit', element: <Audit /> },
      ],
    },
  ],
  menu: [{ path: '/admin', label: 'nav.admin', icon: <SettingOutlined />, order: 90, roles: ['admin', 'manager'] }],
};
export default feature;
