/**
 * The exporter's node-state series and the unified GPU series (recording rules) the facade reads,
 * with the selectors every route shares. Node figures that the seed calls online/offline use the
 * availability the exporter derives from status class and heartbeat age, never the raw status.
 */
import type { Sample } from './prometheus.js';
import type { FacadeContext } from './route.js';
import { sel } from './scope.js';

// Availability (the seed's view), status classes and heartbeat states are the exporter's own sets.
export { HEARTBEAT_STATES, NODE_AVAILABILITIES, NODE_STATUS_CLASSES } from '../source/nodes.js';

export const NODE_SERIES = {
  availability: 'aiwm_node_availability',
  status: 'aiwm_node_status',
  heartbeatState: 'aiwm_node_heartbeat_state',
  lastHeartbeat: 'aiwm_node_last_heartbeat_timestamp_seconds',
  counts: 'aiwm_nodes',
  implausibleValue: 'aiwm_node_implausible_value',
} as const;

/** Per-GPU series joined from dcgm-exporter, or from AIWM's own gpuDevices where a node has none. */
export const GPU_SERIES = {
  info: 'gpu:aiwm_gpu_info:unified',
  utilization: 'gpu:aiwm_gpu_utilization_ratio:unified',
  memoryUsed: 'gpu:aiwm_gpu_memory_used_bytes:unified',
  memoryTotal: 'gpu:aiwm_gpu_memory_total_bytes:unified',
  temperature: 'gpu:aiwm_gpu_temperature_celsius:unified',
  power: 'gpu:aiwm_gpu_power_usage_watts:unified',
  xidLast: 'gpu:aiwm_gpu_xid_last:unified',
  rowRemapFailure: 'gpu:aiwm_gpu_row_remap_failure:unified',
  uncorrectableRemappedRows: 'gpu:aiwm_gpu_uncorrectable_remapped_rows:unified',
  clockEventReasons: 'gpu:aiwm_gpu_clock_event_reasons:unified',
} as const;

/** The `source` label of the unified GPU series, as named in `metadata.sources`. */
const GPU_SOURCE_NAMES: Record<string, string> = { dcgm: 'dcgm-exporter', aiwm: 'aiwm:gpuDevices' };

/** `metadata.sources` entries for the given `source` label values. */
export function gpuSourceNames(sources: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const s of sources) if (s) names.add(GPU_SOURCE_NAMES[s] ?? s);
  return [...names].sort();
}

/** `metadata.sources` entries for the GPU sources of `samples` (any series carrying `source`). */
export const sourcesOf = (samples: Sample[]): string[] => gpuSourceNames(samples.map((s) => s.metric.source ?? ''));

/**
 * The org's (and optional node's) online nodes, as a 1-valued vector by (org_id, node_id): once per
 * node even when two exporter replicas are scraped, so the joins below stay one-to-one.
 */
export function onlineNodes(ctx: FacadeContext): string {
  return `max by (org_id, node_id) (${sel(ctx.scope, NODE_SERIES.availability, { availability: 'online' })} == 1)`;
}

/** `expr` (a vector by org_id, node_id, ...) restricted to online nodes. */
export function onOnlineNodes(ctx: FacadeContext, expr: string): string {
  return `(${expr} * on (org_id, node_id) group_left () ${onlineNodes(ctx)})`;
}

/** Average of a node- or GPU-level metric over the online nodes of the scope. */
export function onlineAverage(ctx: FacadeContext, metric: string): string {
  return `avg(${onOnlineNodes(ctx, sel(ctx.scope, metric))})`;
}

/** Query: how many GPUs each source supplies, for `metadata.sources`. */
export function gpuSourcesQuery(ctx: FacadeContext, extra: Record<string, string> = {}): string {
  return `count by (source) (${sel(ctx.scope, GPU_SERIES.info, extra)})`;
}
