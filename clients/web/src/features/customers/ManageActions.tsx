// ManageActions.tsx: what managers and admins do to a customer as a whole —
// give it to another owner, merge a duplicate into it, delete it. Hidden
// from everyone else (the server would refuse them anyway).
import { DeleteOutlined, MergeCellsOutlined, SwapOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Popconfirm, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useHasRole } from '../../lib/auth';
import { problemMessage } from '../../lib/problem';
import { FormDialog, useFormAction } from './formAction';
import { useCustomerSearch, useDeleteCustomer, useMergeCustomer, useTransferCustomer, type Customer } from './api';
import { useAllUsers } from '../../lib/directory';

export function ManageActions({ customer }: { customer: Customer }) {
  const { t } = useTranslation('customers');
  const { message } = App.useApp();
  const navigate = useNavigate();
  const manages = useHasRole('admin', 'manager');
  const remove = useDeleteCustomer();
  const [open, setOpen] = useState<'transfer' | 'merge' | null>(null);
  if (!manages) return null;
  return (
    <>
      <Button icon={<SwapOutlined />} onClick={() => setOpen('transfer')}>
        {t('transfer.action')}
      </Button>
      <Button icon={<MergeCellsOutlined />} onClick={() => setOpen('merge')}>
        {t('merge.action')}
      </Button>
      <Popconfirm
        title={t('remove.confirm', { name: customer.name })}
        okText={t('common:action.delete')}
        okButtonProps={{ danger: true }}
        cancelText={t('common:action.cancel')}
        onConfirm={async () => {
          try {
            await remove.mutateAsync(customer);
            void message.success(t('remove.done'));
            navigate('/customers');
          } catch (e) {
            void message.error(problemMessage(t, e));
          }
        }}
      >
        <Button danger icon={<DeleteOutlined />}>
          {t('remove.action')}
        </Button>
      </Popconfirm>
      {open === 'transfer' && <TransferDialog customer={customer} onClose={() => setOpen(null)} />}
      {open === 'merge' && <MergeDialog customer={customer} onClose={() => setOpen(null)} />}
    </>
  );
}

function TransferDialog({ customer, onClose }: { customer: Customer; onClose: () => void }) {
  const { t } = useTranslation('customers');
  const { message } = App.useApp();
  const [form] = Form.useForm<{ owner_id: string }>();
  const users = useAllUsers();
  const transfer = useTransferCustomer(customer.id);
  const { error, onFinish } = useFormAction(form, async ({ owner_id }: { owner_id: string }) => {
    await transfer.mutateAsync(owner_id);
    void message.success(t('transfer.done', { name: users.data?.find((u) => u.id === owner_id)?.name ?? '' }));
    onClose();
  });

  return (
    <FormDialog title={t('transfer.title')} okText={t('common:action.confirm')} busy={transfer.isPending} error={error} form={form} onClose={onClose}>
      <Form form={form} layout="vertical" onFinish={onFinish}>
        <Form.Item name="owner_id" label={t('transfer.owner')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            loading={users.isPending}
            options={(users.data ?? [])
              .filter((u) => u.active && u.id !== customer.owner_id)
              .map((u) => ({ value: u.id, label: u.name }))}
          />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}

function MergeDialog({ customer, onClose }: { customer: Customer; onClose: () => void }) {
  const { t } = useTranslation('customers');
  const { message } = App.useApp();
  const [form] = Form.useForm<{ duplicate_id: string }>();
  const [q, setQ] = useState('');
  const search = useCustomerSearch(q);
  const merge = useMergeCustomer(customer.id);
  const { error, onFinish } = useFormAction(form, async ({ duplicate_id }: { duplicate_id: string }) => {
    await merge.mutateAsync(duplicate_id);
    void message.success(t('merge.done'));
    onClose();
  });

  return (
    <FormDialog title={t('merge.title')} okText={t('merge.confirm')} danger busy={merge.isPending} error={error} form={form} onClose={onClose}>
      <Alert type="warning" showIcon title={t('merge.warning', { name: customer.name })} style={{ marginBottom: 16 }} />
      <Form form={form} layout="vertical" onFinish={onFinish}>
        <Form.Item name="duplicate_id" label={t('merge.duplicate')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
          <Select
            showSearch={{ filterOption: false, onSearch: setQ }}
            placeholder={t('merge.searchPlaceholder')}
            loading={search.isFetching}
            notFoundContent={null}
            options={(search.data?.data ?? []).filter((c) => c.id !== customer.id).map((c) => ({ value: c.id, label: c.name }))}
          />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}
