// A catalogue product for a quotation line, searched as the user types.
import { Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useProductSearch, type Product } from './api';

interface Props {
  value?: string | null;
  onChange?: (value: string | null) => void;
  /** Called with the product chosen, to fill the line from it. */
  onPick: (product: Product) => void;
  /** What to show for a chosen product not among the answers (the line's description). */
  fallbackLabel?: string | null;
  disabled?: boolean;
  'aria-label': string;
}

export function ProductPicker({ value, onChange, onPick, fallbackLabel, disabled, ...rest }: Props) {
  const { t } = useTranslation('quotations');
  const [q, setQ] = useState('');
  const found = useProductSearch(q);
  const products = found.data?.data ?? [];
  const options = products.map((p) => ({ value: p.id, label: `${p.name} · ${p.sku}` }));
  if (value && !options.some((o) => o.value === value)) options.unshift({ value, label: fallbackLabel ?? value });
  return (
    <Select
      showSearch={{ filterOption: false, onSearch: setQ }}
      allowClear
      placeholder={t('line.productNone')}
      value={value ?? undefined}
      disabled={disabled}
      loading={found.isFetching}
      notFoundContent={t('common:state.empty')}
      options={options}
      popupMatchSelectWidth={false}
      style={{ width: 150 }}
      onChange={(v: string | undefined) => {
        onChange?.(v ?? null);
        const p = products.find((x) => x.id === v);
        if (p) onPick(p);
      }}
      aria-label={rest['aria-label']}
    />
  );
}
