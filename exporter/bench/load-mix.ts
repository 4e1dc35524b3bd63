/**
 * The requests of the load benchmark (load-bench.ts, load-client.ts): facade paths that stay
 * cached (the same few per org) and paths that mostly miss the cache (random pages and limits,
 * series over random periods and intervals, details of random entities), each with a tenant's token.
 */
import { prng } from '../../testing/hostile-cases.js';

export interface LoadOrg {
  /** `Bearer ...` */
  authorization: string;
  nodes: string[];
  resources: string[];
  deployments: string[];
  agents: string[];
}

export interface LoadTargets {
  basePath: string;
  orgs: LoadOrg[];
}

export type Mix = 'mixed' | 'cached' | 'uncached';

/** The same few responses per org: cached after their first request (TTL 30 s or more). */
export function cachedPaths(org: LoadOrg): string[] {
  return [
    '/overview',
    '/infrastructure/nodes',
    '/infrastructure/resources',
    '/workload/models',
    '/workload/deployments',
    '/workload/agents',
    '/workload/executions',
    '/health',
    ...org.nodes.slice(0, 2).map((id) => `/infrastructure/nodes/${id}`),
    ...org.deployments.slice(0, 1).map((id) => `/workload/deployments/${id}/metrics`),
  ];
}

const PERIODS = ['1h', '24h', '7d', '30d'];
const INTERVALS = ['1m', '5m', '1h', '1d'];

/** A generator of requests: `next()` gives the path (under basePath) and the Authorization header. */
export function requestMix(targets: LoadTargets, mix: Mix, orgIndexes: number[], seed: number) {
  const rng = prng(seed);
  const orgs = orgIndexes.map((i) => targets.orgs[i]!);
  const cached = orgs.map(cachedPaths);
  const uncached = (org: LoadOrg): string => {
    const pick = rng.int(0, 6);
    const page = rng.int(1, 50);
    const limit = rng.int(1, 100);
    const series = `period=${rng.pick(PERIODS)}&interval=${rng.pick(INTERVALS)}`;
    if (pick === 3 && org.deployments.length > 0)
      return `/workload/deployments/${rng.pick(org.deployments)}/metrics?${series}`;
    if (pick === 4 && org.agents.length > 0) return `/workload/agents/${rng.pick(org.agents)}/performance?${series}`;
    if (pick === 5 && org.nodes.length > 0) return `/infrastructure/nodes/${rng.pick(org.nodes)}?${series}`;
    if (pick === 6) return `/workload/deployments?page=${page}&limit=${limit}&period=${rng.pick(PERIODS)}`;
    if (pick === 1) return `/infrastructure/resources?page=${page}&limit=${limit}`;
    if (pick === 2) return `/workload/executions?page=${page}&limit=${limit}`;
    return `/infrastructure/nodes?page=${page}&limit=${limit}`;
  };
  return {
    next(): { path: string; authorization: string } {
      const i = rng.int(0, orgs.length - 1);
      const org = orgs[i]!;
      const hit = mix === 'cached' || (mix === 'mixed' && rng.next() < 0.5);
      const path = hit ? rng.pick(cached[i]!) : uncached(org);
      return { path: targets.basePath + path, authorization: org.authorization };
    },
  };
}
