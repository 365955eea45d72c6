// A stand-in for the server in the data layer's unit tests: the few routes
// the phone uses, with the server's rules that the outbox relies on —
// client ids, Idempotency-Key replay, If-Match, the duplicate guard, the
// change feed — and a switch that commits a write but loses its answer.
import createClient from 'openapi-fetch';
import type { Client, paths } from '@crm/shared';

type Row = Record<string, unknown>;
type Entity = 'customer' | 'contact' | 'contact_record';

const COLLECTION: Record<string, Entity> = { customers: 'customer', contacts: 'contact', 'contact-records': 'contact_record' };

export class FakeServer {
  rows: Record<Entity, Map<string, Row>> = { customer: new Map(), contact: new Map(), contact_record: new Map() };
  feed: { entity: Entity; id: string; op: 'upsert' | 'delete' }[] = [];
  keys = new Map<string, { body: string; status: number; answer: Row }>();
  /** Requests seen, "METHOD path". */
  log: string[] = [];
  /** The next write is committed, then its answer is lost. */
  dropNextAnswer = false;
  /** Every request fails with no answer (the phone is offline). */
  offline = false;
  private clock = Date.parse('2026-06-01T08:00:00Z');

  client(): Client {
    return createClient<paths>({ baseUrl: 'http://crm.test', fetch: (r: Request) => this.handle(r) });
  }

  private now() {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  /** A write the office makes on the server. */
  officeEdit(entity: Entity, id: string, patch: Row) {
    const row = this.rows[entity].get(id)!;
    this.rows[entity].set(id, { ...row, ...patch, version: (row.version as number) + 1, updated_at: this.now() });
    this.feed.push({ entity, id, op: 'upsert' });
  }

  officeDelete(entity: Entity, id: string) {
    this.rows[entity].delete(id);
    this.feed.push({ entity, id, op: 'delete' });
  }

  seedCustomer(row: Row): Row {
    const full: Row = { status: 'active', owner_id: 'u1', owner_name: 'Wang', tags: [], phone: null, location: null, last_contact_at: null, next_contact_at: null, created_at: this.now(), ...row, version: 1 };
    this.rows.customer.set(full.id as string, full);
    this.feed.push({ entity: 'customer', id: full.id as string, op: 'upsert' });
    return full;
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    this.log.push(`${request.method} ${url.pathname}${url.search}`);
    if (this.offline) throw new TypeError('Failed to fetch');
    const body = request.method === 'GET' ? null : ((await request.json()) as Row);
    const parts = url.pathname.split('/').slice(2); // after /v1
    const json = (status: number, data: unknown, headers: Record<string, string> = {}) =>
      new Response(JSON.stringify(data), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } });
    const problem = (status: number, kind: string, extra: Row = {}) =>
      json(status, { type: `https://crm.example/problems/${kind}`, title: kind, status, detail: `${kind} (test)`, ...extra });

    if (request.method === 'GET' && parts[0] === 'changes') {
      const from = Number(url.searchParams.get('cursor') || '0');
      const limit = Number(url.searchParams.get('limit') || '100');
      const items = this.feed.slice(from, from + limit).map((c, i) => ({
        cursor: String(from + i + 1),
        entity: c.entity,
        id: c.id,
        op: c.op,
        data: c.op === 'delete' ? null : (this.rows[c.entity].get(c.id) ?? null),
      }));
      return json(200, { data: items, next_cursor: String(from + items.length) });
    }

    const entity = COLLECTION[parts[0]];
    if (request.method === 'GET' && parts.length === 2) {
      const row = this.rows[entity].get(parts[1]);
      return row ? json(200, row, { ETag: `"${row.version}"` }) : problem(404, 'not-found');
    }

    if (request.method === 'PATCH' && parts.length === 2) {
      const row = this.rows[entity].get(parts[1]);
      if (!row) return problem(404, 'not-found');
      if (request.headers.get('If-Match') !== `"${row.version}"`) return problem(412, 'precondition-failed');
      this.officeEdit(entity, parts[1], body!);
      return this.answer(json(200, this.rows[entity].get(parts[1])));
    }

    if (request.method === 'POST') {
      const target: Entity = parts.length === 3 ? 'contact' : entity;
      const key = request.headers.get('Idempotency-Key');
      const text = JSON.stringify(body);
      const seen = key ? this.keys.get(key) : undefined;
      if (seen) {
        if (seen.body !== text) return problem(422, 'validation', { errors: [{ field: 'Idempotency-Key', code: 'reused', message: 'reused' }] });
        return json(seen.status, seen.answer, { 'Idempotent-Replayed': 'true' });
      }
      if (target === 'customer') {
        if (!body!.name) return problem(422, 'validation', { errors: [{ field: 'name', code: 'required', message: 'name is required' }] });
        const same = [...this.rows.customer.values()].find((c) => c.name === body!.name);
        if (same && url.searchParams.get('confirm_duplicate') !== 'true')
          return problem(409, 'duplicate', { candidates: [{ id: same.id, name: same.name, owner_name: same.owner_name }] });
      }
      const id = body!.id as string;
      if (this.rows[target].has(id)) return problem(409, 'conflict');
      const row: Row = { ...body, ...(parts.length === 3 ? { customer_id: parts[1] } : {}), version: 1, created_at: this.now() };
      if (target === 'contact_record') {
        row.distance_m = row.location ? 42 : null;
        const c = this.rows.customer.get(row.customer_id as string)!;
        this.rows.customer.set(c.id as string, { ...c, last_contact_at: row.occurred_at ?? this.now(), next_contact_at: row.next_contact_at ?? null, version: (c.version as number) + 1 });
        this.feed.push({ entity: 'customer', id: c.id as string, op: 'upsert' });
      }
      this.rows[target].set(id, row);
      this.feed.push({ entity: target, id, op: 'upsert' });
      if (key) this.keys.set(key, { body: text, status: 201, answer: row });
      return this.answer(json(201, row, { ETag: '"1"' }));
    }
    return problem(405, 'method-not-allowed');
  }

  private answer(r: Response): Response {
    if (!this.dropNextAnswer) return r;
    this.dropNextAnswer = false;
    throw new DOMException('The operation timed out.', 'TimeoutError');
  }
}
