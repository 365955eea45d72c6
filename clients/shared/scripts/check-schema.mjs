// Fails when shared/src/schema.d.ts is not what openapi-typescript makes of
// openapi/openapi.yaml today: an API change must come with its client types,
// so that code the change breaks fails to type-check.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const clients = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'crm-schema-'));
try {
  const fresh = join(dir, 'schema.d.ts');
  execFileSync('npx', ['--no-install', 'openapi-typescript', '../openapi/openapi.yaml', '--output', fresh], {
    cwd: clients,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const committed = readFileSync(join(clients, 'shared', 'src', 'schema.d.ts'), 'utf8');
  if (readFileSync(fresh, 'utf8') !== committed) {
    console.error('clients/shared/src/schema.d.ts is out of date with openapi/openapi.yaml: run `npm run gen` in clients/');
    process.exit(1);
  }
  console.log('clients/shared/src/schema.d.ts is current with openapi/openapi.yaml');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
