// urlFilter.ts: a list screen's filters live in its URL, so a filtered list
// is bookmarkable and Back restores it.
import { useSearchParams } from 'react-router-dom';

/** The current value of each of `keys` (undefined when absent) and a setter. */
export function useUrlFilter<K extends string>(keys: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const values = {} as Record<K, string | undefined>;
  for (const k of keys) values[k] = params.get(k) ?? undefined;
  const set = (key: K, value: string | undefined | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return [values, set] as const;
}
