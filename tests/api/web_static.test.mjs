// web_static.test.mjs: `crm-server serve` serves the built client apps — the
// web app from CRM_WEB_DIR at /, the mobile app from CRM_MOBILE_DIR at /m/ —
// beside the API without ever shadowing it: files by extension, the SPA
// fallback to index.html (never for a missing hashed asset), immutable caching
// of assets and no-cache for the rest, ETags and 304, precompressed gzip, a
// same-origin Content-Security-Policy, and no path that leaves the folder.
// The folders are fixtures this file writes; the servers are its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startServer } from './lib/server.mjs';
import { exchange } from './lib/raw.mjs';
import { checkResponse } from './lib/spec.mjs';

const WEB_PORT = 18612; // both apps
const OFF_PORT = 18613; // neither: one setting unset, the other a folder without index.html
const SANITIZER = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

const WEB_INDEX = '<!doctype html><html><head><title>Office</title></head><body>office web app</body></html>\n';
const MOBILE_INDEX = '<!doctype html><html><head><title>Field</title></head><body>field sales app</body></html>\n';
const APP_JS = `console.log(${JSON.stringify('app '.repeat(200))});\n`;
const SECRET = 'TOP SECRET, outside the folder';

let root, web, mobile, server, off;

function writeFixtures() {
  root = mkdtempSync(join(tmpdir(), 'crm-apps-'));
  web = join(root, 'web');
  mobile = join(root, 'mobile');
  const outside = join(root, 'outside');
  for (const d of [web, join(web, 'assets'), join(web, '.hidden'), mobile, join(mobile, 'assets'), outside, join(root, 'empty')]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(join(outside, 'secret.txt'), SECRET);
  writeFileSync(join(web, 'index.html'), WEB_INDEX);
  writeFileSync(join(web, 'assets', 'app-abc123.js'), APP_JS);
  writeFileSync(join(web, 'assets', 'app-abc123.js.gz'), gzipSync(APP_JS));
  writeFileSync(join(web, 'assets', 'style-def456.css'), 'body{margin:0}\n');
  writeFileSync(join(web, 'assets', 'logo-1.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  writeFileSync(join(web, 'assets', 'font-2.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(join(web, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  writeFileSync(join(web, 'sw.js'), 'self.addEventListener("fetch", () => {});\n');
  writeFileSync(join(web, 'manifest.webmanifest'), '{"name":"CRM"}\n');
  writeFileSync(join(web, 'data.unknownext'), 'bytes');
  writeFileSync(join(web, '.env'), 'PASSWORD=hunter2\n');
  writeFileSync(join(web, '.hidden', 'note.txt'), 'hidden\n');
  symlinkSync(join(outside, 'secret.txt'), join(web, 'escape.txt'));
  symlinkSync(join(outside, 'secret.txt'), join(web, 'assets', 'escape-9.js'));
  symlinkSync(outside, join(web, 'out'));
  symlinkSync(join(web, 'assets', 'app-abc123.js'), join(web, 'inside.js'));
  // Past the 32 MiB a file may have; sparse, so it costs no disk.
  writeFileSync(join(web, 'huge.bin'), '');
  truncateSync(join(web, 'huge.bin'), 33 * 1024 * 1024);
  writeFileSync(join(mobile, 'index.html'), MOBILE_INDEX);
  writeFileSync(join(mobile, 'assets', 'm-777.js'), 'console.log("m");\n');
}

before(async () => {
  writeFixtures();
  server = await startServer(WEB_PORT, { CRM_WEB_DIR: web, CRM_MOBILE_DIR: mobile });
  off = await startServer(OFF_PORT, { CRM_WEB_DIR: join(root, 'empty'), CRM_MOBILE_DIR: '' });
});

after(async () => {
  const codes = [await server?.stop(), await off?.stop()];
  for (const s of [server, off]) if (s) assert.doesNotMatch(s.log(), SANITIZER, 'no sanitizer report');
  assert.deepEqual(codes, [0, 0], 'both servers exit 0 on SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

/** GET (or `method`) `path` on the apps' server, without following redirects or decoding gzip. */
async function get(path, { method = 'GET', headers = {}, base = server.url } = {}) {
  const res = await fetch(base + path, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  let body = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** One request sent byte for byte, so that no client library normalises its path. */
async function raw(path, { port = WEB_PORT, headers = '' } = {}) {
  const r = await exchange(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`, { port });
  assert.equal(r.responses.length, 1, `one response to GET ${path}: ${r.raw.toString('latin1').slice(0, 300)}`);
  const head = r.raw.indexOf('\r\n\r\n');
  return { ...r.responses[0], bytes: r.raw.subarray(head + 4) };
}

function assertProblem(res, status) {
  assert.equal(res.status, status, `${status} expected: ${res.text ?? res.body}`);
  assert.match(res.headers.get?.('content-type') ?? res.headers['content-type'], /^application\/problem\+json/);
  const body = typeof res.body === 'string' ? JSON.parse(res.body) : res.body;
  assert.equal(body.status, status);
}

function assertAppHeaders(headers) {
  const h = (name) => headers.get?.(name) ?? headers[name];
  const csp = h('content-security-policy') ?? '';
  assert.match(csp, /^default-src 'self';/, `CSP: ${csp}`);
  assert.match(csp, /script-src 'self';/, 'scripts only from the own origin, never inline');
  assert.match(csp, /connect-src 'self';/);
  assert.match(csp, /object-src 'none';/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp.replace(/style-src [^;]*;/, ''), /unsafe-inline|unsafe-eval|\*|https?:/, 'nothing but styles may be inline, nothing from elsewhere');
  assert.equal(h('referrer-policy'), 'same-origin');
  assert.equal(h('x-frame-options'), 'DENY');
  assert.equal(h('x-content-type-options'), 'nosniff');
}

describe('the apps are served from their folders', () => {
  test('the start is logged: which app is served from which folder, and which is not', () => {
    const lines = server.log().split('\n').filter((l) => l.includes('"app"')).map((l) => JSON.parse(l));
    const web_ = lines.find((l) => l.app === 'web app');
    const mobile_ = lines.find((l) => l.app === 'mobile app');
    assert.equal(web_.msg, 'serving this app');
    assert.equal(web_.prefix, '/');
    assert.ok(web_.dir.endsWith('/web'), web_.dir);
    assert.equal(mobile_.prefix, '/m/');
    assert.ok(mobile_.dir.endsWith('/mobile'), mobile_.dir);
    const offLines = off.log().split('\n').filter((l) => l.includes('"app"')).map((l) => JSON.parse(l));
    assert.match(offLines.find((l) => l.app === 'web app').msg, /no index\.html/);
    assert.match(offLines.find((l) => l.app === 'mobile app').msg, /not set/);
  });

  test('GET / is the web app: HTML, no-cache, an ETag, the same-origin policy', async () => {
    const r = await get('/');
    assert.equal(r.status, 200);
    assert.equal(r.text, WEB_INDEX);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.match(r.headers.get('etag'), /^"[0-9a-f]+-[0-9a-f]+"$/);
    assertAppHeaders(r.headers);
    checkResponse('GET', '/', r);
  });

  test('a path of the app that is no file answers index.html (the SPA fallback), query or not', async () => {
    for (const path of ['/customers', '/customers/5f0c6a8e-0000-4000-8000-000000000001', '/quotations/x?tab=lines', '/reports/aging/', '/v2/x', '/healthzx', '/index.htm']) {
      const r = await get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.text, WEB_INDEX, path);
      assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8', path);
      assert.equal(r.headers.get('cache-control'), 'no-cache', path);
      assertAppHeaders(r.headers);
      checkResponse('GET', path, r, { template: '/' });
    }
  });

  test('/m, /m/ and every path below it are the mobile app, with its own fallback', async () => {
    for (const path of ['/m', '/m/', '/m/today', '/m/customers/1?x=2']) {
      const r = await get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.text, MOBILE_INDEX, path);
      assert.equal(r.headers.get('cache-control'), 'no-cache', path);
      assertAppHeaders(r.headers);
      checkResponse('GET', path, r, { template: '/m/' });
    }
    const js = await get('/m/assets/m-777.js');
    assert.equal(js.status, 200);
    assert.equal(js.text, 'console.log("m");\n');
    assertProblem(await get('/m/assets/app-abc123.js'), 404); // the web app's asset is not the mobile app's
    const notMobile = await get('/mobile');
    assert.equal(notMobile.text, WEB_INDEX, '/mobile is a path of the web app');
  });

  test('each file has the content type of its extension; an unknown one is octet-stream', async () => {
    const cases = [
      ['/assets/app-abc123.js', 'text/javascript; charset=utf-8'],
      ['/assets/style-def456.css', 'text/css; charset=utf-8'],
      ['/assets/logo-1.svg', 'image/svg+xml'],
      ['/assets/font-2.woff2', 'font/woff2'],
      ['/favicon.ico', 'image/x-icon'],
      ['/manifest.webmanifest', 'application/manifest+json'],
      ['/sw.js', 'text/javascript; charset=utf-8'],
      ['/index.html', 'text/html; charset=utf-8'],
      ['/data.unknownext', 'application/octet-stream'],
    ];
    for (const [path, type] of cases) {
      const r = await get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-type'), type, path);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
      checkResponse('GET', path, r, { template: '/' });
    }
  });

  test('hashed assets are kept a year; index.html and the other files are revalidated', async () => {
    for (const path of ['/assets/app-abc123.js', '/assets/style-def456.css', '/assets/logo-1.svg']) {
      assert.equal((await get(path)).headers.get('cache-control'), 'public, max-age=31536000, immutable', path);
    }
    for (const path of ['/', '/index.html', '/sw.js', '/manifest.webmanifest', '/favicon.ico', '/customers/1']) {
      assert.equal((await get(path)).headers.get('cache-control'), 'no-cache', path);
    }
  });

  test('a missing file under assets/ is a 404 problem, never index.html', async () => {
    for (const path of ['/assets/app-old999.js', '/assets/', '/assets', '/assets/sub/x.css']) {
      const r = await get(path);
      assertProblem(r, 404);
      assert.doesNotMatch(r.text, /office web app/, path);
      assertAppHeaders(r.headers);
      checkResponse('GET', path, r, { template: '/' });
    }
  });

  test('a symbolic link within the folder is served', async () => {
    const r = await get('/inside.js');
    assert.equal(r.status, 200);
    assert.equal(r.text, APP_JS);
  });
});

describe('the API is never shadowed', () => {
  test('an unknown /v1 path is the API\'s 404 problem, not a page', async () => {
    for (const path of ['/v1/nope', '/v1', '/v1/', '/v1/customers/x/y', '/.well-known/other', '/healthz/x']) {
      const r = await get(path);
      assertProblem(r, 404);
      assert.doesNotMatch(r.text, /office web app/, path);
      assert.equal(r.headers.get('cache-control'), 'no-store', path);
      assert.equal(r.headers.get('content-security-policy'), null, `${path} is the API's`);
    }
  });

  test('the API answers as before, with no-store', async () => {
    const ping = await get('/v1/ping');
    assert.equal(ping.status, 200);
    assert.deepEqual(ping.body, { pong: true });
    assert.equal(ping.headers.get('cache-control'), 'no-store');
    checkResponse('GET', '/v1/ping', ping);
    const health = await get('/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('cache-control'), 'no-store');
    const jwks = await get('/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    assert.ok(Array.isArray(jwks.body.keys));
    const me = await get('/v1/me');
    assertProblem(me, 401);
    const post = await get('/healthz', { method: 'POST' });
    assertProblem(post, 405);
    assert.equal(post.headers.get('allow'), 'GET');
  });
});

describe('conditional requests and compression', () => {
  test('If-None-Match with the ETag answers 304 without a body; another tag the file', async () => {
    for (const path of ['/', '/customers/1', '/assets/app-abc123.js']) {
      const first = await get(path);
      const tag = first.headers.get('etag');
      const again = await get(path, { headers: { 'if-none-match': tag } });
      assert.equal(again.status, 304, path);
      assert.equal(again.text, '', path);
      assert.equal(again.headers.get('etag'), tag);
      assert.equal(again.headers.get('cache-control'), first.headers.get('cache-control'));
      assertAppHeaders(again.headers);
      checkResponse('GET', path, again, { template: '/' });
      const weak = await get(path, { headers: { 'if-none-match': `"other", W/${tag}` } });
      assert.equal(weak.status, 304, `${path}: a weak form of the tag in a list matches`);
      const other = await get(path, { headers: { 'if-none-match': '"1-1"' } });
      assert.equal(other.status, 200, path);
      assert.equal(other.text, first.text);
    }
  });

  test('a .gz beside the file is sent to a client that takes gzip, with Vary', async () => {
    const r = await raw('/assets/app-abc123.js', { headers: 'Accept-Encoding: br, gzip;q=0.8\r\n' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(gunzipSync(r.bytes).toString('utf8'), APP_JS);
    assert.ok(r.bytes.length < Buffer.byteLength(APP_JS), 'the compressed form is what was sent');
    assert.match(r.headers.etag, /-gz"$/, 'the gzip form has a tag of its own');

    for (const ae of ['', 'Accept-Encoding: gzip;q=0\r\n', 'Accept-Encoding: identity\r\n', 'Accept-Encoding: *;q=0.5, gzip;q=0.000\r\n']) {
      const plain = await raw('/assets/app-abc123.js', { headers: ae });
      assert.equal(plain.status, 200, ae);
      assert.equal(plain.headers['content-encoding'], undefined, `no gzip for "${ae.trim()}"`);
      assert.equal(plain.bytes.toString('utf8'), APP_JS);
      assert.equal(plain.headers.vary, 'Accept-Encoding', 'the plain form varies too');
    }
    const star = await raw('/assets/app-abc123.js', { headers: 'Accept-Encoding: *\r\n' });
    assert.equal(star.headers['content-encoding'], 'gzip', '"*" takes gzip');
    const noGz = await raw('/assets/style-def456.css', { headers: 'Accept-Encoding: gzip\r\n' });
    assert.equal(noGz.headers['content-encoding'], undefined, 'no .gz, no gzip');
    assert.equal(noGz.headers.vary, undefined);
  });

  test('HEAD answers the headers of GET without the body', async () => {
    for (const [path, body] of [['/', WEB_INDEX], ['/customers/7', WEB_INDEX], ['/assets/app-abc123.js', APP_JS]]) {
      const r = await get(path, { method: 'HEAD', headers: { 'accept-encoding': 'identity' } });
      assert.equal(r.status, 200, path);
      assert.equal(r.text, '');
      assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(body)), path);
      assertAppHeaders(r.headers);
    }
  });

  test('any other method answers 405 with Allow: GET, HEAD, and changes nothing', async () => {
    for (const [method, path] of [['POST', '/'], ['PUT', '/index.html'], ['DELETE', '/assets/app-abc123.js'], ['PATCH', '/m/today'], ['OPTIONS', '/customers']]) {
      const r = await get(path, { method });
      assertProblem(r, 405);
      assert.equal(r.headers.get('allow'), 'GET, HEAD', `${method} ${path}`);
    }
    assert.equal((await get('/assets/app-abc123.js')).text, APP_JS);
  });
});

describe('no path leaves the folder', () => {
  test('dot segments, escaped dots, slashes and NUL, backslashes: 400, nothing from outside', async () => {
    const paths = [
      '/../etc/passwd',
      '/../../../../etc/passwd',
      '/%2e%2e/',
      '/%2E%2E/%2e%2e/etc/passwd',
      '/assets/%2e%2e%2f..',
      '/assets/..%2findex.html',
      '/assets/../index.html',
      '/./index.html',
      '/%00',
      '/index.html%00.js',
      '/a%5c..%5c..%5cetc',
      '/a\\..\\secret.txt',
      '/%zz',
      '/m/../index.html',
      '/m/%2e%2e/%2e%2e/outside/secret.txt',
    ];
    for (const path of paths) {
      const r = await raw(path);
      assertProblem(r, 400);
      assert.doesNotMatch(r.body, /TOP SECRET|root:|office web app/, path);
      assertAppHeaders(r.headers);
    }
  });

  test('a symbolic link out of the folder is a 404, file or folder', async () => {
    for (const path of ['/escape.txt', '/assets/escape-9.js', '/out/secret.txt']) {
      const r = await get(path);
      assertProblem(r, 404);
      assert.doesNotMatch(r.text, /TOP SECRET/, path);
    }
  });

  test('dot-files and dot-folders are never served', async () => {
    for (const path of ['/.env', '/.hidden/note.txt', '/assets/.env', '/m/.env']) {
      const r = await raw(path);
      assertProblem(r, 404);
      assert.doesNotMatch(r.body, /hunter2|hidden/, path);
    }
  });

  test('a file over 32 MiB is a 500 problem, and the server keeps serving', async () => {
    const r = await get('/huge.bin');
    assertProblem(r, 500);
    checkResponse('GET', '/huge.bin', r, { template: '/' });
    assert.match(server.log(), /"msg":"app file too large to serve"/);
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/')).text, WEB_INDEX);
  });
});

describe('an app whose setting is unset, or whose folder has no index.html, is off', () => {
  test('its paths answer 404 problems as before; the API still works', async () => {
    for (const path of ['/', '/customers/1', '/index.html', '/m/', '/m/today']) {
      const r = await get(path, { base: off.url });
      assertProblem(r, 404);
      checkResponse('GET', path, r, { template: path.startsWith('/m') ? '/m/' : '/' });
    }
    const ping = await get('/v1/ping', { base: off.url });
    assert.equal(ping.status, 200);
  });

  test('the mobile app\'s prefix stays its own while it is off (here: its folder does not exist)', async () => {
    const solo = await startServer(OFF_PORT + 1, { CRM_WEB_DIR: web, CRM_MOBILE_DIR: join(root, 'missing') });
    try {
      assert.match(solo.log(), /"msg":"not serving this app: its folder does not exist","app":"mobile app"/);
      assert.equal((await get('/customers/1', { base: solo.url })).text, WEB_INDEX);
      assertProblem(await get('/m/today', { base: solo.url }), 404);
      assertProblem(await get('/m', { base: solo.url }), 404);
    } finally {
      assert.equal(await solo.stop(), 0);
      assert.doesNotMatch(solo.log(), SANITIZER);
    }
  });
});
