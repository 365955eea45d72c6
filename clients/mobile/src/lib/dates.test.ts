import { describe, expect, it } from 'vitest';
import { dayOfChoice, morningOf } from './dates';

describe('follow-up dates', () => {
  it('counts quick choices from today in the organization’s zone', () => {
    // 23:30 UTC on Wednesday 2 Dec 2026 is already Thursday 3 Dec in Shanghai.
    const now = new Date('2026-12-02T23:30:00Z');
    expect(dayOfChoice('tomorrow', 'Asia/Shanghai', now)).toBe('2026-12-04');
    expect(dayOfChoice('in3', 'Asia/Shanghai', now)).toBe('2026-12-06');
    expect(dayOfChoice('nextWeek', 'Asia/Shanghai', now)).toBe('2026-12-07');
    expect(dayOfChoice('tomorrow', 'UTC', now)).toBe('2026-12-03');
  });

  it('next week from a Sunday is the next day, a Monday', () => {
    expect(dayOfChoice('nextWeek', 'UTC', new Date('2026-12-06T10:00:00Z'))).toBe('2026-12-07');
  });

  it('is nine in the morning there', () => {
    expect(morningOf('2026-12-04', 'Asia/Shanghai')).toBe('2026-12-04T01:00:00.000Z');
    expect(morningOf('2026-07-01', 'Europe/Berlin')).toBe('2026-07-01T07:00:00.000Z');
    expect(morningOf('2026-12-01', 'Europe/Berlin')).toBe('2026-12-01T08:00:00.000Z');
  });
});
