// QueryState.tsx: one way every screen shows a query that is loading or
// failed: a spinner, "not found" for a 404, otherwise the problem and a retry.
import { Spin } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@crm/shared';
import { NotFound } from './NotFound';
import { ProblemAlert } from './forms';

interface Props<T> {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  children: (data: T) => ReactNode;
}

export function QueryState<T>({ query, children }: Props<T>) {
  const { t } = useTranslation();
  if (query.error) {
    if (query.error instanceof ApiError && query.error.status === 404) return <NotFound />;
    return <ProblemAlert error={query.error} retry={query.refetch} />;
  }
  if (query.isPending || query.data === undefined) {
    return (
      <div style={{ padding: 48, textAlign: 'center' }}>
        <Spin aria-label={t('state.loading')} />
      </div>
    );
  }
  return <>{children(query.data)}</>;
}
