// Contracts: the list, one contract, its draft changes (dates, notes, payment
// plan), its state actions, and the shipments made of it.
import { useQuery } from '@tanstack/react-query';
import { api, newKey, queryClient, unwrap, type Schemas } from '../../lib/api';
import { ifMatch } from '../../lib/conflict';
import { compact, useKeysetList } from '../../lib/list';

export type Contract = Schemas['Contract'];
export type ContractStatus = Schemas['ContractStatus'];
export type ContractPatch = Schemas['ContractPatch'];
export type Shipment = Schemas['Shipment'];
export type ShipmentInput = Schemas['ShipmentInput'];

export interface ContractFilter {
  status?: ContractStatus;
  customer_id?: string;
  owner_id?: string;
}

export function useContracts(filter: ContractFilter) {
  return useKeysetList<Contract>(['contracts', 'list', filter], (cursor) =>
    unwrap(api.GET('/v1/contracts', { params: { query: { ...compact({ ...filter }), cursor, limit: 50 } } })),
  );
}

export function fetchContract(id: string): Promise<Contract> {
  // The JSON answer (the same path also prints a PDF or CSV when asked).
  return unwrap(api.GET('/v1/contracts/{id}', { params: { path: { id } } })) as Promise<Contract>;
}

export function useContract(id: string | undefined) {
  return useQuery({ queryKey: ['contracts', id], queryFn: () => fetchContract(id as string), enabled: !!id });
}

function saved(c: Contract): Contract {
  queryClient.setQueryData(['contracts', c.id], c);
  void queryClient.invalidateQueries({ queryKey: ['contracts', 'list'] });
  return c;
}

export async function patchContract(patch: ContractPatch, base: { id: string; version: number }): Promise<Contract> {
  return saved(
    await unwrap(api.PATCH('/v1/contracts/{id}', { params: { path: { id: base.id }, header: { 'If-Match': ifMatch(base) } }, body: patch })),
  );
}

export type ContractAction = 'activate' | 'complete' | 'cancel';

export async function contractAction(id: string, action: ContractAction): Promise<Contract> {
  const path = `/v1/contracts/{id}/${action}` as const;
  return saved(await unwrap(api.POST(path, { params: { path: { id } } })));
}

export function useContractShipments(contractId: string) {
  return useKeysetList<Shipment>(['shipments', 'list', { contract_id: contractId }], (cursor) =>
    unwrap(api.GET('/v1/shipments', { params: { query: { ...compact({ contract_id: contractId }), cursor, limit: 50 } } })),
  );
}

/** A new shipment; the contract's shipped and remaining quantities change with it. */
export async function createShipment(body: ShipmentInput): Promise<Shipment> {
  const s = await unwrap(api.POST('/v1/shipments', { params: { header: { 'Idempotency-Key': newKey() } }, body }));
  queryClient.setQueryData(['shipments', s.id], s);
  void queryClient.invalidateQueries({ queryKey: ['shipments', 'list'] });
  void queryClient.invalidateQueries({ queryKey: ['contracts', body.contract_id] });
  return s;
}
