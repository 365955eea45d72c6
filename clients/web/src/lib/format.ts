// format.ts: the shared display formatters, bound to the current language.
import { useTranslation } from 'react-i18next';
import { formatDate, formatDateTime, formatDayOf, formatDecimal, formatMoney } from '@crm/shared';

export interface Formatters {
  money(amount: string | null | undefined, currency: string): string;
  decimal(value: string | null | undefined): string;
  date(value: string | null | undefined): string;
  dateTime(value: string | null | undefined): string;
  /** The day a moment falls on in `timeZone` (the organization's days). */
  dayOf(value: string | null | undefined, timeZone: string): string;
}

export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  const none = '—';
  return {
    money: (a, c) => (a == null ? none : formatMoney(a, c, locale)),
    decimal: (v) => (v == null ? none : formatDecimal(v, locale)),
    date: (v) => (v ? formatDate(v, locale) : none),
    dateTime: (v) => (v ? formatDateTime(v, locale) : none),
    dayOf: (v, zone) => (v ? formatDayOf(v, locale, zone) : none),
  };
}
