// Settings.tsx: the organization's settings (admins). A save sends only what
// changed, with If-Match: when someone saved in between, the conflict dialog
// shows their values beside these and nothing typed is lost.
import { App, Button, Card, Form, Input, InputNumber, Select, Space, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { changedFields, useConflictSave } from '../../lib/conflict';
import { useFormat } from '../../lib/format';
import { QueryState } from '../../lib/QueryState';
import { loadTenantSettings, saveTenantSettings, showTenantSettings, useTenantSettings, type TenantSettings } from './api';
import { ProblemAlert, useRefusal } from '../../lib/forms';

type Values = Pick<TenantSettings, 'name' | 'timezone' | 'default_currency' | 'dormant_after_days' | 'duplicate_threshold'>;
const FIELDS: (keyof Values)[] = ['name', 'timezone', 'default_currency', 'dormant_after_days', 'duplicate_threshold'];

export default function Settings() {
  const settings = useTenantSettings();
  return <QueryState query={settings}>{(s) => <SettingsForm key={s.version} settings={s} />}</QueryState>;
}

function SettingsForm({ settings }: { settings: TenantSettings }) {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const f = useFormat();
  const [form] = Form.useForm<Values>();
  const { refusal, busy, run } = useRefusal(form);
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone').map((z) => ({ value: z, label: z })), []);
  const conflict = useConflictSave<TenantSettings>({
    save: saveTenantSettings,
    reload: loadTenantSettings,
    label: (k) => t(`settings.${String(k)}`),
    onDone: (record, saved) => {
      if (saved) void message.success(t('common:state.saved'));
      else showTenantSettings(record);
    },
  });

  return (
    <Card style={{ maxWidth: 720 }}>
      {refusal && <ProblemAlert {...refusal} />}
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={pick(settings)}
        onFinish={(v) => void run(() => conflict.submit(changedFields<TenantSettings>(settings, v), settings))}
      >
        <Form.Item label={t('settings.slug')} htmlFor="settings-slug">
          <Input id="settings-slug" value={settings.slug} readOnly />
        </Form.Item>
        <Form.Item name="name" label={t('settings.name')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
          <Input />
        </Form.Item>
        <Form.Item name="timezone" label={t('settings.timezone')}>
          <Select showSearch optionFilterProp="label" options={zones} />
        </Form.Item>
        <Form.Item name="default_currency" label={t('settings.default_currency')}>
          <Input maxLength={3} style={{ width: 120 }} />
        </Form.Item>
        <Form.Item name="dormant_after_days" label={t('settings.dormant_after_days')}>
          <InputNumber precision={0} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="duplicate_threshold" label={t('settings.duplicate_threshold')}>
          <InputNumber step={0.05} style={{ width: 160 }} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('common:action.save')}
          </Button>
          <Typography.Text type="secondary">
            {t('settings.version')} {settings.version} · {f.dateTime(settings.updated_at)}
          </Typography.Text>
        </Space>
      </Form>
      {conflict.dialog}
    </Card>
  );
}

function pick(s: TenantSettings): Values {
  const out = {} as Record<keyof Values, unknown>;
  for (const k of FIELDS) out[k] = s[k];
  return out as Values;
}
