// format.ts: how amounts, quantities and dates look to a reader of `locale`.
// Display only: amounts stay the server's decimal strings, and Intl formats
// those strings exactly (no conversion to a binary float, no rounding).
import { dateTimeFormat, numberFormat } from './intl';

/** Digits after the point in `value` ("12.500" → 3). */
function decimals(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Money as `locale` writes it, with the currency's minor unit ("1234.5",
 * "CNY" → "¥1,234.50" in zh-CN). More digits than the minor unit are kept,
 * never rounded away. A value that is not a decimal string is shown as it is. */
export function formatMoney(amount: string, currency: string, locale: string): string {
  if (!DECIMAL.test(amount)) return amount;
  const minor = numberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return numberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: minor,
    maximumFractionDigits: Math.max(minor, decimals(amount)),
  }).format(amount as unknown as number);
}

/** A quantity, price or rate without needless trailing zeros ("12000.000" →
 * "12,000", "0.500" → "0.5"), grouped as `locale` groups digits. */
export function formatDecimal(value: string, locale: string): string {
  if (!DECIMAL.test(value)) return value;
  return numberFormat(locale, { maximumFractionDigits: Math.min(20, decimals(value)) }).format(
    value as unknown as number,
  );
}

/** A calendar date ("2026-12-02") as `locale` writes it; the date is the
 * server's, shown without any time-zone shift. */
export function formatDate(date: string, locale: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const utc = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return dateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(utc);
}

/** A moment (RFC 3339) as `locale` writes it, in `timeZone` (default: the browser's). */
export function formatDateTime(moment: string, locale: string, timeZone?: string): string {
  const t = Date.parse(moment);
  if (Number.isNaN(t)) return moment;
  return dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(t));
}

/** The calendar day a moment (RFC 3339) falls on in `timeZone`, as `locale`
 * writes dates (for a moment that stands for a day of the organization, such
 * as the start of a delivery day). */
export function formatDayOf(moment: string, locale: string, timeZone: string): string {
  const t = Date.parse(moment);
  if (Number.isNaN(t)) return moment;
  return dateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(new Date(t));
}
