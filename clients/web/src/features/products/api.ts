// The product catalogue's queries and writes.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, newKey, unwrap, type Schemas } from '../../lib/api';
import { ifMatch } from '../../lib/conflict';
import { compact, useKeysetList } from '../../lib/list';

export type Product = Schemas['Product'];
export type ProductInput = Schemas['ProductInput'];
export type ProductPatch = Schemas['ProductPatch'];

export interface ProductFilter {
  q?: string;
  active?: boolean;
}

export function useProducts(filter: ProductFilter) {
  return useKeysetList<Product>(['products', 'list', filter], (cursor) =>
    unwrap(api.GET('/v1/products', { params: { query: { ...compact({ ...filter }), cursor, limit: 50 } } })),
  );
}

export function fetchProduct(id: string): Promise<Product> {
  return unwrap(api.GET('/v1/products/{id}', { params: { path: { id } } }));
}

export function useCreateProduct() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ProductInput) =>
      unwrap(api.POST('/v1/products', { params: { header: { 'Idempotency-Key': newKey() } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['products'] }),
  });
}

/** Sends `patch` over `base` (If-Match of its version). */
export function saveProduct(patch: ProductPatch, base: Product): Promise<Product> {
  return unwrap(
    api.PATCH('/v1/products/{id}', { params: { path: { id: base.id }, header: { 'If-Match': ifMatch(base) } }, body: patch }),
  );
}
