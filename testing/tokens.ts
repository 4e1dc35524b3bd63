/**
 * JWTs for the facade's tests, well-formed or not: AIWM IAM's user tokens (HS256 over the shared
 * secret), and every wrong shape a hostile caller may send (another algorithm, `alg: none`, a
 * foreign secret, bad claims, garbage). Hand-rolled on node:crypto on purpose: a JWT library refuses
 * to produce most of these.
 */
import { createHmac } from 'node:crypto';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** `header.payload.signature` with an HMAC over the first two parts (`sha256` for HS256). */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string,
  hash: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/** `header.payload.` with no signature (the `alg: none` shape). */
export function unsignedJwt(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The claims of an AIWM user token for `orgId`, valid for 10 minutes. */
export function userClaims(
  orgId: string,
  extra: Record<string, unknown> = {},
  iat = nowSeconds(),
): Record<string, unknown> {
  return {
    sub: 'user-1',
    username: 'alice',
    roles: ['organization.viewer'],
    orgId,
    groupId: 'g1',
    iat,
    exp: iat + 600,
    ...extra,
  };
}

/** A valid AIWM user token (HS256) for `orgId`. */
export const userToken = (secret: string, orgId: string, extra: Record<string, unknown> = {}, iat = nowSeconds()) =>
  signJwt({ alg: 'HS256', typ: 'JWT' }, userClaims(orgId, extra, iat), secret);

/** A claim set with `key` removed. */
export function without(claims: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = claims;
  return rest;
}

/**
 * Authorization headers the facade must refuse, each named. `orgId` is a real org (so a refusal is
 * about the token's shape, not about an unknown org); `now` (Unix seconds) is when they are issued.
 */
export function wrongTokens(
  secret: string,
  orgId: string,
  now = nowSeconds(),
): Array<{ name: string; authorization?: string }> {
  const hs256 = { alg: 'HS256', typ: 'JWT' };
  const claims = userClaims(orgId, {}, now);
  const sign = (payload: Record<string, unknown>) => signJwt(hs256, payload, secret);
  const valid = sign(claims);
  return [
    { name: 'missing' },
    { name: 'empty header', authorization: '' },
    { name: 'empty bearer', authorization: 'Bearer ' },
    { name: 'scheme only', authorization: 'Bearer' },
    { name: 'basic scheme', authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` },
    { name: 'token scheme', authorization: `Token ${valid}` },
    { name: 'no scheme', authorization: valid },
    { name: 'two tokens', authorization: `Bearer ${valid} ${valid}` },
    { name: 'garbage', authorization: 'Bearer abc.def.ghi' },
    { name: 'garbage base64', authorization: 'Bearer !!!!.@@@@.####' },
    { name: 'one segment', authorization: `Bearer ${b64url('{"alg":"HS256"}')}` },
    { name: 'four segments', authorization: `Bearer ${valid}.${b64url('x')}` },
    { name: 'header not json', authorization: `Bearer ${b64url('not json')}.${b64url('{}')}.${b64url('sig')}` },
    { name: 'payload not json', authorization: `Bearer ${b64url(JSON.stringify(hs256))}.${b64url('[1,2')}.sig` },
    { name: 'alg none', authorization: `Bearer ${unsignedJwt({ alg: 'none', typ: 'JWT' }, claims)}` },
    { name: 'alg None', authorization: `Bearer ${unsignedJwt({ alg: 'None' }, claims)}` },
    {
      name: 'alg none with signature',
      authorization: `Bearer ${unsignedJwt({ alg: 'none' }, claims)}${valid.split('.')[2]}`,
    },
    { name: 'HS512', authorization: `Bearer ${signJwt({ alg: 'HS512', typ: 'JWT' }, claims, secret, 'sha512')}` },
    { name: 'HS384', authorization: `Bearer ${signJwt({ alg: 'HS384', typ: 'JWT' }, claims, secret, 'sha384')}` },
    // RS256 header over an HMAC signature: the algorithm-confusion shape.
    { name: 'RS256 header', authorization: `Bearer ${signJwt({ alg: 'RS256', typ: 'JWT' }, claims, secret)}` },
    { name: 'ES256 header', authorization: `Bearer ${signJwt({ alg: 'ES256' }, claims, secret)}` },
    { name: 'no alg', authorization: `Bearer ${signJwt({ typ: 'JWT' }, claims, secret)}` },
    { name: 'wrong secret', authorization: `Bearer ${signJwt(hs256, claims, 'not-the-secret-0123456789abcdef0123')}` },
    { name: 'empty secret', authorization: `Bearer ${signJwt(hs256, claims, '')}` },
    { name: 'tampered payload', authorization: `Bearer ${tamper(valid, { ...claims, roles: ['universe.owner'] })}` },
    { name: 'signature stripped', authorization: `Bearer ${valid.split('.').slice(0, 2).join('.')}.` },
    { name: 'expired', authorization: `Bearer ${sign({ ...claims, iat: now - 7200, exp: now - 3600 })}` },
    { name: 'expired by 1s', authorization: `Bearer ${sign({ ...claims, exp: now - 1 })}` },
    { name: 'nbf in the future', authorization: `Bearer ${sign({ ...claims, nbf: now + 3600 })}` },
    { name: 'no exp', authorization: `Bearer ${sign(without(claims, 'exp'))}` },
    { name: 'exp a string', authorization: `Bearer ${sign({ ...claims, exp: String(now + 600) })}` },
    { name: 'missing orgId', authorization: `Bearer ${sign(without(claims, 'orgId'))}` },
    { name: 'empty orgId, no platform role', authorization: `Bearer ${sign({ ...claims, orgId: '' })}` },
    { name: 'orgId a number', authorization: `Bearer ${sign({ ...claims, orgId: 12345 })}` },
    { name: 'orgId null', authorization: `Bearer ${sign({ ...claims, orgId: null })}` },
    { name: 'orgId an object', authorization: `Bearer ${sign({ ...claims, orgId: { $ne: null } })}` },
    { name: 'orgId an array', authorization: `Bearer ${sign({ ...claims, orgId: [orgId] })}` },
    { name: 'orgId not an ObjectId', authorization: `Bearer ${sign({ ...claims, orgId: 'acme' })}` },
    { name: 'orgId regex', authorization: `Bearer ${sign({ ...claims, orgId: '.+' })}` },
    { name: 'orgId PromQL', authorization: `Bearer ${sign({ ...claims, orgId: `${orgId}"} or vector(1) {x="` })}` },
    { name: 'orgId 25 hex', authorization: `Bearer ${sign({ ...claims, orgId: `${orgId}0` })}` },
    { name: 'roles a string', authorization: `Bearer ${sign({ ...claims, roles: 'universe.owner' })}` },
    { name: 'roles an object', authorization: `Bearer ${sign({ ...claims, roles: { 0: 'universe.owner' } })}` },
    { name: 'roles a number', authorization: `Bearer ${sign({ ...claims, roles: 7 })}` },
    { name: 'roles of numbers', authorization: `Bearer ${sign({ ...claims, roles: [1, 2] })}` },
    { name: 'agent token', authorization: `Bearer ${sign({ ...claims, type: 'agent', agentId: orgId })}` },
    { name: 'node token', authorization: `Bearer ${sign({ ...claims, type: 'node', nodeId: orgId })}` },
    {
      name: 'agent token, platform role',
      authorization: `Bearer ${sign({ ...claims, type: 'agent', roles: ['universe.owner'] })}`,
    },
    {
      name: 'huge token (20 KiB claim)',
      authorization: `Bearer ${sign({ ...claims, orgId: 'a'.repeat(20 * 1024) })}`,
    },
    { name: 'huge garbage (64 KiB)', authorization: `Bearer ${'A'.repeat(64 * 1024)}` },
  ];
}

/** The token's payload replaced, its signature kept. */
function tamper(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url(JSON.stringify(payload))}.${signature}`;
}
