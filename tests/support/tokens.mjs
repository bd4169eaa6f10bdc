// Session tokens minted in the test, by the JWT (HS256) rules and node:crypto — an
// implementation independent of the server's Rust — so tests can present expired,
// re-signed, tampered and foreign tokens.
import { createHmac } from 'node:crypto';

import { TEST_SECRET } from './server.mjs';

const b64 = (data) => Buffer.from(data).toString('base64url');
const HEADER = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** A token for `claims` signed with `secret`; `header` overrides the JWT header. */
export function mint(claims, { secret = TEST_SECRET, header } = {}) {
  const head = header ? b64(JSON.stringify(header)) : HEADER;
  const input = `${head}.${b64(JSON.stringify(claims))}`;
  const sig = createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${sig}`;
}

/** Claims of a guest valid for `ttl` seconds from now (negative: already expired). */
export function guestClaims(id, ttl = 3600) {
  const now = Math.floor(Date.now() / 1000);
  return { sub: `guest:${id}`, kind: 'guest', iat: now, exp: now + ttl };
}

/** Reads a token's claims (no verification: for asserting on what the server issued). */
export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}
