// The benchmark's reference peer (DESIGN.md §7): GET /v1/customers/{id} done the
// usual Node way, Fastify + node-postgres, with the same work as crm-server:
// the bearer JWT verified against crm-server's JWKS (RS256, iss, aud, exp, nbf, typ),
// verified tokens cached until they expire, the tenant set once per pooled
// connection, then one prepared query (the server's own SQL, taken from
// ../customer_get.pgbench) whose JSON text is passed through, with an ETag and
// one JSON log line per request.
//
// Environment: PEER_PORT (18082), PEER_DATABASE_URL (crm_app), PEER_JWKS_URL,
// PEER_ISSUER (crm), PEER_AUDIENCE (crm-api), PEER_POOL (8).

import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import pg from 'pg';

const port = Number(process.env.PEER_PORT ?? 18082);
const issuer = process.env.PEER_ISSUER ?? 'crm';
const audience = process.env.PEER_AUDIENCE ?? 'crm-api';
const jwks = createRemoteJWKSet(new URL(process.env.PEER_JWKS_URL));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The server's statement, with pgbench's :tid/:cid/:uid as $1/$2/$3.
const sql = readFileSync(new URL('../customer_get.pgbench', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => !line.trim().startsWith('--'))
  .join('\n')
  .replace(/:tid\b/g, '$1')
  .replace(/:cid\b/g, '$2')
  .replace(/:uid\b/g, '$3')
  .trim()
  .replace(/;$/, '');
const paramCount = new Set(sql.match(/\$[1-3]\b/g) ?? []).size;

// json columns as text: the body is passed through, as crm-server does.
pg.types.setTypeParser(114, (text) => text);
const pool = new pg.Pool({
  connectionString: process.env.PEER_DATABASE_URL,
  max: Number(process.env.PEER_POOL ?? 8),
});

// Verified tokens until their exp; cleared wholesale when it grows too big.
const verified = new Map();
async function caller(header) {
  if (!header || !header.startsWith('Bearer ')) return null;
  const token = header.slice(7);
  const now = Date.now() / 1000;
  const hit = verified.get(token);
  if (hit && hit.exp > now) return hit;
  try {
    const { payload } = await jwtVerify(token, jwks, { algorithms: ['RS256'], issuer, audience });
    if (payload.typ !== 'access' || typeof payload.tid !== 'string' || typeof payload.sub !== 'string') return null;
    const who = { tenant: payload.tid, user: payload.sub, exp: payload.exp };
    if (verified.size > 100000) verified.clear();
    verified.set(token, who);
    return who;
  } catch {
    return null;
  }
}

const problem = (reply, status, title) =>
  reply.code(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status }));

const app = Fastify({ logger: { level: 'info' }, disableRequestLogging: true });

app.addHook('onResponse', (request, reply, done) => {
  request.log.info({ route: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime });
  done();
});

app.get('/healthz', async () => ({ status: 'ok' }));

app.get('/v1/customers/:id', async (request, reply) => {
  const who = await caller(request.headers.authorization);
  if (!who) return problem(reply.header('WWW-Authenticate', 'Bearer'), 401, 'Unauthorized');
  const { id } = request.params;
  if (!UUID.test(id)) return problem(reply, 404, 'Not found');

  const client = await pool.connect();
  try {
    if (client.tenant !== who.tenant || client.user !== who.user) {
      await client.query("SELECT set_config('app.tenant_id', $1, false), set_config('app.user_id', $2, false)", [
        who.tenant,
        who.user,
      ]);
      client.tenant = who.tenant;
      client.user = who.user;
    }
    const values = [who.tenant, id, who.user].slice(0, paramCount);
    const { rows } = await client.query({ name: 'customer_get', text: sql, values, rowMode: 'array' });
    if (rows.length === 0) return problem(reply, 404, 'Not found');
    const [, version, body] = rows[0];
    return reply.header('ETag', `"${version}"`).type('application/json').send(body);
  } finally {
    client.release();
  }
});

const close = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', close);
process.on('SIGINT', close);

await app.listen({ host: '127.0.0.1', port });
