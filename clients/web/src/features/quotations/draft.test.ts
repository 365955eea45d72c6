import { describe, expect, it } from 'vitest';
import dayjs from 'dayjs';
import { changedFields } from '../../lib/conflict';
import { canonicalLine, draftFields, draftOf, lineInput, patchBody, plainDecimal } from './draft';
import type { Quotation } from './api';

const quotation = {
  id: 'q1',
  version: 3,
  contact_id: null,
  currency: 'CNY',
  valid_until: '2027-01-31',
  notes: null,
  lines: [
    {
      line_no: 1,
      product_id: 'p1',
      description: '数控车床',
      quantity: '3.000',
      unit: '台',
      unit_price: '1200.0000',
      discount_percent: '0.0000',
      tax_rate: '13.0000',
      net: '3600.00',
      tax: '468.00',
      gross: '4068.00',
    },
  ],
} as unknown as Quotation;

describe('plainDecimal', () => {
  it('drops the zeros the server pads with, and nothing else', () => {
    expect(plainDecimal('1200.0000')).toBe('1200');
    expect(plainDecimal('0.500')).toBe('0.5');
    expect(plainDecimal('100')).toBe('100');
    expect(plainDecimal('10.05')).toBe('10.05');
    expect(plainDecimal('1,200')).toBe('1,200');
  });
});

describe('the quotation draft', () => {
  it('sees the server’s padded figures and the same figures typed as no change', () => {
    const typed = draftFields({
      valid_until: dayjs('2027-01-31'),
      currency: 'cny',
      lines: [{ product_id: 'p1', description: ' 数控车床 ', quantity: '3', unit: '台', unit_price: '1200', discount_percent: '0', tax_rate: '13' }],
    });
    expect(changedFields(draftOf(quotation), typed)).toEqual({});
  });

  it('sends only what changed, lines whole', () => {
    const typed = draftFields({ ...draftOf(quotation), valid_until: dayjs('2027-01-31'), notes: '含运费' } as never);
    expect(patchBody(changedFields(draftOf(quotation), typed))).toEqual({ notes: '含运费' });
    const more = draftFields({ valid_until: dayjs('2027-01-31'), currency: 'CNY', lines: [...draftOf(quotation).lines, { description: '安装', quantity: '1', unit_price: '500' }] });
    expect(patchBody(changedFields(draftOf(quotation), more)).lines).toHaveLength(2);
  });

  it('leaves out what the line does not say, so the server fills it in', () => {
    expect(lineInput(canonicalLine({ product_id: 'p1', quantity: '2' }))).toEqual({ product_id: 'p1', quantity: '2' });
    expect(lineInput(canonicalLine({ description: '安装', quantity: '1', unit_price: '500', discount_percent: '' }))).toEqual({
      description: '安装',
      quantity: '1',
      unit_price: '500',
      unit: null,
    });
  });

  it('sends a cleared validity and notes as none', () => {
    const typed = draftFields({ ...draftOf(quotation), valid_until: null, notes: '  ' } as never);
    expect(patchBody(changedFields(draftOf(quotation), typed))).toEqual({ valid_until: null });
  });
});
