// Quotations: the list, one quotation, its drafts and revisions, its state
// actions and the contract made from it.
import { useQuery } from '@tanstack/react-query';
import { api, newKey, queryClient, unwrap, type Schemas } from '../../lib/api';
import { ifMatch } from '../../lib/conflict';
import { compact, useKeysetList } from '../../lib/list';

export type Quotation = Schemas['Quotation'];
export type QuotationStatus = Schemas['QuotationStatus'];
export type QuotationInput = Schemas['QuotationInput'];
export type QuotationPatch = Schemas['QuotationPatch'];
export type LineInput = Schemas['QuotationLineInput'];
export type Product = Schemas['Product'];

export interface QuotationFilter {
  status?: QuotationStatus;
  customer_id?: string;
  owner_id?: string;
  updated_since?: string;
}

export function useQuotations(filter: QuotationFilter) {
  return useKeysetList<Quotation>(['quotations', 'list', filter], (cursor) =>
    unwrap(api.GET('/v1/quotations', { params: { query: { ...compact({ ...filter }), cursor, limit: 50 } } })),
  );
}

export function fetchQuotation(id: string): Promise<Quotation> {
  // The JSON answer (the same path also prints a PDF or CSV when asked).
  return unwrap(api.GET('/v1/quotations/{id}', { params: { path: { id } } })) as Promise<Quotation>;
}

export function useQuotation(id: string | undefined) {
  return useQuery({ queryKey: ['quotations', id], queryFn: () => fetchQuotation(id as string), enabled: !!id });
}

/** Puts a quotation the server answered into the cache and refreshes the lists. */
function saved(q: Quotation): Quotation {
  queryClient.setQueryData(['quotations', q.id], q);
  void queryClient.invalidateQueries({ queryKey: ['quotations', 'list'] });
  return q;
}

export async function createQuotation(body: QuotationInput): Promise<Quotation> {
  return saved(await unwrap(api.POST('/v1/quotations', { params: { header: { 'Idempotency-Key': newKey() } }, body })));
}

/** Saves `patch` over `base`. A sent quotation answers with a new revision (another id). */
export async function patchQuotation(patch: QuotationPatch, base: { id: string; version: number }): Promise<Quotation> {
  const q = saved(
    await unwrap(api.PATCH('/v1/quotations/{id}', { params: { path: { id: base.id }, header: { 'If-Match': ifMatch(base) } }, body: patch })),
  );
  // The revision it replaced is superseded now.
  if (q.id !== base.id) void queryClient.invalidateQueries({ queryKey: ['quotations', base.id] });
  return q;
}

export type QuotationAction = 'send' | 'accept' | 'reject';

export async function quotationAction(id: string, action: QuotationAction): Promise<Quotation> {
  const path = `/v1/quotations/{id}/${action}` as const;
  return saved(await unwrap(api.POST(path, { params: { path: { id } } })));
}

export async function deleteQuotation(q: Quotation): Promise<void> {
  await unwrap(api.DELETE('/v1/quotations/{id}', { params: { path: { id: q.id }, header: { 'If-Match': ifMatch(q) } } }));
  queryClient.removeQueries({ queryKey: ['quotations', q.id] });
  void queryClient.invalidateQueries({ queryKey: ['quotations'] });
}

/** The contract made from an accepted quotation (its lines, customer and currency). */
export async function contractFromQuotation(quotationId: string): Promise<Schemas['Contract']> {
  const c = await unwrap(
    api.POST('/v1/contracts', { params: { header: { 'Idempotency-Key': newKey() } }, body: { quotation_id: quotationId } }),
  );
  queryClient.setQueryData(['contracts', c.id], c);
  void queryClient.invalidateQueries({ queryKey: ['contracts', 'list'] });
  return c;
}

export function useContacts(customerId: string | undefined) {
  return useQuery({
    queryKey: ['customers', customerId, 'contacts'],
    queryFn: () => unwrap(api.GET('/v1/customers/{id}/contacts', { params: { path: { id: customerId as string }, query: { limit: 200 } } })),
    enabled: !!customerId,
  });
}

export function useProductSearch(q: string) {
  return useQuery({
    queryKey: ['products', 'pick', q],
    queryFn: () => unwrap(api.GET('/v1/products', { params: { query: { q: q || undefined, active: true, limit: 20 } } })),
  });
}
