// timeline.ts: the order a customer's contact records are shown in.

/** Latest `occurred_at` first; records of the same moment newest-created first
 * (then by id, so the order never flickers between loads). */
export function newestFirst<T extends { id: string; occurred_at: string; created_at: string }>(records: T[]): T[] {
  return [...records].sort(
    (a, b) =>
      Date.parse(b.occurred_at) - Date.parse(a.occurred_at) ||
      Date.parse(b.created_at) - Date.parse(a.created_at) ||
      (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
}
