import { describe, expect, it } from 'vitest';
import { barLength, funnelSteps, rowKey, rowName, type PerformanceRow } from './figures';

const zero = {
  new_customers: 0,
  contact_records: 0,
  visits: 0,
  quotations_sent: 0,
  quotations_accepted: 0,
  contracts_signed: 0,
  contract_amount: '0.00',
  contracts_other_currency: 0,
};

describe('performance rows', () => {
  it('are named by owner, team (or no team) and month', () => {
    const owner: PerformanceRow = { ...zero, owner_id: 'u1', owner_name: '王小明' };
    const team: PerformanceRow = { ...zero, team_id: null, team_name: null };
    const month: PerformanceRow = { ...zero, month: '2026-03' };
    expect([rowKey(owner), rowKey(team), rowKey(month)]).toEqual(['u1', 'no-team', '2026-03']);
    expect([rowName(owner, '无团队'), rowName(team, '无团队'), rowName(month, '无团队')]).toEqual(['王小明', '无团队', '2026-03']);
  });

  it('draw an amount as a bar length but never a malformed one', () => {
    expect(barLength('1234.50')).toBe(1234.5);
    expect(barLength('n/a')).toBe(0);
  });

  it('add up the funnel from the counts of every row', () => {
    const rows: PerformanceRow[] = [
      { ...zero, owner_id: 'a', owner_name: 'A', quotations_sent: 5, quotations_accepted: 2, contracts_signed: 1 },
      { ...zero, owner_id: 'b', owner_name: 'B', quotations_sent: 3, quotations_accepted: 1, contracts_signed: 1 },
    ];
    expect(funnelSteps(rows)).toEqual({ quotations_sent: 8, quotations_accepted: 3, contracts_signed: 2 });
  });
});
