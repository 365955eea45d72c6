// list.ts: one way every list screen pages — keyset "load more" over the
// API's `next_cursor`, as a TanStack infinite query.
import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** The rows of every page loaded so far under `key`; `fetchPage(cursor)`
 * asks the API for one page (cursor undefined: the first). */
export function useKeysetList<T>(key: QueryKey, fetchPage: (cursor: string | undefined) => Promise<Page<T>>, enabled = true) {
  const q = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled,
  });
  return {
    rows: q.data?.pages.flatMap((p) => p.data) ?? [],
    error: q.error,
    isPending: q.isPending,
    hasMore: q.hasNextPage,
    loadingMore: q.isFetchingNextPage,
    loadMore: () => void q.fetchNextPage(),
    refetch: q.refetch,
  };
}

/** A query object without the empty values a form leaves ('' or undefined),
 * so they are not sent as filters. */
export function compact<T extends Record<string, unknown>>(query: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)) out[k as keyof T] = v as T[keyof T];
  }
  return out;
}

/** Every row of a keyset list, page after page (up to `max` rows). */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, max = Infinity): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    rows.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && rows.length < max);
  return rows;
}
