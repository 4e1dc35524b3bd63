/**
 * Which tokens count: AIWM IAM user tokens only (agent and node tokens are signed with the same
 * secret and refused), `orgId` an ObjectId or '' (a user without an org: every org for a platform
 * administrator, 403 otherwise), and the platform-administrator rule of FACADE_ADMIN_ROLES.
 * Tokens are real HS256 JWTs signed with jose, as IAM and AIWM sign them.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_ADMIN_ROLES, VerifiedTokens, isPlatformAdmin, scopeFromToken } from '../../src/facade/auth.js';

const SECRET = 'fast-tier-secret-0123456789-abcdef';
const KEY = new TextEncoder().encode(SECRET);
const ORG = '65a1b2c3d4e5f60718293a4b';
const AGENT = '65a1b2c3d4e5f60718293a4c';

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('10m').sign(KEY);
const bearer = async (claims: Record<string, unknown>) => `Bearer ${await sign(claims)}`;

/** A user token as AIWM IAM's auth service writes it (login and refresh): no `type` claim. */
const user = (extra: Record<string, unknown> = {}) => ({
  sub: '65a1b2c3d4e5f60718293a4d',
  username: 'alice',
  status: 'active',
  roles: ['organization.viewer'],
  orgId: ORG,
  groupId: '',
  agentId: '',
  appId: '',
  licenses: {},
  ...extra,
});

const scopeOf = async (claims: Record<string, unknown>, adminRoles?: readonly string[]) =>
  scopeFromToken(await bearer(claims), KEY, adminRoles);
const refusal = async (claims: Record<string, unknown>, adminRoles?: readonly string[]) => {
  const error = await scopeOf(claims, adminRoles).then(
    () => undefined,
    (e: unknown) => e as { status: number; message: string; extra: Record<string, string> },
  );
  if (!error) throw new Error('the token was accepted');
  return { status: error.status, error: error.message, ...error.extra };
};

describe('user tokens only', () => {
  it("serves an IAM user token its org (IAM writes agentId: '' and no type on user tokens)", async () => {
    expect(await scopeOf(user())).toEqual({ kind: 'org', orgId: ORG });
    expect(await scopeOf(user({ type: 'user' }))).toEqual({ kind: 'org', orgId: ORG });
  });

  it('refuses an AIWM agent token (type "agent", 24 h, IAM-compatible claims) with 401, even with a universe role', async () => {
    // As aiwm's agent service signs it on connect.
    const agent = {
      sub: AGENT,
      username: `agent:${AGENT}`,
      status: 'active',
      roles: ['universe.owner'],
      orgId: ORG,
      groupId: '',
      agentId: AGENT,
      userId: '',
      type: 'agent',
    };
    expect(await refusal(agent)).toEqual({
      status: 401,
      error: 'only AIWM user tokens are accepted: this is an AIWM agent token',
    });
  });

  it('refuses an AIWM node token (type "node", no org) with 401', async () => {
    // As aiwm's node service signs it for the node agent's installation.
    expect(await refusal({ sub: AGENT, type: 'node', nodeId: AGENT })).toEqual({
      status: 401,
      error: 'only AIWM user tokens are accepted: this is an AIWM node token',
    });
  });

  it('refuses any other explicit type with 401, without echoing it', async () => {
    for (const type of ['service', 'admin', '', 'AGENT', 1, null, true, ['user'], { user: true }]) {
      const r = await refusal(user({ type }));
      expect(r, JSON.stringify(type)).toEqual({
        status: 401,
        error: 'only AIWM user tokens are accepted: this is not a user token',
      });
    }
  });
});

describe('orgId', () => {
  it("refuses an orgId that is not a 24-hex ObjectId or '' with 401, naming the rule and not the value", async () => {
    const bad = [
      'org-a',
      'unassigned',
      '65A1B2C3D4E5F60718293A4B', // AIWM writes ObjectIds in lower case
      '65a1b2c3d4e5f60718293a4', // 23
      '65a1b2c3d4e5f60718293a4b0', // 25
      ` ${ORG}`,
      `${ORG}\n`,
      '.*"} or vector(1) or {org_id=~".*',
      '*',
    ];
    for (const orgId of bad) {
      const r = await refusal(user({ orgId }));
      expect(r, orgId).toEqual({
        status: 401,
        error: "invalid token claims: orgId must be a 24-character hex ObjectId or ''",
      });
    }
    for (const orgId of [null, 42, [ORG], { $ne: '' }]) {
      expect(await refusal(user({ orgId })), JSON.stringify(orgId)).toEqual({
        status: 401,
        error: 'invalid token claims: orgId',
      });
    }
    const { orgId: _o, ...noOrg } = user();
    expect(await refusal(noOrg)).toEqual({ status: 401, error: 'invalid token claims: orgId' });
  });

  it("serves a platform user without an org (orgId: '', as IAM signs it) every org", async () => {
    for (const role of ['universe.owner', 'universe.editor', 'universe.member'])
      expect(await scopeOf(user({ orgId: '', roles: ['organization.viewer', role] }))).toEqual({ kind: 'all' });
  });

  it('answers 403 (no org to show) for a user without an org and without a platform role, never every org', async () => {
    for (const roles of [[], ['organization.owner'], ['universe'], ['universes.owner'], ['xuniverse.owner']])
      expect(await refusal(user({ orgId: '', roles })), roles.join()).toEqual({
        status: 403,
        error: 'this token has no organization and no platform-wide role: there is no org to show',
        detail: 'no_organization',
      });
  });

  it('gives a platform administrator with an org every org too (AIWM: universe roles are platform-wide)', async () => {
    expect(await scopeOf(user({ roles: ['universe.owner'] }))).toEqual({ kind: 'all' });
  });
});

describe('the platform-administrator rule (FACADE_ADMIN_ROLES)', () => {
  it('defaults to AIWM\'s rule: a role starting with "universe."', () => {
    expect(DEFAULT_ADMIN_ROLES).toEqual(['universe.*']);
    expect(isPlatformAdmin(['universe.owner'])).toBe(true);
    expect(isPlatformAdmin(['organization.viewer', 'universe.member'])).toBe(true);
    expect(isPlatformAdmin(['universe'])).toBe(false);
    expect(isPlatformAdmin(['organization.universe.owner'])).toBe(false);
    expect(isPlatformAdmin([])).toBe(false);
  });

  it('narrows to exact roles, widens to other prefixes, or names none', async () => {
    const owner = ['universe.owner'];
    expect(await scopeOf(user({ roles: ['universe.owner'] }), owner)).toEqual({ kind: 'all' });
    expect(await scopeOf(user({ roles: ['universe.member'] }), owner)).toEqual({ kind: 'org', orgId: ORG });
    expect(await refusal(user({ orgId: '', roles: ['universe.member'] }), owner)).toMatchObject({ status: 403 });
    expect(await scopeOf(user({ roles: ['platform.ops'] }), ['universe.owner', 'platform.*'])).toEqual({
      kind: 'all',
    });
    // An exact role is exact: no prefix match without the star.
    expect(await scopeOf(user({ roles: ['universe.owner.x'] }), owner)).toEqual({ kind: 'org', orgId: ORG });
    // No admin role at all: everyone sees their own org only.
    expect(await scopeOf(user({ roles: ['universe.owner'] }), [])).toEqual({ kind: 'org', orgId: ORG });
    expect(await refusal(user({ orgId: '', roles: ['universe.owner'] }), [])).toMatchObject({ status: 403 });
  });

  const facadeEnv = (extra: Record<string, string>) => ({
    MONGODB_URI: 'mongodb://127.0.0.1:1/x',
    PROMETHEUS_URL: 'http://127.0.0.1:9090',
    JWT_SECRET: SECRET,
    ...extra,
  });

  it('is read from FACADE_ADMIN_ROLES: comma-separated roles and prefixes, or none', () => {
    expect(loadConfig(facadeEnv({})).facade!.adminRoles).toEqual(['universe.*']);
    expect(loadConfig(facadeEnv({ FACADE_ADMIN_ROLES: 'universe.owner, platform.*' })).facade!.adminRoles).toEqual([
      'universe.owner',
      'platform.*',
    ]);
    expect(loadConfig(facadeEnv({ FACADE_ADMIN_ROLES: 'none' })).facade!.adminRoles).toEqual([]);
  });

  it('refuses a bad FACADE_ADMIN_ROLES at start-up, naming the setting (a bare * would make everyone an admin)', () => {
    for (const value of ['*', 'universe.*,', 'universe.*,,x', 'uni*verse', 'universe.**', 'a b', 'universe.*;x'])
      expect(() => loadConfig(facadeEnv({ FACADE_ADMIN_ROLES: value })), value).toThrow(
        /^FACADE_ADMIN_ROLES: must be comma-separated roles or prefixes like universe\.\* .*\(got "/,
      );
    expect(() => loadConfig(facadeEnv({ FACADE_ADMIN_ROLES: 'universe.*, a b' }))).toThrow(/\(got "a b"\)$/);
    expect(() => loadConfig(facadeEnv({ FACADE_ADMIN_ROLES: '*' }))).toThrow(ConfigError);
  });
});

describe('PROMETHEUS_MAX_ANSWER_SIZE', () => {
  const env = (value?: string) => ({
    MONGODB_URI: 'mongodb://127.0.0.1:1/x',
    PROMETHEUS_URL: 'http://127.0.0.1:9090',
    JWT_SECRET: SECRET,
    ...(value === undefined ? {} : { PROMETHEUS_MAX_ANSWER_SIZE: value }),
  });

  it('defaults to 32 MiB and takes bytes or KB/KiB/MB/MiB/GB/GiB', () => {
    expect(loadConfig(env()).facade!.prometheusMaxBytes).toBe(32 * 1024 * 1024);
    expect(loadConfig(env('1KiB')).facade!.prometheusMaxBytes).toBe(1024);
    expect(loadConfig(env('2MB')).facade!.prometheusMaxBytes).toBe(2_000_000);
    expect(loadConfig(env('1GiB')).facade!.prometheusMaxBytes).toBe(1024 ** 3);
    expect(loadConfig(env('65536')).facade!.prometheusMaxBytes).toBe(65_536);
  });

  it('refuses a size that is not one, or under 1 KiB, naming the setting', () => {
    for (const value of ['lots', '32 mebibytes', '-1', '1.5MiB', '100', '99999999999999999GiB'])
      expect(() => loadConfig(env(value)), value).toThrow(
        /^PROMETHEUS_MAX_ANSWER_SIZE: must be a size of at least 1024 bytes/,
      );
  });
});

describe('verified tokens are remembered until they expire', () => {
  it('answers a repeated token from memory, and refuses it once its exp has passed', async () => {
    const tokens = new VerifiedTokens(KEY);
    const exp = Math.floor(Date.now() / 1000) + 1;
    const token = `Bearer ${await new SignJWT(user()).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(KEY)}`;
    expect(await tokens.scopeOf(token)).toEqual({ kind: 'org', orgId: ORG });
    expect(await tokens.scopeOf(token)).toEqual({ kind: 'org', orgId: ORG });
    // Past its exp the remembered scope is dropped and the token verified again: jose refuses it.
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    await expect(tokens.scopeOf(token)).rejects.toMatchObject({ status: 401, message: 'token expired' });
  });

  it('never remembers a refused token, nor accepts a token signed with another secret', async () => {
    const tokens = new VerifiedTokens(KEY);
    const agent = await bearer(user({ type: 'agent', agentId: AGENT }));
    for (let i = 0; i < 2; i++) await expect(tokens.scopeOf(agent)).rejects.toMatchObject({ status: 401 });
    const other = `Bearer ${await new SignJWT(user())
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('another-secret-0123456789-abcdef'))}`;
    await expect(tokens.scopeOf(other)).rejects.toMatchObject({ status: 401 });
  });
});
