import { FAST_RULES, GPU_RULES, SLOW_RULES } from '../../queries/recording.js';
import { MIB } from '../../queries/gpu-join.js';
import { GPU, RULE } from '../../queries/names.js';
import type { RecordingGroup } from './model.js';

/**
 * Recording rules (`level:metric:operations`, queries/recording.ts) for what the dashboards, the
 * alerts and the JSON facade reuse. The cheap groups run every evaluation; quantiles and long
 * windows run each minute. GPU rules come first: later rules read earlier ones within a group.
 */
export const RECORDING_GROUPS: RecordingGroup[] = [
  { name: 'aiwm.recording.gpu', rules: GPU_RULES },
  { name: 'aiwm.recording', rules: FAST_RULES },
  { name: 'aiwm.recording.expensive', interval: '1m', rules: SLOW_RULES },
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
/** A promtool check of `record` at 10 minutes, selected by `labels`. */
const check = (record: string, labels: Labels, samples: ReturnType<typeof sample>[], at = '10m') => ({
  at,
  expr: Object.keys(labels).length === 0 ? record : `${record}{${text(labels)}}`,
  samples,
});
const unifiedCase = (record: string, rows: Array<[node: string, gpu: string, source: string, value: number]>) =>
  check(
    record,
    { org_id: J },
    rows.map(([node, gpu, source, value]) => sample(record, gpuOf(node, gpu, source), value)),
  );
const nodeCase = (record: string, rows: Array<[node: string, value: number]>) =>
  check(
    record,
    { org_id: J },
    rows.map(([node, value]) => sample(record, { org_id: J, node_id: node }, value)),
  );
const info = (node: string, gpu: string, source: string, uuid: string, model: string) =>
  sample(GPU.info, { ...gpuOf(node, gpu, source), uuid, model }, 1);
const xid = (gpu: string, code: number) =>
  sample(GPU.xidLast, { ...gpuOf('h100', gpu, 'dcgm'), xid: String(code) }, code);
const unmatched = (hostname: string, count: number) => sample(RULE.dcgmUnmatchedByHost, { hostname }, count);

const GPU_JOIN_CASES = [
  check(RULE.nodeOfHost, { hostname: 'gpu-node-01' }, [
    sample(RULE.nodeOfHost, { hostname: 'gpu-node-01', org_id: J, node_id: 'h100' }, 1),
  ]),
  nodeCase(RULE.dcgmNodes, [
    ['h100', 2],
    ['a100', 1],
  ]),
  check(RULE.dcgmUnmatchedByHost, {}, [unmatched('unknown-host', 1), unmatched('GPU-Node-03', 1)]),
  check(RULE.dcgmUnmatched, {}, [sample(RULE.dcgmUnmatched, {}, 2)]),
  check(GPU.info, { org_id: J }, [
    info('h100', '0', 'dcgm', 'GPU-a', H100),
    info('h100', '1', 'dcgm', 'GPU-b', H100),
    info('a100', '0', 'dcgm', 'GPU-c', A100),
    info('aiwm-only', '0', 'aiwm', 'GPU-x', 'NVIDIA L40S'),
  ]),
  unifiedCase(GPU.utilization, [
    ['h100', '0', 'dcgm', 1],
    ['h100', '1', 'dcgm', 0.5],
    ['a100', '0', 'dcgm', 0.75],
    ['aiwm-only', '0', 'aiwm', 0.5],
  ]),
  unifiedCase(GPU.memoryUsed, [
    ['h100', '0', 'dcgm', 74812 * MIB],
    ['a100', '0', 'dcgm', 62117 * MIB],
    ['aiwm-only', '0', 'aiwm', 1073741824],
  ]),
  unifiedCase(GPU.memoryTotal, [
    ['h100', '0', 'dcgm', (74812 + 6196 + 551) * MIB],
    ['a100', '0', 'dcgm', (62117 + 19040) * MIB],
    ['aiwm-only', '0', 'aiwm', 2147483648],
  ]),
  unifiedCase(GPU.temperature, [
    ['h100', '0', 'dcgm', 64],
    ['a100', '0', 'dcgm', 61],
    ['aiwm-only', '0', 'aiwm', 55],
  ]),
  unifiedCase(GPU.power, [
    ['h100', '0', 'dcgm', 642.317],
    ['aiwm-only', '0', 'aiwm', 120],
  ]),
  unifiedCase(GPU.rowRemapFailure, [['h100', '0', 'dcgm', 0]]),
  unifiedCase(GPU.uncorrectableRemappedRows, [['h100', '1', 'dcgm', 1]]),
  unifiedCase(GPU.clockEventReasons, [
    ['h100', '0', 'dcgm', 32],
    ['a100', '0', 'dcgm', 4],
  ]),
  check(GPU.xidLast, { org_id: J }, [xid('0', 0), xid('1', 94)]),
  nodeCase(RULE.nodeGpuUtilization, [
    ['h100', 0.75],
    ['a100', 0.75],
    ['aiwm-only', 0.5],
  ]),
  nodeCase(RULE.nodeGpuMemoryUsed, [
    ['h100', 74812 * MIB],
    ['a100', 62117 * MIB],
    ['aiwm-only', 1073741824],
  ]),
  // Online nodes only (aiwm-only is offline): (1 + 0.5 + 0.75) / 3; org-a: (0.2 + 0.6) / 2 on its online node.
  check(RULE.orgGpuUtilizationOnline, {}, [
    sample(RULE.orgGpuUtilizationOnline, { org_id: J }, 0.75),
    sample(RULE.orgGpuUtilizationOnline, { org_id: 'org-a' }, 0.4),
  ]),
  check(RULE.orgGpusActive, { org_id: J }, [sample(RULE.orgGpusActive, { org_id: J }, 4)]),
];

const D1 = { org_id: 'org-a', deployment_id: 'd1' };

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
    // Running VMs on two nodes: 2 and 1.
    ...['n1:2', 'n2:1'].map((x) => {
      const [node, n] = x.split(':');
      return {
        series: `aiwm_resources{org_id="org-a",resource_type="virtual-machine",status="running",node_id="${node}"}`,
        values: `${n}x15`,
      };
    }),
    // Completed executions of two types: 5 and 2.
    ...['deploy-model:5', 'download-model:2'].map((x) => {
      const [type, n] = x.split(':');
      return {
        series: `aiwm_executions{org_id="org-a",category="model",type="${type}",status="completed"}`,
        values: `${n}x15`,
      };
    }),
    // Roles: n1 is a worker, n2 a worker and a storage node.
    ...[
      ['n1', 'worker'],
      ['n2', 'worker'],
      ['n2', 'storage'],
    ].map(([node, role]) => ({
      series: `aiwm_node_role{org_id="org-a",node_id="${node}",role="${role}"}`,
      values: '1x15',
    })),
    ...AIWM_SIDE,
    ...DCGM_SIDE,
  ],
  cases: [
    check(RULE.orgGpusActive, { org_id: 'org-a' }, [sample(RULE.orgGpusActive, { org_id: 'org-a' }, 2)]),
    check(
      GPU.utilization,
      { org_id: 'org-a' },
      [0.2, 0.6].map((v, i) =>
        sample(GPU.utilization, { org_id: 'org-a', node_id: 'n1', gpu: String(i), source: 'aiwm' }, v),
      ),
    ),
    check(RULE.orgCpuOnline, {}, [sample(RULE.orgCpuOnline, { org_id: 'org-a' }, 0.5)]),
    // The sum and count behind it: only n1 is online.
    check(RULE.orgCpuOnlineSum, {}, [sample(RULE.orgCpuOnlineSum, { org_id: 'org-a' }, 0.5)]),
    check(RULE.orgCpuOnlineCount, {}, [sample(RULE.orgCpuOnlineCount, { org_id: 'org-a' }, 1)]),
    check(RULE.orgGpuUtilizationOnlineCount, { org_id: 'org-a' }, [
      sample(RULE.orgGpuUtilizationOnlineCount, { org_id: 'org-a' }, 2),
    ]),
    check(RULE.orgNodeRoles, {}, [
      sample(RULE.orgNodeRoles, { org_id: 'org-a', role: 'storage' }, 1),
      sample(RULE.orgNodeRoles, { org_id: 'org-a', role: 'worker' }, 2),
    ]),
    check(RULE.orgResourcesByTypeStatus, {}, [
      sample(
        RULE.orgResourcesByTypeStatus,
        { org_id: 'org-a', resource_type: 'virtual-machine', status: 'running' },
        3,
      ),
    ]),
    check(RULE.orgExecutionsByStatus, {}, [
      sample(RULE.orgExecutionsByStatus, { org_id: 'org-a', status: 'completed' }, 7),
    ]),
    check(RULE.orgGpusBySource, { org_id: J }, [
      sample(RULE.orgGpusBySource, { org_id: J, source: 'aiwm' }, 1),
      sample(RULE.orgGpusBySource, { org_id: J, source: 'dcgm' }, 3),
    ]),
    check(RULE.deploymentRequests5m, {}, [sample(RULE.deploymentRequests5m, D1, 1)]),
    check(RULE.deploymentErrorRatio5m, {}, [sample(RULE.deploymentErrorRatio5m, D1, 0.1)]),
    // Linear interpolation inside (0.5, 1]: p50 = 0.75, p95 = 0.975.
    check(RULE.deploymentLatencyP50, {}, [sample(RULE.deploymentLatencyP50, D1, 0.75)]),
    check(RULE.deploymentLatencyP95, {}, [sample(RULE.deploymentLatencyP95, D1, 0.975)]),
    check(
      RULE.executionFailureRatio30m,
      {},
      [sample(RULE.executionFailureRatio30m, { org_id: 'org-a', category: 'model' }, 0.2)],
      '35m',
    ),
    ...GPU_JOIN_CASES,
  ],
};
