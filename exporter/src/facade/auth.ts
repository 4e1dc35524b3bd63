import { jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { HttpError } from './errors.js';

/** Whose data a request may see. */
export type Scope = { kind: 'all' } | { kind: 'org'; orgId: string };

const claims = z.object({
  sub: z.string().optional(),
  orgId: z.string().min(1, 'orgId claim is empty'),
  roles: z.array(z.string()).default([]),
  exp: z.number(),
});

/** Roles starting with `universe.` are AIWM platform administrators: they see every org. */
export const isPlatformAdmin = (roles: readonly string[]) => roles.some((r) => r.startsWith('universe.'));

/** Verifies the Portal's HS256 token (AIWM IAM) and returns the caller's scope. */
export async function scopeFromToken(authorization: string | undefined, secret: Uint8Array): Promise<Scope> {
  const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
  if (!match) throw new HttpError(401, 'missing bearer token');
  let payload: unknown;
  try {
    // Only HS256: `alg: none` and every other algorithm are rejected.
    ({ payload } = await jwtVerify(match[1]!, secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch (error) {
    const reason = error instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token';
    throw new HttpError(401, reason);
  }
  const parsed = claims.safeParse(payload);
  if (!parsed.success)
    throw new HttpError(401, `invalid token claims: ${parsed.error.issues[0]!.path.join('.') || 'claims'}`);
  return isPlatformAdmin(parsed.data.roles) ? { kind: 'all' } : { kind: 'org', orgId: parsed.data.orgId };
}
