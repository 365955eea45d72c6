// Agenda.tsx: the home screen — follow-ups overdue, due today and tomorrow,
// birthdays of the coming week, dormant customers — each opening its customer.
import { Button, List } from 'antd-mobile';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAgenda, useSyncStatus, type AgendaEntry, type AgendaKind } from '../data';
import { Empty, LinkItem, Loading, Screen } from '../components/Screen';
import { useFormats } from '../lib/format';

const ORDER: AgendaKind[] = ['overdue', 'follow_up_today', 'follow_up_tomorrow', 'birthday', 'dormant'];
/** Rows a section shows before "show all": a long list of dormant customers
 * would bury the day's follow-ups below it (and cost a redraw of thousands). */
const FIRST = 20;

export function Agenda() {
  const { t } = useTranslation();
  const agenda = useAgenda();
  const status = useSyncStatus();
  const f = useFormats();
  const [open, setOpen] = useState<ReadonlySet<AgendaKind>>(new Set());

  const describe = (e: AgendaEntry) => {
    if (e.kind === 'birthday') return t('agenda.birthday', { name: e.contact?.name ?? '', date: f.date(e.due) });
    if (e.kind === 'dormant') return t('agenda.lastContact', { when: f.dayOf(e.due) });
    // Today's and tomorrow's follow-ups need only their hour; an overdue one its day.
    if (e.kind === 'overdue') return t('agenda.due', { when: f.moment(e.due) });
    return t('agenda.dueAt', { time: f.time(e.due) });
  };

  let body;
  if (agenda === undefined) {
    body = <Loading />;
  } else if (agenda.length === 0) {
    body =
      status.synced_at === null ? (
        <Empty text={t('agenda.firstSync')} />
      ) : (
        <Empty text={t('agenda.empty')} hint={t('agenda.emptyHint')} />
      );
  } else {
    body = ORDER.map((kind) => {
      const all = agenda.filter((e) => e.kind === kind);
      if (all.length === 0) return null;
      const entries = open.has(kind) ? all : all.slice(0, FIRST);
      return (
        <section key={kind} aria-labelledby={`agenda-${kind}`}>
          <List
            header={
              <h2 id={`agenda-${kind}`} className={`list-title agenda-${kind}`}>
                {t(`agenda.kind.${kind}`)} <span className="count">{all.length}</span>
              </h2>
            }
          >
            {entries.map((e) => (
              <LinkItem
                key={`${e.kind}:${e.customer.id}:${e.contact?.id ?? ''}`}
                to={`/customers/${e.customer.id}`}
                title={e.customer.name}
                description={describe(e)}
              />
            ))}
            {entries.length < all.length && (
              <List.Item>
                <Button block fill="none" color="primary" onClick={() => setOpen(new Set([...open, kind]))}>
                  {t('agenda.showAll', { count: all.length })}
                </Button>
              </List.Item>
            )}
          </List>
        </section>
      );
    });
  }
  return <Screen title={t('agenda.title')}>{body}</Screen>;
}
