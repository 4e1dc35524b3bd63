import { decodeJwt, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { HttpError, noOrganization } from './errors.js';

/** Whose data a request may see. */
export type Scope = { kind: 'all' } | { kind: 'org'; orgId: string };

/**
 * AIWM's own rule for platform-wide access (its base library's current-user decorator and
 * universe-role guard): a role that starts with `universe.`. FACADE_ADMIN_ROLES narrows or replaces it.
 */
export const DEFAULT_ADMIN_ROLES: readonly string[] = ['universe.*'];

/**
 * Whether `roles` hold one of `patterns`: an exact role (`universe.owner`), or a prefix ending in `*`
 * (`universe.*` is every role that starts with `universe.`). No pattern: nobody sees every org.
 */
export function isPlatformAdmin(roles: readonly string[], patterns: readonly string[] = DEFAULT_ADMIN_ROLES): boolean {
  return patterns.some((p) => (p.endsWith('*') ? roles.some((r) => r.startsWith(p.slice(0, -1))) : roles.includes(p)));
}

/** An ObjectId as AIWM writes `owner.orgId` (24 lower-case hex), or '' for a user without an org. */
const ORG_ID = /^(?:[0-9a-f]{24})?$/;

/**
 * The claims of an AIWM IAM user token (`sub`, `username`, `roles`, `orgId`, `groupId`, `exp`; IAM
 * writes `orgId: ''` for a user without an org). User tokens carry no `type`.
 */
const claims = z.object({
  sub: z.string().optional(),
  orgId: z.string().regex(ORG_ID, "must be a 24-character hex ObjectId or ''"),
  roles: z.array(z.string()).default([]),
  exp: z.number(),
});

/**
 * Agent tokens (`type: "agent"`, 24 h, roles of the agent) and node tokens (`type: "node"`) are signed
 * by AIWM with the same secret; the facade is for people and accepts user tokens only.
 */
function refuseNonUser(payload: Record<string, unknown>): void {
  const type = payload.type;
  if (type === undefined || type === 'user') return;
  const named = type === 'agent' || type === 'node' ? `an AIWM ${type} token` : 'not a user token';
  throw new HttpError(401, `only AIWM user tokens are accepted: this is ${named}`);
}

/**
 * Verifies the Portal's HS256 token (AIWM IAM) and returns the caller's scope: every org for a
 * platform administrator (a role matching `adminRoles`), else the token's org. A user token without
 * an org and without such a role is refused with 403: it has no org to show.
 */
export async function scopeFromToken(
  authorization: string | undefined,
  secret: Uint8Array,
  adminRoles: readonly string[] = DEFAULT_ADMIN_ROLES,
): Promise<Scope> {
  const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
  if (!match) throw new HttpError(401, 'missing bearer token');
  let payload: Record<string, unknown>;
  try {
    // Only HS256: `alg: none` and every other algorithm are rejected.
    ({ payload } = await jwtVerify(match[1]!, secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch (error) {
    const reason = error instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token';
    throw new HttpError(401, reason);
  }
  refuseNonUser(payload);
  const parsed = claims.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'claims';
    // Say what an orgId must be (never echo the claim itself).
    const rule = field === 'orgId' && typeof payload.orgId === 'string' ? ` ${issue.message}` : '';
    throw new HttpError(401, `invalid token claims: ${field}${rule}`);
  }
  if (isPlatformAdmin(parsed.data.roles, adminRoles)) return { kind: 'all' };
  if (parsed.data.orgId === '') throw noOrganization();
  return { kind: 'org', orgId: parsed.data.orgId };
}

/**
 * Remembers the scope of tokens already verified, until they expire: a caller sends the same token
 * with every request, and an HMAC check plus claim parsing per request is CPU that a flood of one
 * tenant would take from the others. Only a token that verified with the secret is remembered (the
 * key is the whole token, signature included); refused tokens are checked again every time.
 */
export class VerifiedTokens {
  private readonly scopes: LRUCache<string, { scope: Scope; expiresMs: number }>;

  constructor(
    private readonly secret: Uint8Array,
    private readonly adminRoles: readonly string[] = DEFAULT_ADMIN_ROLES,
    max = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.scopes = new LRUCache({ max });
  }

  /** The scope of a token verified before and not expired yet, without any asynchronous work. */
  peek(authorization: string | undefined): Scope | undefined {
    const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '')?.[1];
    const hit = token === undefined ? undefined : this.scopes.get(token);
    return hit && hit.expiresMs > this.now() ? hit.scope : undefined;
  }

  async scopeOf(authorization: string | undefined): Promise<Scope> {
    const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '')?.[1];
    const hit = token === undefined ? undefined : this.scopes.get(token);
    if (hit && hit.expiresMs > this.now()) return hit.scope;
    if (hit) this.scopes.delete(token!);
    const scope = await scopeFromToken(authorization, this.secret, this.adminRoles);
    const exp = decodeJwt(token!).exp;
    if (typeof exp === 'number') this.scopes.set(token!, { scope, expiresMs: exp * 1000 });
    return scope;
  }
}
