// Shipments: the list, one shipment, its pending changes and state actions.
import { useQuery } from '@tanstack/react-query';
import { api, queryClient, unwrap, type Schemas } from '../../lib/api';
import { ifMatch } from '../../lib/conflict';
import { compact, useKeysetList } from '../../lib/list';

export type Shipment = Schemas['Shipment'];
export type ShipmentStatus = Schemas['ShipmentStatus'];
export type ShipmentPatch = Schemas['ShipmentPatch'];

export interface ShipmentFilter {
  status?: ShipmentStatus;
  customer_id?: string;
  contract_id?: string;
}

export function useShipments(filter: ShipmentFilter) {
  return useKeysetList<Shipment>(['shipments', 'list', filter], (cursor) =>
    unwrap(api.GET('/v1/shipments', { params: { query: { ...compact({ ...filter }), cursor, limit: 50 } } })),
  );
}

export function fetchShipment(id: string): Promise<Shipment> {
  return unwrap(api.GET('/v1/shipments/{id}', { params: { path: { id } } })) as Promise<Shipment>;
}

export function useShipment(id: string | undefined) {
  return useQuery({ queryKey: ['shipments', id], queryFn: () => fetchShipment(id as string), enabled: !!id });
}

function saved(s: Shipment): Shipment {
  queryClient.setQueryData(['shipments', s.id], s);
  void queryClient.invalidateQueries({ queryKey: ['shipments', 'list'] });
  // Shipping, delivering or cancelling changes what the contract has shipped.
  void queryClient.invalidateQueries({ queryKey: ['contracts', s.contract_id] });
  return s;
}

export async function patchShipment(patch: ShipmentPatch, base: { id: string; version: number }): Promise<Shipment> {
  return saved(
    await unwrap(api.PATCH('/v1/shipments/{id}', { params: { path: { id: base.id }, header: { 'If-Match': ifMatch(base) } }, body: patch })),
  );
}

export type ShipmentAction = 'ship' | 'deliver' | 'cancel';

export async function shipmentAction(id: string, action: ShipmentAction): Promise<Shipment> {
  const path = `/v1/shipments/{id}/${action}` as const;
  return saved(await unwrap(api.POST(path, { params: { path: { id } } })));
}
