// jwt.mjs: builds JSON Web Tokens by hand so tests can present the server with
// tokens that are correctly signed but wrong in exactly one way.
import { createHmac, createPrivateKey, sign as rsaSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** The server's private signing key (PEM in CRM_TEST_KEYS_DIR/private.pem). */
export function serverPrivateKey() {
  const dir = process.env.CRM_TEST_KEYS_DIR;
  if (!dir) throw new Error('CRM_TEST_KEYS_DIR is not set (folder with the server private.pem/public.pem)');
  return createPrivateKey(readFileSync(join(dir, 'private.pem')));
}

/** The server's public key file as written (PEM text). */
export function serverPublicPem() {
  const dir = process.env.CRM_TEST_KEYS_DIR;
  if (!dir) throw new Error('CRM_TEST_KEYS_DIR is not set');
  return readFileSync(join(dir, 'public.pem'), 'utf8');
}

/** RS256-sign header.payload with `key` (a KeyObject or PEM). */
export function signRS256(header, payload, key) {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', ...header })}.${b64url(payload)}`;
  const sig = rsaSign('RSA-SHA256', Buffer.from(input), key);
  return `${input}.${sig.toString('base64url')}`;
}

/** HS256-sign header.payload with `secret` (the classic RS256→HS256 confusion). */
export function signHS256(header, payload, secret) {
  const input = `${b64url({ ...header, alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  const sig = createHmac('sha256', secret).update(input).digest();
  return `${input}.${sig.toString('base64url')}`;
}

/** An unsigned token (alg "none") with an empty signature part. */
export function unsigned(header, payload) {
  return `${b64url({ ...header, alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
