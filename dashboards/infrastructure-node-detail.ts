import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { M, age, eq, orNone, select } from '../queries/index.js';
import * as gpus from '../queries/gpus.js';
import * as nodeQ from '../queries/nodes.js';
import * as w from '../queries/workloads.js';
import { HEARTBEAT_AGE_STEPS, HEARTBEAT_STALE_SECONDS, RAM_STEPS, nodeStateMappings } from './states.js';
import { RESOURCE_STATES } from './states.js';
import { Board, ORG, UID, drillDown, namedEntityVariable, onOff } from './lib.js';
import { DEPLOYMENT_STATES } from './states.js';

const NODE = eq('node_id', '$node');
const NAME = common.BigValueTextMode.Name;
const VALUE_AND_NAME = common.BigValueTextMode.ValueAndName;
const TEMPERATURE_STEPS = [
  { value: T.gpuTemperature.warningCelsius, color: 'orange' },
  { value: T.gpuTemperature.criticalCelsius, color: 'red' },
];
const GPU_MEMORY_STEPS = [{ value: T.gpuMemory.warningRatio, color: 'orange' }];
/** A number in a table cell coloured only past a threshold (plain text below it). */
const numberCell = (unit: string, steps: Array<{ value: number; color: string }>) => ({
  unit,
  color: 'text' as const,
  base: 'text',
  steps,
});

/**
 * Clock event reasons by what they mean: the thermal and hardware-slowdown bits the throttle alert
 * fires on red, the power cap (normal under full load) yellow, idle green, the rest grey.
 */
const ALERTING_BITS = [...T.gpuThrottle.thermalBits, ...T.gpuThrottle.hardwareSlowdownBits].map((k) => 2 ** k);
const CLOCK_REASON_COLORS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: Object.fromEntries(
      gpus.CLOCK_EVENT_REASONS.map(({ bit, reason }, index) => {
        const color = ALERTING_BITS.includes(bit)
          ? 'red'
          : reason === 'sw_power_cap'
            ? 'yellow'
            : reason === 'gpu_idle'
              ? 'green'
              : '#8e8e8e';
        return [reason, { color, index }];
      }),
    ),
  },
];

/** The last XID code is the value; 0 means none since the exporter started. */
const XID_NONE: dashboard.ValueMapping[] = [
  { type: dashboard.MappingType.ValueToText, options: { '0': { text: 'none', color: 'green', index: 0 } } },
];

/** Level 2: one node, down to each GPU. */
export function nodeDetail() {
  const description =
    'One node: status class and heartbeat, hardware, every GPU with its telemetry source, ' +
    'utilization, memory, temperature, power and health, and what runs on it.';
  return new Board(UID.nodeDetail, 'AIWM / Infrastructure / Node detail', description, {
    entity: namedEntityVariable('node', 'Node', M.nodeInfo.name, 'node_id', 'node_name'),
  })
    .row(100, 'Node')
    .stat(
      {
        id: 1,
        title: 'Recorded status',
        description:
          'The status AIWM stores for the node, with its class in brackets, coloured by the class: up green, ' +
          'degraded orange, down red, maintenance blue, provisioning purple, unknown grey.',
        unit: 'none',
        targets: [{ expr: nodeQ.nodeStateCode('status', NODE), legend: '{{status}} ({{class}})' }],
        mappings: nodeStateMappings(M.nodeStatus, 'code'),
        w: 4,
      },
      { textMode: NAME },
    )
    .stat(
      {
        id: 16,
        title: 'Availability',
        description:
          'online (green) = up or degraded with a fresh heartbeat; offline (red) = down, or a stale heartbeat ' +
          'or none ever; else maintenance (blue), provisioning or unknown.',
        unit: 'none',
        targets: [{ expr: nodeQ.nodeStateCode('availability', NODE), legend: '{{availability}}' }],
        mappings: nodeStateMappings(M.nodeAvailability, 'code'),
        w: 3,
      },
      { textMode: NAME },
    )
    .stat(
      {
        id: 15,
        title: 'Heartbeat',
        description:
          "fresh (green), stale (orange: older than the exporter's HEARTBEAT_STALE_AFTER) or never (red: no " +
          'heartbeat since the node registered).',
        unit: 'none',
        targets: [{ expr: nodeQ.nodeStateCode('heartbeat', NODE), legend: '{{state}}' }],
        mappings: nodeStateMappings(M.nodeHeartbeatState, 'code'),
        w: 3,
      },
      { textMode: NAME },
    )
    .stat({
      id: 2,
      title: 'Heartbeat age',
      description:
        `Time since the node's last heartbeat; orange from ${HEARTBEAT_STALE_SECONDS} s (the exporter's ` +
        'HEARTBEAT_STALE_AFTER), "never" when it has not sent one.',
      unit: 's',
      targets: [{ expr: age(select(M.nodeHeartbeat.name, NODE)) }],
      steps: HEARTBEAT_AGE_STEPS,
      noValue: 'never',
      w: 3,
    })
    .stat({
      id: 4,
      title: 'CPU cores',
      description: 'Cores the node registered with.',
      unit: 'none',
      targets: [{ expr: select(M.nodeCpuCores.name, NODE) }],
      w: 3,
    })
    .stat({
      id: 5,
      title: 'RAM',
      description: 'RAM the node registered with (AIWM stores MB; see "Implausible sizes" for GB written as MB).',
      unit: 'bytes',
      targets: [{ expr: select(M.nodeRamTotal.name, NODE) }],
      w: 4,
    })
    .stat({
      id: 6,
      title: 'Uptime',
      description: 'Host uptime reported by the node agent.',
      unit: 's',
      targets: [{ expr: select(M.nodeUptime.name, NODE) }],
      w: 4,
    })
    .timeseries({
      id: 7,
      title: 'CPU and RAM usage',
      description: "From the node's heartbeats.",
      unit: 'percentunit',
      targets: [
        { expr: select(M.nodeCpuUsage.name, NODE), legend: 'CPU' },
        { expr: select(M.nodeRamUsage.name, NODE), legend: 'RAM' },
      ],
      min: 0,
      max: 1,
      steps: RAM_STEPS,
    })
    .stat(
      {
        id: 17,
        title: 'GPU telemetry source',
        description:
          "Where the node's GPU data comes from: dcgm (dcgm-exporter on the node, joined by host name), " +
          "aiwm (AIWM's gpuDevices, often stale or empty), or none.",
        unit: 'none',
        targets: [{ expr: orNone(gpus.gpusBySource(NODE), 'source'), legend: '{{source}}' }],
        w: 4,
        h: 8,
      },
      { textMode: VALUE_AND_NAME },
    )
    .stat(
      {
        id: 18,
        title: 'Implausible sizes',
        description:
          'Sizes that read as GB written where AIWM expects MB (ramTotal, diskTotal, gpuMemoryTotal), so ' +
          'they show about 1024 times too small; "none" when all look plausible.',
        unit: 'none',
        targets: [{ expr: orNone(select(M.nodeImplausibleValue.name, NODE), 'field'), legend: '{{field}}' }],
        steps: [{ value: 1, color: 'orange' }],
        w: 4,
        h: 8,
      },
      { textMode: NAME },
    )
    .stat({
      id: 19,
      title: 'GPUs',
      description: 'GPUs dcgm-exporter or AIWM reports on the node; "unknown" when neither does.',
      unit: 'none',
      targets: [{ expr: gpus.gpusReporting(NODE) }],
      noValue: 'unknown',
      w: 4,
      h: 8,
    })
    .row(101, 'GPUs')
    .table({
      id: 20,
      title: 'GPUs',
      description:
        "Every GPU of the node as reported now. uuid is dcgm-exporter's UUID, or AIWM's deviceId " +
        `when the source is aiwm. Temperature turns orange from ${T.gpuTemperature.warningCelsius} °C and red ` +
        `from ${T.gpuTemperature.criticalCelsius} °C, memory used orange from ` +
        `${T.gpuMemory.warningRatio * 100} % (the alert levels).`,
      unit: 'none',
      // One series per GPU without `__name__` in every column, so Grafana's merge makes one row per GPU.
      targets: [
        { expr: gpus.gpuInventory(NODE), table: true },
        ...(['utilization', 'temperature', 'memoryUsed', 'memoryTotal', 'power'] as const).map((name) => ({
          expr: gpus.perGpu(name, NODE),
          table: true,
        })),
        { expr: gpus.gpuMemoryUsedRatio(NODE), table: true },
      ],
      columns: {
        gpu: 'GPU',
        uuid: 'UUID',
        model: 'Model',
        source: 'Source',
        'Value #B': 'Utilization',
        'Value #C': 'Temperature',
        'Value #G': 'Memory used %',
        'Value #D': 'Memory used',
        'Value #E': 'Memory total',
        'Value #F': 'Power',
      },
      cells: {
        'Value #B': { unit: 'percentunit' },
        'Value #C': numberCell('celsius', TEMPERATURE_STEPS),
        'Value #G': numberCell('percentunit', GPU_MEMORY_STEPS),
        'Value #D': { unit: 'bytes' },
        'Value #E': { unit: 'bytes' },
        'Value #F': { unit: 'watt' },
      },
      h: 8,
    })
    .timeseries({
      id: 9,
      title: 'GPU utilization',
      description:
        'Per GPU, from dcgm-exporter where it runs on the node, else AIWM (which writes it at registration only).',
      unit: 'percentunit',
      targets: [{ expr: gpus.perGpuValue('utilization', NODE), legend: 'GPU {{gpu}}' }],
      min: 0,
      max: 1,
      w: 8,
    })
    .timeseries({
      id: 11,
      title: 'GPU temperature',
      description:
        `Per GPU. Alert levels, drawn: ${T.gpuTemperature.warningCelsius} °C warning, ` +
        `${T.gpuTemperature.criticalCelsius} °C critical.`,
      unit: 'celsius',
      targets: [{ expr: gpus.perGpuValue('temperature', NODE), legend: 'GPU {{gpu}}' }],
      steps: TEMPERATURE_STEPS,
      w: 8,
    })
    .timeseries({
      id: 12,
      title: 'GPU power',
      description: "Power draw per GPU (neither dcgm-exporter's default counters nor current AIWM give the limit).",
      unit: 'watt',
      targets: [{ expr: gpus.perGpuValue('power', NODE), legend: 'GPU {{gpu}}' }],
      min: 0,
      w: 8,
    })
    .timeseries({
      id: 25,
      title: 'GPU memory used (share)',
      description:
        `Per GPU, memory in use as a share of its size; the alert level, drawn, is ${T.gpuMemory.warningRatio * 100} %. ` +
        'Empty for a GPU whose size is unknown.',
      unit: 'percentunit',
      targets: [{ expr: gpus.gpuMemoryUsedRatio(NODE), legend: 'GPU {{gpu}}' }],
      min: 0,
      max: 1,
      steps: GPU_MEMORY_STEPS,
    })
    .timeseries({
      id: 10,
      title: 'GPU memory used',
      description: "Per GPU, in bytes (each GPU's size is in the GPUs table).",
      unit: 'bytes',
      targets: [{ expr: gpus.perGpuValue('memoryUsed', NODE), legend: 'GPU {{gpu}}' }],
      min: 0,
    })
    .row(103, 'GPU health (dcgm-exporter)')
    .stat({
      id: 21,
      title: 'Last XID',
      description:
        "Code of each GPU's last XID error (dcgm-exporter keeps it until it restarts); none = 0. " +
        'Empty when the node has no dcgm-exporter.',
      unit: 'none',
      targets: [{ expr: gpus.byGpuIndex('xidLast', NODE), legend: 'GPU {{gpu}}' }],
      mappings: XID_NONE,
      steps: [{ value: 1, color: 'red' }],
      w: 8,
      h: 5,
    })
    .stat({
      id: 22,
      title: 'Row-remap failure',
      description: 'Whether remapping a faulty memory row failed on the GPU: the GPU needs service.',
      unit: 'none',
      targets: [{ expr: gpus.byGpuIndex('rowRemapFailure', NODE), legend: 'GPU {{gpu}}' }],
      mappings: onOff('ok', 'failed', 'green', 'red'),
      steps: [{ value: 1, color: 'red' }],
      w: 8,
      h: 5,
    })
    .stat({
      id: 23,
      title: 'Uncorrectable remapped rows',
      description: 'Memory rows remapped after uncorrectable ECC errors, per GPU.',
      unit: 'none',
      targets: [{ expr: gpus.byGpuIndex('uncorrectableRemappedRows', NODE), legend: 'GPU {{gpu}}' }],
      steps: [{ value: 1, color: 'orange' }],
      w: 8,
      h: 5,
    })
    .table({
      id: 24,
      title: 'Clock event reasons',
      description:
        "Why each GPU's clocks are held down now (gpu_idle is benign; sw_thermal, hw_thermal, " +
        'hw_slowdown and sw_power_cap mean throttling). Only where the operator enabled ' +
        "DCGM_FI_DEV_CLOCKS_EVENT_REASONS in dcgm-exporter's counters.",
      unit: 'none',
      targets: [{ expr: gpus.clockEventReasons(NODE), table: true }],
      columns: { gpu: 'GPU', reason: 'Reason' },
      cells: { reason: { color: 'background', mappings: CLOCK_REASON_COLORS } },
      h: 6,
    })
    .row(102, 'On this node')
    .table({
      id: 13,
      title: 'Resources',
      description: 'VMs and containers placed on the node, coloured by status (running green, failed or error red).',
      unit: 'none',
      targets: [
        { expr: w.resourceRowsOnNode(NODE), table: true },
        { expr: w.resourceStateCodeOnNode(NODE, ORG), table: true },
      ],
      columns: { resource_name: 'Resource', resource_type: 'Type', 'Value #B': 'Status', resource_id: 'Id' },
      cells: { 'Value #B': { color: 'background', mappings: RESOURCE_STATES } },
      w: 12,
      link: { title: 'Resources', url: drillDown(UID.resources) },
    })
    .table({
      id: 14,
      title: 'Deployments',
      description: 'Model deployments on the node, coloured by status (running green, failed or error red).',
      unit: 'none',
      targets: [
        { expr: w.deploymentRowsOnNode(NODE), table: true },
        { expr: w.deploymentStateCodeOnNode(NODE, ORG), table: true },
      ],
      columns: { deployment_name: 'Deployment', 'Value #B': 'Status', deployment_id: 'Id', model_id: 'Model' },
      cells: { 'Value #B': { color: 'background', mappings: DEPLOYMENT_STATES } },
      w: 12,
      link: { title: 'Deployment detail', url: drillDown(UID.deploymentDetail, { deployment: '${__data.fields.Id}' }) },
    })
    .build();
}
