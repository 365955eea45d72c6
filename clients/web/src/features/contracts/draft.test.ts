import { describe, expect, it } from 'vitest';
import dayjs from 'dayjs';
import { changedFields } from '../../lib/conflict';
import { contractDraft, contractFields, contractFormValues, contractPatch } from './draft';
import type { Contract } from './api';

const contract = {
  id: 'c1',
  version: 2,
  signed_on: null,
  delivery_due: '2027-03-01',
  notes: null,
  installments: [{ seq: 1, due_date: '2027-03-01', amount: '4568.00' }],
} as unknown as Contract;

describe('the contract draft', () => {
  it('round-trips through the form without a change', () => {
    const d = contractDraft(contract);
    expect(changedFields(d, contractFields(contractFormValues(d)))).toEqual({});
  });

  it('sends the payment plan as typed, whole', () => {
    const typed = contractFields({
      delivery_due: dayjs('2027-03-01'),
      installments: [
        { due_date: dayjs('2027-03-01'), amount: '2000.00' },
        { due_date: dayjs('2027-06-30'), amount: '2568.00' },
      ],
    });
    expect(contractPatch(changedFields(contractDraft(contract), typed))).toEqual({
      installments: [
        { due_date: '2027-03-01', amount: '2000.00' },
        { due_date: '2027-06-30', amount: '2568.00' },
      ],
    });
  });

  it('leaves a blank installment field out, for the server to name', () => {
    const typed = contractFields({ delivery_due: dayjs('2027-03-01'), installments: [{ due_date: null, amount: ' 4568.00 ' }] });
    expect(contractPatch(changedFields(contractDraft(contract), typed))).toEqual({ installments: [{ amount: '4568.00' }] });
  });
});
