import { describe, expect, it } from 'vitest';
import { formatDate, formatDayOf, formatDecimal, formatMoney } from './format';

describe('display formatting', () => {
  it('money keeps every digit of the server amount, grouped per language', () => {
    expect(formatMoney('12017250.00', 'CNY', 'zh-CN')).toBe('¥12,017,250.00');
    expect(formatMoney('12017250.00', 'CNY', 'en')).toBe('CN¥12,017,250.00');
    // Beyond what a double holds exactly: still every digit.
    expect(formatMoney('12345678901234567.89', 'CNY', 'en')).toBe('CN¥12,345,678,901,234,567.89');
    expect(formatMoney('1234.5', 'USD', 'en')).toBe('$1,234.50');
    expect(formatMoney('-0.10', 'EUR', 'en')).toBe('-€0.10');
  });

  it('money never rounds a digit away', () => {
    expect(formatMoney('0.005', 'CNY', 'en')).toBe('CN¥0.005');
    expect(formatMoney('1234.5', 'JPY', 'en')).toBe('¥1,234.5');
    expect(formatMoney('1234', 'JPY', 'en')).toBe('¥1,234');
  });

  it('quantities and prices drop needless trailing zeros', () => {
    expect(formatDecimal('12000.000', 'en')).toBe('12,000');
    expect(formatDecimal('0.500', 'zh-CN')).toBe('0.5');
    expect(formatDecimal('1050.0000', 'en')).toBe('1,050');
    expect(formatDecimal('2000.125', 'en')).toBe('2,000.125');
  });

  it('a value that is not a decimal is shown as it came', () => {
    expect(formatMoney('n/a', 'CNY', 'en')).toBe('n/a');
    expect(formatDecimal('1e5', 'en')).toBe('1e5');
  });

  it('a calendar date is the server date in any time zone', () => {
    expect(formatDate('2026-12-02', 'zh-CN')).toBe('2026年12月2日');
    expect(formatDate('2026-01-01', 'en')).toBe('Jan 1, 2026');
  });

  it("a moment standing for a day is that day in the organization's time zone", () => {
    expect(formatDayOf('2026-12-01T16:00:00Z', 'zh-CN', 'Asia/Shanghai')).toBe('2026年12月2日');
    expect(formatDayOf('2026-12-01T16:00:00Z', 'en', 'UTC')).toBe('Dec 1, 2026');
  });
});
