// AdminLayout.tsx: the administration screens under one heading and their
// own navigation. Only admins and managers have them; to anyone else a typed
// /admin/... URL is "not found", as a record they may not see is.
import { Menu, Space, Spin, Typography } from 'antd';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useMe, type Role } from '../../lib/auth';
import { NotFound } from '../../lib/NotFound';

const SCREENS: { key: string; roles: Role[] }[] = [
  { key: 'users', roles: ['admin', 'manager'] },
  { key: 'teams', roles: ['admin', 'manager'] },
  { key: 'settings', roles: ['admin'] },
  { key: 'audit', roles: ['admin'] },
];

export default function AdminLayout() {
  const { t } = useTranslation('admin');
  const location = useLocation();
  const me = useMe();
  const role = me.data?.user.role;
  if (!role) return <Spin />;
  const screens = SCREENS.filter((s) => s.roles.includes(role));
  const current = location.pathname.split('/')[2] ?? 'users';
  const allowed = screens.some((s) => s.key === current);
  if (!allowed) return <NotFound />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {t('title')} · {t(`nav.${current}`)}
      </Typography.Title>
      <nav aria-label={t('title')}>
        <Menu
          mode="horizontal"
          selectedKeys={[current]}
          items={screens.map((s) => ({ key: s.key, label: <Link to={`/admin/${s.key}`}>{t(`nav.${s.key}`)}</Link> }))}
        />
      </nav>
      <Suspense fallback={<Spin />}>
        <Outlet />
      </Suspense>
    </Space>
  );
}
