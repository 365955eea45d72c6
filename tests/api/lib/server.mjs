// server.mjs: a `crm-server serve` of a test's own, with settings of its own,
// on the database and keys of the server under test; stopped by SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BINARY = process.env.CRM_TEST_BINARY ?? fileURLToPath(new URL('../../../build-test/crm-server', import.meta.url));
const APP_DB = process.env.CRM_TEST_APP_DB;
const DATA_DIR = process.env.CRM_TEST_KEYS_DIR ? dirname(process.env.CRM_TEST_KEYS_DIR) : undefined;

/**
 * Start a server on 127.0.0.1:`port` with `env` over a working configuration;
 * resolves once it answers /healthz: { url, port, log() (its output so far), stop() }.
 * stop() sends SIGTERM and resolves the exit code (SIGKILL after 10 s: then null).
 */
export async function startServer(port, env = {}) {
  assert.ok(APP_DB && DATA_DIR, 'CRM_TEST_APP_DB and CRM_TEST_KEYS_DIR must be set (scripts/test.sh sets them)');
  const child = spawn(BINARY, ['serve'], {
    env: {
      ...process.env,
      CRM_DATABASE_URL: APP_DB,
      CRM_DATA_DIR: DATA_DIR,
      CRM_BIND: '127.0.0.1',
      CRM_PORT: String(port),
      CRM_SWEEP_SECONDS: '3600',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      output += d;
    });
  }
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  let healthy = false;
  for (let i = 0; i < 150 && !healthy && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 200));
    healthy = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
      .then((res) => res.status === 200)
      .catch(() => false);
  }
  if (!healthy) {
    child.kill('SIGKILL');
    await exited;
    assert.fail(`the server on port ${port} did not come up:\n${output}`);
  }
  return {
    url,
    port,
    log: () => output,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
