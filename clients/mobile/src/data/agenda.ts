// agenda.ts: the salesperson's day, worked out on the phone from the copy
// (so a visit recorded offline moves its follow-up at once), by the rules of
// GET /v1/agenda: follow-ups overdue, due today and tomorrow, birthdays in the
// coming seven days, dormant customers; days in the organization's time zone.
import { dateTimeFormat } from '@crm/shared';
import type { Contact, Customer } from './db';
import { byName } from './search';

export type AgendaKind = 'overdue' | 'follow_up_today' | 'follow_up_tomorrow' | 'birthday' | 'dormant';

export interface AgendaEntry {
  kind: AgendaKind;
  /** A timestamp for follow-ups and dormant customers, `YYYY-MM-DD` for birthdays. */
  due: string;
  customer: Customer;
  contact?: Contact;
}

const KIND_ORDER: AgendaKind[] = ['overdue', 'follow_up_today', 'follow_up_tomorrow', 'birthday', 'dormant'];

/** The calendar day of `instant` in `timeZone`, `YYYY-MM-DD`. */
export function dayIn(instant: Date, timeZone: string): string {
  const parts = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** `day` plus `n` days (`YYYY-MM-DD` arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function isLeap(y: number) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** The next birthday on or after `today` within 7 days, `YYYY-MM-DD`, or null
 * (29 February counts as 28 February in other years). */
export function comingBirthday(birthday: string, today: string): string | null {
  const [, mm, dd] = birthday.split('-');
  for (let i = 0; i < 7; i++) {
    const day = addDays(today, i);
    const y = Number(day.slice(0, 4));
    const want = mm === '02' && dd === '29' && !isLeap(y) ? '02-28' : `${mm}-${dd}`;
    if (day.slice(5) === want) return day;
  }
  return null;
}

export interface AgendaSettings {
  timezone: string;
  dormant_after_days: number;
}

/** The agenda of `ownerId` on the day of `now`. */
export function agendaOf(
  customers: Customer[],
  contacts: Contact[],
  ownerId: string,
  settings: AgendaSettings,
  now = new Date(),
): AgendaEntry[] {
  const today = dayIn(now, settings.timezone);
  const tomorrow = addDays(today, 1);
  const mine = customers.filter((c) => c.owner_id === ownerId);
  const ids = new Set(mine.map((c) => c.id));
  const byId = new Map(mine.map((c) => [c.id, c]));
  const out: AgendaEntry[] = [];
  const dormantBefore = now.getTime() - settings.dormant_after_days * 86_400_000;
  for (const c of mine) {
    if (c.next_contact_at) {
      const day = dayIn(new Date(c.next_contact_at), settings.timezone);
      const kind: AgendaKind | null = day < today ? 'overdue' : day === today ? 'follow_up_today' : day === tomorrow ? 'follow_up_tomorrow' : null;
      if (kind) out.push({ kind, due: c.next_contact_at, customer: c });
    }
    const last = c.last_contact_at ?? c.created_at;
    if (c.status === 'dormant' || ((c.status === 'active' || c.status === 'prospect') && Date.parse(last) < dormantBefore)) {
      out.push({ kind: 'dormant', due: last, customer: c });
    }
  }
  for (const p of contacts) {
    if (!p.birthday || !ids.has(p.customer_id)) continue;
    const day = comingBirthday(p.birthday, today);
    if (day) out.push({ kind: 'birthday', due: day, customer: byId.get(p.customer_id)!, contact: p });
  }
  out.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      (a.due < b.due ? -1 : a.due > b.due ? 1 : 0) ||
      byName(a.customer.name, b.customer.name),
  );
  return out;
}
