// format.ts: the shared display formatters, bound to the current language.
import { useTranslation } from 'react-i18next';
import { formatDate, formatDateTime, formatDecimal, formatMoney } from '@crm/shared';

export interface Formatters {
  money(amount: string | null | undefined, currency: string): string;
  decimal(value: string | null | undefined): string;
  date(value: string | null | undefined): string;
  dateTime(value: string | null | undefined): string;
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
  };
}
