import { ApiError, type FieldError } from '@crm/shared';
import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { zh } from '../locales';
import { fieldMessage, problemMessage, refusalMessage } from './problem';

// A t() over the Chinese texts, enough for these helpers.
const t = ((key: string, opts?: Record<string, unknown>) => {
  let v: unknown = zh;
  for (const part of key.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  if (typeof v !== 'string') return (opts?.defaultValue as string | undefined) ?? key;
  return v.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(opts?.[k] ?? ''));
}) as unknown as TFunction;

const refusal = new ApiError(401, { type: 'https://crm.example/problems/invalid-grant', title: 'Invalid grant', status: 401, detail: 'The organization, email or password is wrong.' });

describe('what went wrong, in the user’s language', () => {
  it('names the kind of problem in Chinese, and gives the server’s sentence in English', () => {
    expect(problemMessage(t, refusal, 'zh-CN')).toBe('组织代码、邮箱或密码不正确。');
    expect(problemMessage(t, refusal, 'en-US')).toBe('The organization, email or password is wrong.');
  });

  it('says when there was no answer at all', () => {
    expect(problemMessage(t, new ApiError(0, null), 'en-US')).toBe(zh.problem.network);
  });

  it('a failure on the phone itself is told as such', () => {
    expect(problemMessage(t, new Error('QuotaExceededError'), 'zh-CN')).toBe('无法保存到手机：QuotaExceededError');
  });

  it('a refusal kept in the outbox reads the same way', () => {
    expect(refusalMessage(t, 422, 'The request has invalid fields; see errors.', 'zh-CN')).toBe('请检查标出的字段。');
    expect(refusalMessage(t, 422, 'The request has invalid fields; see errors.', 'en-US')).toBe('The request has invalid fields; see errors.');
    expect(refusalMessage(t, 418, '', 'zh-CN')).toBe('出现错误（418）。');
  });

  it('a field error: the kind of mistake, then the server’s specifics', () => {
    const e: FieldError = { field: 'phone', code: 'too_long', message: 'Must be at most 50 characters.' };
    expect(fieldMessage(t, e, 'zh-CN')).toBe('太长（Must be at most 50 characters.）');
    expect(fieldMessage(t, e, 'en-US')).toBe('Must be at most 50 characters.');
  });
});
