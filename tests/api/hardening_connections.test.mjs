// hardening_connections.test.mjs: one client cannot hold the server's
// connections. A cap per client address and one in all: beyond either, the
// connection idle the longest is closed for the new one (of that address,
// resp. of anyone), and only when none is idle is the new one refused. A
// request's header block must arrive within CRM_HEADER_TIMEOUT of its first
// byte, and its body at CRM_BODY_MIN_RATE after that, however it trickles;
// an idle keep-alive connection is not a slow request. Each part starts a
// server of its own with small limits (ports 18112 and 18113), and tells
// clients apart by their loopback source address (127.0.0.x).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, watch, parseResponses, until } from './lib/raw.mjs';
import { startServer } from './lib/server.mjs';

const CAPS_PORT = 18112;
const SLOW_PORT = 18113;
const PING = 'GET /v1/ping HTTP/1.1\r\nHost: crm.test\r\n\r\n';

/** A connection from `localAddress`, watched: { socket, w }. */
async function open(port, localAddress) {
  const socket = await connect({ port, localAddress });
  return { socket, w: watch(socket) };
}

/** Send a ping on an open connection and wait for its answer (or the close). */
async function ping(conn, ms = 3000) {
  const before = parseResponses(conn.w.received()).responses.length;
  conn.socket.write(PING);
  await until(() => conn.w.isClosed() || parseResponses(conn.w.received()).responses.length > before, ms);
  return parseResponses(conn.w.received()).responses[before];
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('2. connection caps per client address and in all, oldest idle closed first', () => {
  let server;
  const all = [];
  before(async () => {
    server = await startServer(CAPS_PORT, {
      CRM_MAX_CONNECTIONS: '30',
      CRM_MAX_CONNECTIONS_PER_ADDRESS: '10',
      CRM_THREADS: '2',
    });
  });
  after(async () => {
    for (const c of all) c.socket.destroy();
    if (server) assert.equal(await server.stop(), 0, 'exits 0 on SIGTERM');
  });
  const track = async (address) => {
    await new Promise((r) => setTimeout(r, 20)); // accepted in the order opened
    const c = await open(CAPS_PORT, address);
    all.push(c);
    return c;
  };

  let a; // 127.0.0.2's connections, in the order they were opened
  test('an address at its cap: a new connection closes its oldest idle one and is served', async () => {
    a = [];
    for (let i = 0; i < 10; i++) a.push(await track('127.0.0.2'));
    // The last five were used: they became idle after the first five.
    for (const c of a.slice(5)) assert.equal((await ping(c))?.status, 200);
    await settle();
    const extra = await track('127.0.0.2');
    assert.equal((await ping(extra))?.status, 200, 'the new connection is served');
    assert.ok(await until(() => a[0].w.isClosed(), 2000), 'the oldest idle connection of the address was closed');
    await settle();
    assert.deepEqual(
      a.slice(1).map((c) => c.w.isClosed()),
      Array(9).fill(false),
      'and no other',
    );
    a.push(extra);
  });

  test('another address is not affected by the first one at its cap', async () => {
    const other = await track('127.0.0.3');
    assert.equal((await ping(other))?.status, 200);
    other.socket.destroy();
  });

  let slow;
  test('an address whose connections are all mid-request: the new one is refused (503), none closed', async () => {
    slow = [];
    for (let i = 0; i < 10; i++) {
      const c = await track('127.0.0.4');
      c.socket.write('GET /v1/ping HTTP/1.1\r\nHost: crm.test\r\n'); // the header block never ends
      slow.push(c);
    }
    await settle();
    const refused = await track('127.0.0.4');
    assert.ok(await until(() => refused.w.isClosed(), 2000), 'the new connection is closed');
    const answers = parseResponses(refused.w.received()).responses;
    if (answers.length > 0) {
      assert.equal(answers[0].status, 503);
      assert.match(answers[0].headers['content-type'], /^application\/problem\+json/);
      assert.equal(answers[0].headers['retry-after'], '1');
    }
    assert.deepEqual(
      slow.map((c) => c.w.isClosed()),
      Array(10).fill(false),
      'the requests in progress are left alone',
    );
  });

  test('the server at its global cap: a new client gets in, the oldest idle connection of anyone is closed', async () => {
    // Open now: 10 of 127.0.0.2 (a[1..10]), 10 slow of 127.0.0.4; ten more of 127.0.0.5 fill the cap of 30.
    const c = [];
    for (let i = 0; i < 10; i++) c.push(await track('127.0.0.5'));
    await settle();
    const newcomer = await track('127.0.0.6');
    assert.equal((await ping(newcomer))?.status, 200, 'the new client is served');
    assert.ok(await until(() => a[1].w.isClosed(), 2000), 'the connection idle the longest (127.0.0.2) was closed');
    await settle();
    assert.equal(
      [...a.slice(2), ...slow, ...c].filter((x) => x.w.isClosed()).length,
      0,
      'no other connection was closed',
    );
    assert.equal((await ping(a[9]))?.status, 200, 'the survivors still work');
  });
});

describe('3. slow requests: a deadline for the header block, a minimum rate for the body', () => {
  const HEADER_TIMEOUT_S = 2;
  let server;
  const all = [];
  before(async () => {
    server = await startServer(SLOW_PORT, {
      CRM_HEADER_TIMEOUT: String(HEADER_TIMEOUT_S),
      CRM_BODY_MIN_RATE: '1000',
      CRM_THREADS: '2',
    });
  });
  after(async () => {
    for (const c of all) {
      clearInterval(c.timer);
      c.socket.destroy();
    }
    if (server) assert.equal(await server.stop(), 0, 'exits 0 on SIGTERM');
  });

  /** A connection that sends `text` one byte every `everyMs`, then keeps sending `filler`. */
  async function trickle(text, everyMs, filler = 'a') {
    const c = await open(SLOW_PORT);
    c.started = Date.now();
    let i = 0;
    c.timer = setInterval(() => {
      if (c.w.isClosed()) return clearInterval(c.timer);
      c.socket.write(i < text.length ? text[i] : filler);
      i++;
    }, everyMs);
    all.push(c);
    return c;
  }

  test('header blocks sent a byte at a time are cut off at the deadline, with a 408', async () => {
    const slow = [];
    // Half send the request line at once and trickle a header; half trickle from the first byte.
    for (let i = 0; i < 10; i++) {
      const c = await open(SLOW_PORT);
      c.socket.write('GET /v1/ping HTTP/1.1\r\nHost: crm.test\r\nX-Slow: ');
      c.started = Date.now();
      c.timer = setInterval(() => !c.w.isClosed() && c.socket.write('a'), 200);
      all.push(c);
      slow.push(c);
    }
    for (let i = 0; i < 10; i++) slow.push(await trickle('GET /v1/ping HTTP/1.1\r\nHost: crm.test\r\nX-Slow: ', 200));
    // Meanwhile a normal client is served.
    const normal = await open(SLOW_PORT);
    all.push(normal);
    assert.equal((await ping(normal))?.status, 200);
    // The janitor looks once a second: the deadline plus two looks, plus slack for a loaded machine.
    const limit = (HEADER_TIMEOUT_S + 4) * 1000;
    assert.ok(await until(() => slow.every((c) => c.w.isClosed()), limit + 1000), `all closed within ${limit} ms`);
    for (const c of slow) {
      const closedAfter = await c.w.closed;
      assert.ok(closedAfter <= limit, `closed after ${closedAfter} ms`);
      assert.ok(closedAfter >= HEADER_TIMEOUT_S * 1000 - 300, `not before the deadline (${closedAfter} ms)`);
      const answers = parseResponses(c.w.received()).responses;
      assert.ok(answers.length <= 1);
      if (answers.length === 1) {
        assert.equal(answers[0].status, 408);
        assert.match(answers[0].headers['content-type'], /^application\/problem\+json/);
      }
    }
    assert.ok(
      slow.some((c) => parseResponses(c.w.received()).responses.length === 1),
      'the client is told why (408) where it still listens',
    );
  });

  test('a body slower than the minimum rate is cut off; a fast enough one is answered', async () => {
    const head = (length) =>
      `POST /v1/auth/token HTTP/1.1\r\nHost: crm.test\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    const slowBody = await open(SLOW_PORT);
    all.push(slowBody);
    slowBody.socket.write(head(100000));
    slowBody.timer = setInterval(() => !slowBody.w.isClosed() && slowBody.socket.write(' '.repeat(10)), 100); // 100 B/s

    // 30,000 bytes over 3 s: 10,000 B/s, well above 1,000.
    const body = `{"grant_type":"password","tenant":"nobody","email":"nobody@example.com","password":"wrong-password"}`;
    const padded = body + ' '.repeat(30000 - body.length);
    const fine = await open(SLOW_PORT);
    all.push(fine);
    fine.socket.write(head(padded.length));
    for (let i = 0; i < 10; i++) {
      fine.socket.write(padded.slice(i * 3000, (i + 1) * 3000));
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(await until(() => parseResponses(fine.w.received()).responses.length === 1, 5000), 'the fast enough body is answered');
    assert.notEqual(parseResponses(fine.w.received()).responses[0].status, 408);

    const limit = (HEADER_TIMEOUT_S + 4) * 1000;
    assert.ok(await until(() => slowBody.w.isClosed(), limit), `the slow body is cut off within ${limit} ms`);
    const answers = parseResponses(slowBody.w.received()).responses;
    assert.ok(answers.length <= 1 && (answers.length === 0 || answers[0].status === 408), 'with a 408 if anything');
  });

  test('an idle keep-alive connection is not a slow request: it still works after the header deadline', async () => {
    const c = await open(SLOW_PORT);
    all.push(c);
    assert.equal((await ping(c))?.status, 200);
    await new Promise((r) => setTimeout(r, (HEADER_TIMEOUT_S + 2) * 1000));
    assert.equal(c.w.isClosed(), false, 'still open');
    assert.equal((await ping(c))?.status, 200);
  });
});
