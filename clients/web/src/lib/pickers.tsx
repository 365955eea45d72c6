// pickers.tsx: searchable selects over records of the API — a customer found
// by typing part of its name, a user of the organization — for filters and
// forms. The options are what the server answers; nothing is filtered here.
import { Select, type SelectProps } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAllUsers } from './directory';
import { api, unwrap } from './api';

interface PickerProps {
  value?: string | null;
  onChange?: (value: string | undefined) => void;
  id?: string;
  placeholder?: string;
  allowClear?: boolean;
  disabled?: boolean;
  style?: SelectProps['style'];
  'aria-label'?: string;
}

/** A customer the caller may see, searched with `q=` as the user types. */
export function CustomerPicker({ value, onChange, ...rest }: PickerProps) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const found = useQuery({
    queryKey: ['customers', 'pick', q],
    queryFn: () => unwrap(api.GET('/v1/customers', { params: { query: { q: q || undefined, limit: 20 } } })),
  });
  // The chosen customer's name, also when it is not among the answers (a bookmarked filter).
  const chosen = useQuery({
    queryKey: ['customers', value],
    queryFn: () => unwrap(api.GET('/v1/customers/{id}', { params: { path: { id: value as string } } })),
    enabled: !!value && !found.data?.data.some((c) => c.id === value),
  });
  const options = (found.data?.data ?? []).map((c) => ({ value: c.id, label: c.name }));
  if (value && chosen.data && !options.some((o) => o.value === value)) options.unshift({ value, label: chosen.data.name });
  return (
    <Select
      showSearch={{ filterOption: false, onSearch: setQ }}
      value={value ?? undefined}
      onChange={(v: string | undefined) => onChange?.(v)}
      options={options}
      loading={found.isFetching}
      notFoundContent={t('state.empty')}
      style={{ minWidth: 220, ...rest.style }}
      {...rest}
    />
  );
}

/** A user of the organization (only admins and managers may list them). */
export function UserPicker({ value, onChange, ...rest }: PickerProps) {
  const { t } = useTranslation();
  const users = useAllUsers();
  return (
    <Select
      showSearch={{ optionFilterProp: 'label' }}
      value={value ?? undefined}
      onChange={(v: string | undefined) => onChange?.(v)}
      options={(users.data ?? []).filter((u) => u.active).map((u) => ({ value: u.id, label: u.name }))}
      loading={users.isFetching}
      notFoundContent={t('state.empty')}
      style={{ minWidth: 180, ...rest.style }}
      {...rest}
    />
  );
}
