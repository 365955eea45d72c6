// Teams.tsx: the teams, their leaders and members. Admins create a team,
// name its leader (an active manager) and move people in and out of it (a
// member is a user whose team is this one); managers see them.
import { App, Alert, Button, Empty, Form, Input, List, Modal, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useHasRole } from '../../lib/auth';
import { changedFields, useConflictSave } from '../../lib/conflict';
import { problemMessage } from '../../lib/problem';
import { QueryState } from '../../lib/QueryState';
import { useAllTeams, useAllUsers } from '../../lib/directory';
import { loadTeam, saveTeam, saveUser, useCreateTeam, type Team, type User } from './api';
import { FormButtons, ProblemAlert, useRefusal } from '../../lib/forms';

export default function Teams() {
  const { t } = useTranslation('admin');
  const admin = useHasRole('admin');
  const teams = useAllTeams();
  const users = useAllUsers();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Team | null>(null);
  const people = users.data ?? [];
  const name = (id: string | null) => (id ? (people.find((u) => u.id === id)?.name ?? '—') : t('teams.noLeader'));

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {!admin && <Alert type="info" showIcon title={t('teams.readOnly')} />}
      {admin && (
        <div>
          <Button type="primary" onClick={() => setAdding(true)}>
            {t('teams.add')}
          </Button>
        </div>
      )}
      <QueryState query={teams}>
        {(rows) => (
          <Table<Team>
            rowKey="id"
            dataSource={rows}
            pagination={false}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('teams.empty')} /> }}
            columns={[
              { key: 'name', title: t('teams.name'), dataIndex: 'name' },
              { key: 'leader', title: t('teams.leader'), render: (_, x) => name(x.leader_id) },
              {
                key: 'members',
                title: t('teams.members'),
                render: (_, x) => {
                  const members = people.filter((u) => u.team_id === x.id);
                  return members.length ? members.map((u) => <Tag key={u.id}>{u.name}</Tag>) : t('teams.noMembers');
                },
              },
              ...(admin
                ? [
                    {
                      key: 'actions',
                      title: t('users.actions'),
                      render: (_: unknown, x: Team) => (
                        <Button size="small" onClick={() => setEditing(x)} aria-label={`${t('common:action.edit')} ${x.name}`}>
                          {t('common:action.edit')}
                        </Button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </QueryState>
      {adding && <AddTeam people={people} onClose={() => setAdding(false)} />}
      {editing && <EditTeam team={editing} people={people} onClose={() => setEditing(null)} />}
    </Space>
  );
}

/** The users who may lead a team: active managers. */
function leaderOptions(people: User[], none: string) {
  return [{ value: '', label: none }, ...people.filter((u) => u.active && u.role === 'manager').map((u) => ({ value: u.id, label: u.name }))];
}

interface TeamValues {
  name: string;
  leader_id: string;
}

function AddTeam({ people, onClose }: { people: User[]; onClose: () => void }) {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const [form] = Form.useForm<TeamValues>();
  const create = useCreateTeam();
  const { refusal, busy, run } = useRefusal(form);
  const submit = async (v: TeamValues) => {
    if (await run(() => create.mutateAsync({ name: v.name, leader_id: v.leader_id || null }))) {
      void message.success(t('teams.created', { name: v.name }));
      onClose();
    }
  };
  return (
    <Modal open title={t('teams.add')} onCancel={onClose} footer={null} destroyOnHidden>
      {refusal && <ProblemAlert {...refusal} />}
      <TeamForm form={form} people={people} initial={{ name: '', leader_id: '' }} onFinish={(v) => void submit(v)} busy={busy} onCancel={onClose} />
    </Modal>
  );
}

function TeamForm(props: {
  form: ReturnType<typeof Form.useForm<TeamValues>>[0];
  people: User[];
  initial: TeamValues;
  onFinish: (v: TeamValues) => void;
  busy: boolean;
  onCancel: () => void;
}) {
  const { t } = useTranslation('admin');
  return (
    <Form<TeamValues> form={props.form} layout="vertical" onFinish={props.onFinish} initialValues={props.initial}>
      <Form.Item name="name" label={t('teams.name')} rules={[{ required: true, message: t('common:problem.field.required') }]}>
        <Input autoFocus />
      </Form.Item>
      <Form.Item name="leader_id" label={t('teams.leader')} extra={t('teams.leaderHint')}>
        <Select options={leaderOptions(props.people, t('teams.noLeader'))} />
      </Form.Item>
      <FormButtons busy={props.busy} onCancel={props.onCancel} />
    </Form>
  );
}

function EditTeam({ team, people, onClose }: { team: Team; people: User[]; onClose: () => void }) {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const [form] = Form.useForm<TeamValues>();
  const [base, setBase] = useState(team);
  const { refusal, busy, run } = useRefusal(form);
  const [adding, setAdding] = useState<string | undefined>(undefined);
  const labels: Partial<Record<keyof Team, string>> = { name: t('teams.name'), leader_id: t('teams.leader') };
  const conflict = useConflictSave<Team>({
    save: saveTeam,
    reload: () => loadTeam(team.id),
    label: (f) => labels[f] ?? String(f),
    show: (f, v) => (f === 'leader_id' ? (people.find((u) => u.id === v)?.name ?? t('teams.noLeader')) : String(v ?? '—')),
    onDone: (record, saved) => {
      setBase(record);
      if (saved) {
        void message.success(t('common:state.saved'));
        onClose();
      } else form.setFieldsValue({ name: record.name, leader_id: record.leader_id ?? '' });
    },
  });
  const members = people.filter((u) => u.team_id === team.id);
  const others = people.filter((u) => u.active && u.team_id !== team.id);

  const move = async (u: User, teamId: string | null) => {
    try {
      await saveUser({ team_id: teamId }, u);
    } catch (e) {
      void message.error(problemMessage(t, e));
    }
  };

  return (
    <Modal open title={t('teams.editTitle', { name: team.name })} onCancel={onClose} footer={null} destroyOnHidden>
      {refusal && <ProblemAlert {...refusal} />}
      <TeamForm
        form={form}
        people={people}
        initial={{ name: team.name, leader_id: team.leader_id ?? '' }}
        onFinish={(v) => void run(() => conflict.submit(changedFields<Team>(base, { name: v.name, leader_id: v.leader_id || null }), base))}
        busy={busy}
        onCancel={onClose}
      />
      {conflict.dialog}
      <h3 style={{ marginTop: 24 }}>{t('teams.members')}</h3>
      <List
        size="small"
        locale={{ emptyText: t('teams.noMembers') }}
        dataSource={members}
        renderItem={(u) => (
          <List.Item
            actions={[
              <Button key="remove" size="small" onClick={() => void move(u, null)} aria-label={t('teams.removeMember', { name: u.name })}>
                {t('common:action.delete')}
              </Button>,
            ]}
          >
            {u.name}（{t(`role.${u.role}`)}）
          </List.Item>
        )}
      />
      <Form layout="inline" style={{ marginTop: 12 }} onFinish={() => {
        const u = others.find((x) => x.id === adding);
        if (u) void move(u, team.id).then(() => setAdding(undefined));
      }}>
        <Form.Item label={t('teams.addMember')} htmlFor="team-add-member">
          <Select id="team-add-member" style={{ width: 200 }} showSearch optionFilterProp="label" value={adding} onChange={setAdding}
            options={others.map((u) => ({ value: u.id, label: u.name }))} />
        </Form.Item>
        <Button htmlType="submit" disabled={!adding}>
          {t('teams.addMember')}
        </Button>
      </Form>
    </Modal>
  );
}
