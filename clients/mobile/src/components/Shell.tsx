// Shell.tsx: the frame of the signed-in app — the sync line on top, the
// current screen, the tab bar at the bottom (its tabs real links, so a
// keyboard or a screen reader reaches them), inside the phone's safe area.
import { SafeArea, TabBar } from 'antd-mobile';
import { Suspense, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useOutbox } from '../data';
import { AgendaIcon, CustomersIcon, MeIcon, OutboxIcon } from './Icons';
import { Loading } from './Screen';
import { SyncLine } from './SyncLine';

interface Tab {
  path: string;
  title: string;
  icon: ReactElement;
  badge?: string;
}

/** The tab a path belongs to. */
function tabOf(path: string): string {
  if (path.startsWith('/customers') || path.startsWith('/contacts')) return '/customers';
  if (path.startsWith('/outbox')) return '/outbox';
  if (path.startsWith('/me')) return '/me';
  return '/';
}

export function Shell() {
  const { t } = useTranslation();
  const location = useLocation();
  const outbox = useOutbox();
  const active = tabOf(location.pathname);
  const waiting = outbox?.length ?? 0;
  const tabs: Tab[] = [
    { path: '/', title: t('tab.agenda'), icon: <AgendaIcon /> },
    { path: '/customers', title: t('tab.customers'), icon: <CustomersIcon /> },
    { path: '/outbox', title: t('tab.outbox'), icon: <OutboxIcon />, badge: waiting > 0 ? String(waiting) : undefined },
    { path: '/me', title: t('tab.me'), icon: <MeIcon /> },
  ];
  return (
    <div className="app">
      <header className="app-top">
        <SafeArea position="top" />
        <SyncLine />
      </header>
      <main className="app-main" id="main">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <nav className="app-tabs" aria-label={t('app.title')}>
        <TabBar activeKey={active}>
          {tabs.map((tab) => (
            <TabBar.Item
              key={tab.path}
              icon={tab.icon}
              badge={tab.badge}
              title={
                <Link to={tab.path} className="tab-link" aria-current={active === tab.path ? 'page' : undefined}>
                  {tab.title}
                </Link>
              }
            />
          ))}
        </TabBar>
        <SafeArea position="bottom" />
      </nav>
    </div>
  );
}
