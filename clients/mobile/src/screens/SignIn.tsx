// SignIn.tsx: organization, email and password, as in the web app; the
// server's refusal shown above the form. Afterwards the first sync starts.
import { Button, Form, Input, SafeArea } from 'antd-mobile';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Choices } from '../components/Choices';
import { lastTenant, signIn } from '../data';
import { LANGUAGES, type Language } from '../i18n';
import { problemMessage } from '../lib/problem';

interface Values {
  tenant: string;
  email: string;
  password: string;
}

export function SignIn() {
  const { t, i18n } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (v: Values) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(v.tenant.trim(), v.email.trim(), v.password);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const required = [{ required: true, message: t('signIn.required') }];
  return (
    <div className="app sign-in">
      <SafeArea position="top" />
      <main className="sign-in-body">
        <h1 className="sign-in-title">{t('app.title')}</h1>
        <h2 className="sign-in-subtitle">{t('signIn.title')}</h2>
        {error !== null && (
          <p className="problem" role="alert">
            {problemMessage(t, error, i18n.language)}
          </p>
        )}
        <Form
          name="sign-in"
          layout="vertical"
          initialValues={{ tenant: lastTenant(), email: '', password: '' }}
          onFinish={(v: Values) => void submit(v)}
          footer={
            <Button block type="submit" color="primary" size="large" loading={busy}>
              {t('signIn.submit')}
            </Button>
          }
        >
          <Form.Item name="tenant" label={t('signIn.tenant')} rules={required}>
            <Input autoComplete="organization" autoCapitalize="off" />
          </Form.Item>
          <Form.Item name="email" label={t('signIn.email')} rules={required}>
            <Input type="email" autoComplete="username" autoCapitalize="off" />
          </Form.Item>
          <Form.Item name="password" label={t('signIn.password')} rules={required}>
            <Input type="password" autoComplete="current-password" />
          </Form.Item>
        </Form>
        <Choices<Language>
          className="language-switch"
          aria-label={t('me.language')}
          options={LANGUAGES.map((l) => ({ label: t(`language.${l}`), value: l }))}
          value={[i18n.language as Language]}
          onChange={(v) => v[0] && void i18n.changeLanguage(v[0])}
        />
      </main>
    </div>
  );
}
