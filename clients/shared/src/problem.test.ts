import { describe, expect, it } from 'vitest';
import { apiErrorFrom, fieldPath } from './problem';

describe('problem+json', () => {
  it('keeps the kind, the field errors and the duplicate candidates', () => {
    const e = apiErrorFrom(422, {
      type: 'https://crm.example/problems/validation',
      title: 'Validation failed',
      status: 422,
      detail: 'One field is wrong.',
      errors: [{ field: 'name', code: 'too_long', message: 'at most 200 characters' }],
    });
    expect(e.kind).toBe('validation');
    expect(e.fieldErrors).toEqual([{ field: 'name', code: 'too_long', message: 'at most 200 characters' }]);
    expect(e.message).toBe('One field is wrong.');
    const d = apiErrorFrom(409, {
      type: 'https://crm.example/problems/duplicate',
      title: 'Duplicate',
      status: 409,
      detail: 'Looks like another.',
      candidates: [{ id: '1', name: '华东贸易', owner_name: '李雷' }],
    });
    expect(d.kind).toBe('duplicate');
    expect(d.candidates[0].name).toBe('华东贸易');
  });

  it('an answer that is not problem+json is kind unknown with its status', () => {
    const e = apiErrorFrom(502, '<html>bad gateway</html>');
    expect(e.kind).toBe('unknown');
    expect(e.status).toBe(502);
    expect(e.fieldErrors).toEqual([]);
  });

  it('turns a field name into a form path', () => {
    expect(fieldPath('name')).toEqual(['name']);
    expect(fieldPath('location.lat')).toEqual(['location', 'lat']);
    expect(fieldPath('lines[2].quantity')).toEqual(['lines', 2, 'quantity']);
    expect(fieldPath('installments[0].amount')).toEqual(['installments', 0, 'amount']);
  });
});
