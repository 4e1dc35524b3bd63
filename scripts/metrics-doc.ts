import { CATALOG, type MetricDef } from '../exporter/src/metrics/catalog.js';
import { SEED_FIGURES } from '../exporter/src/metrics/seed-figures.js';
import { SCRAPES, SelfMetrics } from '../exporter/src/metrics/self.js';
import { IMPLAUSIBLE_BELOW } from '../exporter/src/collectors/nodes.js';
import { NODE_STATUS_CLASSES, NODE_STATUS_CLASS_OF } from '../exporter/src/source/nodes.js';
import { RECORDING_GROUPS } from '../alerts/src/recording.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function kind(m: MetricDef): string {
  if (m.semantics === 'stateset') return `state set on \`${m.stateLabel ?? 'status'}\` (${m.states!.join(', ')})`;
  return m.semantics;
}

/** The node status model: raw values, classes, heartbeat states and the seed's availability. */
function nodeStatusSection(): string[] {
  const byClass = NODE_STATUS_CLASSES.map((c) => {
    const raw = Object.entries(NODE_STATUS_CLASS_OF)
      .filter(([, cls]) => cls === c)
      .map(([status]) => `\`${status}\``);
    return `| \`${c}\` | ${raw.join(', ')} |`;
  });
  return [
    '## Node status',
    '',
    "AIWM's schema declares five node statuses, but its write paths store more: the node agent sends `healthy` on every heartbeat (and may send any value of its own enum), the gateway writes `online` on connect and `offline` on disconnect, registration writes `installing`, and nothing validates them. Every raw value maps to one class; the raw value stays on `aiwm_node_status` as the `status` label (values outside both enums read `other`, class `unknown`, and are counted as invalid).",
    '',
    '| class | raw `nodes.status` values |',
    '| --- | --- |',
    ...byClass,
    '',
    '`websocketConnected` is not exported: no AIWM code writes it, so it is `false` on every real node. Liveness comes from evidence instead. `aiwm_node_heartbeat_state` is `fresh` when the last heartbeat is younger than `HEARTBEAT_STALE_AFTER` (default 2m), `stale` when older, and `never` when the node never sent one: AIWM defaults `lastHeartbeat` to the creation time, and a heartbeat also writes `lastSeenAt`, so a `lastHeartbeat` within 10 s of `createdAt` with no `lastSeenAt` and no `lastMetricsAt` means never. A never-heartbeated node has no `aiwm_node_last_heartbeat_timestamp_seconds`.',
    '',
    '`aiwm_node_availability` is the node as the seed counts it, and every online/offline figure, filter, online-only average, dashboard and alert reads it:',
    '',
    '| availability | when |',
    '| --- | --- |',
    '| `online` | class `up` or `degraded`, heartbeat `fresh` (a heartbeating `healthy` node is online) |',
    '| `offline` | class `down`; or class `up`/`degraded` with a `stale` or `never` heartbeat (AIWM can keep a status after the node died) |',
    '| `maintenance` | class `maintenance` |',
    '| `provisioning` | class `provisioning` (pending, installing, connecting) |',
    '| `unknown` | class `unknown` |',
    '',
  ];
}

/** Where per-GPU figures come from, and the unified series every reader uses. */
function gpuSourcesSection(): string[] {
  const unified = RECORDING_GROUPS.flatMap((g) => g.rules).filter(
    (r) => r.record.startsWith('gpu:') && r.record.endsWith(':unified'),
  );
  return [
    '## GPU sources',
    '',
    "AIWM holds GPU inventory at best: the worker's nvidia-smi query fails on current drivers (so `gpuDevices` is often empty), and heartbeat GPU status and telemetry messages are not persisted. Live per-GPU telemetry comes from NVIDIA dcgm-exporter on each GPU node, scraped by Prometheus (a job whose name contains `dcgm`; README, \"GPU telemetry with dcgm-exporter\"). Recording rules (alerts/src/recording.ts) join its series to AIWM nodes by host name: dcgm-exporter's `hostname` label (`Hostname` up to 4.5.3-4.8.2) against `aiwm_node_hostname`, which holds each node's normalised host name and its unique short name. The result carries `org_id` and `node_id` like every exporter series.",
    '',
    "Where a node has no dcgm-exporter series, the same unified series come from the exporter's `aiwm_gpu_*` series (AIWM's `gpuDevices`), when present. The `source` label says which: `dcgm` or `aiwm`. Dashboards, alerts and the JSON facade read only the unified series:",
    '',
    ...unified.map((r) => `- \`${r.record}\``),
    '',
  ];
}

/** Unit assumptions: what AIWM writes in which unit, and how a value in the other unit is flagged. */
function unitsSection(): string[] {
  return [
    '## Units',
    '',
    "The node agent writes `ramTotal`, `ramFree` and `diskTotal` in MB and GPU memory in MiB; AIWM's REST API and seed scripts write GB for the same fields. The exporter reads MB (x 1048576) and never rescales a value it cannot prove wrong. A value that only makes sense as GB is flagged instead, so a GB-written node is visible rather than silently 1024x too small: `aiwm_node_implausible_value{field}` is present for",
    '',
    ...Object.entries(IMPLAUSIBLE_BELOW).map(([field, below]) => `- \`${field}\` below ${below} (MB/MiB)`),
    '',
    "CPU and RAM usage are percentages in AIWM (exported as ratios 0-1); GPU temperatures are degrees Celsius, power watts. dcgm-exporter's framebuffer figures are MiB and its utilization a percentage: the unified series are bytes and ratios.",
    '',
  ];
}

/** docs/metrics.md, from the catalog, the seed derivations and the self-metrics registry. */
export function renderMetricsDoc(): string {
  const lines: string[] = [
    '# AIWM exporter metrics',
    '',
    '<!-- Generated by `npm run generate` from exporter/src/metrics/catalog.ts and seed-figures.ts. Do not edit. -->',
    '',
    'Every entity metric carries `org_id` (from `owner.orgId`; `unassigned` for old documents with none). Soft-deleted documents (`isDeleted: true`) are ignored. Units are base units: seconds, bytes, ratios 0-1, degrees Celsius, watts, US dollars. AIWM stores MB/MiB and percent; the exporter converts (AIWM "MB" and "GB" are binary: x 1048576 and x 1073741824).',
    '',
    'State sets have one series per state (1 for the current state, 0 for the others; values outside the AIWM contract read `other`). `_info` series are always 1 and carry static properties for joins, e.g. `aiwm_gpu_temperature_celsius * on (org_id, node_id) group_left (node_name) aiwm_node_info`.',
    '',
    '**Unknown GPU data.** Real NVIDIA drivers reject the AIWM worker\'s GPU query (see shared/fixtures/nvidia-smi/h200), so a node\'s `gpuDevices` is often missing or empty. Such nodes have `aiwm_node_gpu_data_known == 0` and no `aiwm_gpu_*` series: they are unknown, not "0 GPUs idle". AIWM writes GPU utilization and temperature at registration only, so its GPU gauges can be old: live GPU figures come from dcgm-exporter (see "GPU sources").',
    '',
    '**Event counters.** Messages, conversations and finished executions are read incrementally behind a (time, `_id`) watermark, so each is counted exactly once while the exporter runs. `COUNT_EVENTS_FROM` sets where a fresh exporter starts: `start` (default: only events after start-up, the Prometheus convention for counters), `all`, or a look-back like `24h`. Events newer than `now - INGEST_LAG` wait for the next poll so late writes are not skipped. Finished executions are looked up through the `{status, createdAt}` index with `createdAt >= watermark - EXECUTION_MAX_RUNTIME`: an execution that ran longer than that before finishing is not counted.',
    '',
  ];
  lines.push(...nodeStatusSection(), ...gpuSourcesSection(), ...unitsSection());
  const areas = [...new Set(CATALOG.map((m) => m.area))];
  for (const area of areas) {
    lines.push(
      `## ${area[0]!.toUpperCase()}${area.slice(1)}`,
      '',
      '| metric | type | unit | labels | source (AIWM fields) | serves (seed) | description |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const m of CATALOG.filter((d) => d.area === area)) {
      lines.push(
        `| \`${m.name}\` | ${kind(m)} | ${m.unit || '-'} | ${m.labels.map((l) => `\`${l}\``).join(', ')} | ${cell(m.source)} | ${cell(m.seed ?? '-')} | ${cell(m.help)} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## Exporter',
    '',
    'The exporter\'s own metrics, plus the standard `process_*` and `nodejs_*` metrics of prom-client. `up{job="aiwm-exporter"}` (from Prometheus) says whether the exporter answers; `aiwm_exporter_source_up` whether it reaches MongoDB.',
    '',
    '| metric | type | labels | description |',
    '| --- | --- | --- | --- |',
  );
  const self = new SelfMetrics('docs');
  for (const metric of self.registry.getMetricsAsArray()) {
    const m = metric as unknown as { name: string; help: string; type: string; labelNames?: string[] };
    if (!m.name.startsWith('aiwm_')) continue;
    lines.push(
      `| \`${m.name}\` | ${m.type} | ${(m.labelNames ?? []).map((l) => `\`${l}\``).join(', ') || '-'} | ${cell(m.help)} |`,
    );
  }
  lines.push(
    `| \`${SCRAPES.name}\` | ${SCRAPES.type} | ${SCRAPES.labels.map((l) => `\`${l}\``).join(', ')} | ${cell(SCRAPES.help)} (counted per scrape; every other exporter metric is refreshed once per poll) |`,
  );
  lines.push(
    '',
    '## Seed figures in PromQL',
    '',
    "How each figure of the seed proposal (shared/seed) is computed, as printed by the query layer (queries/, the code the dashboards and alerts run) with every org selected; a caller's view narrows each selector to its org. Figures a recording rule holds read the rule. A figure without PromQL cannot be supplied from AIWM data: the JSON facade returns `null` for it and says so in `metadata`.",
    '',
    '| seed figure | PromQL | note |',
    '| --- | --- | --- |',
  );
  for (const f of SEED_FIGURES)
    lines.push(
      `| ${cell(f.seed)} | ${f.promql ? `\`${cell(f.promql)}\`` : '**not available**'} | ${cell(f.note ?? '')} |`,
    );
  lines.push('');
  return lines.join('\n');
}
