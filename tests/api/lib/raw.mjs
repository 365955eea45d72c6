// raw.mjs: HTTP/1.1 spoken by hand over a TCP socket, for the tests that must
// send what no HTTP client library would (two Content-Lengths, a smuggled
// request after a body, headers one byte at a time) and see exactly what comes
// back: every response on the connection, and whether the server closed it.
import net from 'node:net';

const URL_BASE = new URL(process.env.CRM_TEST_URL ?? 'http://127.0.0.1:18080');
export const HOST = URL_BASE.hostname;
export const PORT = Number(URL_BASE.port || 80);

/** Connect to `port` on `host` (from `localAddress` when given); resolves the socket. */
export function connect({ host = HOST, port = PORT, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, localAddress });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Parse the HTTP responses in `buf`: [{status, headers (lower-case names), body}].
 * Stops at the first incomplete one; `rest` is what follows the last complete one.
 */
export function parseResponses(buf) {
  const out = [];
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = buf.subarray(at, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
    if (!m) break;
    const headers = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const length = Number(headers['content-length'] ?? 0);
    if (end + 4 + length > buf.length) break;
    const body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
    out.push({ status: Number(m[1]), headers, body });
    at = end + 4 + length;
  }
  return { responses: out, rest: buf.subarray(at) };
}

/**
 * Watch a socket: everything it receives, and when it closes.
 * Returns { received() → Buffer, closed (a promise of the ms until close), isClosed() }.
 */
export function watch(socket) {
  const started = Date.now();
  const chunks = [];
  let closedFlag = false;
  socket.on('data', (d) => chunks.push(d));
  socket.on('error', () => {}); // a reset is a close, judged by the caller
  const closed = new Promise((resolve) =>
    socket.once('close', () => {
      closedFlag = true;
      resolve(Date.now() - started);
    }),
  );
  return { received: () => Buffer.concat(chunks), closed, isClosed: () => closedFlag };
}

/**
 * Send `bytes` on a new connection and wait until the server closes it or
 * `waitMs` pass. Returns { responses, closed (bool), ms (to close, or waitMs), raw }.
 */
export async function exchange(bytes, { waitMs = 3000, ...where } = {}) {
  const socket = await connect(where);
  const w = watch(socket);
  socket.write(bytes);
  const ms = await Promise.race([w.closed, new Promise((r) => setTimeout(() => r(null), waitMs))]);
  socket.destroy();
  const raw = w.received();
  return { ...parseResponses(raw), closed: ms !== null, ms: ms ?? waitMs, raw };
}

/** Wait until `predicate()` holds, checking every 50 ms, for at most `ms`; returns whether it held. */
export async function until(predicate, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
