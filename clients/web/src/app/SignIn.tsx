// SignIn.tsx: organization, email and password; afterwards the page the user
// was on before (or the dashboard).
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { lastTenant, useAuth } from '../lib/auth';
import { LanguageSwitch } from '../lib/LanguageSwitch';
import { problemMessage } from '../lib/problem';

interface Values {
  tenant: string;
  email: string;
  password: string;
}

export function SignIn() {
  const { t } = useTranslation('auth');
  const { signedIn, signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get('next');
  const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
  if (signedIn) return <Navigate to={target} replace />;

  const submit = async (v: Values) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(v.tenant.trim(), v.email.trim(), v.password);
      localStorage.setItem('crm.web.tenant', v.tenant.trim());
      navigate(target, { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#f5f7fa' }}>
      <Card style={{ width: 380 }}>
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
            <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
              {t('title')}
            </Typography.Title>
            <LanguageSwitch size="small" />
          </div>
          {error !== null && <Alert type="error" showIcon title={problemMessage(t, error)} role="alert" />}
          <Form<Values> layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ tenant: lastTenant() }} requiredMark={false}>
            <Form.Item name="tenant" label={t('tenant')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
              <Input autoComplete="organization" />
            </Form.Item>
            <Form.Item name="email" label={t('email')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
              <Input type="email" autoComplete="username" />
            </Form.Item>
            <Form.Item name="password" label={t('password')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t('submit')}
            </Button>
          </Form>
        </Space>
      </Card>
    </main>
  );
}
