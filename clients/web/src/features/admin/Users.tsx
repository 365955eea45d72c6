// Users.tsx: the organization's users — filter, add one (the server's
// password rules answer next to the password field), change role, team and
// status, deactivate. Managers see the list; only admins change it.
import { Alert, App, Badge, Button, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { useHasRole } from '../../lib/auth';
import { changedFields, useConflictSave } from '../../lib/conflict';
import { problemMessage } from '../../lib/problem';
import { QueryState } from '../../lib/QueryState';
import { useAllTeams } from '../../lib/directory';
import { loadUser, ROLES, saveUser, useCreateUser, useDeactivateUser, useUserList, type Role, type Team, type User, type UserFilter } from './api';
import { FormButtons, ProblemAlert, useRefusal } from '../../lib/forms';

export default function Users() {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const admin = useHasRole('admin');
  const [params, setParams] = useSearchParams();
  const filter: UserFilter = {
    role: (ROLES as string[]).includes(params.get('role') ?? '') ? (params.get('role') as Role) : undefined,
    team_id: params.get('team') ?? undefined,
    active: params.get('active') === 'true' ? true : params.get('active') === 'false' ? false : undefined,
  };
  const list = useUserList(filter);
  const teams = useAllTeams();
  const deactivate = useDeactivateUser();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const teamName = (id: string | null) => (id ? (teams.data?.find((x) => x.id === id)?.name ?? '—') : t('users.noTeam'));

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const all = { value: '', label: t('common:state.all') };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {!admin && <Alert type="info" showIcon title={t('users.readOnly')} />}
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 12, justifyContent: 'space-between' }}>
        <Form layout="inline" style={{ rowGap: 8 }}>
          <Form.Item label={t('users.filterRole')} htmlFor="users-role">
            <Select id="users-role" style={{ width: 120 }} value={filter.role ?? ''} onChange={(v: string) => setFilter('role', v)}
              options={[all, ...ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))]} />
          </Form.Item>
          <Form.Item label={t('users.filterTeam')} htmlFor="users-team">
            <Select id="users-team" style={{ width: 160 }} value={filter.team_id ?? ''} onChange={(v: string) => setFilter('team', v)}
              options={[all, ...(teams.data ?? []).map((x) => ({ value: x.id, label: x.name }))]} />
          </Form.Item>
          <Form.Item label={t('users.filterActive')} htmlFor="users-active">
            <Select id="users-active" style={{ width: 120 }} value={params.get('active') ?? ''} onChange={(v: string) => setFilter('active', v)}
              options={[all, { value: 'true', label: t('users.isActive') }, { value: 'false', label: t('users.inactive') }]} />
          </Form.Item>
        </Form>
        {admin && (
          <Button type="primary" onClick={() => setAdding(true)}>
            {t('users.add')}
          </Button>
        )}
      </div>
      <QueryState query={{ ...list, data: list.isPending ? undefined : list.rows }}>
        {(rows) => (
          <>
            <Table<User>
              rowKey="id"
              size="middle"
              dataSource={rows}
              pagination={false}
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: t('users.empty') }}
              columns={[
                { key: 'name', title: t('users.name'), dataIndex: 'name' },
                { key: 'email', title: t('users.email'), dataIndex: 'email' },
                { key: 'role', title: t('users.role'), render: (_, u) => t(`role.${u.role}`) },
                { key: 'team', title: t('users.team'), render: (_, u) => teamName(u.team_id) },
                {
                  key: 'active',
                  title: t('users.active'),
                  render: (_, u) => <Badge status={u.active ? 'success' : 'default'} text={t(u.active ? 'users.isActive' : 'users.inactive')} />,
                },
                ...(admin
                  ? [
                      {
                        key: 'actions',
                        title: t('users.actions'),
                        render: (_: unknown, u: User) => (
                          <Space>
                            <Button size="small" onClick={() => setEditing(u)} aria-label={`${t('common:action.edit')} ${u.name}`}>
                              {t('common:action.edit')}
                            </Button>
                            {u.active && (
                              <Popconfirm
                                title={t('users.deactivateConfirm', { name: u.name })}
                                okText={t('users.deactivate')}
                                okButtonProps={{ danger: true }}
                                cancelText={t('common:action.cancel')}
                                onConfirm={async () => {
                                  try {
                                    await deactivate.mutateAsync(u);
                                    void message.success(t('users.deactivated', { name: u.name }));
                                  } catch (e) {
                                    void message.error(problemMessage(t, e));
                                  }
                                }}
                              >
                                <Button size="small" aria-label={`${t('users.deactivate')} ${u.name}`}>
                                  {t('users.deactivate')}
                                </Button>
                              </Popconfirm>
                            )}
                          </Space>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
            {list.hasMore && (
              <Button onClick={list.loadMore} loading={list.loadingMore}>
                {t('common:action.loadMore')}
              </Button>
            )}
          </>
        )}
      </QueryState>
      {adding && <AddUser teams={teams.data ?? []} onClose={() => setAdding(false)} />}
      {editing && <EditUser user={editing} teams={teams.data ?? []} onClose={() => setEditing(null)} />}
    </Space>
  );
}

interface NewUser {
  name: string;
  email: string;
  role: Role;
  team_id?: string;
  password: string;
}

function teamOptions(teams: Team[], none: string) {
  return [{ value: '', label: none }, ...teams.map((x) => ({ value: x.id, label: x.name }))];
}

function AddUser({ teams, onClose }: { teams: Team[]; onClose: () => void }) {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const [form] = Form.useForm<NewUser>();
  const create = useCreateUser();
  const { refusal, busy, run } = useRefusal(form);
  const required = [{ required: true, message: t('common:problem.field.required') }];

  const submit = async (v: NewUser) => {
    const ok = await run(() => create.mutateAsync({ ...v, team_id: v.team_id || null, active: true }));
    if (ok) {
      void message.success(t('users.created', { name: v.name }));
      onClose();
    }
  };

  return (
    <Modal open title={t('users.add')} onCancel={onClose} footer={null} destroyOnHidden>
      {refusal && <ProblemAlert {...refusal} />}
      <Form<NewUser> form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ role: 'sales', team_id: '' }}>
        <Form.Item name="name" label={t('users.name')} rules={required}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="email" label={t('users.email')} rules={required}>
          <Input type="email" autoComplete="off" />
        </Form.Item>
        <Form.Item name="role" label={t('users.role')} rules={required}>
          <Select options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        </Form.Item>
        <Form.Item name="team_id" label={t('users.team')}>
          <Select options={teamOptions(teams, t('users.noTeam'))} />
        </Form.Item>
        <Form.Item name="password" label={t('users.password')} rules={required}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <FormButtons busy={busy} onCancel={onClose} />
      </Form>
    </Modal>
  );
}

type UserEdit = Pick<User, 'name' | 'role' | 'team_id' | 'active'>;

function EditUser({ user, teams, onClose }: { user: User; teams: Team[]; onClose: () => void }) {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const [form] = Form.useForm<UserEdit & { team_id: string }>();
  const [base, setBase] = useState(user);
  const { refusal, busy, run } = useRefusal(form);
  const labels: Partial<Record<keyof User, string>> = { name: t('users.name'), role: t('users.role'), team_id: t('users.team'), active: t('users.active') };
  const conflict = useConflictSave<User>({
    save: (patch, b) => saveUser(patch, b),
    reload: () => loadUser(user.id),
    label: (f) => labels[f] ?? String(f),
    show: (f, v) => (f === 'role' ? t(`role.${String(v)}`) : f === 'team_id' ? (teams.find((x) => x.id === v)?.name ?? t('users.noTeam')) : f === 'active' ? t(v ? 'users.isActive' : 'users.inactive') : String(v ?? '—')),
    onDone: (record, saved) => {
      setBase(record);
      if (saved) {
        void message.success(t('common:state.saved'));
        onClose();
      } else {
        form.setFieldsValue({ ...record, team_id: record.team_id ?? '' });
      }
    },
  });

  const submit = (v: UserEdit & { team_id: string }) =>
    void run(() => conflict.submit(changedFields<User>(base, { ...v, team_id: v.team_id || null }), base));

  return (
    <Modal open title={t('users.editTitle', { name: user.name })} onCancel={onClose} footer={null} destroyOnHidden>
      {refusal && <ProblemAlert {...refusal} />}
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ ...user, team_id: user.team_id ?? '' }}>
        <Form.Item name="name" label={t('users.name')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item name="role" label={t('users.role')}>
          <Select options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        </Form.Item>
        <Form.Item name="team_id" label={t('users.team')}>
          <Select options={teamOptions(teams, t('users.noTeam'))} />
        </Form.Item>
        <Form.Item name="active" label={t('users.activeSwitch')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <FormButtons busy={busy} onCancel={onClose} />
      </Form>
      {conflict.dialog}
    </Modal>
  );
}
