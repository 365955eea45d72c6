// api.ts: the agenda (GET /v1/agenda) — the caller's own, or for a manager
// a member of a team they lead, for an admin anyone's.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../lib/api';

export type Agenda = Schemas['Agenda'];
export type AgendaItem = Schemas['AgendaItem'];
export type AgendaKind = Schemas['AgendaItemKind'];

export function useAgenda(userId: string | undefined) {
  return useQuery({
    queryKey: ['agenda', userId ?? 'me'],
    queryFn: () => unwrap(api.GET('/v1/agenda', { params: { query: userId ? { user_id: userId } : {} } })),
  });
}
