// api.ts: the performance report (GET /v1/reports/performance), as JSON for
// the screens and as the server's CSV for a download.
import { useQuery } from '@tanstack/react-query';
import { api, saveDownload, unwrap, type paths, type Schemas } from '../../lib/api';

export type PerformanceQuery = NonNullable<paths['/v1/reports/performance']['get']['parameters']['query']>;

export function usePerformance(query: PerformanceQuery, enabled = true) {
  return useQuery({
    queryKey: ['reports', 'performance', query],
    // Asked without Accept: text/csv, the answer is the JSON report.
    queryFn: async () => (await unwrap(api.GET('/v1/reports/performance', { params: { query } }))) as Schemas['PerformanceReport'],
    enabled,
  });
}

/** The same rows as the server writes them in CSV, saved as a file. */
export function downloadPerformanceCsv(query: PerformanceQuery): Promise<void> {
  return saveDownload(
    api.GET('/v1/reports/performance', { params: { query }, parseAs: 'blob', headers: { Accept: 'text/csv' } }),
    `performance-${query.group_by ?? 'owner'}.csv`,
  );
}
