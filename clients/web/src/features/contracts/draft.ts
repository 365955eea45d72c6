// draft.ts: the part of a draft contract its page edits — dates, notes and
// the payment plan — in one shape for the server's record and the form's
// values, so a change sends only what the user changed. The installments are
// as typed: whether they add up to the total is the server's to say.
import dayjs, { type Dayjs } from 'dayjs';
import type { Contract, ContractPatch } from './api';

export interface ContractDraft {
  id: string;
  version: number;
  signed_on: string | null;
  delivery_due: string | null;
  notes: string | null;
  installments: { due_date: string | null; amount: string | null }[];
}

export interface ContractFormValues {
  signed_on?: Dayjs | null;
  delivery_due?: Dayjs | null;
  notes?: string | null;
  installments?: { due_date?: Dayjs | null; amount?: string | null }[];
}

const day = (d: Dayjs | null | undefined) => (d ? d.format('YYYY-MM-DD') : null);
const text = (v: string | null | undefined) => ((v ?? '').trim() === '' ? null : (v ?? '').trim());

export function contractDraft(c: Contract): ContractDraft {
  return {
    id: c.id,
    version: c.version,
    signed_on: c.signed_on,
    delivery_due: c.delivery_due,
    notes: text(c.notes),
    installments: c.installments.map((i) => ({ due_date: i.due_date, amount: i.amount })),
  };
}

export function contractFields(v: ContractFormValues): Omit<ContractDraft, 'id' | 'version'> {
  return {
    signed_on: day(v.signed_on),
    delivery_due: day(v.delivery_due),
    notes: text(v.notes),
    installments: (v.installments ?? []).map((i) => ({ due_date: day(i.due_date), amount: text(i.amount) })),
  };
}

export function contractFormValues(d: Omit<ContractDraft, 'id' | 'version'>): ContractFormValues {
  return {
    signed_on: d.signed_on ? dayjs(d.signed_on) : null,
    delivery_due: d.delivery_due ? dayjs(d.delivery_due) : null,
    notes: d.notes,
    installments: d.installments.map((i) => ({ due_date: i.due_date ? dayjs(i.due_date) : null, amount: i.amount })),
  };
}

/** The PATCH body of the changed fields; an installment's blank field is left
 * out, so the server names what is missing. */
export function contractPatch(changed: Partial<ContractDraft>): ContractPatch {
  const body: ContractPatch = {};
  if ('signed_on' in changed) body.signed_on = changed.signed_on ?? null;
  if ('delivery_due' in changed) body.delivery_due = changed.delivery_due ?? null;
  if ('notes' in changed) body.notes = changed.notes ?? null;
  if (changed.installments) {
    body.installments = changed.installments.map((i) => {
      const out: Record<string, string> = {};
      if (i.due_date !== null) out.due_date = i.due_date;
      if (i.amount !== null) out.amount = i.amount;
      return out as { due_date: string; amount: string };
    });
  }
  return body;
}
