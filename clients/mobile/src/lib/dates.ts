// dates.ts: the follow-up dates a salesperson picks in a tap ("tomorrow",
// "next week"), as days of the organization's time zone and as the moment
// the server keeps (9 o'clock that morning there).
// The pure day arithmetic of the data layer, not its index (which opens the
// copy and the API client as it loads, as unit tests must not).
import { addDays, dayIn } from '../data/agenda';

export type NextChoice = 'tomorrow' | 'in3' | 'nextWeek';

/** The day (`YYYY-MM-DD`) a quick choice stands for, counted from today in `timeZone`. */
export function dayOfChoice(choice: NextChoice, timeZone: string, now = new Date()): string {
  const today = dayIn(now, timeZone);
  if (choice === 'tomorrow') return addDays(today, 1);
  if (choice === 'in3') return addDays(today, 3);
  // Next week: the Monday after this one.
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(today, weekday === 0 ? 1 : 8 - weekday);
}

/** 09:00 on `day` in `timeZone`, as an RFC 3339 instant in UTC. */
export function morningOf(day: string, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d, 9, 0, 0);
  // The zone's offset at that moment: what its clock shows minus UTC.
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(guess));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const shown = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return new Date(guess - (shown - guess)).toISOString();
}

/** A local calendar date of a date picker's Date, `YYYY-MM-DD`. */
export function dayOfPicked(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
}
