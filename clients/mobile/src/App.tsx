// App.tsx: Ant Design Mobile in the user's language, the router under /m,
// and the screens: sign-in until there is a session, then the tabs. The
// screens past the first are loaded apart and fetched as soon as the app
// runs, so every one of them opens later with no network.
import { ConfigProvider, reduceMotion } from 'antd-mobile';
import enUS from 'antd-mobile/es/locales/en-US';
import zhCN from 'antd-mobile/es/locales/zh-CN';
import { lazy, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { useSignedIn } from './data';
import { Shell } from './components/Shell';
import { Agenda } from './screens/Agenda';
import { SignIn } from './screens/SignIn';

const screens = {
  Search: () => import('./screens/Search').then((m) => ({ default: m.Search })),
  CustomerPage: () => import('./screens/CustomerPage').then((m) => ({ default: m.CustomerPage })),
  CustomerForm: () => import('./screens/CustomerForm').then((m) => ({ default: m.CustomerForm })),
  ContactForm: () => import('./screens/ContactForm').then((m) => ({ default: m.ContactForm })),
  RecordContact: () => import('./screens/RecordContact').then((m) => ({ default: m.RecordContact })),
  Outbox: () => import('./screens/Outbox').then((m) => ({ default: m.Outbox })),
  Me: () => import('./screens/Me').then((m) => ({ default: m.Me })),
};
const Search = lazy(screens.Search);
const CustomerPage = lazy(screens.CustomerPage);
const CustomerForm = lazy(screens.CustomerForm);
const ContactForm = lazy(screens.ContactForm);
const RecordContact = lazy(screens.RecordContact);
const Outbox = lazy(screens.Outbox);
const Me = lazy(screens.Me);

// No animations for those who asked their system for less motion.
if (window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) reduceMotion();

export function App() {
  const { t, i18n } = useTranslation();
  const signedIn = useSignedIn();
  useEffect(() => {
    document.title = t('app.title');
  }, [t, i18n.language]);
  useEffect(() => {
    if (signedIn) for (const load of Object.values(screens)) void load().catch(() => undefined);
  }, [signedIn]);
  return (
    <ConfigProvider locale={i18n.language === 'en-US' ? enUS : zhCN}>
      <BrowserRouter basename="/m">
        {signedIn ? (
          <Routes>
            <Route element={<Shell />}>
              <Route index element={<Agenda />} />
              <Route path="customers" element={<Search />} />
              <Route path="customers/new" element={<CustomerForm />} />
              <Route path="customers/:id" element={<CustomerPage />} />
              <Route path="customers/:id/edit" element={<CustomerForm />} />
              <Route path="customers/:id/record" element={<RecordContact />} />
              <Route path="customers/:id/contacts/new" element={<ContactForm />} />
              <Route path="contacts/:contactId/edit" element={<ContactForm />} />
              <Route path="outbox" element={<Outbox />} />
              <Route path="me" element={<Me />} />
              <Route path="*" element={<Navigate to="/" replace />} />
            </Route>
          </Routes>
        ) : (
          <SignIn />
        )}
      </BrowserRouter>
    </ConfigProvider>
  );
}
