/**
 * GPU queries shared by the dashboards. Panels read only the unified GPU series that the recording
 * rules build (dcgm-exporter joined to AIWM's nodes by host name, else AIWM's own GPU fields, with a
 * `source` label saying which) and their node and org roll-ups; never `aiwm_gpu_*` or `DCGM_*`.
 */

/** A unified per-GPU series: `gpu:aiwm_gpu_<name>:unified`. */
export const unified = (name: string, selector: string) => `gpu:aiwm_gpu_${name}:unified{${selector}}`;

/**
 * The per-GPU value series reduced to the labels panels join on. The aggregation drops `__name__`
 * and anything a scrape adds, so a table's `merge` lines the series up by GPU.
 */
export const perGpu = (name: string, selector: string) =>
  `max by (org_id, node_id, gpu, source) (${unified(name, selector)})`;

/** One series per GPU with a health fault; the health series exist for dcgm-exporter GPUs only. */
export function gpuFaults(selector: string): string {
  return ['xid_last', 'row_remap_failure', 'uncorrectable_remapped_rows']
    .map((name) => `max by (org_id, node_id, gpu) (${unified(name, selector)} > 0)`)
    .join(' or ');
}

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
export function clockEventReasons(selector: string): string {
  const mask = `max by (org_id, node_id, gpu) (${unified('clock_event_reasons', selector)})`;
  return CLOCK_EVENT_REASONS.map(
    ({ bit, reason }) => `label_replace(floor(${mask} / ${bit}) % 2 == 1, "reason", "${reason}", "", "")`,
  ).join(' or ');
}
