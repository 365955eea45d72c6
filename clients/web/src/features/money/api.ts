// Money in: receivables and payments received — queries and writes.
import { useQuery } from '@tanstack/react-query';
import { api, newKey, queryClient, unwrap, type Schemas } from '../../lib/api';
import { allPages, compact, useKeysetList } from '../../lib/list';

export type Receivable = Schemas['Receivable'];
export type ReceivableStatus = Schemas['ReceivableStatus'];
export type Payment = Schemas['Payment'];
export type PaymentInput = Schemas['PaymentInput'];
export type PaymentMethod = Schemas['PaymentMethod'];
export type PaymentStatus = Schemas['PaymentStatus'];
export type AllocationInput = Schemas['AllocationInput'];

export const METHODS: PaymentMethod[] = ['bank_transfer', 'cash', 'cheque', 'card', 'alipay', 'wechat_pay', 'other'];

export interface ReceivableFilter {
  status?: ReceivableStatus;
  customer_id?: string;
  overdue?: boolean;
}

export function useReceivables(filter: ReceivableFilter) {
  return useKeysetList<Receivable>(['receivables', 'list', filter], (cursor) =>
    unwrap(api.GET('/v1/receivables', { params: { query: { ...compact({ ...filter }), cursor, limit: 50 } } })),
  );
}

/** Every receivable of a customer, or only the open ones (what a payment can pay). */
export function useCustomerReceivables(customerId: string | undefined, status?: ReceivableStatus) {
  return useQuery({
    queryKey: ['receivables', 'of', customerId, status],
    enabled: !!customerId,
    queryFn: () =>
      allPages<Receivable>((cursor) =>
        unwrap(api.GET('/v1/receivables', { params: { query: { customer_id: customerId, status, cursor, limit: 200 } } })),
      ),
  });
}

export const useOpenReceivables = (customerId: string | undefined) => useCustomerReceivables(customerId, 'open');

export interface PaymentFilter {
  status?: PaymentStatus;
  customer_id?: string;
}

export function usePayments(filter: PaymentFilter) {
  return useKeysetList<Payment>(['payments', 'list', filter], (cursor) =>
    unwrap(api.GET('/v1/payments', { params: { query: { ...compact({ ...filter }), cursor, limit: 50 } } })),
  );
}

export function usePayment(id: string | undefined) {
  return useQuery({
    queryKey: ['payments', id],
    enabled: !!id,
    queryFn: () => unwrap(api.GET('/v1/payments/{id}', { params: { path: { id: id as string } } })),
  });
}

function saved(p: Payment): Payment {
  queryClient.setQueryData(['payments', p.id], p);
  void queryClient.invalidateQueries({ queryKey: ['payments', 'list'] });
  // What the payment paid (or no longer pays) reads differently now.
  void queryClient.invalidateQueries({ queryKey: ['receivables'] });
  return p;
}

export async function recordPayment(body: PaymentInput): Promise<Payment> {
  return saved(await unwrap(api.POST('/v1/payments', { params: { header: { 'Idempotency-Key': newKey() } }, body })));
}

export async function allocatePayment(id: string, allocations: AllocationInput[]): Promise<Payment> {
  return saved(await unwrap(api.POST('/v1/payments/{id}/allocations', { params: { path: { id } }, body: { allocations } })));
}

export async function reversePayment(id: string, reason: string): Promise<Payment> {
  return saved(await unwrap(api.POST('/v1/payments/{id}/reverse', { params: { path: { id } }, body: { reason } })));
}
