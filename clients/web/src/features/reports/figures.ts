// figures.ts: how the rows of the performance report are named and drawn.
// Every figure is the server's; nothing here computes an amount.
import type { Schemas } from '../../lib/api';

export type PerformanceRow = Schemas['PerformanceRow'];
export type PerformanceReport = Schemas['PerformanceReport'];

/** The counted figures, in the order a reader follows a sale. */
export const COUNTS = ['new_customers', 'contact_records', 'visits', 'quotations_sent', 'quotations_accepted', 'contracts_signed'] as const;
export type CountKey = (typeof COUNTS)[number];

/** A row's stable key: its owner, team (or "no team") or month. */
export function rowKey(row: PerformanceRow): string {
  if ('owner_id' in row) return row.owner_id;
  if ('team_id' in row) return row.team_id ?? 'no-team';
  return row.month;
}

/** What a row is about, for a reader: the owner's or team's name, the month
 * as the server wrote it, or `noTeam` for the users without a team. */
export function rowName(row: PerformanceRow, noTeam: string): string {
  if ('owner_name' in row) return row.owner_name;
  if ('team_id' in row) return row.team_name ?? noTeam;
  return row.month;
}

/** The length of an amount's bar. Only for drawing: the label beside the bar
 * is the server's amount, formatted, never this number. */
export function barLength(amount: string): number {
  const n = Number(amount);
  return Number.isFinite(n) ? n : 0;
}

/** The funnel's steps over the rows (counts of quotations and contracts,
 * never amounts): how many were sent, accepted, became contracts. */
export function funnelSteps(rows: PerformanceRow[]): Record<'quotations_sent' | 'quotations_accepted' | 'contracts_signed', number> {
  const out = { quotations_sent: 0, quotations_accepted: 0, contracts_signed: 0 };
  for (const r of rows) {
    out.quotations_sent += r.quotations_sent;
    out.quotations_accepted += r.quotations_accepted;
    out.contracts_signed += r.contracts_signed;
  }
  return out;
}
