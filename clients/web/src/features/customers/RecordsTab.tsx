// RecordsTab.tsx: the customer's contact records as a timeline, newest first,
// and recording a call, visit or email in a few clicks.
import { CalendarOutlined, MailOutlined, MessageOutlined, PhoneOutlined, TeamOutlined, EnvironmentOutlined, EllipsisOutlined } from '@ant-design/icons';
import { App, Button, Card, DatePicker, Empty, Form, Input, Radio, Select, Space, Timeline, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { QueryState } from '../../lib/QueryState';
import { useAddContactRecord, useContactRecords, useContacts, type ContactRecordInput } from './api';
import { ProblemAlert } from '../../lib/forms';
import { useFormAction } from './formAction';
import { RECORD_KINDS } from './labels';

type Kind = Schemas['ContactRecordKind'];

const ICON: Record<Kind, ReactNode> = {
  call: <PhoneOutlined />,
  email: <MailOutlined />,
  im: <MessageOutlined />,
  visit: <EnvironmentOutlined />,
  meeting: <TeamOutlined />,
  other: <EllipsisOutlined />,
};

/** The kinds offered as one-click buttons; the form offers them all. */
const QUICK: Kind[] = ['call', 'visit', 'email'];

interface Values {
  kind: Kind;
  direction: Schemas['ContactDirection'];
  contact_id?: string;
  subject: string;
  summary: string;
  outcome: string;
  next_contact_at: Dayjs | null;
}

export function RecordsTab({ customerId, writes }: { customerId: string; writes: boolean }) {
  const { t } = useTranslation('customers');
  const fmt = useFormat();
  const records = useContactRecords(customerId);
  const contacts = useContacts(customerId);
  const [adding, setAdding] = useState<Kind | null>(null);

  const contactName = (id: string | null) => (id ? contacts.data?.find((c) => c.id === id)?.name : undefined);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {writes && (
        <Space wrap>
          {QUICK.map((k) => (
            <Button key={k} icon={ICON[k]} type={adding === k ? 'primary' : 'default'} onClick={() => setAdding(k)}>
              {t(`records.addKind.${k}`)}
            </Button>
          ))}
        </Space>
      )}
      {adding && <RecordForm key={adding} customerId={customerId} kind={adding} onDone={() => setAdding(null)} />}
      <QueryState query={records}>
        {(list) =>
          list.length === 0 ? (
            <Empty description={t('records.empty')} />
          ) : (
            <Timeline
              items={list.map((r) => {
                const who = r.owner_name;
                const contact = contactName(r.contact_id);
                return {
                  key: r.id,
                  icon: ICON[r.kind],
                  content: (
                    <article aria-label={`${t(`records.kind.${r.kind}`)} ${fmt.dateTime(r.occurred_at)}`}>
                      <Typography.Text strong>
                        {t(`records.kind.${r.kind}`)}
                        {r.subject ? ` · ${r.subject}` : ''}
                      </Typography.Text>{' '}
                      <Typography.Text type="secondary">
                        {fmt.dateTime(r.occurred_at)} · {t(`records.direction.${r.direction}`)}
                        {contact ? ` · ${contact}` : ''}
                        {who ? ` · ${t('records.by', { name: who })}` : ''}
                      </Typography.Text>
                      {r.summary && <Typography.Paragraph style={{ margin: '4px 0 0', whiteSpace: 'pre-wrap' }}>{r.summary}</Typography.Paragraph>}
                      {r.outcome && (
                        <Typography.Paragraph style={{ margin: '4px 0 0' }}>
                          {t('records.outcome', { text: r.outcome })}
                        </Typography.Paragraph>
                      )}
                      {r.next_contact_at && (
                        <Typography.Text type="secondary">
                          <CalendarOutlined /> {t('records.next', { when: fmt.dateTime(r.next_contact_at) })}
                        </Typography.Text>
                      )}
                    </article>
                  ),
                };
              })}
            />
          )
        }
      </QueryState>
    </Space>
  );
}

function RecordForm({ customerId, kind, onDone }: { customerId: string; kind: Kind; onDone: () => void }) {
  const { t } = useTranslation('customers');
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const add = useAddContactRecord(customerId);
  const contacts = useContacts(customerId);
  const { error, onFinish } = useFormAction(form, async (v: Values) => {
    const body: ContactRecordInput = {
      kind: v.kind,
      direction: v.direction,
      contact_id: v.contact_id ?? null,
      subject: v.subject.trim() || null,
      summary: v.summary.trim() || null,
      outcome: v.outcome.trim() || null,
      next_contact_at: v.next_contact_at ? v.next_contact_at.toISOString() : null,
    };
    await add.mutateAsync(body);
    void message.success(t('records.saved'));
    onDone();
  });

  return (
    <Card size="small" title={t(`records.addKind.${kind}`)}>
      {error && <ProblemAlert {...error} />}
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ kind, direction: 'outbound', subject: '', summary: '', outcome: '', next_contact_at: null }}
        onFinish={onFinish}
      >
        <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))', gap: '0 16px' }}>
          <Form.Item name="kind" label={t('records.field.kind')}>
            <Select options={RECORD_KINDS.map((k) => ({ value: k, label: t(`records.kind.${k}`) }))} />
          </Form.Item>
          <Form.Item name="direction" label={t('records.field.direction')}>
            <Radio.Group
              optionType="button"
              options={(['outbound', 'inbound'] as const).map((d) => ({ value: d, label: t(`records.direction.${d}`) }))}
            />
          </Form.Item>
          <Form.Item name="contact_id" label={t('records.field.contact_id')}>
            <Select allowClear options={(contacts.data ?? []).map((c) => ({ value: c.id, label: c.name }))} />
          </Form.Item>
          <Form.Item name="subject" label={t('records.field.subject')}>
            <Input maxLength={200} />
          </Form.Item>
        </div>
        <Form.Item name="summary" label={t('records.field.summary')}>
          <Input.TextArea
            autoFocus
            rows={2}
            maxLength={10000}
            onKeyDown={(e) => {
              // Enter records it, as in any one-line form; Shift+Enter starts a new line.
              if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                form.submit();
              }
            }}
          />
        </Form.Item>
        <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))', gap: '0 16px' }}>
          <Form.Item name="outcome" label={t('records.field.outcome')}>
            <Input maxLength={10000} />
          </Form.Item>
          <Form.Item name="next_contact_at" label={t('records.field.next_contact_at')}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
          </Form.Item>
        </div>
        <Space>
          <Button type="primary" htmlType="submit" loading={add.isPending}>
            {t('common:action.save')}
          </Button>
          <Button onClick={onDone}>{t('common:action.cancel')}</Button>
        </Space>
      </Form>
    </Card>
  );
}
