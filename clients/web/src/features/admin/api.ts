// api.ts: users, teams, the organization's settings and the audit log.
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, newKey, queryClient, unwrap, type Schemas } from '../../lib/api';
import { ifMatch } from '../../lib/conflict';
import { compact, useKeysetList } from '../../lib/list';

export type User = Schemas['User'];
export type Team = Schemas['Team'];
export type Role = Schemas['Role'];
export type TenantSettings = Schemas['TenantSettings'];
export type AuditEntry = Schemas['AuditEntry'];
export type AuditEntity = Schemas['AuditEntity'];
export type AuditAction = Schemas['AuditAction'];

export const ROLES: Role[] = ['admin', 'manager', 'sales', 'assistant', 'finance', 'service'];
export const AUDIT_ENTITIES: AuditEntity[] = [
  'customers', 'contacts', 'contact_records', 'users', 'teams', 'products', 'quotations', 'quotation_lines',
  'contracts', 'contract_lines', 'installments', 'shipments', 'shipment_lines', 'tenants', 'receivables', 'payments',
  'payment_allocations',
];
export const AUDIT_ACTIONS: AuditAction[] = ['create', 'update', 'delete', 'read'];

export interface UserFilter {
  role?: Role;
  team_id?: string;
  active?: boolean;
}

/** Users page by page (admins and managers). */
export function useUserList(filter: UserFilter, enabled = true) {
  return useKeysetList(
    ['users', 'list', filter],
    (cursor) => unwrap(api.GET('/v1/users', { params: { query: { ...compact({ ...filter }), cursor, limit: 100 } } })),
    enabled,
  );
}

function invalidateUsers() {
  void queryClient.invalidateQueries({ queryKey: ['users'] });
  void queryClient.invalidateQueries({ queryKey: ['me'] });
}

export function useCreateUser() {
  return useMutation({
    mutationFn: (body: Schemas['UserInput']) =>
      unwrap(api.POST('/v1/users', { body, params: { header: { 'Idempotency-Key': newKey() } } })),
    onSuccess: invalidateUsers,
  });
}

export async function saveUser(patch: Schemas['UserPatch'], base: User): Promise<User> {
  const saved = await unwrap(api.PATCH('/v1/users/{id}', { params: { path: { id: base.id }, header: { 'If-Match': ifMatch(base) } }, body: patch }));
  invalidateUsers();
  return saved;
}

export function loadUser(id: string): Promise<User> {
  return unwrap(api.GET('/v1/users/{id}', { params: { path: { id } } }));
}

export function useDeactivateUser() {
  return useMutation({
    mutationFn: (u: User) => unwrap(api.DELETE('/v1/users/{id}', { params: { path: { id: u.id }, header: { 'If-Match': ifMatch(u) } } })),
    onSuccess: invalidateUsers,
  });
}

function invalidateTeams() {
  void queryClient.invalidateQueries({ queryKey: ['teams'] });
}

export function useCreateTeam() {
  return useMutation({
    mutationFn: (body: Schemas['TeamInput']) =>
      unwrap(api.POST('/v1/teams', { body, params: { header: { 'Idempotency-Key': newKey() } } })),
    onSuccess: invalidateTeams,
  });
}

export async function saveTeam(patch: Schemas['TeamPatch'], base: Team): Promise<Team> {
  const saved = await unwrap(api.PATCH('/v1/teams/{id}', { params: { path: { id: base.id }, header: { 'If-Match': ifMatch(base) } }, body: patch }));
  invalidateTeams();
  return saved;
}

export function loadTeam(id: string): Promise<Team> {
  return unwrap(api.GET('/v1/teams/{id}', { params: { path: { id } } }));
}

export function useTenantSettings() {
  return useQuery({ queryKey: ['tenant'], queryFn: () => unwrap(api.GET('/v1/tenant')) });
}

export function loadTenantSettings(): Promise<TenantSettings> {
  return unwrap(api.GET('/v1/tenant'));
}

export async function saveTenantSettings(patch: Schemas['TenantSettingsPatch'], base: TenantSettings): Promise<TenantSettings> {
  const saved = await unwrap(api.PATCH('/v1/tenant', { params: { header: { 'If-Match': ifMatch(base) } }, body: patch }));
  showTenantSettings(saved);
  void queryClient.invalidateQueries({ queryKey: ['me'] });
  return saved;
}

/** Makes `settings` (as the server has them now) what the screens show. */
export function showTenantSettings(settings: TenantSettings): void {
  queryClient.setQueryData(['tenant'], settings);
}

export interface AuditFilter {
  entity?: AuditEntity;
  entity_id?: string;
  actor_id?: string;
  action?: AuditAction;
  /** Changes at or after this instant. */
  since?: string;
  /** Changes before this instant. */
  before?: string;
}

export function useAuditLog(filter: AuditFilter) {
  return useKeysetList(['audit', filter], (cursor) =>
    unwrap(api.GET('/v1/audit-log', { params: { query: { ...compact({ ...filter }), cursor, limit: 100 } } })),
  );
}
