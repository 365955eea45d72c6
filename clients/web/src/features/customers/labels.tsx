// labels.tsx: how a customer's enumerations read on screen, in one place for
// every customers screen.
import { Badge } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../lib/api';

export const STATUSES: Schemas['CustomerStatus'][] = ['lead', 'prospect', 'active', 'dormant', 'lost'];
export const KINDS: Schemas['CustomerKind'][] = ['company', 'person'];
export const CATEGORIES = ['A', 'B', 'C'] as const;
export const RECORD_KINDS: Schemas['ContactRecordKind'][] = ['call', 'visit', 'email', 'im', 'meeting', 'other'];

const STATUS_COLOR: Record<Schemas['CustomerStatus'], string> = {
  lead: 'blue',
  prospect: 'purple',
  active: 'green',
  dormant: 'orange',
  lost: 'gray',
};

export function StatusTag({ status }: { status: Schemas['CustomerStatus'] }) {
  const { t } = useTranslation('customers');
  return (
    // A coloured dot beside dark text: the colour helps, the text stays readable.
    <Badge color={STATUS_COLOR[status]} text={t(`status.${status}`)} style={{ whiteSpace: 'nowrap' }} />
  );
}

export function useCategoryLabel(): (c: Schemas['CustomerCategory']) => string {
  const { t } = useTranslation('customers');
  return (c) => (c ? t(`category.${c}`) : t('category.none'));
}
