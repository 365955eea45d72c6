// The JavaScript the field-sales app loads before its first screen — the entry
// script and every chunk /m/index.html preloads — gzipped as the server sends
// it; fails above the budget (DESIGN §7, issue 11: 250 KB). The service
// worker and the chunks it precaches later are not part of a first start.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 250 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
// The app lives under /m/: its built paths are /m/assets/….js.
const files = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="\/m\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const f of new Set(files)) {
  let size;
  try {
    size = statSync(join(dist, `${f}.gz`)).size;
  } catch {
    size = gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  }
  total += size;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`mobile app: initial JavaScript ${kb(total)} gzipped in ${new Set(files).size} files (budget ${kb(BUDGET)})`);
if (files.length === 0 || total > BUDGET) {
  console.error(files.length === 0 ? 'no script found in clients/mobile/dist/index.html' : 'over the budget: load screens lazily, or drop a dependency');
  process.exit(1);
}
