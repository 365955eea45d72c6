// format.ts: how the screens write moments, days, money and distances — in
// the user's language and the organization's time zone, through the shared
// formatting of both apps (amounts stay the server's decimal strings).
import { formatDate, formatDateTime, formatDayOf, formatMoney } from '@crm/shared';
import { useTranslation } from 'react-i18next';
import { useTenantSettings } from '../data';

export interface Formats {
  locale: string;
  timeZone: string;
  /** A moment (RFC 3339) with its time. */
  moment: (at: string) => string;
  /** The time of day of a moment ("14:10"). */
  time: (at: string) => string;
  /** The day a moment falls on. */
  dayOf: (at: string) => string;
  /** A calendar date (`YYYY-MM-DD`). */
  date: (day: string) => string;
  money: (amount: string, currency: string) => string;
  /** A distance in whole metres ("350 m", "1.2 km"). */
  distance: (metres: number) => string;
}

export function useFormats(): Formats {
  const { i18n } = useTranslation();
  const settings = useTenantSettings();
  const locale = i18n.language;
  const timeZone = settings?.timezone ?? 'Asia/Shanghai';
  return {
    locale,
    timeZone,
    moment: (at) => formatDateTime(at, locale, timeZone),
    time: (at) => new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone }).format(new Date(at)),
    dayOf: (at) => formatDayOf(at, locale, timeZone),
    date: (day) => formatDate(day, locale),
    money: (amount, currency) => formatMoney(amount, currency, locale),
    distance: (metres) =>
      metres < 1000
        ? new Intl.NumberFormat(locale, { style: 'unit', unit: 'meter', maximumFractionDigits: 0 }).format(metres)
        : new Intl.NumberFormat(locale, { style: 'unit', unit: 'kilometer', maximumFractionDigits: 1 }).format(metres / 1000),
  };
}
