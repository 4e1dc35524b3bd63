/**
 * Generated hostile requests for the JSON facade (exporter/test/hostile.test.ts): wrong tokens,
 * bad parameters, bad encodings, hostile ids, other methods, large headers and path traversal,
 * combined by a seeded PRNG so every run sends the same requests. Each request is wrong in at least
 * one way, so every answer must be a 4xx (or a deliberate 429/503).
 */
import type { Route } from '../exporter/src/facade/route.js';
import { userToken, wrongTokens } from './tokens.js';

export type IdKind = 'node' | 'resource' | 'deployment' | 'agent' | 'execution';

export interface HostileTargets {
  /** FACADE_BASE_PATH, e.g. `/dashboard`. */
  basePath: string;
  secret: string;
  /** The caller's org: every valid-token request carries a token for it. */
  orgA: string;
  /** The caller's own ids (the detail routes answer them). */
  mine: Record<IdKind, string[]>;
  /** Another org's ids: the caller must never get their data. */
  theirs: Record<IdKind, string[]>;
  /** Another org's executionId UUIDs. */
  theirExecutionUuids: string[];
  /** The facade's routes (exporter/src/facade/index.ts ROUTES). */
  routes: readonly Route[];
  /** When the tokens are issued (Unix seconds): the same `now` and seed give the same requests. */
  now: number;
}

export interface HostileCase {
  category: 'token' | 'params' | 'encoding' | 'ids' | 'methods' | 'headers' | 'traversal' | 'mixed';
  name: string;
  method: string;
  /** The request target, sent verbatim. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * The request is malformed at the HTTP level (headers past Node's limit, a bad Content-Length):
   * Node may answer 4xx and close, or close before the client has read the answer.
   */
  mayClose: boolean;
}

/** mulberry32: small, seeded, deterministic. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    hex: (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join(''),
  };
}
export type Prng = ReturnType<typeof prng>;

/** Which id kind a detail route's `:id` takes (a new detail route must be added here). */
function kindOf(path: string): IdKind {
  if (path.includes('/nodes/:id')) return 'node';
  if (path.includes('/resources/:id')) return 'resource';
  if (path.includes('/deployments/:id')) return 'deployment';
  if (path.includes('/agents/:id')) return 'agent';
  if (path.includes('/executions/:id')) return 'execution';
  throw new Error(`hostile-cases: no id kind for the route ${path}`);
}

/** Query parameters no route accepts (each alone makes a request a 400). */
export const BAD_PARAMS: readonly string[] = [
  'page=0',
  'page=-1',
  'page=-0',
  'page=1.5',
  'page=abc',
  'page=NaN',
  'page=Infinity',
  'page=1e400',
  'page=99999999999999999999',
  'page=100000000',
  `page=${'9'.repeat(4000)}`,
  'limit=0',
  'limit=-10',
  'limit=1000000',
  'limit=abc',
  'limit=1.5',
  'period=2h',
  'period=24H',
  'period=__proto__',
  'period=constructor',
  'period=toString',
  'interval=30s',
  'interval=1m%20',
  'format=xml',
  'format=CSV',
  'format=json%00',
  'status=bogus',
  'status=%27%20OR%20%271%27%3D%271',
  'role=admin',
  'nodeId=zzz',
  'nodeId=%7B%22%24ne%22%3Anull%7D',
  'resourceType=bogus',
  'foo=bar',
  `foo=${'x'.repeat(8000)}`,
  '__proto__=1',
  '__proto__[admin]=true',
  'constructor[prototype][admin]=true',
  'constructor=1',
  'hasOwnProperty=1',
  'toString=1',
  'a[]=1',
  'page[]=1',
  'page[a]=1',
  'limit[$gt]=0',
  'page=1&page=2',
  'limit=10&limit=10',
  'period=1h&period=1h',
  'orgId=000000000000000000000000',
  'org_id=.%2B',
  Array.from({ length: 500 }, (_, i) => `p${i}=1`).join('&'),
];

/** Values with bad or unusual encodings, for a query parameter. */
const BAD_ENCODED_VALUES: readonly string[] = [
  '%zz',
  '%',
  '%0',
  '%00',
  '1h%00',
  '%001h',
  '%C0%AF',
  '%C0%80',
  '%ED%A0%80',
  '%FF%FE',
  '%E2%80%AE1h',
  '%EF%BC%91h',
  '%EF%BC%91',
  '%D9%A1',
  '%F0%9F%92%A9',
  '%0D%0ASet-Cookie:%20x=1',
];

/** Bad encodings in a path segment where an id goes. */
const BAD_ENCODED_IDS: readonly string[] = [
  '%zz',
  '%',
  '%0',
  '%00',
  '%C0%AF',
  '%C0%80',
  '%ED%A0%80',
  '%FF',
  '%E2%80%AE',
  '%F0%9F%92%A9',
  '%0D%0A',
  '%EF%BC%90'.repeat(24),
];

/** Ids that are not ObjectIds, some shaped as PromQL or MongoDB injection (already percent-encoded). */
const HOSTILE_IDS: readonly string[] = [
  'abc',
  '0',
  '-1',
  'z'.repeat(24),
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '..',
  '%2e%2e',
  '.*',
  '.%2B',
  '%22%7D%20or%20vector(1)%20%7B',
  '%22%7D%20or%20vector(1)%20%7Bx%3D%22',
  'a%22%7D%20or%20%7B__name__%3D~%22.%2B',
  '%27%20OR%20%271%27%3D%271',
  '%27%3B%20DROP%20TABLE%20nodes%3B--',
  '%7B%22%24ne%22%3Anull%7D',
  '%24where',
  'a%5C%22b',
  '%0Anode_id%3D%22x',
  '%60id%60',
  '%20',
  'x'.repeat(5000),
];

/** Paths that try to leave the facade (absolute targets; `base` is FACADE_BASE_PATH). */
function traversalPaths(base: string): string[] {
  return [
    '/metrics',
    '/metrics?format=openmetrics',
    '//metrics',
    `${base}/../metrics`,
    `${base}/./../metrics`,
    `${base}/..%2fmetrics`,
    `${base}/..%2f..%2fmetrics`,
    `${base}/%2e%2e/metrics`,
    `${base}/%2e%2e%2fmetrics`,
    `${base}/%252e%252e%252fmetrics`,
    `${base}/..%5cmetrics`,
    `${base}/..\\metrics`,
    `${base}//metrics`,
    `${base}/%2fmetrics`,
    `${base}/....//metrics`,
    `${base}/infrastructure/nodes/..%2f..%2f..%2fmetrics`,
    `${base}/infrastructure/nodes/%2e%2e%2f%2e%2e%2f%2e%2e%2fmetrics`,
    `${base}/openapi.json/..%2f..%2fmetrics`,
    `${base}/metrics`,
    `${base}%2fmetrics`,
    `${base}/..%2f..%2f..%2f..%2fetc%2fpasswd`,
    `${base}/infrastructure/..%2f..%2fhealthz%2f..%2fmetrics`,
  ];
}

const METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'] as const;

const NODE_HEADER_LIMIT = 16 * 1024;

/** Bytes of the request line and headers, as Node's parser counts them against its limit. */
const headerBytes = (c: Pick<HostileCase, 'method' | 'path' | 'headers'>) =>
  c.method.length +
  c.path.length +
  12 +
  Object.entries(c.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0) +
  64; // host, connection

/** At least `count` hostile requests, the same ones for the same seed and targets. */
export function hostileCases(t: HostileTargets, seed = 13, count = 520): HostileCase[] {
  const rng = prng(seed);
  const valid = `Bearer ${userToken(t.secret, t.orgA, {}, t.now)}`;
  const auth = { authorization: valid };
  const detail = t.routes.filter((r) => r.path.includes(':id'));
  const lists = t.routes.filter((r) => !r.path.includes(':id'));
  /** A valid path of a random route, with one of the caller's own ids where it takes one. */
  const validPath = (route = rng.pick(t.routes)) =>
    t.basePath +
    (route.path.includes(':id') ? route.path.replace(':id', rng.pick(t.mine[kindOf(route.path)])) : route.path);
  const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;
  const cases: HostileCase[] = [];
  const add = (c: Omit<HostileCase, 'mayClose'> & { mayClose?: boolean }) =>
    cases.push({ ...c, mayClose: c.mayClose ?? headerBytes(c) > NODE_HEADER_LIMIT - 512 });

  // Tokens: every wrong shape, on three random routes each.
  const tokens = wrongTokens(t.secret, t.orgA, t.now);
  for (const token of tokens)
    for (let i = 0; i < 3; i++) {
      const headers: Record<string, string> =
        token.authorization === undefined ? {} : { authorization: token.authorization };
      add({ category: 'token', name: token.name, method: 'GET', path: validPath(), headers });
    }

  // Parameters: each bad one on two random routes, then pairs.
  for (const param of BAD_PARAMS)
    for (let i = 0; i < 2; i++)
      add({
        category: 'params',
        name: param.slice(0, 40),
        method: 'GET',
        path: withQuery(validPath(), param),
        headers: auth,
      });
  for (let i = 0; i < 20; i++) {
    const pair = `${rng.pick(BAD_PARAMS)}&${rng.pick(BAD_PARAMS)}`;
    add({
      category: 'params',
      name: `pair ${pair.slice(0, 40)}`,
      method: 'GET',
      path: withQuery(validPath(), pair),
      headers: auth,
    });
  }

  // Encodings: in a query value, a query name, an id segment and a list path.
  const paramNames = ['period', 'interval', 'status', 'page', 'limit', 'format', 'role', 'nodeId'];
  for (const value of BAD_ENCODED_VALUES) {
    for (let i = 0; i < 2; i++) {
      const query = `${rng.pick(paramNames)}=${value}`;
      add({
        category: 'encoding',
        name: `value ${value}`,
        method: 'GET',
        path: withQuery(validPath(), query),
        headers: auth,
      });
    }
    add({
      category: 'encoding',
      name: `name ${value}`,
      method: 'GET',
      path: withQuery(validPath(), `${value}=1`),
      headers: auth,
    });
  }
  for (const id of BAD_ENCODED_IDS)
    for (let i = 0; i < 2; i++) {
      const route = rng.pick(detail);
      add({
        category: 'encoding',
        name: `id ${id.slice(0, 30)}`,
        method: 'GET',
        path: t.basePath + route.path.replace(':id', id),
        headers: auth,
      });
    }
  for (const suffix of ['%00', '%zz', '%2F', '%C0%AF', '%20', '%09', ';x=1']) {
    const route = rng.pick(lists);
    add({
      category: 'encoding',
      name: `list path ${suffix}`,
      method: 'GET',
      path: `${t.basePath}${route.path}${suffix}`,
      headers: auth,
    });
  }

  // Ids: not ObjectIds, another org's, ones nobody has, one kind on another kind's route.
  for (const id of HOSTILE_IDS)
    for (let i = 0; i < 2; i++) {
      const route = rng.pick(detail);
      add({
        category: 'ids',
        name: `id ${id.slice(0, 30)}`,
        method: 'GET',
        path: t.basePath + route.path.replace(':id', id),
        headers: auth,
      });
    }
  for (const route of detail) {
    const kind = kindOf(route.path);
    for (const id of t.theirs[kind].slice(0, 4))
      add({
        category: 'ids',
        name: `another org's ${kind}`,
        method: 'GET',
        path: t.basePath + route.path.replace(':id', id),
        headers: auth,
      });
    for (let i = 0; i < 2; i++)
      add({
        category: 'ids',
        name: `unknown ${kind}`,
        method: 'GET',
        path: t.basePath + route.path.replace(':id', rng.hex(24)),
        headers: auth,
      });
    const other = detail.map((r) => kindOf(r.path)).find((k) => k !== kind && t.mine[k].length > 0)!;
    add({
      category: 'ids',
      name: `a ${other} id as a ${kind}`,
      method: 'GET',
      path: t.basePath + route.path.replace(':id', t.mine[other][0]!),
      headers: auth,
    });
    add({
      category: 'ids',
      name: `uppercase ${kind}`,
      method: 'GET',
      path: t.basePath + route.path.replace(':id', t.theirs[kind][0]!.toUpperCase()),
      headers: auth,
    });
  }
  const execution = detail.find((r) => kindOf(r.path) === 'execution');
  if (execution) {
    for (const uuid of t.theirExecutionUuids.slice(0, 4))
      add({
        category: 'ids',
        name: "another org's executionId",
        method: 'GET',
        path: t.basePath + execution.path.replace(':id', uuid),
        headers: auth,
      });
    const uuid = `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`;
    add({
      category: 'ids',
      name: 'unknown executionId',
      method: 'GET',
      path: t.basePath + execution.path.replace(':id', uuid),
      headers: auth,
    });
  }

  // Methods: every other method on random valid paths, some with a body.
  for (const method of METHODS)
    for (let i = 0; i < 4; i++) {
      const body =
        i === 1 ? JSON.stringify({ orgId: t.theirs.node[0], $where: '1' }) : i === 2 ? 'x'.repeat(100_000) : undefined;
      const headers = body === undefined ? auth : { ...auth, 'content-type': 'application/json' };
      add({
        category: 'methods',
        name: `${method}${body ? ` with ${body.length} B body` : ''}`,
        method,
        path: validPath(),
        headers,
        body,
      });
    }

  // Large headers: near Node's 16 KiB limit (answered), past it (431 or closed), odd framing.
  const bad = () => withQuery(validPath(), rng.pick(BAD_PARAMS.slice(0, 10)));
  for (const size of [8 * 1024, 12 * 1024, 14 * 1024, 15 * 1024]) {
    add({
      category: 'headers',
      name: `one ${size} B header`,
      method: 'GET',
      path: bad(),
      headers: { ...auth, 'x-pad': 'a'.repeat(size) },
    });
    add({
      category: 'headers',
      name: `${size} B cookie`,
      method: 'GET',
      path: bad(),
      headers: { ...auth, cookie: `c=${'b'.repeat(size)}` },
    });
  }
  const many = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`x-h${i}`, 'v'.repeat(90)]));
  add({ category: 'headers', name: '120 headers', method: 'GET', path: bad(), headers: { ...auth, ...many } });
  for (const size of [17 * 1024, 32 * 1024, 100 * 1024])
    add({
      category: 'headers',
      name: `one ${size} B header`,
      method: 'GET',
      path: validPath(),
      headers: { ...auth, 'x-pad': 'a'.repeat(size) },
    });
  const tooMany = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v'.repeat(90)]));
  add({ category: 'headers', name: '300 headers', method: 'GET', path: validPath(), headers: { ...auth, ...tooMany } });
  add({
    category: 'headers',
    name: 'authorization past the limit',
    method: 'GET',
    path: validPath(),
    headers: { authorization: `Bearer ${'A'.repeat(20_000)}` },
  });
  add({
    category: 'headers',
    name: 'bad content-length',
    method: 'GET',
    path: validPath(),
    headers: { ...auth, 'content-length': 'abc' },
    mayClose: true,
  });
  add({
    category: 'headers',
    name: 'negative content-length',
    method: 'GET',
    path: validPath(),
    headers: { ...auth, 'content-length': '-1' },
    mayClose: true,
  });
  add({
    category: 'headers',
    name: 'forwarded headers, no token',
    method: 'GET',
    path: validPath(),
    headers: {
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      'x-forwarded-user': 'admin',
      'x-org-id': t.orgA,
    },
  });
  add({
    category: 'headers',
    name: 'host header, bad param',
    method: 'GET',
    path: bad(),
    headers: { ...auth, host: 'evil.example' },
  });

  // Traversal: out of the facade, with and without a token.
  for (const path of traversalPaths(t.basePath)) {
    add({ category: 'traversal', name: path.slice(0, 50), method: 'GET', path, headers: auth });
    add({ category: 'traversal', name: `${path.slice(0, 40)} (no token)`, method: 'GET', path, headers: {} });
  }

  // Mixed, until `count`: a wrong token or a bad parameter (or both), another method or an encoded id.
  while (cases.length < count) {
    const token = rng.next() < 0.5 ? rng.pick(tokens) : undefined;
    const headers: Record<string, string> = token
      ? token.authorization === undefined
        ? {}
        : { authorization: token.authorization }
      : { ...auth };
    let path = validPath();
    const parts: string[] = token ? [token.name] : [];
    if (!token || rng.next() < 0.5) {
      const param = rng.pick(BAD_PARAMS);
      path = withQuery(path, param);
      parts.push(param.slice(0, 30));
    }
    if (rng.next() < 0.3) {
      const route = rng.pick(detail);
      path = t.basePath + route.path.replace(':id', rng.pick(HOSTILE_IDS));
      parts.push('hostile id');
    }
    const method = rng.next() < 0.2 ? rng.pick(METHODS) : 'GET';
    if (method !== 'GET') parts.push(method);
    add({ category: 'mixed', name: parts.join(' + '), method, path, headers });
  }
  return cases;
}
