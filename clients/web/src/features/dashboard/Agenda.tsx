// Agenda.tsx: what the user (or, for a manager or admin, the person they
// pick) should act on today, by kind, each item linking to its customer.
import { Col, Empty, Form, List, Row, Select, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { useMe } from '../../lib/auth';
import { useFormat } from '../../lib/format';
import { QueryState } from '../../lib/QueryState';
import { useAllTeams, useAllUsers } from '../../lib/directory';
import { useAgenda, type AgendaItem, type AgendaKind } from './api';
import { Panel } from './Panel';

const KINDS: AgendaKind[] = ['overdue', 'follow_up_today', 'follow_up_tomorrow', 'birthday', 'delivery_due', 'payment_due', 'dormant'];

export function Agenda() {
  const { t } = useTranslation('dashboard');
  const f = useFormat();
  const me = useMe().data;
  // Whose agenda is in the URL (`/?agenda=<user id>`), so it can be bookmarked.
  const [params, setParams] = useSearchParams();
  const userId = params.get('agenda') ?? undefined;
  const agenda = useAgenda(userId);
  const others = usePeopleIMayFollow().filter((p) => p.id !== me?.user.id);
  const setUserId = (id: string | undefined) => setParams(id ? { agenda: id } : {}, { replace: true });

  return (
    <Panel
      title={t('agenda.title')}
      extra={
        others.length > 0 && (
          <Form.Item label={t('agenda.whose')} htmlFor="agenda-whose" style={{ margin: 0 }}>
            <Select
              id="agenda-whose"
              style={{ minWidth: 180 }}
              value={userId ?? ''}
              onChange={(v: string) => setUserId(v || undefined)}
              options={[{ value: '', label: t('agenda.me') }, ...others.map((p) => ({ value: p.id, label: p.name }))]}
            />
          </Form.Item>
        )
      }
    >
      <QueryState query={agenda}>
        {(a) => (
          <>
            <Typography.Paragraph type="secondary">{t('agenda.of', { date: f.date(a.date), timezone: a.timezone })}</Typography.Paragraph>
            {a.items.length === 0 ? (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description={
                  <>
                    <Typography.Text strong>{t('agenda.empty')}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary">{t('agenda.emptyBody')}</Typography.Text>
                  </>
                }
              />
            ) : (
              <Row gutter={[16, 16]}>
                {KINDS.map((kind) => (
                  <Col key={kind} xs={24} md={12} xxl={8}>
                    <Section kind={kind} items={a.items.filter((i) => i.kind === kind)} timezone={a.timezone} />
                  </Col>
                ))}
              </Row>
            )}
          </>
        )}
      </QueryState>
    </Panel>
  );
}

function Section({ kind, items, timezone }: { kind: AgendaKind; items: AgendaItem[]; timezone: string }) {
  const { t, i18n } = useTranslation('dashboard');
  const f = useFormat();
  // A birthday is a date; a delivery is due on a day of the organization; the rest are moments.
  const when = (item: AgendaItem) =>
    kind === 'birthday' ? f.date(item.due) : kind === 'delivery_due' || kind === 'payment_due' ? f.dayOf(item.due, timezone) : f.dateTime(item.due);
  const headingId = `agenda-${kind}`;
  return (
    <section aria-labelledby={headingId}>
      <Typography.Title level={3} id={headingId} style={{ fontSize: 15, marginTop: 0 }}>
        {t(`agenda.kind.${kind}`)} <Tag color={items.length && (kind === 'overdue' || kind === 'delivery_due' || kind === 'payment_due') ? 'red' : undefined}>{items.length}</Tag>
      </Typography.Title>
      {items.length === 0 ? (
        <Typography.Text type="secondary">{t('agenda.none')}</Typography.Text>
      ) : (
        <List
          size="small"
          dataSource={items}
          renderItem={(item) => (
            <List.Item>
              <List.Item.Meta
                title={
                  // Wrapped, so the list does not draw the link in the colour of plain text.
                  <span>
                    <Link to={`/customers/${item.customer_id}`}>{item.customer_name}</Link>
                  </span>
                }
                description={
                  <Typography.Text type="secondary">
                    {t(`agenda.due.${kind}`, { when: when(item), contact: item.contact_name ?? '' })}
                    {/* The server's explanation is in English; English readers get it too. */}
                    {i18n.language === 'en' && item.detail && ` · ${item.detail}`}
                  </Typography.Text>
                }
              />
            </List.Item>
          )}
        />
      )}
    </section>
  );
}

/** The people whose agenda the user may read besides their own: anyone for
 * an admin, the members of the teams they lead for a manager. */
function usePeopleIMayFollow() {
  const me = useMe().data;
  const role = me?.user.role;
  const lead = role === 'admin' || role === 'manager';
  const users = useAllUsers(lead);
  const teams = useAllTeams();
  if (!me || !lead || !users.data) return [];
  const active = users.data.filter((u) => u.active);
  if (role === 'admin') return active;
  const led = new Set((teams.data ?? []).filter((x) => x.leader_id === me.user.id).map((x) => x.id));
  return active.filter((u) => u.team_id !== null && led.has(u.team_id));
}
