// hardening_config.test.mjs: `crm-server serve` refuses a numeric setting it
// cannot honour — out of range, negative, not a number — with a message that
// names the setting, and a non-zero exit, before it listens anywhere. A port
// of 70000 must not become 4464, nor a body limit of -1 "unlimited".
// Each case starts its own server process, on a port of its own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BINARY = process.env.CRM_TEST_SERVER_BIN ?? fileURLToPath(new URL('../../build-test/crm-server', import.meta.url));
const APP_DB = process.env.CRM_TEST_APP_DB;
// The keys of the server under test: loading them is quicker than making new ones.
const DATA_DIR = process.env.CRM_TEST_KEYS_DIR ? dirname(process.env.CRM_TEST_KEYS_DIR) : undefined;
const EXIT_WITHIN_MS = 10000;
const SANITIZER = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

/** A TCP port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Start `crm-server serve` with `env` over a working configuration and `args`.
 * Returns { child, exited }: `exited` resolves { code, stderr, killed } once the
 * process has exited, killing it (killed = true) if it still runs after `ms`. */
async function start(env, args = [], ms = EXIT_WITHIN_MS) {
  assert.ok(APP_DB && DATA_DIR, 'CRM_TEST_APP_DB and CRM_TEST_KEYS_DIR must be set (scripts/test.sh sets them)');
  const child = spawn(BINARY, ['serve', ...args], {
    env: {
      ...process.env,
      CRM_DATABASE_URL: APP_DB,
      CRM_DATA_DIR: DATA_DIR,
      CRM_BIND: '127.0.0.1',
      CRM_PORT: String(await freePort()),
      CRM_SWEEP_SECONDS: '300',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, ms);
  // 'close' comes after the process exited and its stderr ended.
  const exited = new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, killed });
    }),
  );
  return { child, exited };
}

describe('numeric settings out of range or not numbers are refused at start', () => {
  const cases = [
    // [what, env, args, name the message must use]
    ['a port above 65535', { CRM_PORT: '70000' }, [], 'CRM_PORT'],
    ['port 0', { CRM_PORT: '0' }, [], 'CRM_PORT'],
    ['a port that is not a number', { CRM_PORT: 'http' }, [], 'CRM_PORT'],
    ['a port with trailing garbage', { CRM_PORT: '8080x' }, [], 'CRM_PORT'],
    ['a port above 65535 given as a flag', {}, ['--port', '99999'], '--port'],
    ['a body limit of -1', { CRM_MAX_BODY: '-1' }, [], 'CRM_MAX_BODY'],
    ['a body limit of 0', { CRM_MAX_BODY: '0' }, [], 'CRM_MAX_BODY'],
    ['a body limit beyond size_t', { CRM_MAX_BODY: '99999999999999999999999' }, [], 'CRM_MAX_BODY'],
    ['no threads', { CRM_THREADS: '0' }, [], 'CRM_THREADS'],
    ['a negative thread count', { CRM_THREADS: '-4' }, [], 'CRM_THREADS'],
    ['sign-up neither 0 nor 1', { CRM_SIGNUP: 'yes' }, [], 'CRM_SIGNUP'],
    ['an access-token lifetime over 15 minutes', { CRM_ACCESS_TTL: '3600' }, [], 'CRM_ACCESS_TTL'],
    ['a token rate that is a word', { CRM_TOKEN_RATE: 'ten' }, [], 'CRM_TOKEN_RATE'],
    ['a sweep every 0 seconds', { CRM_SWEEP_SECONDS: '0' }, [], 'CRM_SWEEP_SECONDS'],
  ];
  for (const [what, env, args, name] of cases) {
    test(`${what}: a message naming ${name} and a non-zero exit`, { timeout: EXIT_WITHIN_MS + 10000 }, async () => {
      const r = await (await start(env, args)).exited;
      assert.equal(r.killed, false, `the server was still running after ${EXIT_WITHIN_MS} ms: it accepted ${what}\n${r.stderr}`);
      assert.notEqual(r.code, 0, `exit status ${r.code}: ${r.stderr}`);
      assert.ok(r.stderr.includes(name), `stderr names ${name}: ${r.stderr}`);
      assert.match(r.stderr, /whole number from \d+ to \d+/, `stderr says what the setting takes: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /"msg":"serving"/, 'it never started serving');
      assert.doesNotMatch(r.stderr, SANITIZER);
    });
  }
});

describe('the same configuration with sane values', () => {
  test('starts, answers /healthz, and exits 0 on SIGTERM', { timeout: 60000 }, async () => {
    const port = await freePort();
    const env = {
      CRM_PORT: String(port),
      CRM_MAX_BODY: '2048',
      CRM_THREADS: '2',
      CRM_SIGNUP: '0',
      CRM_ACCESS_TTL: '600',
      CRM_TOKEN_RATE: '5',
      CRM_SWEEP_SECONDS: '3600',
    };
    const { child, exited } = await start(env, [], 45000);
    let healthy = false;
    for (let i = 0; i < 150 && !healthy && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 200));
      healthy = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })
        .then((res) => res.status === 200)
        .catch(() => false);
    }
    child.kill('SIGTERM'); // whatever happened; then judge
    const r = await exited;
    assert.ok(healthy, `the server with a sane configuration did not answer /healthz:\n${r.stderr}`);
    assert.equal(r.killed, false, 'it stopped on SIGTERM');
    assert.equal(r.code, 0, `exit status after SIGTERM: ${r.code}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, SANITIZER);
  });
});
