// problem.ts: what the server said went wrong, as one error type both apps
// catch. The server's problem+json is kept whole; nothing here invents a rule.
import type { components } from './schema';

export type Problem = components['schemas']['Problem'];
export type FieldError = components['schemas']['FieldError'];
export type DuplicateCandidate = components['schemas']['DuplicateCandidate'];

/** The kind of a problem: the last segment of its `type` URI ("validation",
 * "duplicate", ...), "network" when no answer came, "unknown" for an answer
 * that was not problem+json. */
export type ProblemKind = string;

export class ApiError extends Error {
  /** HTTP status; 0 when the request got no answer at all. */
  readonly status: number;
  /** The problem+json body, or null when the answer had none. */
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, message?: string) {
    super(message ?? problem?.detail ?? (status === 0 ? 'network' : `HTTP ${status}`));
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  get kind(): ProblemKind {
    if (this.status === 0) return 'network';
    const type = this.problem?.type;
    if (!type) return 'unknown';
    return type.slice(type.lastIndexOf('/') + 1);
  }

  /** One entry per field the server named. */
  get fieldErrors(): FieldError[] {
    return this.problem?.errors ?? [];
  }

  /** The customers a refused create looked like (409 duplicate only). */
  get candidates(): DuplicateCandidate[] {
    return this.problem?.candidates ?? [];
  }
}

function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.type === 'string' && typeof v.status === 'number' && typeof v.title === 'string';
}

/** The ApiError for a non-2xx answer whose body (already parsed, or not) is `body`. */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  return new ApiError(status, isProblem(body) ? body : null);
}

/** Where a field error belongs in a form: the path of names the server gave
 * ("location.lat" → ["location", "lat"], "lines[2].quantity" → ["lines", 2, "quantity"]). */
export function fieldPath(field: string): (string | number)[] {
  const path: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      path.push(part);
      continue;
    }
    if (m[1]) path.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  return path;
}
