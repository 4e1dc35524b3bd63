/**
 * The dcgm-exporter join: building blocks of the GPU recording rules (queries/recording.ts) that
 * turn dcgm-exporter's per-host series into per-node ones and fall back to AIWM's own GPU fields.
 * Only the recording rules read dcgm-exporter's series; every other query reads their results.
 */
import { BY_GPU, max, setLabel, copyLabel, unlessOn } from './core.js';
import { M, RULE } from './names.js';

/** dcgm-exporter's fields (DCGM_FI_DEV_*) the join reads. */
export const DCGM_FIELD = {
  util: 'DCGM_FI_DEV_GPU_UTIL',
  temp: 'DCGM_FI_DEV_GPU_TEMP',
  power: 'DCGM_FI_DEV_POWER_USAGE',
  fbUsed: 'DCGM_FI_DEV_FB_USED',
  fbFree: 'DCGM_FI_DEV_FB_FREE',
  fbReserved: 'DCGM_FI_DEV_FB_RESERVED',
  xid: 'DCGM_FI_DEV_XID_ERRORS',
  rowRemapFailure: 'DCGM_FI_DEV_ROW_REMAP_FAILURE',
  uncorrectableRemappedRows: 'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS',
  /** The clock-event bit mask under its current name and its deprecated one (the same DCGM field). */
  clockEventReasons: 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS|DCGM_FI_DEV_CLOCK_THROTTLE_REASONS',
} as const;

/** The families that make a GPU known: any of them is enough. */
export const DCGM_PRESENCE = 'DCGM_FI_DEV_(GPU_TEMP|GPU_UTIL|FB_USED|POWER_USAGE)';
export const MIB = 1048576;

/**
 * dcgm-exporter series of `names` (a metric name, or alternatives `A|B`) with the host name in
 * `hostname`. The committed scrape job already moves `Hostname` (releases up to 4.5.3-4.8.2) into
 * `hostname`; this also copies it for Prometheus servers scraping with their own configuration, and
 * keeps `hostname` where a series carries both.
 */
export function dcgm(names: string): string {
  const select = (matcher: string) =>
    names.includes('|') ? `{__name__=~"${names}",${matcher}}` : `${names}{${matcher}}`;
  const copied = `label_replace(${select('hostname=""')}, "hostname", "$1", "Hostname", "(.+)")`;
  return `(${copied} or ${select('hostname!=""')})`;
}

/**
 * One value per physical GPU: duplicate exporters on a node (GPU Operator plus a standalone
 * container) and volatile labels (driver version, pod/container/namespace, err_msg) collapse here.
 */
export const perDcgmGpu = (names: string, extra = '') => `max by (hostname, UUID, gpu${extra}) (${dcgm(names)})`;

/** A host-keyed expression with the AIWM node's org_id and node_id; a host no node has drops out. */
export const withNodeOfHost = (byHost: string) =>
  `${byHost} * on (hostname) group_left (org_id, node_id) ${RULE.nodeOfHost}`;

/** Per-GPU values joined to nodes; a node reached under two host names still counts its GPUs once. */
export const joined = (byHost: string, keep: readonly string[] = BY_GPU) => max(withNodeOfHost(`(${byHost})`), keep);

export const tagged = (expr: string, source: 'dcgm' | 'aiwm') => setLabel(expr, 'source', source);

/** AIWM's own series for nodes without dcgm-exporter, once per GPU (no job/instance, no replicas). */
export const aiwmOnly = (expr: string, keep: readonly string[] = BY_GPU) =>
  unlessOn(max(expr, keep), ['org_id', 'node_id'], RULE.dcgmNodes);

/** Framebuffer total: the default counters have no FB_TOTAL, and old drivers lack FB_RESERVED. */
const FB_USED = perDcgmGpu(DCGM_FIELD.fbUsed);
const FB_RESERVED = `(${perDcgmGpu(DCGM_FIELD.fbReserved)} or ${FB_USED} * 0)`;
export const FB_TOTAL_MIB = `${FB_USED} + ${perDcgmGpu(DCGM_FIELD.fbFree)} + ${FB_RESERVED}`;

/** GPU inventory: dcgm-exporter's GPUs of each node, else AIWM's gpuDevices (uuid from device_id). */
export function dcgmGpuInfo(): string {
  const renamed = (expr: string) => copyLabel(copyLabel(expr, 'uuid', 'UUID'), 'model', 'modelName');
  const keep = [...BY_GPU, 'uuid', 'model'];
  const fromDcgm = max(renamed(withNodeOfHost(RULE.dcgmGpus)), keep);
  const fromAiwm = aiwmOnly(copyLabel(M.gpuInfo.name, 'uuid', 'device_id'), keep);
  return `${tagged(fromDcgm, 'dcgm')} or ${tagged(fromAiwm, 'aiwm')}`;
}

/** XID: the code of the last XID as value, and as the `xid` label (dcgm-exporter's err_code). */
export function xidLast(): string {
  const byCode = joined(perDcgmGpu(DCGM_FIELD.xid, ', err_code'), [...BY_GPU, 'err_code']);
  return max(copyLabel(byCode, 'xid', 'err_code'), [...BY_GPU, 'xid']);
}
