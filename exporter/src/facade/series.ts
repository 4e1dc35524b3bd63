/**
 * What every route shares about the exporter's node states and the unified GPU series: the enum
 * sets of availability, status class and heartbeat (the exporter's own), and how the GPU series'
 * `source` label is named in `metadata.sources`. The queries themselves live in queries/facade.ts.
 */
import type { Sample } from './prometheus.js';

// Availability (the seed's view), status classes and heartbeat states are the exporter's own sets.
export { HEARTBEAT_STATES, NODE_AVAILABILITIES, NODE_STATUS_CLASSES } from '../source/nodes.js';

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
