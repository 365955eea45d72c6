// CustomerForm.tsx: /customers/new and /customers/{id}/edit. A new customer
// passes the duplicate guard (or the user confirms past it); an edit sends
// only what changed, with If-Match, and a stale one keeps the user's typing.
import { Alert, App, Button, Card, Form, Input, InputNumber, Radio, Select, Space, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { ApiError, type FieldError } from '@crm/shared';
import { useHasRole, useMe } from '../../lib/auth';
import { changedFields, useConflictSave } from '../../lib/conflict';
import { fieldMessage, problemMessage, showFieldErrors } from '../../lib/problem';
import { QueryState } from '../../lib/QueryState';
import { fetchCustomer, saveCustomer, useCreateCustomer, useCustomer, useDuplicateCandidates, type Customer, type CustomerPatch } from './api';
import { useAllUsers } from '../../lib/directory';
import { useDebounced } from './debounce';
import { DuplicatePrompt } from './DuplicatePrompt';
import { emptyValues, fieldsOf, toFields, toInput, toValues, type CustomerFormValues } from './fields';
import { CATEGORIES, KINDS, STATUSES, useCategoryLabel } from './labels';

export function NewCustomer() {
  const { t } = useTranslation('customers');
  const { message } = App.useApp();
  const navigate = useNavigate();
  const me = useMe();
  const create = useCreateCustomer();
  const [form] = Form.useForm<CustomerFormValues>();
  const [problem, setProblem] = useState<{ error: unknown; rest: FieldError[] } | null>(null);
  const [duplicates, setDuplicates] = useState<ApiError | null>(null);
  const typedName = useDebounced(String(Form.useWatch('name', form) ?? ''), 500);
  const similar = useDuplicateCandidates(typedName).data?.candidates ?? [];
  const nameHint = similar.length ? (
    <span role="status">
      {t('duplicate.hint', { names: similar.slice(0, 3).map((c) => t('duplicate.candidate', { name: c.name, owner: c.owner_name })).join('、') })}
    </span>
  ) : undefined;

  const send = async (confirmDuplicate: boolean) => {
    setProblem(null);
    try {
      const c = await create.mutateAsync({ body: toInput(form.getFieldsValue(true) as CustomerFormValues), confirmDuplicate });
      setDuplicates(null);
      void message.success(t('created'));
      navigate(`/customers/${c.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.kind === 'duplicate') {
        setDuplicates(e);
        return;
      }
      setDuplicates(null);
      setProblem({ error: e, rest: showFieldErrors(t, form, e) });
    }
  };

  if (!me.data) return null;
  return (
    <FormFrame title={t('newTitle')}>
      <CustomerFields
        form={form}
        initial={emptyValues(me.data.user.id)}
        problem={problem}
        busy={create.isPending}
        onSubmit={() => void send(false)}
        creating
        nameHint={nameHint}
      />
      {duplicates && (
        <DuplicatePrompt
          name={String(form.getFieldValue('name') ?? '')}
          candidates={duplicates.candidates}
          busy={create.isPending}
          onCreateAnyway={() => void send(true)}
          onCancel={() => setDuplicates(null)}
        />
      )}
    </FormFrame>
  );
}

export function EditCustomer() {
  const { id = '' } = useParams();
  const query = useCustomer(id);
  return <QueryState query={query}>{(c) => <EditLoaded customer={c} />}</QueryState>;
}

function EditLoaded({ customer }: { customer: Customer }) {
  const { t } = useTranslation('customers');
  const { message } = App.useApp();
  const navigate = useNavigate();
  const categoryLabel = useCategoryLabel();
  const [form] = Form.useForm<CustomerFormValues>();
  // The version the user started from; a refetch in the background must not move it.
  const [base, setBase] = useState(customer);
  const [problem, setProblem] = useState<{ error: unknown; rest: FieldError[] } | null>(null);
  const [busy, setBusy] = useState(false);

  const { submit, dialog } = useConflictSave<Customer>({
    save: (patch, b) => saveCustomer(patch as CustomerPatch, b),
    reload: () => fetchCustomer(customer.id),
    label: (f) => t(`field.${String(f)}`),
    show: (f, v) => {
      if (v === null || v === undefined || v === '') return t('common:state.none');
      if (f === 'status') return t(`status.${String(v)}`);
      if (f === 'kind') return t(`kind.${String(v)}`);
      if (f === 'category') return categoryLabel(v as Customer['category']);
      if (Array.isArray(v)) return v.join('、');
      return String(v);
    },
    onDone: (record, saved) => {
      if (saved) {
        void message.success(t('saved'));
        navigate(`/customers/${record.id}`);
      } else {
        // Discarded: the form shows the server's record, the next save starts from it.
        setBase(record);
        form.setFieldsValue(toValues(record));
      }
    },
  });

  const save = async () => {
    setProblem(null);
    const patch = changedFields(fieldsOf(base), toFields(form.getFieldsValue(true) as CustomerFormValues));
    if (Object.keys(patch).length === 0) {
      navigate(`/customers/${base.id}`);
      return;
    }
    setBusy(true);
    try {
      await submit(patch as Partial<Customer>, base);
    } catch (e) {
      setProblem({ error: e, rest: showFieldErrors(t, form, e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormFrame title={t('editTitle')}>
      <CustomerFields form={form} initial={toValues(customer)} problem={problem} busy={busy} onSubmit={() => void save()} />
      {dialog}
    </FormFrame>
  );
}

function FormFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%', maxWidth: 960 }}>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {title}
      </Typography.Title>
      <Card>{children}</Card>
    </Space>
  );
}

interface FieldsProps {
  form: ReturnType<typeof Form.useForm<CustomerFormValues>>[0];
  initial: CustomerFormValues;
  problem: { error: unknown; rest: FieldError[] } | null;
  busy: boolean;
  onSubmit: () => void;
  creating?: boolean;
  /** Shown under the name (customers it looks like). */
  nameHint?: ReactNode;
}

function CustomerFields({ form, initial, problem, busy, onSubmit, creating, nameHint }: FieldsProps) {
  const { t } = useTranslation('customers');
  const navigate = useNavigate();
  const assigns = useHasRole('admin', 'manager');
  const users = useAllUsers();
  const required = [{ required: true, whitespace: true, message: t('common:problem.field.required') }];
  const half = { style: { marginBottom: 16 } };

  return (
    <Form<CustomerFormValues> form={form} layout="vertical" initialValues={initial} onFinish={onSubmit} scrollToFirstError>
      {problem && (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 16 }}
          title={problemMessage(t, problem.error)}
          description={problem.rest.length ? problem.rest.map((e) => <div key={e.field + e.code}>{fieldMessage(t, e)}</div>) : undefined}
        />
      )}
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(280px, 1fr))', gap: '0 24px' }}>
        <Form.Item name="name" label={t('field.name')} rules={required} extra={nameHint} style={{ gridColumn: '1 / -1', marginBottom: 16 }}>
          <Input maxLength={300} autoFocus />
        </Form.Item>
        <Form.Item name="kind" label={t('field.kind')} {...half}>
          <Radio.Group optionType="button" options={KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))} />
        </Form.Item>
        <Form.Item name="status" label={t('field.status')} {...half}>
          <Select options={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} />
        </Form.Item>
        <Form.Item name="category" label={t('field.category')} {...half}>
          <Select options={[{ value: '', label: t('category.none') }, ...CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}`) }))]} />
        </Form.Item>
        {creating && assigns && (
          <Form.Item name="owner_id" label={t('field.owner_id')} {...half}>
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              loading={users.isPending}
              options={(users.data ?? []).filter((u) => u.active).map((u) => ({ value: u.id, label: u.name }))}
            />
          </Form.Item>
        )}
        <Form.Item name="phone" label={t('field.phone')} {...half}>
          <Input type="tel" maxLength={50} autoComplete="off" />
        </Form.Item>
        <Form.Item name="email" label={t('field.email')} {...half}>
          <Input type="email" maxLength={254} autoComplete="off" />
        </Form.Item>
        <Form.Item name="region" label={t('field.region')} {...half}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="industry" label={t('field.industry')} {...half}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="source" label={t('field.source')} {...half}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="website" label={t('field.website')} {...half}>
          <Input maxLength={500} />
        </Form.Item>
        <Form.Item name="credit_limit" label={t('field.credit_limit')} {...half}>
          <Input inputMode="decimal" maxLength={20} />
        </Form.Item>
        <Form.Item name="payment_terms_days" label={t('field.payment_terms_days')} {...half}>
          <InputNumber min={0} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="tags" label={t('field.tags')} {...half} style={{ gridColumn: '1 / -1', marginBottom: 16 }}>
          <Select mode="tags" placeholder={t('tagsPlaceholder')} tokenSeparators={[',', '，']} open={false} suffixIcon={null} />
        </Form.Item>
        <Form.Item name="address" label={t('field.address')} {...half} style={{ gridColumn: '1 / -1', marginBottom: 16 }}>
          <Input maxLength={500} />
        </Form.Item>
        <Form.Item name="notes" label={t('field.notes')} {...half} style={{ gridColumn: '1 / -1', marginBottom: 16 }}>
          <Input.TextArea rows={3} maxLength={10000} />
        </Form.Item>
      </div>
      <Space>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('common:action.save')}
        </Button>
        <Button onClick={() => navigate(-1)}>{t('common:action.cancel')}</Button>
      </Space>
    </Form>
  );
}
