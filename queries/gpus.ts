/**
 * GPU queries. Readers use only the unified GPU series the recording rules build (dcgm-exporter
 * joined to AIWM's nodes by host name, else AIWM's own GPU fields, with a `source` label saying
 * which) and their node and org roll-ups; never `aiwm_gpu_*` or `DCGM_*` (queries/gpu-join.ts).
 */
import {
  BY_GPU,
  BY_NODE,
  andOn,
  anyBitSet,
  avg,
  count,
  either,
  eq,
  grouped,
  joinInfo,
  max,
  noneOf,
  oneOf,
  orZero,
  select,
  setLabel,
  sum,
  timesOn,
  type Selector,
} from './core.js';
import { DCGM_JOB_PATTERN, GPU, M, ONLINE, PROMETHEUS, RULE, type GpuSeries } from './names.js';
import { onlineNodes, withNodeInfo } from './nodes.js';

/** A unified per-GPU series. */
export const gpuSeries = (name: GpuSeries, s: Selector) => select(GPU[name], s);

/**
 * The per-GPU value series reduced to the labels panels join on. The aggregation drops `__name__`
 * and anything a scrape adds, so a table's `merge` lines the series up by GPU.
 */
export const perGpu = (name: GpuSeries, s: Selector) => max(gpuSeries(name, s), [...BY_GPU, 'source']);
/** One value per GPU index, e.g. a stat panel per GPU of one node. */
export const byGpuIndex = (name: GpuSeries, s: Selector) => max(gpuSeries(name, s), ['gpu']);
/** The GPU inventory as table rows: index, UUID, model and source. */
export const gpuInventory = (s: Selector) => max(gpuSeries('info', s), [...BY_GPU, 'uuid', 'model', 'source']);

/** GPUs dcgm-exporter or AIWM reports. */
export const gpusReporting = (s: Selector) => count(gpuSeries('info', s));
/** GPUs by telemetry source (`dcgm`, `aiwm`); per node with `perNode`. */
export const gpusBySource = (s: Selector, perNode = false) =>
  count(gpuSeries('info', s), perNode ? [...BY_NODE, 'source'] : ['source']);
/** GPUs with utilization above 0, from the per-org recording rule. */
export const gpusActive = (s: Selector) => sum(select(RULE.orgGpusActive, s));
/** Average utilization of the GPUs of online nodes, from the per-org recording rule. */
export const onlineGpuUtilization = (s: Selector) => avg(select(RULE.orgGpuUtilizationOnline, s));
/** Average GPU utilization per node. */
export const nodeGpuUtilization = (s: Selector) => select(RULE.nodeGpuUtilization, s);
/** GPU memory in use per node. */
export const nodeGpuMemoryUsed = (s: Selector) => select(RULE.nodeGpuMemoryUsed, s);
/** GPUs dcgm-exporter reports under a host name that matches no AIWM node (all orgs). */
export const dcgmGpusUnmatched = () => sum(RULE.dcgmUnmatched);

/** One series per GPU with a health fault; the health series exist for dcgm-exporter GPUs only. */
export const gpuFaults = (s: Selector) =>
  either(
    ...(['xidLast', 'rowRemapFailure', 'uncorrectableRemappedRows'] as const).map((n) =>
      max(`${gpuSeries(n, s)} > 0`, BY_GPU),
    ),
  );
export const gpusWithFaults = (s: Selector) => orZero(count(gpuFaults(s)));

/** DCGM clock event reason bits (dcgm_fields.h, DCGM_CLOCKS_EVENT_REASON_*). */
export const CLOCK_EVENT_REASONS: ReadonlyArray<{ bit: number; reason: string }> = [
  { bit: 0x001, reason: 'gpu_idle' },
  { bit: 0x002, reason: 'clocks_setting' },
  { bit: 0x004, reason: 'sw_power_cap' },
  { bit: 0x008, reason: 'hw_slowdown' },
  { bit: 0x010, reason: 'sync_boost' },
  { bit: 0x020, reason: 'sw_thermal' },
  { bit: 0x040, reason: 'hw_thermal' },
  { bit: 0x080, reason: 'hw_power_brake' },
  { bit: 0x100, reason: 'display_clocks' },
];

/**
 * The clock event reasons active now, one series per GPU and reason (value 1), decoded from the
 * bit mask in PromQL: bit b is set when floor(mask / b) is odd.
 */
export function clockEventReasons(s: Selector): string {
  const mask = max(gpuSeries('clockEventReasons', s), BY_GPU);
  return either(
    ...CLOCK_EVENT_REASONS.map(({ bit, reason }) => setLabel(`floor(${mask} / ${bit}) % 2 == 1`, 'reason', reason)),
  );
}

/** Online GPUs' values (for online-only figures of the seed). */
export const onlineGpuSeries = (name: GpuSeries, s: Selector) => timesOn(gpuSeries(name, s), BY_NODE, onlineNodes(s));

/** Per-GPU free memory: total minus used. */
export const gpuMemoryFree = (s: Selector) =>
  `${gpuSeries('memoryTotal', s)} - on (${[...BY_GPU, 'source'].join(', ')}) ${gpuSeries('memoryUsed', s)}`;

// --- alerts --------------------------------------------------------------------------------------

/** The labels a GPU alert takes from the unified GPU info. */
const GPU_INFO_LABELS = ['uuid', 'model'];

/** Adds uuid and model (unified GPU info), then node_name and hostname, to a per-GPU expression. */
export const withGpuInfo = (expr: string) => withNodeInfo(joinInfo(expr, BY_GPU, GPU_INFO_LABELS, GPU.info));

/** The host part of a scrape target's `instance` (`gpu-node-01:9400` -> `gpu-node-01`), as `hostname`. */
const instanceHost = (expr: string) => `label_replace(${expr}, "hostname", "$1", "instance", "([^:]+)(:[0-9]+)?")`;

/**
 * Per node, the GPUs dcgm-exporter reports (absent for a node without dcgm-exporter series), each
 * GPU once even when its info series is doubled.
 */
const dcgmGpuCount = count(max(select(GPU.info, eq('source', 'dcgm')), BY_GPU), BY_NODE);

/** The GPU alert conditions, as functions of their thresholds. */
export const GPU_ALERT = {
  temperatureAbove: (celsius: number) => `${withGpuInfo(GPU.temperature)} > ${celsius}`,
  // A total of 0 (unknown size) gives no ratio rather than +Inf or NaN.
  memoryAbove: (ratio: number) => `${withGpuInfo(`${GPU.memoryUsed} / (${GPU.memoryTotal} > 0)`)} > ${ratio}`,
  // Value and label `xid`: the code of the last Xid; 0 is "No Error" (never one of `codes`).
  xidIn: (codes: readonly number[]) => withGpuInfo(select(GPU.xidLast, oneOf('xid', codes.map(String)))),
  xidNotIn: (codes: readonly number[]) => withGpuInfo(`${select(GPU.xidLast, noneOf('xid', codes.map(String)))} > 0`),
  rowRemapFailure: () => withGpuInfo(`${GPU.rowRemapFailure} == 1`),
  remappedRowsAbove: (rows: number) => withGpuInfo(`${GPU.uncorrectableRemappedRows} > ${rows}`),
  // Value: the whole clock-event reasons mask.
  clockEventBits: (bits: readonly number[]) => withGpuInfo(anyBitSet(GPU.clockEventReasons, bits)),
  // Value: how many GPUs AIWM lists beyond those dcgm-exporter reports.
  missing: () => withNodeInfo(`${M.nodeGpus.name} - on (${BY_NODE.join(', ')}) ${dcgmGpuCount} > 0`),
  // A count: only host names with unmatched GPUs have a series.
  unmatched: () => RULE.dcgmUnmatchedByHost,
  // The target's host name is looked up among AIWM's host names (lower case; full name or unique short name).
  dcgmExporterDown: () =>
    withNodeInfo(
      andOn(
        timesOn(
          instanceHost(`${select(PROMETHEUS.up, oneOf('job', DCGM_JOB_PATTERN))} == 0`),
          ['hostname'],
          max(M.nodeHostname.name, ['hostname', ...BY_NODE]),
          BY_NODE,
        ),
        BY_NODE,
        `(${select(M.nodeAvailability.name, eq('availability', ONLINE))} == 1)`,
      ),
    ),
};

// --- the overview's hottest GPUs -------------------------------------------------------------------

/** One value per GPU keyed by (org_id, node_id, gpu) only: `__name__` and `source` dropped, a table's merge key. */
export const perGpuValue = (name: GpuSeries, s: Selector) => max(gpuSeries(name, s), BY_GPU);

/** The `n` hottest GPUs now, by temperature. */
export const hottestGpus = (s: Selector, n: number) => `topk(${n}, ${perGpuValue('temperature', s)})`;
/** A per-GPU expression for the `n` hottest GPUs only, so every column of a table lists the same GPUs. */
export const onHottestGpus = (expr: string, s: Selector, n: number) => andOn(grouped(expr), BY_GPU, hottestGpus(s, n));
/** The `n` hottest GPUs' temperatures with the GPU's model and the node's name, hottest first. */
export const hottestGpuTemperatures = (s: Selector, n: number) =>
  `sort_desc(${joinInfo(
    joinInfo(hottestGpus(s, n), BY_GPU, ['model'], gpuSeries('info', s)),
    BY_NODE,
    ['node_name'],
    select(M.nodeInfo.name, s),
  )})`;

/** Per-GPU memory in use as a share of the total; no value where the total is unknown (0). */
export const gpuMemoryUsedRatio = (s: Selector) =>
  `${perGpuValue('memoryUsed', s)} / ${max(`${gpuSeries('memoryTotal', s)} > 0`, BY_GPU)}`;

/** 1 where any of `bits` is set in `mask` (per series), else 0. */
const anyBitOf = (mask: string, bits: readonly number[]) =>
  `clamp_max(${bits.map((k) => `floor(${mask} / ${2 ** k}) % 2`).join(' + ')}, 1)`;

/**
 * Per GPU, whether its clocks are held down now: 0 no, 1 thermal (any of `thermalBits`), 2 hardware
 * slowdown (any of `slowdownBits`), 3 both. Only GPUs whose dcgm-exporter reports clock event reasons.
 */
export const gpuThrottling = (s: Selector, thermalBits: readonly number[], slowdownBits: readonly number[]) => {
  const mask = perGpuValue('clockEventReasons', s);
  return `${anyBitOf(mask, thermalBits)} + 2 * ${anyBitOf(mask, slowdownBits)}`;
};
