// ContactsTab.tsx: the customer's contact persons (business cards): call or
// mail them in one click, add, edit, delete.
import { DeleteOutlined, EditOutlined, PlusOutlined, StarFilled } from '@ant-design/icons';
import { App, Button, Checkbox, DatePicker, Form, Input, Popconfirm, Space, Table, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../lib/api';
import { changedFields, useConflictSave } from '../../lib/conflict';
import { useFormat } from '../../lib/format';
import { problemMessage } from '../../lib/problem';
import { QueryState } from '../../lib/QueryState';
import { FormDialog, useFormAction } from './formAction';
import { useContacts, useDeleteContact, useSaveContact, type Contact, type ContactInput } from './api';

/** Read by screen readers, not shown: the title of the actions column. */
const VISUALLY_HIDDEN: React.CSSProperties = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' };

const TEXT = ['title', 'phone', 'mobile', 'email', 'im', 'notes'] as const;

interface Values {
  name: string;
  title: string;
  phone: string;
  mobile: string;
  email: string;
  im: string;
  birthday: Dayjs | null;
  is_primary: boolean;
  notes: string;
}

function toValues(c?: Contact): Values {
  return {
    name: c?.name ?? '',
    title: c?.title ?? '',
    phone: c?.phone ?? '',
    mobile: c?.mobile ?? '',
    email: c?.email ?? '',
    im: c?.im ?? '',
    birthday: c?.birthday ? dayjs(c.birthday) : null,
    is_primary: c?.is_primary ?? false,
    notes: c?.notes ?? '',
  };
}

function toBody(v: Values): ContactInput {
  const body: ContactInput = { name: v.name.trim(), is_primary: v.is_primary, birthday: v.birthday ? v.birthday.format('YYYY-MM-DD') : null };
  for (const f of TEXT) body[f] = (v[f] ?? '').trim() || null;
  return body;
}

export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^+\d]/g, '')}`;
}

export function ContactsTab({ customerId, writes }: { customerId: string; writes: boolean }) {
  const { t } = useTranslation('customers');
  const { message } = App.useApp();
  const fmt = useFormat();
  const query = useContacts(customerId);
  const remove = useDeleteContact(customerId);
  const [editing, setEditing] = useState<Contact | 'new' | null>(null);
  const none = t('common:state.none');

  const phoneLink = (p: string | null) =>
    p ? (
      <a href={telHref(p)} aria-label={t('contacts.call', { phone: p })}>
        {p}
      </a>
    ) : (
      none
    );

  const columns: ColumnsType<Contact> = [
    {
      title: t('contacts.field.name'),
      dataIndex: 'name',
      render: (_: unknown, c) => (
        <Space size={4}>
          {c.name}
          {c.is_primary && (
            <Tooltip title={t('contacts.primary')}>
              <StarFilled style={{ color: '#d48806' }} aria-label={t('contacts.primary')} role="img" />
            </Tooltip>
          )}
        </Space>
      ),
    },
    { title: t('contacts.field.title'), dataIndex: 'title', render: (v: string | null) => v ?? none },
    { title: t('contacts.field.mobile'), dataIndex: 'mobile', render: phoneLink },
    { title: t('contacts.field.phone'), dataIndex: 'phone', render: phoneLink },
    {
      title: t('contacts.field.email'),
      dataIndex: 'email',
      render: (v: string | null) => (v ? <a href={`mailto:${v}`} aria-label={t('contacts.mail', { email: v })}>{v}</a> : none),
    },
    { title: t('contacts.field.im'), dataIndex: 'im', render: (v: string | null) => v ?? none },
    { title: t('contacts.field.birthday'), dataIndex: 'birthday', render: (v: string | null) => fmt.date(v) },
  ];
  if (writes) {
    columns.push({
      title: <span style={VISUALLY_HIDDEN}>{t('common:action.edit')}</span>,
      key: 'actions',
      width: 110,
      render: (_: unknown, c) => (
        <Space size={4}>
          <Button type="text" icon={<EditOutlined />} aria-label={t('contacts.editOne', { name: c.name })} onClick={() => setEditing(c)} />
          <Popconfirm
            title={t('contacts.deleteConfirm', { name: c.name })}
            okText={t('common:action.delete')}
            cancelText={t('common:action.cancel')}
            onConfirm={async () => {
              try {
                await remove.mutateAsync(c);
              } catch (e) {
                void message.error(problemMessage(t, e));
              }
            }}
          >
            <Button type="text" danger icon={<DeleteOutlined />} aria-label={t('contacts.deleteOne', { name: c.name })} />
          </Popconfirm>
        </Space>
      ),
    });
  }

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {writes && (
        <Button icon={<PlusOutlined />} onClick={() => setEditing('new')}>
          {t('contacts.add')}
        </Button>
      )}
      <QueryState query={query}>
        {(contacts) => (
          <Table<Contact> rowKey="id" columns={columns} dataSource={contacts} pagination={false} locale={{ emptyText: t('contacts.empty') }} />
        )}
      </QueryState>
      {editing && (
        <ContactDialog customerId={customerId} contact={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />
      )}
    </Space>
  );
}

function ContactDialog({ customerId, contact, onClose }: { customerId: string; contact?: Contact; onClose: () => void }) {
  const { t } = useTranslation('customers');
  const [form] = Form.useForm<Values>();
  const save = useSaveContact(customerId);
  const [base, setBase] = useState(contact);

  const { submit, dialog } = useConflictSave<Contact>({
    save: (patch, b) => save.mutateAsync({ body: patch as ContactInput, base: b }),
    reload: () => unwrap(api.GET('/v1/contacts/{id}', { params: { path: { id: contact?.id ?? '' } } })),
    label: (f) => t(`contacts.field.${String(f)}`),
    onDone: (record, saved) => {
      if (saved) onClose();
      else {
        setBase(record);
        form.setFieldsValue(toValues(record));
      }
    },
  });

  const { error, onFinish } = useFormAction(form, async (v: Values) => {
    if (!base) {
      await save.mutateAsync({ body: toBody(v) });
      onClose();
      return;
    }
    const patch = changedFields(toBody(toValues(base)), toBody(v));
    if (Object.keys(patch).length) await submit(patch as Partial<Contact>, base);
    else onClose();
  });

  return (
    <FormDialog
      title={contact ? t('contacts.editTitle') : t('contacts.addTitle')}
      okText={t('common:action.save')}
      busy={save.isPending}
      error={error}
      form={form}
      onClose={onClose}
    >
      <Form<Values> form={form} layout="vertical" initialValues={toValues(contact)} onFinish={onFinish}>
        <Form.Item name="name" label={t('contacts.field.name')} rules={[{ required: true, whitespace: true, message: t('common:problem.field.required') }]}>
          <Input maxLength={200} autoFocus />
        </Form.Item>
        <Form.Item name="title" label={t('contacts.field.title')}>
          <Input maxLength={200} />
        </Form.Item>
        <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: '0 16px' }}>
          <Form.Item name="mobile" label={t('contacts.field.mobile')}>
            <Input type="tel" maxLength={50} />
          </Form.Item>
          <Form.Item name="phone" label={t('contacts.field.phone')}>
            <Input type="tel" maxLength={50} />
          </Form.Item>
          <Form.Item name="email" label={t('contacts.field.email')}>
            <Input type="email" maxLength={254} />
          </Form.Item>
          <Form.Item name="im" label={t('contacts.field.im')}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="birthday" label={t('contacts.field.birthday')}>
            <DatePicker style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="is_primary" valuePropName="checked" label={t('contacts.field.is_primary')}>
            <Checkbox>{t('contacts.primary')}</Checkbox>
          </Form.Item>
        </div>
        <Form.Item name="notes" label={t('contacts.field.notes')}>
          <Input.TextArea rows={2} maxLength={10000} />
        </Form.Item>
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
      {dialog}
    </FormDialog>
  );
}
