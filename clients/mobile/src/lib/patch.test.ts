import { describe, expect, it } from 'vitest';
import { changed, cleaned } from './patch';

describe('form values', () => {
  it('sends empty texts as null and trims the rest', () => {
    expect(cleaned({ name: ' 华联 ', phone: '', notes: undefined, tags: ['a'] })).toEqual({ name: '华联', phone: null, tags: ['a'] });
  });

  it('an edit patches only the members that changed', () => {
    const current = { name: '华联', phone: null, region: '上海', industry: '零售', tags: ['a'] };
    expect(changed(current, { name: '华联', phone: null, region: '杭州', industry: '零售', tags: ['a'] })).toEqual({ region: '杭州' });
    expect(changed(current, { name: '华联', phone: '021-1', tags: ['a', 'b'] })).toEqual({ phone: '021-1', tags: ['a', 'b'] });
    expect(changed(current, { region: '上海' })).toEqual({});
  });
});
