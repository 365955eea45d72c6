// App.tsx: the providers every screen relies on — server state (TanStack
// Query), the session, Ant Design in the user's language — and the router.
import { QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { RouterProvider } from 'react-router-dom';
import { queryClient } from '../lib/api';
import { AuthProvider } from '../lib/auth';
import { router } from './router';

// Links, placeholders, secondary text and a hovered primary button dark enough
// to read (WCAG AA contrast); antd's defaults are lighter.
const THEME = {
  token: {
    colorPrimary: '#1458d6',
    colorPrimaryHover: '#0f47b0',
    colorPrimaryActive: '#0b3a91',
    colorLink: '#1458d6',
    colorLinkHover: '#0f47b0',
    colorError: '#cf1322',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
    // No animations for those who asked their system for less motion.
    motion: !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches,
  },
};

export function App() {
  const { i18n } = useTranslation();
  const zh = i18n.language === 'zh-CN';
  useEffect(() => {
    dayjs.locale(zh ? 'zh-cn' : 'en');
  }, [zh]);
  return (
    <ConfigProvider locale={zh ? zhCN : enUS} theme={THEME} button={{ autoInsertSpace: false }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <AuthProvider>
            <RouterProvider router={router} />
          </AuthProvider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
