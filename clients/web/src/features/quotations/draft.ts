// draft.ts: a quotation as its editor sees it — the fields a change may send,
// in one canonical shape for both what the server has and what the form
// holds, so "what did the user change" is a plain comparison. No amount is
// computed here: every total shown is the server's.
import dayjs, { type Dayjs } from 'dayjs';
import type { LineInput, Quotation, QuotationPatch } from './api';

export interface LineValues {
  product_id: string | null;
  description: string | null;
  quantity: string | null;
  unit: string | null;
  unit_price: string | null;
  discount_percent: string | null;
  tax_rate: string | null;
}

/** The editable part of a quotation, with the version a change is made over. */
export interface Draft {
  id: string;
  version: number;
  contact_id: string | null;
  currency: string | null;
  valid_until: string | null;
  notes: string | null;
  lines: LineValues[];
}

/** What the form holds (its date picker keeps a Dayjs). */
export interface FormValues {
  customer_id?: string;
  contact_id?: string | null;
  currency?: string | null;
  valid_until?: Dayjs | null;
  notes?: string | null;
  lines?: Partial<LineValues>[];
}

const LINE_KEYS: (keyof LineValues)[] = ['product_id', 'description', 'quantity', 'unit', 'unit_price', 'discount_percent', 'tax_rate'];

/** Blank texts are "none"; everything else as typed (trimmed). */
function text(v: string | null | undefined): string | null {
  const s = (v ?? '').trim();
  return s === '' ? null : s;
}

const NUMERIC = new Set<keyof LineValues>(['quantity', 'unit_price', 'discount_percent', 'tax_rate']);

/** A decimal string without the trailing zeros the server pads it with
 * ("1200.0000" → "1200", "0.500" → "0.5"): the same number, shorter to read
 * in an input. Text that is not a plain decimal is left as typed. */
export function plainDecimal(v: string): string {
  return /^\d+\.\d*$/.test(v) ? v.replace(/0+$/, '').replace(/\.$/, '') : v;
}

export function canonicalLine(l: Partial<LineValues>): LineValues {
  const out = {} as LineValues;
  for (const k of LINE_KEYS) {
    const v = text(l[k]);
    out[k] = v !== null && NUMERIC.has(k) ? plainDecimal(v) : v;
  }
  return out;
}

export function draftOf(q: Quotation): Draft {
  return {
    id: q.id,
    version: q.version,
    contact_id: q.contact_id,
    currency: q.currency,
    valid_until: q.valid_until,
    notes: text(q.notes),
    lines: q.lines.map(canonicalLine),
  };
}

/** The form's values in the draft's shape (without id and version). */
export function draftFields(v: FormValues): Omit<Draft, 'id' | 'version'> {
  return {
    contact_id: v.contact_id ?? null,
    currency: text(v.currency)?.toUpperCase() ?? null,
    valid_until: v.valid_until ? v.valid_until.format('YYYY-MM-DD') : null,
    notes: text(v.notes),
    lines: (v.lines ?? []).map(canonicalLine),
  };
}

export function formValues(d: Omit<Draft, 'id' | 'version'>, customerId?: string): FormValues {
  return {
    customer_id: customerId,
    contact_id: d.contact_id,
    currency: d.currency,
    valid_until: d.valid_until ? dayjs(d.valid_until) : null,
    notes: d.notes,
    lines: d.lines.map((l) => ({ ...l })),
  };
}

/** A line as the API takes it: left-out values are the server's defaults
 * (the product's, or 0 for discount and tax); only unit and description may be null. */
export function lineInput(l: LineValues): LineInput {
  const out: Record<string, string | null> = {};
  for (const k of LINE_KEYS) {
    const v = l[k];
    if (v !== null) out[k] = v;
    else if (k === 'unit' && l.product_id === null) out[k] = null;
  }
  return out as unknown as LineInput;
}

/** The body of a PATCH from the changed draft fields. */
export function patchBody(changed: Partial<Draft>): QuotationPatch {
  const body: QuotationPatch = {};
  if ('contact_id' in changed) body.contact_id = changed.contact_id ?? null;
  if ('currency' in changed && changed.currency) body.currency = changed.currency;
  if ('valid_until' in changed) body.valid_until = changed.valid_until ?? null;
  if ('notes' in changed) body.notes = changed.notes ?? null;
  if (changed.lines) body.lines = changed.lines.map(lineInput);
  return body;
}
