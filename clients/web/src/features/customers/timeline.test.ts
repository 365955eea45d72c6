import { describe, expect, it } from 'vitest';
import { newestFirst } from './timeline';

const r = (id: string, occurred_at: string, created_at = '2026-01-01T00:00:00Z') => ({ id, occurred_at, created_at });

describe('newestFirst', () => {
  it('puts the latest contact first, whatever order the API listed them in', () => {
    const list = [r('a', '2026-03-01T09:00:00Z'), r('b', '2026-03-05T09:00:00+08:00'), r('c', '2026-03-05T02:00:00Z')];
    expect(newestFirst(list).map((x) => x.id)).toEqual(['c', 'b', 'a']);
  });
  it('orders contacts of the same moment by when they were recorded, then by id', () => {
    const at = '2026-03-01T09:00:00Z';
    const list = [r('a', at, '2026-03-01T10:00:00Z'), r('c', at, '2026-03-01T11:00:00Z'), r('b', at, '2026-03-01T11:00:00Z')];
    expect(newestFirst(list).map((x) => x.id)).toEqual(['c', 'b', 'a']);
  });
  it('leaves the list it was given as it was', () => {
    const list = [r('a', '2026-01-01T00:00:00Z'), r('b', '2026-02-01T00:00:00Z')];
    newestFirst(list);
    expect(list.map((x) => x.id)).toEqual(['a', 'b']);
  });
});
