import { describe, expect, it } from 'vitest';
import { changedFields } from '../../lib/conflict';
import type { Customer } from './api';
import { emptyValues, fieldsOf, toFields, toInput, toValues } from './fields';

const customer: Customer = {
  id: '00000000-0000-4000-8000-000000000001',
  name: '上海华东贸易有限公司',
  kind: 'company',
  status: 'prospect',
  category: 'B',
  industry: null,
  region: '上海',
  address: null,
  phone: '021-6234 5678',
  email: null,
  website: null,
  source: null,
  tags: ['重点'],
  credit_limit: '50000.00',
  payment_terms_days: 30,
  notes: null,
  owner_id: '00000000-0000-4000-8000-000000000002',
  owner_name: '李雷',
  custom: {},
  location: null,
  last_contact_at: null,
  next_contact_at: null,
  version: 3,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

describe('a new customer from the form', () => {
  it('sends only what was filled in, trimmed', () => {
    const v = { ...emptyValues('owner-1'), name: '  深圳华强电子 ', phone: ' 0755-1234 ', tags: [' 电子 ', ''] };
    expect(toInput(v)).toEqual({ name: '深圳华强电子', kind: 'company', status: 'lead', phone: '0755-1234', tags: ['电子'], owner_id: 'owner-1' });
  });
  it('keeps the credit limit as the decimal string typed (never a number)', () => {
    expect(toInput({ ...emptyValues(), name: 'x', credit_limit: '1234.50' }).credit_limit).toBe('1234.50');
  });
});

describe('an edit from the form', () => {
  it('changes nothing when nothing was touched', () => {
    expect(changedFields(fieldsOf(customer), toFields(toValues(customer)))).toEqual({});
  });
  it('sends a cleared field as null and a changed one as typed', () => {
    const v = { ...toValues(customer), region: '', phone: '021-0000 0000', category: '' as const };
    expect(changedFields(fieldsOf(customer), toFields(v))).toEqual({ region: null, phone: '021-0000 0000', category: null });
  });
  it('never sends the owner (a transfer changes it)', () => {
    expect(Object.keys(toFields({ ...toValues(customer), owner_id: 'someone' }))).not.toContain('owner_id');
  });
});
