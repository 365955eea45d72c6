// directory.ts: the organization's people and teams, one cached list each,
// for every screen that names or picks them.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './api';
import { useHasRole } from './auth';
import { allPages } from './list';

/** Every user of the organization; only admins and managers may list them, so
 * for others (or when `enabled` is false) the query does not run. */
export function useAllUsers(enabled = true) {
  const mayList = useHasRole('admin', 'manager');
  return useQuery({
    queryKey: ['users', 'all-pages'],
    enabled: enabled && mayList,
    staleTime: 60_000,
    queryFn: () => allPages((cursor) => unwrap(api.GET('/v1/users', { params: { query: { limit: 200, cursor } } }))),
  });
}

/** Every team (any signed-in user may list them). */
export function useAllTeams() {
  return useQuery({
    queryKey: ['teams', 'all-pages'],
    staleTime: 60_000,
    queryFn: () => allPages((cursor) => unwrap(api.GET('/v1/teams', { params: { query: { limit: 200, cursor } } }))),
  });
}
