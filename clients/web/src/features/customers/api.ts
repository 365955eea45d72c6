// api.ts: the customers screens' server state — one TanStack Query hook per
// thing they read or write, and which keys a write makes stale.
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, newKey, queryClient, unwrap, type Schemas } from '../../lib/api';
import { ifMatch } from '../../lib/conflict';
import { allPages, compact, useKeysetList } from '../../lib/list';
import { newestFirst } from './timeline';

export type Customer = Schemas['Customer'];
export type CustomerInput = Schemas['CustomerInput'];
export type CustomerPatch = Schemas['CustomerPatch'];
export type Contact = Schemas['Contact'];
export type ContactInput = Schemas['ContactInput'];
export type ContactRecord = Schemas['ContactRecord'];
export type ContactRecordInput = Schemas['ContactRecordInput'];
export type User = Schemas['User'];

export interface CustomerFilters {
  q?: string;
  status?: Schemas['CustomerStatus'];
  category?: 'A' | 'B' | 'C';
  owner_id?: string;
  region?: string;
  tag?: string;
}

/** Customers asked for at once; the list shows one such page at a time. */
export const PAGE = 100;

/** The customers list with its filters, a page at a time. */
export function useCustomerList(filters: CustomerFilters) {
  const query = compact(filters as Record<string, unknown>) as CustomerFilters;
  return useKeysetList<Customer>(['customers', 'list', query], (cursor) =>
    unwrap(api.GET('/v1/customers', { params: { query: { ...query, limit: PAGE, cursor } } })),
  );
}

/** A few customers matching `q` (for pickers such as the merge dialog). */
export function useCustomerSearch(q: string) {
  return useQuery({
    queryKey: ['customers', 'search', q],
    queryFn: () => unwrap(api.GET('/v1/customers', { params: { query: { q, limit: 20 } } })),
    enabled: q.trim().length > 0,
  });
}

/** The existing customers a new one named `name` would duplicate (the duplicate
 * guard asked before saving; the save is still refused until confirmed). */
export function useDuplicateCandidates(name: string) {
  const q = name.trim();
  return useQuery({
    queryKey: ['customers', 'duplicates', q],
    queryFn: () => unwrap(api.GET('/v1/customers/duplicates', { params: { query: { name: q } } })),
    enabled: q.length >= 2,
    staleTime: 30_000,
  });
}

export function useCustomer(id: string) {
  return useQuery({
    queryKey: ['customers', id],
    queryFn: () => unwrap(api.GET('/v1/customers/{id}', { params: { path: { id } } })),
  });
}

export function fetchCustomer(id: string): Promise<Customer> {
  return queryClient.fetchQuery({
    queryKey: ['customers', id],
    queryFn: () => unwrap(api.GET('/v1/customers/{id}', { params: { path: { id } } })),
    staleTime: 0,
  });
}

function customerChanged(customer: Customer) {
  queryClient.setQueryData(['customers', customer.id], customer);
  void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
  void queryClient.invalidateQueries({ queryKey: ['customers', 'search'] });
}

/** Creates a customer; `confirmDuplicate` sends it past the duplicate guard. */
export function useCreateCustomer() {
  return useMutation({
    mutationFn: ({ body, confirmDuplicate }: { body: CustomerInput; confirmDuplicate: boolean }) =>
      unwrap(
        api.POST('/v1/customers', {
          params: { query: confirmDuplicate ? { confirm_duplicate: true } : {}, header: { 'Idempotency-Key': newKey() } },
          body,
        }),
      ),
    onSuccess: customerChanged,
  });
}

export async function saveCustomer(patch: CustomerPatch, base: Customer): Promise<Customer> {
  const saved = await unwrap(
    api.PATCH('/v1/customers/{id}', { params: { path: { id: base.id }, header: { 'If-Match': ifMatch(base) } }, body: patch }),
  );
  customerChanged(saved);
  return saved;
}

export function useTransferCustomer(id: string) {
  return useMutation({
    mutationFn: (owner_id: string) => unwrap(api.POST('/v1/customers/{id}/transfer', { params: { path: { id } }, body: { owner_id } })),
    onSuccess: customerChanged,
  });
}

export function useMergeCustomer(id: string) {
  return useMutation({
    mutationFn: (duplicate_id: string) => unwrap(api.POST('/v1/customers/{id}/merge', { params: { path: { id } }, body: { duplicate_id } })),
    onSuccess: (customer, duplicateId) => {
      queryClient.removeQueries({ queryKey: ['customers', duplicateId] });
      customerChanged(customer);
      void queryClient.invalidateQueries({ queryKey: ['customer-children', id] });
    },
  });
}

export function useDeleteCustomer() {
  return useMutation({
    mutationFn: (c: Customer) =>
      unwrap(api.DELETE('/v1/customers/{id}', { params: { path: { id: c.id }, header: { 'If-Match': ifMatch(c) } } })),
    onSuccess: (_r, c) => {
      queryClient.removeQueries({ queryKey: ['customers', c.id] });
      void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
    },
  });
}

/* ---- contact persons ---- */

const contactsKey = (customerId: string) => ['customer-children', customerId, 'contacts'];

export function useContacts(customerId: string) {
  return useQuery({
    queryKey: contactsKey(customerId),
    queryFn: () =>
      allPages((cursor) =>
        unwrap(api.GET('/v1/customers/{id}/contacts', { params: { path: { id: customerId }, query: { limit: 200, cursor } } })),
      ),
  });
}

export function useSaveContact(customerId: string) {
  return useMutation({
    mutationFn: ({ body, base }: { body: ContactInput; base?: Contact }) =>
      base
        ? unwrap(api.PATCH('/v1/contacts/{id}', { params: { path: { id: base.id }, header: { 'If-Match': ifMatch(base) } }, body }))
        : unwrap(
            api.POST('/v1/customers/{id}/contacts', { params: { path: { id: customerId }, header: { 'Idempotency-Key': newKey() } }, body }),
          ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: contactsKey(customerId) }),
  });
}

export function useDeleteContact(customerId: string) {
  return useMutation({
    mutationFn: (c: Contact) => unwrap(api.DELETE('/v1/contacts/{id}', { params: { path: { id: c.id }, header: { 'If-Match': ifMatch(c) } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: contactsKey(customerId) }),
  });
}

/* ---- contact records ---- */

const recordsKey = (customerId: string) => ['customer-children', customerId, 'records'];
/** Records of one customer shown at most; the API lists them oldest first, so
 * the timeline (newest first) reads them all up to this bound. */
const RECORDS_SHOWN = 1000;

export function useContactRecords(customerId: string) {
  return useQuery({
    queryKey: recordsKey(customerId),
    queryFn: async () =>
      newestFirst(
        await allPages(
          (cursor) =>
            unwrap(api.GET('/v1/customers/{id}/contact-records', { params: { path: { id: customerId }, query: { limit: 200, cursor } } })),
          RECORDS_SHOWN,
        ),
      ),
  });
}

export function useAddContactRecord(customerId: string) {
  return useMutation({
    mutationFn: (body: ContactRecordInput) =>
      unwrap(
        api.POST('/v1/customers/{id}/contact-records', { params: { path: { id: customerId }, header: { 'Idempotency-Key': newKey() } }, body }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: recordsKey(customerId) });
      // The customer's last/next contact and status are the server's to update.
      void queryClient.invalidateQueries({ queryKey: ['customers', customerId], exact: true });
      void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
    },
  });
}

/* ---- the customer's documents ---- */

export function useCustomerQuotations(customerId: string) {
  return useKeysetList<Schemas['Quotation']>(['customer-children', customerId, 'quotations'], (cursor) =>
    unwrap(api.GET('/v1/quotations', { params: { query: { customer_id: customerId, limit: 50, cursor } } })),
  );
}

export function useCustomerContracts(customerId: string) {
  return useKeysetList<Schemas['Contract']>(['customer-children', customerId, 'contracts'], (cursor) =>
    unwrap(api.GET('/v1/contracts', { params: { query: { customer_id: customerId, limit: 50, cursor } } })),
  );
}

export function useCustomerShipments(customerId: string) {
  return useKeysetList<Schemas['Shipment']>(['customer-children', customerId, 'shipments'], (cursor) =>
    unwrap(api.GET('/v1/shipments', { params: { query: { customer_id: customerId, limit: 50, cursor } } })),
  );
}
