// The JavaScript a first visit loads before the first screen — the entry
// script and every chunk index.html preloads — gzipped as the server sends it;
// fails above the budget (DESIGN §9, issue: 400 KB).
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 400 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const f of new Set(files)) {
  const gz = join(dist, `${f}.gz`);
  let size;
  try {
    size = statSync(gz).size;
  } catch {
    size = gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  }
  total += size;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`web app: initial JavaScript ${kb(total)} gzipped in ${files.length} files (budget ${kb(BUDGET)})`);
if (files.length === 0 || total > BUDGET) {
  console.error(files.length === 0 ? 'no script found in dist/index.html' : 'over the budget: split more screens off');
  process.exit(1);
}
