// auth.test.mjs: sign-up, the token endpoint (password and refresh grants,
// rotation, reuse detection, revocation, rate limit), /v1/me, the JWKS, and
// the access-token checks the server must make on every request.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify as rsaVerify } from 'node:crypto';
import {
  api,
  signup,
  login,
  refresh,
  tokenRequest,
  addUser,
  createUser,
  decodeJwt,
  expectStatus,
  expectProblem,
  ifMatch,
  uniq,
  PASSWORD,
} from './lib/client.mjs';
import { serverPrivateKey, serverPublicPem, signRS256, signHS256, unsigned, nowSeconds } from './lib/jwt.mjs';

let T; // this file's tenant: { tenant, user, slug, token, refresh, email, password }

before(async () => {
  T = await signup();
});

function expectInvalidGrant(res) {
  expectProblem(res, 401);
  assert.match(res.body.type, /\/invalid-grant$/, `problem type should be .../invalid-grant, got ${res.body.type}`);
  return res;
}

async function expectUnauthorized(token, what) {
  const r = await api('GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 401, `${what}: GET /v1/me must answer 401, got ${r.status} ${r.text.slice(0, 300)}`);
  expectProblem(r, 401);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer\b/i, `${what}: 401 must carry WWW-Authenticate: Bearer`);
}

describe('signup', () => {
  test('creates a tenant with a slug derived from the organization and an admin who is signed in', async () => {
    const suffix = uniq();
    const organization = `Acme Trading ${suffix}`;
    const email = `${uniq('founder-')}@example.com`;
    const r = expectStatus(
      await api('POST', '/v1/signup', { body: { organization, name: 'Ada Founder', email, password: PASSWORD } }),
      201,
    );
    assert.equal(r.body.tenant.name, organization);
    assert.match(r.body.tenant.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/, 'slug is lowercase ascii with dashes');
    assert.ok(r.body.tenant.slug.startsWith('acme-trading'), `slug ${r.body.tenant.slug} derives from the organization`);
    assert.equal(r.body.user.email, email);
    assert.equal(r.body.user.name, 'Ada Founder');
    assert.equal(r.body.user.role, 'admin');
    assert.equal(r.body.user.active, true);
    assert.equal(r.body.token_type, 'Bearer');
    assert.ok(r.body.expires_in > 0 && r.body.expires_in <= 900, `expires_in ${r.body.expires_in} within 15 min`);
    assert.ok(!/password/i.test(JSON.stringify(r.body.user)), 'no password material in the user');

    const me = expectStatus(await api('GET', '/v1/me', { token: r.body.access_token }), 200);
    assert.equal(me.body.user.id, r.body.user.id);
    assert.equal(me.body.tenant.id, r.body.tenant.id);

    // The same organization name again is a new tenant with its own slug.
    const again = expectStatus(
      await api('POST', '/v1/signup', {
        body: { organization, name: 'Other Founder', email: `${uniq('founder-')}@example.com`, password: PASSWORD },
      }),
      201,
    );
    assert.notEqual(again.body.tenant.id, r.body.tenant.id);
    assert.notEqual(again.body.tenant.slug, r.body.tenant.slug, 'a taken slug gets a suffix');
  });

  test('rejects a short password, a malformed email and a missing organization with 422 naming the field', async () => {
    const base = { organization: `Org ${uniq()}`, name: 'X', email: `${uniq('x-')}@example.com`, password: PASSWORD };
    expectProblem(await api('POST', '/v1/signup', { body: { ...base, password: 'short' } }), 422, { field: 'password' });
    expectProblem(await api('POST', '/v1/signup', { body: { ...base, email: 'not-an-email' } }), 422, { field: 'email' });
    const { organization, ...noOrg } = base;
    expectProblem(await api('POST', '/v1/signup', { body: noOrg }), 422, { field: 'organization', code: 'required' });
  });
});

describe('password grant', () => {
  test('issues a short-lived RS256 access token for the user and a refresh token', async () => {
    const { token, refresh: rt, body } = await login(T.slug, T.email, T.password);
    assert.equal(body.token_type, 'Bearer');
    assert.ok(body.expires_in > 0 && body.expires_in <= 900);
    assert.equal(typeof rt, 'string');
    assert.notEqual(rt, T.refresh, 'each login gets its own refresh token');
    const { header, payload } = decodeJwt(token);
    assert.equal(header.alg, 'RS256');
    assert.equal(typeof header.kid, 'string');
    assert.equal(payload.sub, T.user.id);
    assert.equal(payload.tid, T.tenant.id);
    assert.equal(payload.role, 'admin');
    assert.ok(payload.exp - nowSeconds() <= 900 + 5, 'access token lives at most 15 minutes');
    expectStatus(await api('GET', '/v1/me', { token }), 200);
  });

  test('a wrong password, an unknown email and an unknown tenant all answer the same 401 invalid grant', async () => {
    const wrong = expectInvalidGrant(
      await tokenRequest({ grant_type: 'password', tenant: T.slug, email: T.email, password: 'not-the-password' }),
    );
    const noUser = expectInvalidGrant(
      await tokenRequest({ grant_type: 'password', tenant: T.slug, email: `${uniq('nobody-')}@example.com`, password: PASSWORD }),
    );
    const noTenant = expectInvalidGrant(
      await tokenRequest({ grant_type: 'password', tenant: uniq('no-such-tenant-'), email: T.email, password: T.password }),
    );
    // Nothing tells an attacker which part was wrong.
    assert.equal(noUser.body.title, wrong.body.title);
    assert.equal(noTenant.body.title, wrong.body.title);
    assert.ok(!('access_token' in wrong.body));
  });

  test('an unknown grant_type is 422 naming grant_type', async () => {
    expectProblem(await tokenRequest({ grant_type: 'client_credentials' }), 422, { field: 'grant_type' });
  });
});

describe('refresh tokens', () => {
  test('rotate on every use; reusing a rotated one revokes the whole family', async () => {
    const { refresh: r0 } = await login(T.slug, T.email, T.password);

    const first = expectStatus(await refresh(r0), 200, 'first refresh');
    const r1 = first.body.refresh_token;
    assert.notEqual(r1, r0, 'a new refresh token on every use');
    assert.equal(decodeJwt(first.body.access_token).payload.sub, T.user.id);
    expectStatus(await api('GET', '/v1/me', { token: first.body.access_token }), 200);

    const second = expectStatus(await refresh(r1), 200, 'second refresh');
    const r2 = second.body.refresh_token;
    assert.notEqual(r2, r1);

    // r0 was rotated away: reuse is refused ...
    expectInvalidGrant(await refresh(r0));
    // ... and the newest token of that family is dead too.
    expectInvalidGrant(await refresh(r2));
  });

  test('reuse detection does not touch other logins of the same user', async () => {
    const a = await login(T.slug, T.email, T.password);
    const b = await login(T.slug, T.email, T.password);
    expectStatus(await refresh(a.refresh), 200);
    expectInvalidGrant(await refresh(a.refresh)); // family a revoked
    expectStatus(await refresh(b.refresh), 200, 'the other family still works');
  });

  test('revoke answers 204 and the revoked token no longer refreshes; another login is unaffected', async () => {
    const a = await login(T.slug, T.email, T.password);
    const b = await login(T.slug, T.email, T.password);
    expectStatus(await api('POST', '/v1/auth/revoke', { body: { refresh_token: a.refresh } }), 204);
    expectInvalidGrant(await refresh(a.refresh));
    expectStatus(await refresh(b.refresh), 200, 'revoking one login leaves the other alone');
    // RFC 7009: an unknown token is not an error.
    expectStatus(await api('POST', '/v1/auth/revoke', { body: { refresh_token: 'never-issued-' + uniq() } }), 204);
  });

  test('garbage refresh token is 401', async () => {
    expectInvalidGrant(await refresh('not-a-refresh-token'));
  });
});

describe('GET /v1/me', () => {
  test('returns the signed-in user and tenant', async () => {
    const r = expectStatus(await api('GET', '/v1/me', { token: T.token }), 200);
    assert.equal(r.body.user.id, T.user.id);
    assert.equal(r.body.user.email, T.email);
    assert.equal(r.body.user.role, 'admin');
    assert.equal(r.body.tenant.id, T.tenant.id);
    assert.equal(r.body.tenant.slug, T.slug);
  });

  test('without a token is 401 with WWW-Authenticate: Bearer', async () => {
    const r = expectProblem(await api('GET', '/v1/me'), 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer\b/i);
  });
});

describe('JWKS', () => {
  test('publishes the RSA key that verifies issued access tokens', async () => {
    const r = expectStatus(await api('GET', '/.well-known/jwks.json'), 200);
    assert.ok(Array.isArray(r.body.keys) && r.body.keys.length >= 1);
    for (const k of r.body.keys) {
      assert.equal(k.kty, 'RSA');
      assert.equal(k.use, 'sig');
      assert.equal(k.alg, 'RS256');
      assert.equal(typeof k.kid, 'string');
      assert.match(k.n, /^[A-Za-z0-9_-]+$/, 'n is base64url');
      assert.equal(k.e, 'AQAB');
      assert.ok(!('d' in k) && !('p' in k) && !('q' in k), 'no private key material in the JWKS');
    }
    const [h, p, s] = T.token.split('.');
    const { header } = decodeJwt(T.token);
    const jwk = r.body.keys.find((k) => k.kid === header.kid);
    assert.ok(jwk, `token kid ${header.kid} is in the JWKS`);
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    assert.ok(rsaVerify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')), 'token verifies with the JWK');
  });
});

describe('forged access tokens are refused', () => {
  let claims; // the real token's payload
  let kid;
  let privateKey;
  let jwks;
  const fresh = () => {
    const now = nowSeconds();
    return { ...claims, iat: now, nbf: now, exp: now + 300 };
  };

  before(async () => {
    const real = decodeJwt(T.token);
    claims = real.payload;
    kid = real.header.kid;
    privateKey = serverPrivateKey();
    jwks = (await api('GET', '/.well-known/jwks.json')).body;
  });

  test('control: a token we sign with the server key and the real claims is accepted', async () => {
    // Proves the forging below is faithful, so each 401 is due to the one defect.
    const r = await api('GET', '/v1/me', { token: signRS256({ kid }, fresh(), privateKey) });
    expectStatus(r, 200, 'control token');
    assert.equal(r.body.user.id, T.user.id);
  });

  test('alg none', async () => {
    await expectUnauthorized(unsigned({ kid }, fresh()), 'alg none');
    const noDot = unsigned({ kid }, fresh()).replace(/\.$/, '');
    await expectUnauthorized(noDot, 'alg none without signature part');
  });

  test('HS256 signed with the public key as HMAC secret', async () => {
    const jwk = jwks.keys.find((k) => k.kid === kid) ?? jwks.keys[0];
    const pub = createPublicKey({ key: jwk, format: 'jwk' });
    const secrets = [
      pub.export({ type: 'spki', format: 'pem' }),
      pub.export({ type: 'pkcs1', format: 'pem' }),
      serverPublicPem(),
    ];
    for (const secret of secrets) await expectUnauthorized(signHS256({ kid }, fresh(), secret), 'HS256 with public key');
  });

  test('signed by another RSA key under the server kid', async () => {
    const { privateKey: other } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectUnauthorized(signRS256({ kid }, fresh(), other), 'foreign key');
  });

  test('payload altered after signing', async () => {
    const good = signRS256({ kid }, fresh(), privateKey);
    const [h, , s] = good.split('.');
    const altered = Buffer.from(JSON.stringify({ ...fresh(), role: 'admin', sub: claims.sub, tid: claims.tid, x: 1 })).toString('base64url');
    await expectUnauthorized(`${h}.${altered}.${s}`, 'altered payload');
  });

  test('unknown kid', async () => {
    await expectUnauthorized(signRS256({ kid: 'not-our-key' }, fresh(), privateKey), 'unknown kid');
  });

  test('expired', async () => {
    const now = nowSeconds();
    await expectUnauthorized(signRS256({ kid }, { ...claims, iat: now - 1800, nbf: now - 1800, exp: now - 600 }, privateKey), 'expired');
  });

  test('not valid yet (nbf in the future)', async () => {
    const now = nowSeconds();
    await expectUnauthorized(signRS256({ kid }, { ...claims, iat: now, nbf: now + 600, exp: now + 900 }, privateKey), 'nbf future');
  });

  test('wrong audience', async () => {
    await expectUnauthorized(signRS256({ kid }, { ...fresh(), aud: 'someone-else' }, privateKey), 'wrong aud');
  });

  test('wrong issuer', async () => {
    await expectUnauthorized(signRS256({ kid }, { ...fresh(), iss: 'https://evil.example' }, privateKey), 'wrong iss');
  });

  test('token type refresh', async () => {
    await expectUnauthorized(signRS256({ kid }, { ...fresh(), typ: 'refresh' }, privateKey), 'typ refresh');
  });

  test('a refresh token used as a Bearer token', async () => {
    const { refresh: rt } = await login(T.slug, T.email, T.password);
    await expectUnauthorized(rt, 'refresh token as bearer');
  });

  test('garbage', async () => {
    await expectUnauthorized('garbage', 'garbage');
    await expectUnauthorized('a.b.c', 'three garbage parts');
    await expectUnauthorized('', 'empty bearer');
  });
});

describe('token endpoint rate limit', () => {
  test('more than CRM_TOKEN_RATE bad attempts for one username answer 429 with Retry-After, even with the right password', { timeout: 180000 }, async () => {
    const rate = Number(process.env.CRM_TEST_TOKEN_RATE ?? 20);
    const victim = await createUser(T.token, 'sales');
    let limitedAt = -1;
    let limited;
    for (let i = 0; i < rate * 3; i++) {
      const r = await tokenRequest({ grant_type: 'password', tenant: T.slug, email: victim.email, password: `wrong-password-${i}` });
      if (r.status === 429) {
        limitedAt = i;
        limited = r;
        break;
      }
      expectInvalidGrant(r);
    }
    assert.ok(limitedAt >= 0, `no 429 after ${rate * 3} bad attempts`);
    assert.ok(limitedAt >= rate, `${limitedAt} attempts were allowed; the limit is ${rate} per minute`);
    expectProblem(limited, 429);
    const retry = limited.headers.get('retry-after');
    assert.match(retry ?? '', /^\d+$/, `Retry-After is a number of seconds, got ${retry}`);
    assert.ok(Number(retry) >= 1 && Number(retry) <= 120, `Retry-After ${retry} is plausible`);

    // The right password does not get through while limited (else the 429 is an oracle).
    const right = await tokenRequest({ grant_type: 'password', tenant: T.slug, email: victim.email, password: victim.password });
    expectProblem(right, 429);
    // Other usernames are not limited.
    await login(T.slug, T.email, T.password);
  });
});

describe('deactivated users', () => {
  test('PATCH active:false: refresh and password login answer 401', async () => {
    const u = await addUser(T, 'sales');
    const current = expectStatus(await api('GET', `/v1/users/${u.user.id}`, { token: T.token }), 200);
    const p = expectStatus(
      await api('PATCH', `/v1/users/${u.user.id}`, { token: T.token, body: { active: false }, headers: ifMatch(current.headers.get('etag')) }),
      200,
    );
    assert.equal(p.body.active, false);
    expectInvalidGrant(await refresh(u.refresh));
    expectInvalidGrant(await tokenRequest({ grant_type: 'password', tenant: T.slug, email: u.email, password: u.password }));
  });

  test('DELETE deactivates: the row stays, inactive, and the user cannot sign in', async () => {
    const u = await addUser(T, 'service');
    const current = expectStatus(await api('GET', `/v1/users/${u.user.id}`, { token: T.token }), 200);
    expectStatus(
      await api('DELETE', `/v1/users/${u.user.id}`, { token: T.token, headers: ifMatch(current.headers.get('etag')) }),
      204,
    );
    const after = expectStatus(await api('GET', `/v1/users/${u.user.id}`, { token: T.token }), 200);
    assert.equal(after.body.active, false);
    expectInvalidGrant(await refresh(u.refresh));
    expectInvalidGrant(await tokenRequest({ grant_type: 'password', tenant: T.slug, email: u.email, password: u.password }));
  });
});
