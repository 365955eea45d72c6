// Shell.tsx: the frame of every signed-in screen — the menu, the language
// switch, who is signed in, sign-out — around the current route.
import { MenuOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Space, Spin, Typography } from 'antd';
import { Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, useLocation } from 'react-router-dom';
import { useAuth, useMe } from '../lib/auth';
import { LanguageSwitch } from '../lib/LanguageSwitch';
import { menu } from './router';

export function Shell() {
  const { signedIn } = useAuth();
  const location = useLocation();
  if (!signedIn) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <SignedInShell />;
}

function SignedInShell() {
  const { t } = useTranslation();
  const { signOut } = useAuth();
  const me = useMe();
  const location = useLocation();
  const role = me.data?.user.role;
  // Below the lg breakpoint the menu folds away behind a button in the header.
  const [narrow, setNarrow] = useState(false);
  const [open, setOpen] = useState(false);
  const entries = menu.filter((m) => !m.roles || (role && m.roles.includes(role)));
  const selected = entries
    .filter((m) => (m.path === '/' ? location.pathname === '/' : location.pathname.startsWith(m.path)))
    .map((m) => m.path);

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="crm-skip" href="#main">
        {t('app.skip')}
      </a>
      <Layout.Sider
        breakpoint="lg"
        collapsedWidth={0}
        collapsed={narrow && !open}
        onBreakpoint={(broken) => {
          setNarrow(broken);
          setOpen(false);
        }}
        trigger={null}
        theme="light"
        width={208}
        style={{ borderRight: '1px solid #f0f0f0' }}
      >
        {/* Folded away, the menu is not rendered: no hidden link to tab into. */}
        {!(narrow && !open) && (
          <>
            <div style={{ padding: '16px 20px', fontWeight: 600, fontSize: 16 }}>{me.data?.tenant.name ?? t('app.name')}</div>
            <nav aria-label={t('app.name')}>
              <Menu
                mode="inline"
                selectedKeys={selected}
                items={entries.map((m) => ({ key: m.path, icon: m.icon, label: <Link to={m.path}>{t(m.label)}</Link> }))}
                onClick={() => setOpen(false)}
                style={{ borderInlineEnd: 0 }}
              />
            </nav>
          </>
        )}
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: '#fff', padding: '0 16px', display: 'flex', alignItems: 'center', gap: 12, borderBottom: '1px solid #f0f0f0' }}
        >
          {narrow && (
            <Button icon={<MenuOutlined />} aria-label={t('app.menu')} aria-expanded={open} onClick={() => setOpen(!open)} />
          )}
          <Space size="middle" style={{ marginLeft: 'auto' }}>
            <LanguageSwitch />
            {me.data && <Typography.Text>{me.data.user.name}</Typography.Text>}
            <Button onClick={() => void signOut()}>{t('action.signOut')}</Button>
          </Space>
        </Layout.Header>
        <Layout.Content id="main" tabIndex={-1} style={{ padding: 24, minWidth: 0 }}>
          <main>
            <Suspense fallback={<Spin />}>
              <Outlet />
            </Suspense>
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
