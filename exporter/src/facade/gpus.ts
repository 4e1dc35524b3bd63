/**
 * Per-GPU figures from the unified GPU series only: dcgm-exporter's scrape joined to the node by
 * host name, or AIWM's own gpuDevices where the node has no dcgm-exporter (label `source`).
 */
import { z } from 'zod';
import type { Sample } from './prometheus.js';
import { facade as q, type GpuSeries } from '../../../queries/index.js';
import { allOf, nullableNumber, pct, round, toGB, type FacadeContext } from './route.js';
import { gpuSourceNames } from './series.js';
import { entityMatcher, orgMatcher } from './scope.js';

/** Health signals from dcgm-exporter; every field is null when the GPU's source has none (AIWM). */
const gpuHealthSchema = z.object({
  /** Code of the last XID error (0: none); dcgm-exporter keeps it until it restarts. */
  lastXid: nullableNumber,
  rowRemapFailure: z.boolean().nullable(),
  uncorrectableRemappedRows: nullableNumber,
  /** Active clock event (throttle) reasons, e.g. sw_thermal; null unless the operator enabled that counter. */
  clockEventReasons: z.array(z.string()).nullable(),
});

/** DCGM_CLOCKS_EVENT_REASON_* bits, lowest first (dcgm_fields.h). */
const CLOCK_EVENT_BITS = [
  'gpu_idle',
  'clocks_setting',
  'sw_power_cap',
  'hw_slowdown',
  'sync_boost',
  'sw_thermal',
  'hw_thermal',
  'hw_power_brake',
  'display_clocks',
] as const;

/** The names of the bits set in a clock-event-reasons mask. */
export function clockEventReasons(mask: number): string[] {
  return CLOCK_EVENT_BITS.filter((_, bit) => Math.floor(mask / 2 ** bit) % 2 === 1);
}

export const gpuSchema = z.object({
  /** The seed's id of the GPU: the UUID (dcgm) or AIWM's deviceId, else the index. */
  deviceId: z.string(),
  uuid: z.string().nullable(),
  /** GPU index on the node, as dcgm-exporter or AIWM number it. */
  index: z.string().nullable(),
  model: z.string(),
  memoryTotal: nullableNumber,
  memoryFree: nullableNumber,
  utilization: nullableNumber,
  temperature: nullableNumber,
  powerUsage: nullableNumber,
  /** `dcgm` (dcgm-exporter) or `aiwm` (AIWM's gpuDevices). */
  source: z.string(),
  health: gpuHealthSchema,
});
export type GpuItem = z.output<typeof gpuSchema>;

const gpuKey = (m: Record<string, string>) => `${m.node_id ?? ''}/${m.gpu ?? ''}`;
const valuesByGpu = (samples: Sample[]) => new Map(samples.map((s) => [gpuKey(s.metric), s.value]));
const finite = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);

function byIndex(a: GpuItem, b: GpuItem): number {
  const d = Number(a.index ?? Infinity) - Number(b.index ?? Infinity);
  return Number.isNaN(d) || d === 0 ? (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0) : d;
}

/** Every GPU the scope sees (optionally on one node), by node id, ordered by index. */
export async function loadGpus(ctx: FacadeContext, nodeId?: string): Promise<Map<string, GpuItem[]>> {
  const s = nodeId ? entityMatcher(ctx.scope, 'node_id', nodeId) : orgMatcher(ctx.scope);
  const values = (name: GpuSeries) => ctx.prom.query(q.gpu(name, s)).then(valuesByGpu);
  const r = await allOf({
    info: ctx.prom.query(q.gpu('info', s)),
    utilization: values('utilization'),
    total: values('memoryTotal'),
    used: values('memoryUsed'),
    temperature: values('temperature'),
    power: values('power'),
    xid: values('xidLast'),
    remapFailure: values('rowRemapFailure'),
    remappedRows: values('uncorrectableRemappedRows'),
    clockReasons: values('clockEventReasons'),
  });
  const seen = new Set<string>();
  const out = new Map<string, GpuItem[]>();
  for (const s of r.info) {
    const k = gpuKey(s.metric);
    if (seen.has(k)) continue; // one GPU, several info series (e.g. during a relabel): keep one
    seen.add(k);
    const totalBytes = finite(r.total.get(k));
    const usedBytes = finite(r.used.get(k));
    const gpu: GpuItem = {
      deviceId: s.metric.uuid || s.metric.gpu || '',
      uuid: s.metric.uuid || null,
      index: s.metric.gpu ?? null,
      model: s.metric.model ?? '',
      memoryTotal: toGB(totalBytes),
      memoryFree: totalBytes !== null && usedBytes !== null ? toGB(totalBytes - usedBytes) : null,
      utilization: pct(finite(r.utilization.get(k))),
      temperature: finite(r.temperature.get(k)),
      powerUsage: round(finite(r.power.get(k))),
      source: s.metric.source ?? 'unknown',
      health: {
        lastXid: finite(r.xid.get(k)),
        rowRemapFailure: r.remapFailure.has(k) ? r.remapFailure.get(k) === 1 : null,
        uncorrectableRemappedRows: finite(r.remappedRows.get(k)),
        clockEventReasons: r.clockReasons.has(k) ? clockEventReasons(r.clockReasons.get(k)!) : null,
      },
    };
    const node = s.metric.node_id ?? '';
    out.set(node, [...(out.get(node) ?? []), gpu]);
  }
  for (const gpus of out.values()) gpus.sort(byIndex);
  return out;
}

/** `metadata.sources` entries for the GPUs listed. */
export const sourcesOfGpus = (gpus: Iterable<GpuItem>) => gpuSourceNames([...gpus].map((g) => g.source));
