// patch.ts: what a form sends — empty texts as null, and for an edit a merge
// patch of the members the user changed, nothing else (so an edit made on
// the phone never writes over what the office changed in other fields).
type Row = Record<string, unknown>;

/** Trimmed text, null when empty; other values as they are. */
export function cleaned<T extends Row>(values: T): T {
  const out: Row = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? v.trim() || null : v;
  }
  return out as T;
}

/** The members of `next` whose value differs from `current`'s. */
export function changed<T extends Row>(current: Row, next: T): Partial<T> {
  const out: Row = {};
  for (const [k, v] of Object.entries(next)) {
    const was = current[k] ?? null;
    if (JSON.stringify(was) !== JSON.stringify(v ?? null)) out[k] = v;
  }
  return out as Partial<T>;
}
