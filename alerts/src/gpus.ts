/**
 * GPU alerts. They read only the unified per-GPU series of alerts/src/recording.ts (dcgm-exporter
 * joined to AIWM's nodes by host name, or AIWM's own GPU fields), plus dcgm-exporter's scrape health.
 */
import type { AlertCase, AlertRule, ExpectedAlert, RuleArea } from './model.js';
import { GPU_ALERT } from '../../queries/gpus.js';
import { GPU, RULE } from '../../queries/names.js';
import {
  ORG,
  nodeAvailability,
  nodeInfo,
  pct,
  robustnessCases,
  s,
  withGap,
  withScrapeLabels,
  type InputSeries,
} from './series.js';
import { THRESHOLDS as T } from './thresholds.js';
import { DASHBOARD } from './dashboards.js';

const GPU_EXPR = {
  temperatureAbove: GPU_ALERT.temperatureAbove,
  memoryAbove: GPU_ALERT.memoryAbove,
  xidReset: GPU_ALERT.xidIn(T.gpuXid.resetCodes),
  xidOther: GPU_ALERT.xidNotIn(T.gpuXid.resetCodes),
  rowRemapFailure: GPU_ALERT.rowRemapFailure(),
  remappedRows: GPU_ALERT.remappedRowsAbove(T.gpuRowRemap.remappedRowsAbove),
  thermalThrottle: GPU_ALERT.clockEventBits(T.gpuThrottle.thermalBits),
  hardwareSlowdown: GPU_ALERT.clockEventBits(T.gpuThrottle.hardwareSlowdownBits),
  missing: GPU_ALERT.missing(),
  unmatched: GPU_ALERT.unmatched(),
  dcgmExporterDown: GPU_ALERT.dcgmExporterDown(),
};

/** Every GPU fault (Xid, ECC, missing GPUs, dcgm-exporter down) keeps firing over a poll gap. */
const KEEP_FIRING = T.stateKeepFiringFor;

/**
 * The rule with its robustness cases (extra scrape labels: `keepsScrapeLabels` when the expression
 * keeps them; duplicate info series) and `more` cases after them.
 */
const robust = (rule: AlertRule, keepsScrapeLabels: boolean, more: AlertCase[] = []): AlertRule => ({
  ...rule,
  cases: [...robustnessCases(rule.test, keepsScrapeLabels), ...more],
});

// --- test input: one H100 node as dcgm-exporter shows it, joined to AIWM node n1 ---------------------

const NODE = { org_id: ORG, node_id: 'n1' };
const NODE_NAME = 'gpu-node-01';
const H100 = 'NVIDIA H100 80GB HBM3';
const uuidOf = (gpu: string) => `GPU-7848dfe4-7ca9-2d21-6b52-372fa381ed3${gpu}`;

/** Labels of a GPU on n1 as every unified series has them. */
const gpuLabels = (gpu: string, source = 'dcgm') => ({ ...NODE, gpu, source });
/** `name` for each GPU of n1, from its values. */
const perGpu = (
  name: string,
  values: Record<string, string>,
  extra: (gpu: string) => Record<string, string> = () => ({}),
) => Object.entries(values).map(([gpu, v]) => s(name, { ...gpuLabels(gpu), ...extra(gpu) }, v));
/** Unified GPU info for GPUs 0..count-1 of n1, and aiwm_node_info. */
const h100Node = (count = 8): InputSeries[] => [
  ...Array.from({ length: count }, (_, i) =>
    s(GPU.info, { ...gpuLabels(String(i)), uuid: uuidOf(String(i)), model: H100 }, '1x60'),
  ),
  nodeInfo('n1', NODE_NAME),
];
/** The labels an alert about GPU `gpu` of n1 carries. */
const alertLabels = (severity: string, gpu: string, extra: Record<string, string> = {}) => ({
  severity,
  ...extra,
  ...gpuLabels(gpu),
  uuid: uuidOf(gpu),
  model: H100,
  node_name: NODE_NAME,
  hostname: `${NODE_NAME}.local`,
});
const expect1 = (labels: Record<string, string>, summary: string, description: string): ExpectedAlert => ({
  labels,
  summary,
  description,
});

// --- runbooks ------------------------------------------------------------------------------------------

/** The sentence every GPU fault runbook ends its meaning with. */
const keepsFiring =
  ` The alert keeps firing for ${T.stateKeepFiringFor} after the condition clears, and over a gap in the ` +
  "node's series (MongoDB briefly unreachable: the GPU series lose their join to the node), so a short gap " +
  'sends no RESOLVED.';

const drain =
  'Drain the node: set it to maintenance in AIWM (no new deployments land on it) and move its ' +
  'deployments to other nodes (`AIWM / Infrastructure / Node detail › Deployments` lists them).';
const rma =
  'RMA the GPU with its uuid, serial number (`nvidia-smi -q -i <gpu> | grep -i serial`) and an ' +
  '`nvidia-bug-report.sh` log.';
const diag =
  'Before the node returns to service, run `dcgmi diag -r 3` on it (all GPUs idle); a failing test ' +
  'names the GPU and the check.';
const empty = { meaning: '', check: [], act: [] };

const temperatureRunbook = {
  meaning:
    'A GPU runs hot. Datacenter GPUs start throttling clocks around 85-90 °C (H100: 87 °C max operating, ' +
    'slowdown at 89 °C, shutdown at 92 °C) and shut down to protect themselves beyond that; sustained heat also ' +
    'shortens their life. The `source` label says where the reading comes from: `dcgm` is live telemetry from ' +
    "dcgm-exporter, `aiwm` is what AIWM stored at the node's registration and can be old.",
  check: [
    '`AIWM / Infrastructure / Node detail › GPU temperature` and `AIWM / Infrastructure / Node detail › GPU power` for the node: the ' +
      'temperature and power of every GPU. One hot GPU points at that card or its slot, all GPUs hot at cooling ' +
      'or the room.',
    'On the node: `nvidia-smi -q -i <gpu> -d TEMPERATURE,PERFORMANCE` shows the slowdown and shutdown ' +
      'temperatures and whether clocks are already throttled (`Clocks Event Reasons`).',
    'Check the chassis fans and the data-center cooling alarms for the rack (`ipmitool sdr type Fan`).',
    'With `source="aiwm"` the value is from registration time: compare with `nvidia-smi`, and install ' +
      'dcgm-exporter on the node for live readings.',
  ],
  act: [
    'Move or stop the heaviest deployment on that GPU (`AIWM / Infrastructure / Node detail › Deployments` lists the ' +
      "node's deployments) to shed load.",
    `If the temperature keeps rising at the critical level: ${drain} Then hand it to the data-center team.`,
  ],
};

const xidRunbook = {
  meaning:
    'The NVIDIA driver reported an Xid error on the GPU. dcgm-exporter exports the code of the last Xid ' +
    '(`DCGM_FI_DEV_XID_ERRORS`; label `xid` and the value are the code, 0 is "No Error"). Critical codes ' +
    `(${T.gpuXid.resetCodes.join(', ')}) mean the GPU needs a reset or the node a drain: ECC and row-remapping ` +
    'errors, NVLink errors, a GPU fallen off the bus, GSP firmware errors. Other codes are mostly errors of one ' +
    'application (13 graphics engine exception, 31 memory page fault, 43 application stopped, 45 preemptive ' +
    'cleanup) and cost that job. The value is sticky: it keeps the last Xid until dcgm-exporter restarts, so ' +
    'the alert keeps firing after the cause is fixed until the exporter is restarted. Conversely, some ' +
    'dcgm-exporter 4.5.3-4.8.2 images leave the series out until the first Xid, so no alert is no proof of health.' +
    keepsFiring,
  check: [
    'On the node: `journalctl -k | grep -i xid` (or `dmesg -T | grep -i xid`): when each Xid happened, its PCI ' +
      'address and process. In a burst, the first Xid is the cause.',
    "NVIDIA's Xid catalog for the code: the immediate action (RESTART_APP, RESET_GPU, RESTART_BM) and the " +
      'investigatory one (CONTACT_SUPPORT, ...).',
    '`nvidia-smi -q -i <gpu> -d ECC,ROW_REMAPPER` for memory errors and pending row remaps, and ' +
      '`nvidia-smi -q -i <gpu> -d PERFORMANCE,TEMPERATURE` for thermal or power trouble around the event.',
    'Application codes: the deployment or job that ran on the GPU (`AIWM / Infrastructure / Node detail › Deployments` ' +
      "lists the node's deployments) and its logs.",
  ],
  act: [
    `Critical: ${drain} Then reset the GPU (\`nvidia-smi -r -i <gpu>\`, no processes on it) or reboot the node.`,
    diag,
    `The same GPU (same uuid) logs a hardware Xid again after a reset, or dcgmi diag fails: ${rma}`,
    'Warning: restart the affected application; escalate to a drain if the code repeats on the same GPU.',
    'After the fix, restart dcgm-exporter on the node (`systemctl restart nvidia-dcgm-exporter`, ' +
      '`docker restart dcgm-exporter`, or delete its pod) so the sticky value clears and the alert resolves.',
  ],
};

const eccRunbook = {
  meaning:
    "The GPU's memory (HBM) had uncorrectable ECC errors. On A100, H100 and later GPUs the driver repairs such " +
    'a row by remapping it to a spare row at the next GPU reset. `reason="remapped_rows"` (warning): ' +
    '`DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS` is above 0, so the card has had uncorrectable errors; the count ' +
    'is kept in the GPU\'s InfoROM and never goes down. `reason="row_remap_failure"` (critical): ' +
    '`DCGM_FI_DEV_ROW_REMAP_FAILURE` is 1, a remap failed because the memory bank has no spare rows left: the ' +
    'memory can no longer be repaired and jobs on the GPU can hit the same bad row again.' +
    keepsFiring,
  check: [
    '`nvidia-smi -q -i <gpu> -d ROW_REMAPPER`: `Pending` (a remap waits for a GPU reset), `Remapping Failure ' +
      'Occurred`, and the bank remap availability histogram (banks close to no spare rows).',
    '`nvidia-smi -q -i <gpu> -d ECC`: volatile and aggregate uncorrectable counts (SRAM and DRAM).',
    'The kernel log for Xid 63, 64, 94 or 95 (`journalctl -k | grep -i xid`): the events that led to the remaps.',
  ],
  act: [
    `Pending remap: ${drain} Then reset the GPU (\`nvidia-smi -r -i <gpu>\`) or reboot, so the remap takes effect.`,
    `Remap failure (critical): ${drain} Take the GPU out of service; ${rma.charAt(0).toLowerCase()}${rma.slice(1)}`,
    'Remapped rows without a pending remap or failure: the repair held. Watch whether the count grows; RMA the ' +
      'GPU if it grows again or a bank runs out of spare rows. Once checked, silence the warning for that uuid ' +
      'with an expiry and a comment (the count never goes down).',
    diag,
  ],
};

const throttleRunbook = {
  meaning:
    'The GPU has cut its clocks for the whole `for` window, so every job on it runs slower (and a multi-GPU ' +
    'job waits for its slowest GPU). The reasons come from the clock-event reasons mask ' +
    "(`DCGM_FI_DEV_CLOCKS_EVENT_REASONS`, formerly `DCGM_FI_DEV_CLOCK_THROTTLE_REASONS`), the alert's value. " +
    '`reason="thermal"`: software thermal slowdown (0x20) or hardware thermal slowdown (0x40): the GPU or its ' +
    'memory is above its maximum operating temperature. `reason="hardware_slowdown"`: hardware slowdown (0x08, ' +
    'clocks cut by half or more for temperature, an external power brake or a fast power trigger) or the ' +
    'external power brake (0x80, asserted by the chassis, e.g. a failing power supply). The software power cap ' +
    "(0x04) does not alert: a busy GPU at its power limit is normal. The mask is not in dcgm-exporter's default " +
    'counters: without that counter enabled there is no series and no alert.',
  check: [
    '`nvidia-smi -q -i <gpu> -d PERFORMANCE`: which `Clocks Event Reasons` are Active; ' +
      '`nvidia-smi -q -i <gpu> -d TEMPERATURE,POWER`: current temperatures against the slowdown limits, and ' +
      'the power draw against the limits.',
    'Thermal: compare with the other GPUs of the node (`AIWM / Infrastructure / Node detail › GPU temperature`, and ' +
      '`AIWM / Infrastructure / Node detail › Clock event reasons` for the active reasons). One hot GPU points at its ' +
      'airflow, heatsink or slot; all of them at fans, inlet air or the room (`ipmitool sdr type Fan`, ' +
      '`ipmitool sdr type Temperature`).',
    'Hardware slowdown or power brake: the power supplies and the BMC event log (`ipmitool sdr type "Power ' +
      'Supply"`, `ipmitool sel elist`).',
  ],
  act: [
    "Shed load: move the heaviest deployment off the GPU (`AIWM / Infrastructure / Node detail › Deployments` lists the node's " +
      'deployments).',
    'Fix the cooling or the power supply with the data-center team.',
    `It persists on one card with good cooling and power: ${drain} Reseat the GPU, then ${diag.charAt(0).toLowerCase()}` +
      `${diag.slice(1)} If it fails: ${rma}`,
  ],
};

const missingRunbook = {
  meaning:
    "AIWM's inventory lists more GPUs on the node (`aiwm_node_gpus`, from gpuDevices at registration) than the " +
    'node\'s dcgm-exporter reports; the value is the difference. A GPU has dropped out (Xid 79 "fallen off the ' +
    'bus", a GPU the driver no longer enumerates, a GPU handed to a VM by passthrough), or AIWM\'s inventory is ' +
    'out of date. Deployments placed on the missing GPU fail. Nodes without dcgm-exporter do not raise it.' +
    keepsFiring,
  check: [
    "On the node: `nvidia-smi -L` against the GPUs in AIWM's inventory of the node (its gpuDevices), and " +
      '`lspci -d 10de:` (is the PCI device still there?).',
    '`journalctl -k | grep -iE "xid|fallen off"` for Xid 79 and PCIe errors.',
    'VMs on the node with GPU passthrough (AIWM resources, gpuConfig passthrough): a GPU bound to vfio-pci is ' +
      "invisible to the host's DCGM. Also whether dcgm-exporter runs with a GPU filter (`-d`/`--devices`).",
  ],
  act: [
    `A GPU fell off the bus: ${drain} Power-cycle the node; reseat the GPU if it happens again; RMA on a repeat.`,
    diag,
    "Passthrough or a GPU removed on purpose: re-register the node so AIWM's gpuDevices match, or silence the " +
      'alert for the node with a comment.',
  ],
};

const exporterDownRunbook = {
  meaning:
    'Prometheus cannot scrape dcgm-exporter on a node AIWM reports online (status class up or degraded and a ' +
    "fresh heartbeat). The node's GPU series fall back to what AIWM stored (inventory, no live telemetry), and " +
    'every GPU health alert for it (Xid, ECC, throttling, temperature) is blind. The target is matched to the ' +
    "node by the host part of its `instance` label against AIWM's host names (`aiwm_node_hostname`: lower case, " +
    'the full name or a unique short name), so file_sd targets must be written as lower-case host names as AIWM ' +
    'knows them, not IP addresses: a target written by IP cannot raise this alert.' +
    keepsFiring,
  check: [
    'Prometheus → Status → Targets, the dcgm job: the scrape error (connection refused, timeout, DNS).',
    'On the node: `systemctl status nvidia-dcgm-exporter`, `docker ps -a --filter name=dcgm-exporter`, or ' +
      '`kubectl get pods -o wide -l app.kubernetes.io/name=dcgm-exporter` for Kubernetes; then ' +
      '`curl -s http://<host>:9400/metrics | head`.',
    '`nvidia-smi` and `dcgmi discovery -l` on the node: a hung or failing driver takes the exporter down with it.',
    'The network path from Prometheus to port 9400 (firewall, security groups).',
  ],
  act: [
    'Restart dcgm-exporter (and nv-hostengine where it runs separately). This also clears sticky Xid values.',
    `\`nvidia-smi\` hangs or fails: the GPU or the driver is at fault. ${drain} Then reboot the node and run ` +
      '`dcgmi diag -r 3`.',
    'The target is written as an IP or a name AIWM does not know: fix the file_sd entry (lower-case AIWM host name).',
  ],
};

// --- alerts ------------------------------------------------------------------------------------------------

// --- extra cases -------------------------------------------------------------------------------------------

const temperatureBelowWarning: AlertCase = {
  name: 'at and just below the warning level: nothing fires',
  series: [...perGpu(GPU.temperature, { 0: '79x10', 1: '80x10' }), ...h100Node(2)],
  firingAt: '8m',
  alerts: [],
};

const warmAlert = (gpu: string, celsius: number) =>
  expect1(
    alertLabels('warning', gpu),
    'GPU temperature high',
    `GPU ${gpu} (${H100}) on node ${NODE_NAME} is at ${celsius} °C, above the 80 °C warning level.`,
  );

const temperatureBelowCritical: AlertCase = {
  name: 'at and just below the critical level: only the warning fires',
  series: [...perGpu(GPU.temperature, { 0: '89x10', 1: '90x10' }), ...h100Node(2)],
  firingAt: '8m',
  alerts: [warmAlert('0', 89), warmAlert('1', 90)],
};

const memorySizeUnknown: AlertCase = {
  name: 'a total of 0 (size unknown) with memory in use: no ratio (not +Inf), nothing fires',
  series: [
    ...perGpu(GPU.memoryUsed, { 0: '40000000000x30' }),
    ...perGpu(GPU.memoryTotal, { 0: '0x30' }),
    ...h100Node(1),
  ],
  firingAt: '16m',
  alerts: [],
};

/** A 16-GPU node (DGX-2 style) whose GPUs 0-12 each last logged one of the reset codes. */
const everyResetCode = T.gpuXid.resetCodes.map((code, i) => ({ gpu: String(i), code: String(code) }));
const xidSeries = (codes: ReadonlyArray<{ gpu: string; code: string }>, steps = 10) =>
  codes.map(({ gpu, code }) => s(GPU.xidLast, { ...gpuLabels(gpu), xid: code }, `${code}x${steps}`));
const resetAlert = (gpu: string, code: string) =>
  expect1(
    alertLabels('critical', gpu, { xid: code }),
    'GPU Xid error that needs a GPU reset or a drain',
    `GPU ${gpu} (${H100}, ${uuidOf(gpu)}) on node ${NODE_NAME} reported Xid ${code}: the GPU needs a reset or ` +
      'the node a drain (the value stays until dcgm-exporter restarts).',
  );
const appAlert = (gpu: string, code: string) =>
  expect1(
    alertLabels('warning', gpu, { xid: code }),
    'GPU Xid error',
    `GPU ${gpu} (${H100}, ${uuidOf(gpu)}) on node ${NODE_NAME} reported Xid ${code} (the value stays until ` +
      'dcgm-exporter restarts).',
  );

const xidEveryResetCode: AlertCase = {
  name: 'each code of the reset list is critical',
  series: [...xidSeries(everyResetCode), ...h100Node(16)],
  firingAt: '2m',
  alerts: everyResetCode.map(({ gpu, code }) => resetAlert(gpu, code)),
};

const xidGap: AlertCase = {
  name: "keeps firing while the node's series vanish for 3 minutes (MongoDB unreachable: no node, no join)",
  series: withGap([...xidSeries([{ gpu: '5', code: '94' }]), ...h100Node(6)], 3, 3),
  quietAt: '30s',
  firingAt: '5m',
  alerts: [resetAlert('5', '94')],
};

const xidResetCodesNoWarning: AlertCase = {
  ...xidEveryResetCode,
  name: 'no code of the reset list is a warning: only the critical alerts fire',
};

const xidSmallestCode: AlertCase = {
  name: 'the smallest code (1) is an error too; 0 ("No Error") is none',
  series: [
    ...xidSeries([
      { gpu: '0', code: '0' },
      { gpu: '1', code: '1' },
    ]),
    ...h100Node(2),
  ],
  firingAt: '2m',
  alerts: [appAlert('1', '1')],
};

/** GPU 0 of another node, read from AIWM's own data. */
const n2Gpu = { org_id: ORG, node_id: 'n2', gpu: '0', source: 'aiwm' };

const temperature: AlertRule[] = [
  robust(
    {
      alert: 'AIWMGPUTemperatureHigh',
      severity: 'warning',
      expr: GPU_EXPR.temperatureAbove(T.gpuTemperature.warningCelsius),
      for: T.gpuTemperature.warningFor,
      summary: 'GPU temperature high',
      description:
        'GPU {{ $labels.gpu }} ({{ $labels.model }}) on node {{ $labels.node_name }} is at {{ $value | humanize }} °C, ' +
        `above the ${T.gpuTemperature.warningCelsius} °C warning level.`,
      anchor: 'aiwmgputemperaturehigh',
      dashboard: DASHBOARD.node,
      runbook: temperatureRunbook,
      test: {
        series: [
          ...perGpu(GPU.temperature, { 0: '83x10', 1: '60x10' }),
          ...h100Node(2),
          // AIWM's own reading of another node, below the level.
          s(GPU.temperature, n2Gpu, '70x10'),
          s(GPU.info, { ...n2Gpu, uuid: 'GPU-0', model: 'NVIDIA A100 80GB PCIe' }, '1x10'),
          nodeInfo('n2', 'worker-gpu-02'),
        ],
        quietAt: '4m',
        firingAt: '6m',
        alerts: [
          expect1(
            alertLabels('warning', '0'),
            'GPU temperature high',
            `GPU 0 (${H100}) on node ${NODE_NAME} is at 83 °C, above the 80 °C warning level.`,
          ),
        ],
      },
    },
    true,
    [temperatureBelowWarning],
  ),
  robust(
    {
      alert: 'AIWMGPUTemperatureHigh',
      severity: 'critical',
      expr: GPU_EXPR.temperatureAbove(T.gpuTemperature.criticalCelsius),
      for: T.gpuTemperature.criticalFor,
      summary: 'GPU temperature critical',
      description:
        'GPU {{ $labels.gpu }} ({{ $labels.model }}) on node {{ $labels.node_name }} is at {{ $value | humanize }} °C, ' +
        `above the ${T.gpuTemperature.criticalCelsius} °C critical level: it will throttle or shut down.`,
      anchor: 'aiwmgputemperaturehigh',
      dashboard: DASHBOARD.node,
      runbook: temperatureRunbook,
      test: {
        // GPU 1 is hot, but below the critical level.
        series: [...perGpu(GPU.temperature, { 0: '92x10', 1: '85x10' }), ...h100Node(2)],
        quietAt: '1m',
        firingAt: '3m',
        alerts: [
          // The warning level holds too, after its longer `for`.
          expect1(
            alertLabels('critical', '0'),
            'GPU temperature critical',
            `GPU 0 (${H100}) on node ${NODE_NAME} is at 92 °C, above the 90 °C critical level: ` +
              'it will throttle or shut down.',
          ),
        ],
      },
    },
    true,
    [temperatureBelowCritical],
  ),
  robust(
    {
      alert: 'AIWMGPUMemoryNearlyFull',
      severity: 'warning',
      expr: GPU_EXPR.memoryAbove(T.gpuMemory.warningRatio),
      for: T.gpuMemory.for,
      survivingMutants: {
        'threshold:0+1':
          'The guard `total > 0` moved to `total > 1` differs only for a total between 0 and 1 byte, which no ' +
          'source gives: dcgm-exporter totals are whole MiB (FB used + free + reserved), AIWM totals whole MB.',
      },
      summary: 'GPU memory nearly full',
      description:
        'GPU {{ $labels.gpu }} on node {{ $labels.node_name }} uses {{ $value | humanizePercentage }} of its memory ' +
        `(warning above ${pct(T.gpuMemory.warningRatio)} %).`,
      anchor: 'aiwmgpumemorynearlyfull',
      dashboard: DASHBOARD.node,
      runbook: {
        meaning:
          'A GPU has almost no free memory: new deployments or larger batches on it will fail with out-of-memory ' +
          'errors. A vLLM deployment that reserves most of the memory on purpose (gpu-memory-utilization 0.9+) is ' +
          'normal; a GPU filling up over time is not. A GPU whose total memory reads 0 (size unknown) gives no ' +
          'ratio and never raises it.',
        check: [
          '`AIWM / Infrastructure / Node detail › GPU memory used`: is it a step (a deployment started) or a slope (a ' +
            'leak, growing KV cache)?',
          'On the node: `nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv` names the ' +
            'processes holding the memory.',
        ],
        act: [
          'If the usage is expected for the deployment, silence the alert for that GPU with a comment.',
          'Otherwise restart the leaking deployment, or move a deployment to another GPU.',
        ],
      },
      test: {
        series: [
          ...perGpu(GPU.memoryUsed, {
            0: '78000000000x30',
            1: '5000000000x30',
            2: '1000000000x30',
            3: '72000000000x30',
          }),
          // GPU 1: an unknown size (0) gives no ratio, not +Inf; GPU 2: 1 of 80 GB in use; GPU 3: 90 %, below the level.
          ...perGpu(GPU.memoryTotal, { 0: '80000000000x30', 1: '0x30', 2: '80000000000x30', 3: '80000000000x30' }),
          ...h100Node(4),
        ],
        quietAt: '10m',
        firingAt: '16m',
        alerts: [
          expect1(
            alertLabels('warning', '0'),
            'GPU memory nearly full',
            `GPU 0 on node ${NODE_NAME} uses 97.5% of its memory (warning above 95 %).`,
          ),
        ],
      },
    },
    true,
    [memorySizeUnknown],
  ),
];

const xidSticky = 'the value stays until dcgm-exporter restarts';
const xidDescription =
  'GPU {{ $labels.gpu }} ({{ $labels.model }}, {{ $labels.uuid }}) on node {{ $labels.node_name }} reported ' +
  'Xid {{ $value }}';

const health: AlertRule[] = [
  robust(
    {
      alert: 'AIWMGPUXidError',
      severity: 'critical',
      expr: GPU_EXPR.xidReset,
      for: T.gpuXid.for,
      keepFiringFor: KEEP_FIRING,
      summary: 'GPU Xid error that needs a GPU reset or a drain',
      description: `${xidDescription}: the GPU needs a reset or the node a drain (${xidSticky}).`,
      anchor: 'aiwmgpuxiderror',
      dashboard: DASHBOARD.node,
      runbook: xidRunbook,
      test: {
        series: [
          // GPU 5 as in the fixture: Xid 94, contained ECC error. GPU 0: "No Error".
          ...perGpu(GPU.xidLast, { 0: '0x10', 5: '94x10' }, (g) => ({ xid: g === '5' ? '94' : '0' })),
          ...h100Node(6),
        ],
        quietAt: '30s',
        firingAt: '2m',
        alerts: [
          expect1(
            alertLabels('critical', '5', { xid: '94' }),
            'GPU Xid error that needs a GPU reset or a drain',
            `GPU 5 (${H100}, ${uuidOf('5')}) on node ${NODE_NAME} reported Xid 94: the GPU needs a reset or the node ` +
              'a drain (the value stays until dcgm-exporter restarts).',
          ),
        ],
      },
    },
    true,
    [xidEveryResetCode, xidGap],
  ),
  robust(
    {
      alert: 'AIWMGPUXidError',
      severity: 'warning',
      expr: GPU_EXPR.xidOther,
      for: T.gpuXid.for,
      keepFiringFor: KEEP_FIRING,
      summary: 'GPU Xid error',
      description: `${xidDescription} (${xidSticky}).`,
      anchor: 'aiwmgpuxiderror',
      dashboard: DASHBOARD.node,
      runbook: empty,
      test: {
        series: [
          // GPU 2: Xid 13, an application's graphics engine exception. GPU 0: "No Error".
          ...perGpu(GPU.xidLast, { 0: '0x10', 2: '13x10' }, (g) => ({ xid: g === '2' ? '13' : '0' })),
          ...h100Node(3),
        ],
        quietAt: '30s',
        firingAt: '2m',
        alerts: [
          expect1(
            alertLabels('warning', '2', { xid: '13' }),
            'GPU Xid error',
            `GPU 2 (${H100}, ${uuidOf('2')}) on node ${NODE_NAME} reported Xid 13 (${xidSticky}).`,
          ),
        ],
      },
    },
    true,
    [xidResetCodesNoWarning, xidSmallestCode],
  ),
  robust(
    {
      alert: 'AIWMGPUUncorrectableECC',
      severity: 'critical',
      labels: { reason: 'row_remap_failure' },
      expr: GPU_EXPR.rowRemapFailure,
      for: T.gpuRowRemap.failureFor,
      keepFiringFor: KEEP_FIRING,
      summary: 'GPU memory row remapping failed',
      description:
        'GPU {{ $labels.gpu }} ({{ $labels.model }}, {{ $labels.uuid }}) on node {{ $labels.node_name }} could not ' +
        'remap a memory row after an uncorrectable ECC error: its memory can no longer be repaired.',
      anchor: 'aiwmgpuuncorrectableecc',
      dashboard: DASHBOARD.node,
      runbook: eccRunbook,
      test: {
        series: [
          ...perGpu(GPU.rowRemapFailure, { 0: '0x10', 5: '1x10' }),
          // The remapped rows of GPU 5 raise the warning after its longer `for` only.
          ...perGpu(GPU.uncorrectableRemappedRows, { 0: '0x10', 5: '8x10' }),
          ...h100Node(6),
        ],
        quietAt: '30s',
        firingAt: '2m',
        alerts: [
          expect1(
            alertLabels('critical', '5', { reason: 'row_remap_failure' }),
            'GPU memory row remapping failed',
            `GPU 5 (${H100}, ${uuidOf('5')}) on node ${NODE_NAME} could not remap a memory row after an uncorrectable ` +
              'ECC error: its memory can no longer be repaired.',
          ),
        ],
      },
    },
    true,
  ),
  robust(
    {
      alert: 'AIWMGPUUncorrectableECC',
      severity: 'warning',
      labels: { reason: 'remapped_rows' },
      expr: GPU_EXPR.remappedRows,
      for: T.gpuRowRemap.remappedRowsFor,
      keepFiringFor: KEEP_FIRING,
      summary: 'GPU memory rows remapped after uncorrectable errors',
      description:
        'GPU {{ $labels.gpu }} ({{ $labels.model }}, {{ $labels.uuid }}) on node {{ $labels.node_name }} has ' +
        'had {{ $value }} memory row(s) remapped after uncorrectable ECC errors.',
      anchor: 'aiwmgpuuncorrectableecc',
      dashboard: DASHBOARD.node,
      runbook: empty,
      test: {
        series: [
          // GPU 5 as in the fixture: 1 uncorrectable remapped row, the remap did not fail.
          ...perGpu(GPU.uncorrectableRemappedRows, { 0: '0x10', 5: '1x10' }),
          ...perGpu(GPU.rowRemapFailure, { 0: '0x10', 5: '0x10' }),
          ...h100Node(6),
        ],
        quietAt: '3m',
        firingAt: '6m',
        alerts: [
          expect1(
            alertLabels('warning', '5', { reason: 'remapped_rows' }),
            'GPU memory rows remapped after uncorrectable errors',
            `GPU 5 (${H100}, ${uuidOf('5')}) on node ${NODE_NAME} has had 1 memory row(s) remapped after ` +
              'uncorrectable ECC errors.',
          ),
        ],
      },
    },
    true,
  ),
  robust(
    {
      alert: 'AIWMGPUThrottled',
      severity: 'warning',
      labels: { reason: 'thermal' },
      expr: GPU_EXPR.thermalThrottle,
      for: T.gpuThrottle.for,
      summary: 'GPU clocks cut for heat',
      description:
        'GPU {{ $labels.gpu }} ({{ $labels.model }}) on node {{ $labels.node_name }} has been slowing its clocks for ' +
        'heat (clock event reasons mask {{ $value }}).',
      anchor: 'aiwmgputhrottled',
      dashboard: DASHBOARD.node,
      runbook: throttleRunbook,
      test: {
        series: [
          // GPU 3: 0x20 SW thermal (the fixture); GPU 4: 0x40 HW thermal; GPU 5: 0x01 idle; GPU 6: 0x04 SW power cap.
          ...perGpu(GPU.clockEventReasons, { 0: '0x20', 3: '32x20', 4: '64x20', 5: '1x20', 6: '4x20' }),
          ...h100Node(7),
        ],
        quietAt: '8m',
        firingAt: '11m',
        alerts: [
          expect1(
            alertLabels('warning', '3', { reason: 'thermal' }),
            'GPU clocks cut for heat',
            `GPU 3 (${H100}) on node ${NODE_NAME} has been slowing its clocks for heat (clock event reasons mask 32).`,
          ),
          expect1(
            alertLabels('warning', '4', { reason: 'thermal' }),
            'GPU clocks cut for heat',
            `GPU 4 (${H100}) on node ${NODE_NAME} has been slowing its clocks for heat (clock event reasons mask 64).`,
          ),
        ],
      },
    },
    true,
  ),
  robust(
    {
      alert: 'AIWMGPUThrottled',
      severity: 'warning',
      labels: { reason: 'hardware_slowdown' },
      expr: GPU_EXPR.hardwareSlowdown,
      for: T.gpuThrottle.for,
      summary: 'GPU clocks cut by a hardware slowdown',
      description:
        'GPU {{ $labels.gpu }} ({{ $labels.model }}) on node {{ $labels.node_name }} has been held in hardware ' +
        'slowdown or power brake (clock event reasons mask {{ $value }}).',
      anchor: 'aiwmgputhrottled',
      dashboard: DASHBOARD.node,
      runbook: empty,
      test: {
        series: [
          // GPU 1: 0x08 HW slowdown; GPU 2: 0x80 HW power brake + 0x04 power cap; GPU 5: idle; GPU 6: power cap.
          ...perGpu(GPU.clockEventReasons, { 0: '0x20', 1: '8x20', 2: '132x20', 5: '1x20', 6: '4x20' }),
          ...h100Node(7),
        ],
        quietAt: '8m',
        firingAt: '11m',
        alerts: [
          expect1(
            alertLabels('warning', '1', { reason: 'hardware_slowdown' }),
            'GPU clocks cut by a hardware slowdown',
            `GPU 1 (${H100}) on node ${NODE_NAME} has been held in hardware slowdown or power brake ` +
              '(clock event reasons mask 8).',
          ),
          expect1(
            alertLabels('warning', '2', { reason: 'hardware_slowdown' }),
            'GPU clocks cut by a hardware slowdown',
            `GPU 2 (${H100}) on node ${NODE_NAME} has been held in hardware slowdown or power brake ` +
              '(clock event reasons mask 132).',
          ),
        ],
      },
    },
    true,
  ),
];

const nodeGpus = (nodeId: string, count: number) =>
  s('aiwm_node_gpus', { org_id: ORG, node_id: nodeId }, `${count}x20`);
const gpuInfoOf = (nodeId: string, count: number, source: string) =>
  Array.from({ length: count }, (_, i) =>
    s(
      GPU.info,
      { org_id: ORG, node_id: nodeId, gpu: String(i), uuid: `GPU-${nodeId}-${i}`, model: H100, source },
      '1x20',
    ),
  );

const inventory: AlertRule[] = [
  robust(
    {
      alert: 'AIWMGPUMissing',
      severity: 'warning',
      expr: GPU_EXPR.missing,
      for: T.gpuMissing.for,
      keepFiringFor: KEEP_FIRING,
      summary: 'GPU listed by AIWM is not reported by dcgm-exporter',
      description:
        'AIWM lists {{ $value }} GPU(s) on node {{ $labels.node_name }} ({{ $labels.hostname }}) beyond those its ' +
        'dcgm-exporter reports.',
      anchor: 'aiwmgpumissing',
      dashboard: DASHBOARD.node,
      runbook: missingRunbook,
      test: {
        series: [
          // n1: AIWM lists 8, dcgm-exporter reports 7 (one fell off the bus).
          nodeGpus('n1', 8),
          ...gpuInfoOf('n1', 7, 'dcgm'),
          nodeInfo('n1', NODE_NAME),
          // n2: both agree. n3: no dcgm-exporter, its GPUs come from AIWM itself.
          nodeGpus('n2', 2),
          ...gpuInfoOf('n2', 2, 'dcgm'),
          nodeInfo('n2', 'gpu-node-02'),
          nodeGpus('n3', 4),
          ...gpuInfoOf('n3', 4, 'aiwm'),
          nodeInfo('n3', 'gpu-node-03'),
        ],
        quietAt: '8m',
        firingAt: '11m',
        alerts: [
          expect1(
            { severity: 'warning', ...NODE, node_name: NODE_NAME, hostname: `${NODE_NAME}.local` },
            'GPU listed by AIWM is not reported by dcgm-exporter',
            `AIWM lists 1 GPU(s) on node ${NODE_NAME} (${NODE_NAME}.local) beyond those its dcgm-exporter reports.`,
          ),
        ],
      },
    },
    // The one-to-one `-` keeps only the `on` labels: job and instance go.
    false,
  ),
  robust(
    {
      alert: 'AIWMGPUExporterDown',
      severity: 'warning',
      expr: GPU_EXPR.dcgmExporterDown,
      for: T.dcgmExporterDown.for,
      keepFiringFor: KEEP_FIRING,
      summary: 'dcgm-exporter is down on an online node',
      description:
        'Prometheus cannot scrape dcgm-exporter at {{ $labels.instance }} on node {{ $labels.node_name }}, which AIWM ' +
        'reports online: its GPU telemetry and GPU health alerts are blind.',
      anchor: 'aiwmgpuexporterdown',
      dashboard: DASHBOARD.node,
      runbook: exporterDownRunbook,
      test: {
        series: [
          // n1 online, its exporter down; AIWM knows it by full and by short name.
          s('up', { job: 'dcgm-exporter', instance: 'gpu-node-01:9400' }, '0x10'),
          s('aiwm_node_hostname', { ...NODE, hostname: 'gpu-node-01' }, '1x10'),
          s('aiwm_node_hostname', { ...NODE, hostname: 'gpu-node-01.cluster.local' }, '1x10'),
          ...nodeAvailability('n1', 'online', 10),
          nodeInfo('n1', NODE_NAME),
          // n2 is offline (AIWMNodeDown covers it); n3's exporter is up; a target AIWM does not know.
          s('up', { job: 'dcgm-exporter', instance: 'gpu-node-02.cluster.local:9400' }, '0x10'),
          s('aiwm_node_hostname', { org_id: ORG, node_id: 'n2', hostname: 'gpu-node-02.cluster.local' }, '1x10'),
          ...nodeAvailability('n2', 'offline', 10),
          nodeInfo('n2', 'gpu-node-02'),
          s('up', { job: 'dcgm-exporter', instance: 'gpu-node-03:9400' }, '1x10'),
          s('aiwm_node_hostname', { org_id: ORG, node_id: 'n3', hostname: 'gpu-node-03' }, '1x10'),
          ...nodeAvailability('n3', 'online', 10),
          nodeInfo('n3', 'gpu-node-03'),
          s('up', { job: 'dcgm-exporter', instance: '10.0.0.9:9400' }, '0x10'),
        ],
        quietAt: '3m',
        firingAt: '6m',
        alerts: [
          expect1(
            {
              severity: 'warning',
              job: 'dcgm-exporter',
              instance: 'gpu-node-01:9400',
              ...NODE,
              node_name: NODE_NAME,
              hostname: `${NODE_NAME}.local`,
            },
            'dcgm-exporter is down on an online node',
            `Prometheus cannot scrape dcgm-exporter at gpu-node-01:9400 on node ${NODE_NAME}, which AIWM reports ` +
              'online: its GPU telemetry and GPU health alerts are blind.',
          ),
        ],
      },
    },
    false,
  ),
];

const unmatchedRunbook = {
  meaning:
    'dcgm-exporter reports GPUs under a host name that matches no AIWM node, so their telemetry joins no node: ' +
    "the dashboards, the facade and every GPU alert miss them. The host name is the exporter's `hostname` " +
    "(or `Hostname`) label, compared in lower case with AIWM's host names (full name, or the short name when " +
    'it is unique). Typical values that cannot match: a 12-hex Docker container ID, an exporter pod name, ' +
    '`localhost`, an IP address, or a Kubernetes node name that differs from the host name AIWM holds.',
  check: [
    'Prometheus: `hostname:aiwm_dcgm_gpus_unmatched:count` names the host names ' +
      '(`AIWM / Infrastructure / Nodes › dcgm GPUs matching no node` counts their GPUs); compare with the host ' +
      'names AIWM holds (`aiwm_node_hostname`).',
    'How that dcgm-exporter runs: Docker without `--network host` or `-e NODE_NAME`, a custom Kubernetes manifest ' +
      'without `NODE_NAME`, or `-r localhost:5555` on releases up to 4.5.3-4.8.2 give such names.',
    'Whether the host belongs to AIWM at all: a Prometheus shared with other GPU hosts reports theirs too.',
  ],
  act: [
    'Start dcgm-exporter with `-e NODE_NAME=<host name as AIWM knows it>` (or `--network host`), or fix the ' +
      "node's host name in AIWM; the join picks it up at the next evaluation.",
    'A host that is not an AIWM node: silence the alert for its host name with a comment.',
  ],
};

const unmatchedAlert = (hostname: string, gpus: number) =>
  expect1(
    { severity: 'info', hostname },
    'dcgm-exporter GPUs match no AIWM node',
    `dcgm-exporter reports ${gpus} GPU(s) under host name ${hostname}, which matches no AIWM node: their telemetry ` +
      'is joined to no node and no GPU alert covers them.',
  );

const unmatchedTest: AlertCase = {
  series: [
    // A Docker container ID as host name (bridge network, no NODE_NAME); an exporter pod name with one GPU.
    s(RULE.dcgmUnmatchedByHost, { hostname: '6d6d7dc3ce21' }, '8x40'),
    s(RULE.dcgmUnmatchedByHost, { hostname: 'nvidia-dcgm-exporter-x7k2p' }, '1x40'),
  ],
  quietAt: '20m',
  firingAt: '31m',
  alerts: [unmatchedAlert('6d6d7dc3ce21', 8), unmatchedAlert('nvidia-dcgm-exporter-x7k2p', 1)],
};

const joinHealth: AlertRule[] = [
  {
    alert: 'AIWMGPUUnmatched',
    severity: 'info',
    expr: GPU_EXPR.unmatched,
    for: T.dcgmUnmatched.for,
    summary: 'dcgm-exporter GPUs match no AIWM node',
    description:
      'dcgm-exporter reports {{ $value }} GPU(s) under host name {{ $labels.hostname }}, which matches no AIWM node: ' +
      'their telemetry is joined to no node and no GPU alert covers them.',
    anchor: 'aiwmgpuunmatched',
    dashboard: DASHBOARD.nodes,
    runbook: unmatchedRunbook,
    test: unmatchedTest,
    cases: [withScrapeLabels(unmatchedTest, true)],
  },
];

export const GPUS: RuleArea = {
  file: 'gpus',
  title: 'GPUs',
  groupName: 'aiwm.gpus',
  alerts: [...temperature, ...health, ...inventory, ...joinHealth],
};
