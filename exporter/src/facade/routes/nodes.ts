/** GET /infrastructure/nodes (seed 2.1): counts, online averages and the node list. */
import { z } from 'zod';
import { facade as q } from '../../../../queries/index.js';
import { NODE_ROLES } from '../../source/nodes.js';
import { sourcesOfGpus } from '../gpus.js';
import { NODE_NOTES, NODE_UNAVAILABLE, NODE_UNITS, isOneOf, loadNodes, nodeSchema, type NodeItem } from '../nodes.js';
import { nodesQuery } from '../params.js';
import { scalar } from '../prometheus.js';
import { allOf, defineRoute, metadataSchema, nullableNumber, paginate, paginationSchema, pct } from '../route.js';
import { readingOf, ruleOrRaw } from '../rules.js';
import { orgMatcher } from '../scope.js';
import { NODE_AVAILABILITIES } from '../series.js';

type NodeRole = (typeof NODE_ROLES)[number];
const roleCounts = z.object({ total: z.number(), online: z.number() });
type RoleCounts = z.output<typeof roleCounts>;

/** The `status` filter: an availability matches `status`, a stored provisioning status matches `recordedStatus`. */
function matchesStatus(node: NodeItem, status: string | undefined): boolean {
  if (!status) return true;
  return isOneOf(NODE_AVAILABILITIES, status) ? node.status === status : node.recordedStatus === status;
}

export const nodesRoute = defineRoute({
  path: '/infrastructure/nodes',
  summary: 'Nodes overview and list (seed 2.1)',
  description:
    "`status` is the availability (online = a status of class up or degraded, such as AIWM's `healthy`, with a " +
    'fresh heartbeat); online counts, averages and the `status` filter use it.',
  query: nodesQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      online: z.number(),
      offline: z.number(),
      maintenance: z.number(),
      byRole: z.object(
        Object.fromEntries(NODE_ROLES.map((r) => [r, roleCounts])) as Record<NodeRole, typeof roleCounts>,
      ),
      resources: z.object({
        cpuUtilization: nullableNumber,
        ramUtilization: nullableNumber,
        gpuUtilization: nullableNumber,
        diskUtilization: z.null(),
      }),
    }),
    nodes: z.array(nodeSchema),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) =>
    r.nodes.map((n) => ({
      _id: n._id,
      name: n.name,
      role: n.role.join('|'),
      status: n.status,
      statusClass: n.statusClass,
      recordedStatus: n.recordedStatus,
      heartbeat: n.heartbeat,
      lastHeartbeat: n.lastHeartbeat,
      cpuUsage: n.hardware.cpuUsage,
      ramTotal: n.hardware.ramTotal,
      ramUsage: n.hardware.ramUsage,
      gpus: n.hardware.gpus?.length ?? null,
    })),
  async handle(ctx, _params, query) {
    const reading = await readingOf(ctx);
    const s = orgMatcher(ctx.scope);
    const figure = (build: (rules: boolean) => string) => ruleOrRaw(ctx, reading, build).then(scalar);
    // The same online averages as /overview (one computation, rule-backed where rules run).
    const r = await allOf({
      all: loadNodes(ctx),
      cpu: figure((rules) => q.onlineCpu(s, rules)),
      ram: figure((rules) => q.onlineRam(s, rules)),
      gpu: figure((rules) => q.onlineGpu(s, rules)),
    });
    const all = r.all;
    const online = all.filter((n) => n.status === 'online');
    const filtered = all.filter((n) => matchesStatus(n, query.status) && (!query.role || n.role.includes(query.role)));
    const { items, pagination } = paginate(filtered, query.page, query.limit);
    const withRole = (nodes: NodeItem[], role: string) => nodes.filter((n) => n.role.includes(role)).length;
    const byRole = (role: string) => ({ total: withRole(all, role), online: withRole(online, role) });
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: all.length,
        online: online.length,
        offline: all.filter((n) => n.status === 'offline').length,
        maintenance: all.filter((n) => n.status === 'maintenance').length,
        byRole: Object.fromEntries(NODE_ROLES.map((role) => [role, byRole(role)])) as Record<NodeRole, RoleCounts>,
        resources: {
          cpuUtilization: pct(r.cpu),
          ramUtilization: pct(r.ram),
          gpuUtilization: pct(r.gpu),
          diskUtilization: null,
        },
      },
      nodes: items,
      pagination,
      metadata: {
        sources: [reading.source, ...sourcesOfGpus(all.flatMap((n) => n.hardware.gpus ?? []))],
        unavailable: [
          ...NODE_UNAVAILABLE,
          { field: 'summary.resources.diskUtilization', reason: 'no disk usage in AIWM' },
        ],
        units: NODE_UNITS,
        notes: [...NODE_NOTES, 'summary.resources averages cover online nodes only.'],
      },
    };
  },
});
