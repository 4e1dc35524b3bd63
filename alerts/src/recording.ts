import type { RecordingGroup, RecordingRule } from './model.js';

/** Online nodes, once per node even when two exporter replicas are scraped. */
const ONLINE_NODES = 'max by (org_id, node_id) (aiwm_node_availability{availability="online"} == 1)';

/** Joins a node-level expression to online nodes only. */
const onlineOnly = (expr: string) => `${expr} * on (org_id, node_id) group_left () ${ONLINE_NODES}`;

// ---------------------------------------------------------------------------------------------
// GPU telemetry: dcgm-exporter joined to AIWM's nodes by host name, AIWM's own GPU fields elsewhere.

/** One AIWM node per normalised host name (recorded first; every join below reads it). */
const NODE_OF_HOST = 'hostname:aiwm_node_hostname:unique';
/** Nodes with at least one dcgm-exporter GPU: AIWM's GPU series are not used for them. */
const DCGM_NODES = 'node:aiwm_dcgm_gpus:count';
/** Every GPU dcgm-exporter reports, by host name and UUID. */
const DCGM_GPUS = 'hostname_gpu:aiwm_dcgm_gpu_info:group';
/** The families that make a GPU known: any of them is enough. */
const DCGM_PRESENCE = 'DCGM_FI_DEV_(GPU_TEMP|GPU_UTIL|FB_USED|POWER_USAGE)';
const MIB = 1048576;
/** The clock-event bit mask under its current name and its deprecated one (the same DCGM field). */
const CLOCK_EVENT_REASONS = 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS|DCGM_FI_DEV_CLOCK_THROTTLE_REASONS';

/**
 * dcgm-exporter series of `names` (a metric name, or alternatives `A|B`) with the host name in
 * `hostname`. The committed scrape job already moves `Hostname` (releases up to 4.5.3-4.8.2) into
 * `hostname`; this also copies it for Prometheus servers scraping with their own configuration, and
 * keeps `hostname` where a series carries both.
 */
function dcgm(names: string): string {
  const select = (matcher: string) =>
    names.includes('|') ? `{__name__=~"${names}",${matcher}}` : `${names}{${matcher}}`;
  const copied = `label_replace(${select('hostname=""')}, "hostname", "$1", "Hostname", "(.+)")`;
  return `(${copied} or ${select('hostname!=""')})`;
}

/**
 * One value per physical GPU: duplicate exporters on a node (GPU Operator plus a standalone
 * container) and volatile labels (driver version, pod/container/namespace, err_msg) collapse here.
 */
const perGpu = (names: string, extra = '') => `max by (hostname, UUID, gpu${extra}) (${dcgm(names)})`;

/** A host-keyed expression with the AIWM node's org_id and node_id; a host no node has drops out. */
const withNode = (byHost: string) => `${byHost} * on (hostname) group_left (org_id, node_id) ${NODE_OF_HOST}`;

/** Per-GPU values joined to nodes; a node reached under two host names still counts its GPUs once. */
const joined = (byHost: string, keep = 'org_id, node_id, gpu') => `max by (${keep}) (${withNode(`(${byHost})`)})`;

const tagged = (expr: string, source: 'dcgm' | 'aiwm') => `label_replace(${expr}, "source", "${source}", "", "")`;

/** AIWM's own series for nodes without dcgm-exporter, once per GPU (no job/instance, no replicas). */
const aiwmOnly = (expr: string, keep = 'org_id, node_id, gpu') =>
  `max by (${keep}) (${expr}) unless on (org_id, node_id) ${DCGM_NODES}`;

/** A unified per-GPU series: dcgm-exporter where a node has it, else AIWM's metric if given. */
function unified(metric: string, fromDcgm: string, aiwmMetric?: string): RecordingRule {
  const dcgmPart = tagged(fromDcgm, 'dcgm');
  const expr = aiwmMetric ? `${dcgmPart} or ${tagged(aiwmOnly(aiwmMetric), 'aiwm')}` : dcgmPart;
  return { record: `gpu:${metric}:unified`, expr };
}

/** Framebuffer total: the default counters have no FB_TOTAL, and old drivers lack FB_RESERVED. */
const FB_USED = perGpu('DCGM_FI_DEV_FB_USED');
const FB_RESERVED = `(${perGpu('DCGM_FI_DEV_FB_RESERVED')} or ${FB_USED} * 0)`;
const FB_TOTAL_MIB = `${FB_USED} + ${perGpu('DCGM_FI_DEV_FB_FREE')} + ${FB_RESERVED}`;

function gpuInfo(): string {
  const renamed = (expr: string) =>
    `label_replace(label_replace(${expr}, "uuid", "$1", "UUID", "(.*)"), "model", "$1", "modelName", "(.*)")`;
  const keep = 'org_id, node_id, gpu, uuid, model';
  const fromDcgm = `max by (${keep}) (${renamed(withNode(DCGM_GPUS))})`;
  const fromAiwm = aiwmOnly('label_replace(aiwm_gpu_info, "uuid", "$1", "device_id", "(.*)")', keep);
  return `${tagged(fromDcgm, 'dcgm')} or ${tagged(fromAiwm, 'aiwm')}`;
}

/** XID: the code of the last XID as value, and as the `xid` label (dcgm-exporter's err_code). */
function xidLast(): string {
  const byCode = joined(perGpu('DCGM_FI_DEV_XID_ERRORS', ', err_code'), 'org_id, node_id, gpu, err_code');
  return `max by (org_id, node_id, gpu, xid) (label_replace(${byCode}, "xid", "$1", "err_code", "(.*)"))`;
}

/** Per-node sums and averages of a unified series. */
const perNode = (record: string, op: 'avg' | 'sum', metric: string): RecordingRule => ({
  record,
  expr: `${op} by (org_id, node_id) (gpu:${metric}:unified)`,
});

/**
 * In evaluation order: later rules read earlier ones within the group. Everything downstream
 * (dashboards, alerts, facade) reads the `gpu:*:unified` series and the roll-ups, never the raw ones.
 */
const GPU_RULES: RecordingRule[] = [
  // The exporter emits one node per name, but two exporter replicas (or two polls that disagree for
  // a moment) would break a group_left join: keep exactly one node per host name.
  { record: NODE_OF_HOST, expr: 'topk by (hostname) (1, max by (hostname, org_id, node_id) (aiwm_node_hostname))' },
  {
    record: DCGM_GPUS,
    expr: `topk by (hostname, UUID) (1, group by (hostname, UUID, gpu, modelName) (${dcgm(DCGM_PRESENCE)}))`,
  },
  {
    record: DCGM_NODES,
    expr: `count by (org_id, node_id) (group by (org_id, node_id, UUID) (${withNode(DCGM_GPUS)}))`,
  },
  // Join health: GPUs whose host name matches no AIWM node (per host name, and in total).
  {
    record: 'hostname:aiwm_dcgm_gpus_unmatched:count',
    expr: `count by (hostname) (${DCGM_GPUS} unless on (hostname) ${NODE_OF_HOST})`,
  },
  {
    record: 'cluster:aiwm_dcgm_gpus_unmatched:count',
    expr: 'sum(hostname:aiwm_dcgm_gpus_unmatched:count) or vector(0)',
  },
  { record: 'gpu:aiwm_gpu_info:unified', expr: gpuInfo() },
  unified(
    'aiwm_gpu_utilization_ratio',
    joined(`${perGpu('DCGM_FI_DEV_GPU_UTIL')} / 100`),
    'aiwm_gpu_utilization_ratio',
  ),
  unified('aiwm_gpu_memory_used_bytes', joined(`${FB_USED} * ${MIB}`), 'aiwm_gpu_memory_used_bytes'),
  unified('aiwm_gpu_memory_total_bytes', joined(`(${FB_TOTAL_MIB}) * ${MIB}`), 'aiwm_gpu_memory_total_bytes'),
  unified('aiwm_gpu_temperature_celsius', joined(perGpu('DCGM_FI_DEV_GPU_TEMP')), 'aiwm_gpu_temperature_celsius'),
  unified('aiwm_gpu_power_usage_watts', joined(perGpu('DCGM_FI_DEV_POWER_USAGE')), 'aiwm_gpu_power_usage_watts'),
  // Health signals exist in dcgm-exporter only.
  unified('aiwm_gpu_xid_last', xidLast()),
  unified('aiwm_gpu_row_remap_failure', joined(perGpu('DCGM_FI_DEV_ROW_REMAP_FAILURE'))),
  unified('aiwm_gpu_uncorrectable_remapped_rows', joined(perGpu('DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS'))),
  // Off by default in dcgm-exporter; the operator's counters row may use the field's deprecated name.
  unified('aiwm_gpu_clock_event_reasons', joined(perGpu(CLOCK_EVENT_REASONS))),
  // Node and org roll-ups of the unified series.
  perNode('node:aiwm_gpu_utilization_ratio:avg', 'avg', 'aiwm_gpu_utilization_ratio'),
  perNode('node:aiwm_gpu_memory_used_bytes:sum', 'sum', 'aiwm_gpu_memory_used_bytes'),
  perNode('node:aiwm_gpu_memory_total_bytes:sum', 'sum', 'aiwm_gpu_memory_total_bytes'),
  {
    record: 'org:aiwm_gpu_utilization_ratio:avg_online',
    expr: `avg by (org_id) (${onlineOnly('gpu:aiwm_gpu_utilization_ratio:unified')})`,
  },
  { record: 'org:aiwm_gpus_active:count', expr: 'count by (org_id) (gpu:aiwm_gpu_utilization_ratio:unified > 0)' },
];

/**
 * Recording rules (`level:metric:operations`) for what the dashboards, the alerts and the JSON
 * facade reuse. The cheap groups run every evaluation; quantiles and long windows run each minute.
 */
export const RECORDING_GROUPS: RecordingGroup[] = [
  { name: 'aiwm.recording.gpu', rules: GPU_RULES },
  {
    name: 'aiwm.recording',
    rules: [
      {
        record: 'org:aiwm_node_cpu_usage_ratio:avg_online',
        expr: `avg by (org_id) (${onlineOnly('aiwm_node_cpu_usage_ratio')})`,
      },
      {
        record: 'org:aiwm_node_memory_usage_ratio:avg_online',
        expr: `avg by (org_id) (${onlineOnly('aiwm_node_memory_usage_ratio')})`,
      },
      {
        record: 'deployment:aiwm_deployment_requests:rate5m',
        expr: 'sum by (org_id, deployment_id) (rate(aiwm_deployment_requests_total[5m]))',
      },
      {
        record: 'deployment:aiwm_deployment_tokens:rate5m',
        expr: 'sum by (org_id, deployment_id) (rate(aiwm_deployment_tokens_total[5m]))',
      },
      {
        record: 'deployment:aiwm_deployment_responses:rate5m',
        expr: 'sum by (org_id, deployment_id) (rate(aiwm_deployment_responses_total[5m]))',
      },
      {
        record: 'deployment:aiwm_deployment_responses:error_ratio_5m',
        expr: 'sum by (org_id, deployment_id) (rate(aiwm_deployment_responses_total{outcome="failed"}[5m])) / deployment:aiwm_deployment_responses:rate5m',
      },
      { record: 'agent:aiwm_agent_tasks:rate5m', expr: 'sum by (org_id, agent_id) (rate(aiwm_agent_tasks_total[5m]))' },
    ],
  },
  {
    name: 'aiwm.recording.expensive',
    interval: '1m',
    rules: [
      {
        record: 'deployment:aiwm_deployment_response_latency_seconds_bucket:rate5m',
        expr: 'sum by (org_id, deployment_id, le) (rate(aiwm_deployment_response_latency_seconds_bucket[5m]))',
      },
      ...[0.5, 0.95, 0.99].map((q) => ({
        record: `deployment:aiwm_deployment_response_latency_seconds:p${Math.round(q * 100)}_5m`,
        expr: `histogram_quantile(${q}, deployment:aiwm_deployment_response_latency_seconds_bucket:rate5m)`,
      })),
      {
        record: 'agent:aiwm_agent_response_latency_seconds_bucket:rate5m',
        expr: 'sum by (org_id, agent_id, le) (rate(aiwm_agent_response_latency_seconds_bucket[5m]))',
      },
      {
        record: 'agent:aiwm_agent_response_latency_seconds:p95_5m',
        expr: 'histogram_quantile(0.95, agent:aiwm_agent_response_latency_seconds_bucket:rate5m)',
      },
      {
        record: 'agent:aiwm_agent_tasks:increase30m',
        expr: 'sum by (org_id, agent_id) (increase(aiwm_agent_tasks_total[30m]))',
      },
      {
        record: 'agent:aiwm_agent_task_failures:ratio_30m',
        expr: 'sum by (org_id, agent_id) (increase(aiwm_agent_task_failures_total[30m])) / agent:aiwm_agent_tasks:increase30m',
      },
      {
        record: 'org_category:aiwm_execution_completions:increase30m',
        expr: 'sum by (org_id, category) (increase(aiwm_execution_completions_total[30m]))',
      },
      {
        record: 'org_category:aiwm_execution_failures:ratio_30m',
        expr: 'sum by (org_id, category) (increase(aiwm_execution_completions_total{outcome=~"failed|timeout"}[30m])) / org_category:aiwm_execution_completions:increase30m',
      },
      {
        record: 'org_category:aiwm_execution_retried:ratio_30m',
        expr: 'sum by (org_id, category) (increase(aiwm_execution_retried_total[30m])) / org_category:aiwm_execution_completions:increase30m',
      },
      {
        record: 'org:aiwm_deployment_requests:increase24h',
        expr: 'sum by (org_id) (increase(aiwm_deployment_requests_total[24h]))',
      },
      { record: 'org:aiwm_agent_tasks:increase24h', expr: 'sum by (org_id) (increase(aiwm_agent_tasks_total[24h]))' },
    ],
  },
  {
    // Hourly org-level figures: a 90-day panel reads a few series every 5 minutes instead of every raw series.
    name: 'aiwm.recording.longterm',
    interval: '5m',
    rules: [
      {
        record: 'org:aiwm_deployment_requests:rate1h',
        expr: 'sum by (org_id) (rate(aiwm_deployment_requests_total[1h]))',
      },
      { record: 'org:aiwm_agent_tasks:rate1h', expr: 'sum by (org_id) (rate(aiwm_agent_tasks_total[1h]))' },
      {
        record: 'org:aiwm_agent_task_failures:rate1h',
        expr: 'sum by (org_id) (rate(aiwm_agent_task_failures_total[1h]))',
      },
      {
        record: 'org:aiwm_gpu_utilization_ratio:avg_over_time1h',
        expr: 'avg by (org_id) (avg_over_time(gpu:aiwm_gpu_utilization_ratio:unified[1h]))',
      },
      {
        record: 'org:aiwm_node_cpu_usage_ratio:avg_over_time1h',
        expr: 'avg by (org_id) (avg_over_time(aiwm_node_cpu_usage_ratio[1h]))',
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// promtool cases for the GPU join (org org-j). Series are written as scraped: `job`/`instance` on
// everything, one dcgm-exporter generation per host, duplicates where real fleets have them.

type Labels = Record<string, string>;
const text = (labels: Labels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
const series = (name: string, labels: Labels, values: string) => ({ series: `${name}{${text(labels)}}`, values });
const sample = (name: string, labels: Labels, value: number) => ({ labels: `${name}{${text(labels)}}`, value });
const J = 'org-j';
const H100 = 'NVIDIA H100 80GB HBM3';
const A100 = 'NVIDIA A100 80GB PCIe';

/** One dcgm-exporter scrape of one GPU: `fields` maps a DCGM field name to its value. */
function dcgmScrape(labels: Labels, fields: Record<string, number>, extra: Record<string, Labels> = {}) {
  const one = ([field, v]: [string, number]) =>
    series(`DCGM_FI_DEV_${field}`, { ...labels, ...extra[field] }, `${v}x15`);
  return Object.entries(fields).map(one);
}

const XID_OK = { XID_ERRORS: { err_code: '0', err_msg: 'No Error' } };
const XID_94 = { XID_ERRORS: { err_code: '94', err_msg: 'Contained ECC error' } };
const H100_GPU0 = {
  GPU_UTIL: 100,
  FB_USED: 74812,
  FB_FREE: 6196,
  FB_RESERVED: 551,
  GPU_TEMP: 64,
  POWER_USAGE: 642.317,
  XID_ERRORS: 0,
  ROW_REMAP_FAILURE: 0,
  CLOCKS_EVENT_REASONS: 32,
};
/** A GPU after an XID 94: idle, one uncorrectable remapped row. */
const GPU5_LIKE = { GPU_UTIL: 50, XID_ERRORS: 94, UNCORRECTABLE_REMAPPED_ROWS: 1 };
const gpuA = { gpu: '0', UUID: 'GPU-a', modelName: H100, DCGM_FI_DRIVER_VERSION: '580.95.05' };
const gpuB = { gpu: '1', UUID: 'GPU-b', modelName: H100, DCGM_FI_DRIVER_VERSION: '580.95.05' };
const scraped = (job: string, instance: string) => ({ job, instance });

/** What the exporter publishes for org-j: host names, availability, and AIWM's own GPU fields. */
const AIWM_SIDE = [
  // Node h100 is published by two exporter replicas; a100 under its FQDN and its short-name alias.
  ...['exp-a', 'exp-b'].map((i) => {
    const labels = { org_id: J, node_id: 'h100', hostname: 'gpu-node-01', ...scraped('aiwm-exporter', i) };
    return series('aiwm_node_hostname', labels, '1x15');
  }),
  series('aiwm_node_hostname', { org_id: J, node_id: 'a100', hostname: 'gpu-node-02.cluster.local' }, '1x15'),
  series('aiwm_node_hostname', { org_id: J, node_id: 'a100', hostname: 'gpu-node-02' }, '1x15'),
  series('aiwm_node_hostname', { org_id: J, node_id: 'n3', hostname: 'gpu-node-03' }, '1x15'),
  series('aiwm_node_hostname', { org_id: J, node_id: 'aiwm-only', hostname: 'gpu-node-09' }, '1x15'),
  ...Object.entries({ h100: 1, a100: 1, n3: 1, 'aiwm-only': 0 }).map(([node, online]) =>
    series('aiwm_node_availability', { org_id: J, node_id: node, availability: 'online' }, `${online}x15`),
  ),
  // AIWM's own GPU fields for h100 lose to dcgm-exporter's.
  series('aiwm_gpu_info', { org_id: J, node_id: 'h100', gpu: '0', device_id: 'aiwm-dev-0', model: H100 }, '1x15'),
  series('aiwm_gpu_utilization_ratio', { org_id: J, node_id: 'h100', gpu: '0' }, '0.1x15'),
  series('aiwm_gpu_temperature_celsius', { org_id: J, node_id: 'h100', gpu: '0' }, '30x15'),
  // A node with AIWM's GPU fields only, seen through two exporter replicas.
  ...['exp-a', 'exp-b'].flatMap((i) => {
    const gpu = { org_id: J, node_id: 'aiwm-only', gpu: '0', ...scraped('aiwm-exporter', i) };
    return [
      series('aiwm_gpu_info', { ...gpu, device_id: 'GPU-x', model: 'NVIDIA L40S' }, '1x15'),
      series('aiwm_gpu_utilization_ratio', gpu, '0.5x15'),
      series('aiwm_gpu_memory_used_bytes', gpu, '1073741824x15'),
      series('aiwm_gpu_memory_total_bytes', gpu, '2147483648x15'),
      series('aiwm_gpu_temperature_celsius', gpu, '55x15'),
      series('aiwm_gpu_power_usage_watts', gpu, '120x15'),
    ];
  }),
];

/** What Prometheus stores from dcgm-exporter, scraped without the committed relabelling. */
const DCGM_SIDE = [
  // gpu-node-01, GPU 0: a release before 4.6.0-4.8.3 (`Hostname`), plus a second exporter on the
  // same node (a newer release, `hostname`) in another job.
  ...dcgmScrape(
    { ...gpuA, Hostname: 'gpu-node-01', ...scraped('dcgm-exporter', 'gpu-node-01:9400') },
    H100_GPU0,
    XID_OK,
  ),
  ...dcgmScrape(
    { ...gpuA, hostname: 'gpu-node-01', ...scraped('gpu-operator-dcgm', '10.0.0.7:9400') },
    H100_GPU0,
    XID_OK,
  ),
  // GPU 1 carries both labels (`hostname` wins) and two pods' labels while a pod is replaced.
  ...['train-1', 'train-2'].flatMap((pod) =>
    dcgmScrape({ ...gpuB, hostname: 'gpu-node-01', Hostname: 'old-name', pod }, GPU5_LIKE, XID_94),
  ),
  // gpu-node-02 joins through AIWM's short-name alias; no FB_RESERVED; the deprecated throttle name.
  ...dcgmScrape(
    { gpu: '0', UUID: 'GPU-c', modelName: A100, hostname: 'gpu-node-02' },
    { GPU_UTIL: 75, FB_USED: 62117, FB_FREE: 19040, GPU_TEMP: 61, CLOCK_THROTTLE_REASONS: 4 },
  ),
  // No AIWM node has this host name.
  ...dcgmScrape({ gpu: '0', UUID: 'GPU-z', modelName: H100, hostname: 'unknown-host' }, { GPU_TEMP: 40 }),
  // Mixed case without the committed relabelling: PromQL cannot lower-case it, so it stays unmatched.
  ...dcgmScrape({ gpu: '0', UUID: 'GPU-m', modelName: H100, Hostname: 'GPU-Node-03' }, { GPU_TEMP: 45 }),
];

const gpuOf = (node: string, gpu: string, source: string) => ({ org_id: J, node_id: node, gpu, source });
const unifiedCase = (metric: string, rows: Array<[node: string, gpu: string, source: string, value: number]>) => ({
  at: '10m',
  expr: `gpu:${metric}:unified{org_id="${J}"}`,
  samples: rows.map(([node, gpu, source, value]) => sample(`gpu:${metric}:unified`, gpuOf(node, gpu, source), value)),
});
const nodeCase = (record: string, rows: Array<[node: string, value: number]>) => ({
  at: '10m',
  expr: `${record}{org_id="${J}"}`,
  samples: rows.map(([node, value]) => sample(record, { org_id: J, node_id: node }, value)),
});
const info = (node: string, gpu: string, source: string, uuid: string, model: string) =>
  sample('gpu:aiwm_gpu_info:unified', { ...gpuOf(node, gpu, source), uuid, model }, 1);
const xid = (gpu: string, code: number) =>
  sample('gpu:aiwm_gpu_xid_last:unified', { ...gpuOf('h100', gpu, 'dcgm'), xid: String(code) }, code);
const unmatched = (hostname: string, count: number) =>
  sample('hostname:aiwm_dcgm_gpus_unmatched:count', { hostname }, count);

const GPU_JOIN_CASES = [
  {
    at: '10m',
    expr: 'hostname:aiwm_node_hostname:unique{hostname="gpu-node-01"}',
    samples: [sample('hostname:aiwm_node_hostname:unique', { hostname: 'gpu-node-01', org_id: J, node_id: 'h100' }, 1)],
  },
  nodeCase('node:aiwm_dcgm_gpus:count', [
    ['h100', 2],
    ['a100', 1],
  ]),
  {
    at: '10m',
    expr: 'hostname:aiwm_dcgm_gpus_unmatched:count',
    samples: [unmatched('unknown-host', 1), unmatched('GPU-Node-03', 1)],
  },
  {
    at: '10m',
    expr: 'cluster:aiwm_dcgm_gpus_unmatched:count',
    samples: [sample('cluster:aiwm_dcgm_gpus_unmatched:count', {}, 2)],
  },
  {
    at: '10m',
    expr: `gpu:aiwm_gpu_info:unified{org_id="${J}"}`,
    samples: [
      info('h100', '0', 'dcgm', 'GPU-a', H100),
      info('h100', '1', 'dcgm', 'GPU-b', H100),
      info('a100', '0', 'dcgm', 'GPU-c', A100),
      info('aiwm-only', '0', 'aiwm', 'GPU-x', 'NVIDIA L40S'),
    ],
  },
  unifiedCase('aiwm_gpu_utilization_ratio', [
    ['h100', '0', 'dcgm', 1],
    ['h100', '1', 'dcgm', 0.5],
    ['a100', '0', 'dcgm', 0.75],
    ['aiwm-only', '0', 'aiwm', 0.5],
  ]),
  unifiedCase('aiwm_gpu_memory_used_bytes', [
    ['h100', '0', 'dcgm', 74812 * MIB],
    ['a100', '0', 'dcgm', 62117 * MIB],
    ['aiwm-only', '0', 'aiwm', 1073741824],
  ]),
  unifiedCase('aiwm_gpu_memory_total_bytes', [
    ['h100', '0', 'dcgm', (74812 + 6196 + 551) * MIB],
    ['a100', '0', 'dcgm', (62117 + 19040) * MIB],
    ['aiwm-only', '0', 'aiwm', 2147483648],
  ]),
  unifiedCase('aiwm_gpu_temperature_celsius', [
    ['h100', '0', 'dcgm', 64],
    ['a100', '0', 'dcgm', 61],
    ['aiwm-only', '0', 'aiwm', 55],
  ]),
  unifiedCase('aiwm_gpu_power_usage_watts', [
    ['h100', '0', 'dcgm', 642.317],
    ['aiwm-only', '0', 'aiwm', 120],
  ]),
  unifiedCase('aiwm_gpu_row_remap_failure', [['h100', '0', 'dcgm', 0]]),
  unifiedCase('aiwm_gpu_uncorrectable_remapped_rows', [['h100', '1', 'dcgm', 1]]),
  unifiedCase('aiwm_gpu_clock_event_reasons', [
    ['h100', '0', 'dcgm', 32],
    ['a100', '0', 'dcgm', 4],
  ]),
  { at: '10m', expr: `gpu:aiwm_gpu_xid_last:unified{org_id="${J}"}`, samples: [xid('0', 0), xid('1', 94)] },
  nodeCase('node:aiwm_gpu_utilization_ratio:avg', [
    ['h100', 0.75],
    ['a100', 0.75],
    ['aiwm-only', 0.5],
  ]),
  nodeCase('node:aiwm_gpu_memory_total_bytes:sum', [
    ['h100', 81559 * MIB],
    ['a100', 81157 * MIB],
    ['aiwm-only', 2147483648],
  ]),
  // Online nodes only (aiwm-only is offline): (1 + 0.5 + 0.75) / 3; org-a: (0.2 + 0.6) / 2 on its online node.
  {
    at: '10m',
    expr: 'org:aiwm_gpu_utilization_ratio:avg_online',
    samples: [
      sample('org:aiwm_gpu_utilization_ratio:avg_online', { org_id: J }, 0.75),
      sample('org:aiwm_gpu_utilization_ratio:avg_online', { org_id: 'org-a' }, 0.4),
    ],
  },
  {
    at: '10m',
    expr: `org:aiwm_gpus_active:count{org_id="${J}"}`,
    samples: [sample('org:aiwm_gpus_active:count', { org_id: J }, 4)],
  },
];

export const RECORDING_TESTS = {
  series: [
    // Two GPUs on one node: 20 % and 60 %.
    { series: 'aiwm_gpu_utilization_ratio{org_id="org-a",node_id="n1",gpu="0"}', values: '0.2x15' },
    { series: 'aiwm_gpu_utilization_ratio{org_id="org-a",node_id="n1",gpu="1"}', values: '0.6x15' },
    { series: 'aiwm_node_cpu_usage_ratio{org_id="org-a",node_id="n1"}', values: '0.5x15' },
    { series: 'aiwm_node_cpu_usage_ratio{org_id="org-a",node_id="n2"}', values: '0.9x15' },
    { series: 'aiwm_node_availability{org_id="org-a",node_id="n1",availability="online"}', values: '1x15' },
    { series: 'aiwm_node_availability{org_id="org-a",node_id="n2",availability="online"}', values: '0x15' },
    // The raw status no longer decides "online": n2 reads online but its heartbeat is stale.
    { series: 'aiwm_node_status{org_id="org-a",node_id="n2",class="up",status="online"}', values: '1x15' },
    // 60 requests a minute; 6 of 60 responses a minute fail.
    { series: 'aiwm_deployment_requests_total{org_id="org-a",deployment_id="d1"}', values: '0+60x15' },
    {
      series: 'aiwm_deployment_responses_total{org_id="org-a",deployment_id="d1",outcome="success"}',
      values: '0+54x15',
    },
    { series: 'aiwm_deployment_responses_total{org_id="org-a",deployment_id="d1",outcome="failed"}', values: '0+6x15' },
    // Every response lands in the (0.5, 1] bucket.
    ...['0.5:0', '1:60', '+Inf:60'].map((b) => {
      const [le, perMinute] = b.split(':');
      return {
        series: `aiwm_deployment_response_latency_seconds_bucket{org_id="org-a",deployment_id="d1",le="${le}"}`,
        values: `0+${perMinute}x15`,
      };
    }),
    // 10 executions finish a minute, 2 of them failed.
    {
      series: 'aiwm_execution_completions_total{org_id="org-a",category="model",outcome="completed"}',
      values: '0+8x40',
    },
    { series: 'aiwm_execution_completions_total{org_id="org-a",category="model",outcome="failed"}', values: '0+2x40' },
    ...AIWM_SIDE,
    ...DCGM_SIDE,
  ],
  cases: [
    {
      at: '10m',
      expr: 'org:aiwm_gpus_active:count{org_id="org-a"}',
      samples: [{ labels: 'org:aiwm_gpus_active:count{org_id="org-a"}', value: 2 }],
    },
    {
      at: '10m',
      expr: 'gpu:aiwm_gpu_utilization_ratio:unified{org_id="org-a"}',
      samples: [0.2, 0.6].map((v, i) => {
        const labels = { org_id: 'org-a', node_id: 'n1', gpu: String(i), source: 'aiwm' };
        return sample('gpu:aiwm_gpu_utilization_ratio:unified', labels, v);
      }),
    },
    {
      at: '10m',
      expr: 'org:aiwm_node_cpu_usage_ratio:avg_online',
      samples: [{ labels: 'org:aiwm_node_cpu_usage_ratio:avg_online{org_id="org-a"}', value: 0.5 }],
    },
    {
      at: '10m',
      expr: 'deployment:aiwm_deployment_requests:rate5m',
      samples: [{ labels: 'deployment:aiwm_deployment_requests:rate5m{org_id="org-a",deployment_id="d1"}', value: 1 }],
    },
    {
      at: '10m',
      expr: 'deployment:aiwm_deployment_responses:error_ratio_5m',
      samples: [
        {
          labels: 'deployment:aiwm_deployment_responses:error_ratio_5m{org_id="org-a",deployment_id="d1"}',
          value: 0.1,
        },
      ],
    },
    // Linear interpolation inside (0.5, 1]: p50 = 0.75, p95 = 0.975.
    {
      at: '10m',
      expr: 'deployment:aiwm_deployment_response_latency_seconds:p50_5m',
      samples: [
        {
          labels: 'deployment:aiwm_deployment_response_latency_seconds:p50_5m{org_id="org-a",deployment_id="d1"}',
          value: 0.75,
        },
      ],
    },
    {
      at: '10m',
      expr: 'deployment:aiwm_deployment_response_latency_seconds:p95_5m',
      samples: [
        {
          labels: 'deployment:aiwm_deployment_response_latency_seconds:p95_5m{org_id="org-a",deployment_id="d1"}',
          value: 0.975,
        },
      ],
    },
    {
      at: '35m',
      expr: 'org_category:aiwm_execution_failures:ratio_30m',
      samples: [
        { labels: 'org_category:aiwm_execution_failures:ratio_30m{org_id="org-a",category="model"}', value: 0.2 },
      ],
    },
    {
      at: '15m',
      expr: 'org:aiwm_gpu_utilization_ratio:avg_over_time1h{org_id="org-a"}',
      samples: [{ labels: 'org:aiwm_gpu_utilization_ratio:avg_over_time1h{org_id="org-a"}', value: 0.4 }],
    },
    ...GPU_JOIN_CASES,
  ],
};
