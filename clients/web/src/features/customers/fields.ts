// fields.ts: a customer as its form holds it, and back. The form keeps text
// fields as strings ('' for nothing); the API wants null for nothing.
import type { Customer, CustomerInput } from './api';

export interface CustomerFormValues {
  name: string;
  kind: Customer['kind'];
  status: Customer['status'];
  category: 'A' | 'B' | 'C' | '';
  industry: string;
  region: string;
  address: string;
  phone: string;
  email: string;
  website: string;
  source: string;
  tags: string[];
  credit_limit: string;
  payment_terms_days: number | null;
  notes: string;
  owner_id?: string;
}

/** The fields of a customer the form edits, in the order it shows them. */
export const EDITED = [
  'name',
  'kind',
  'status',
  'category',
  'industry',
  'region',
  'address',
  'phone',
  'email',
  'website',
  'source',
  'tags',
  'credit_limit',
  'payment_terms_days',
  'notes',
] as const;

type Edited = (typeof EDITED)[number];
export type CustomerFields = Pick<Customer, Edited>;

const TEXT = ['industry', 'region', 'address', 'phone', 'email', 'website', 'source', 'credit_limit', 'notes'] as const;

export function emptyValues(ownerId?: string): CustomerFormValues {
  return {
    name: '',
    kind: 'company',
    status: 'lead',
    category: '',
    industry: '',
    region: '',
    address: '',
    phone: '',
    email: '',
    website: '',
    source: '',
    tags: [],
    credit_limit: '',
    payment_terms_days: null,
    notes: '',
    owner_id: ownerId,
  };
}

export function toValues(c: Customer): CustomerFormValues {
  const v = emptyValues();
  v.name = c.name;
  v.kind = c.kind;
  v.status = c.status;
  v.category = c.category ?? '';
  for (const f of TEXT) v[f] = c[f] ?? '';
  v.tags = [...c.tags];
  v.payment_terms_days = c.payment_terms_days;
  return v;
}

/** The values as the API's fields: trimmed, '' as null. */
export function toFields(v: CustomerFormValues): CustomerFields {
  const text = (s: string | undefined) => {
    const x = (s ?? '').trim();
    return x === '' ? null : x;
  };
  const out = {
    name: v.name.trim(),
    kind: v.kind,
    status: v.status,
    category: v.category === '' ? null : v.category,
    tags: v.tags.map((t) => t.trim()).filter((t) => t !== ''),
    payment_terms_days: v.payment_terms_days ?? null,
  } as CustomerFields;
  for (const f of TEXT) out[f] = text(v[f]);
  return out;
}

/** A new customer's body: only what the user filled in. */
export function toInput(v: CustomerFormValues): CustomerInput {
  const fields = toFields(v);
  const body: CustomerInput = { name: fields.name };
  for (const [k, value] of Object.entries(fields)) {
    if (value === null || (Array.isArray(value) && value.length === 0)) continue;
    (body as Record<string, unknown>)[k] = value;
  }
  if (v.owner_id) body.owner_id = v.owner_id;
  return body;
}

/** The customer's edited fields as they are now (the base a patch is made against). */
export function fieldsOf(c: Customer): CustomerFields {
  const out = {} as Record<Edited, unknown>;
  for (const f of EDITED) out[f] = c[f];
  return out as CustomerFields;
}
