import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { M, age, eq, holds, orNone, select } from '../queries/index.js';
import * as gpus from '../queries/gpus.js';
import * as w from '../queries/workloads.js';
import { Board, UID, drillDown, namedEntityVariable, onOff } from './lib.js';

const NODE = eq('node_id', '$node');
const NAME = common.BigValueTextMode.Name;
const VALUE_AND_NAME = common.BigValueTextMode.ValueAndName;
const TEMPERATURE_STEPS = [
  { value: T.gpuTemperature.warningCelsius, color: 'orange' },
  { value: T.gpuTemperature.criticalCelsius, color: 'red' },
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
          'The status AIWM stores for the node, with its class in brackets (up, degraded, down, ' +
          'maintenance, provisioning, unknown).',
        unit: 'none',
        targets: [{ expr: holds(M.nodeStatus.name, NODE), legend: '{{status}} ({{class}})' }],
        w: 4,
      },
      { textMode: NAME },
    )
    .stat(
      {
        id: 16,
        title: 'Availability',
        description:
          'online = up or degraded with a fresh heartbeat; offline = down, or a stale heartbeat or none ' +
          'ever; else maintenance, provisioning or unknown.',
        unit: 'none',
        targets: [{ expr: holds(M.nodeAvailability.name, NODE), legend: '{{availability}}' }],
        w: 3,
      },
      { textMode: NAME },
    )
    .stat(
      {
        id: 15,
        title: 'Heartbeat',
        description:
          "fresh, stale (older than the exporter's HEARTBEAT_STALE_AFTER) or never (no heartbeat since " +
          'the node registered).',
        unit: 'none',
        targets: [{ expr: holds(M.nodeHeartbeatState.name, NODE), legend: '{{state}}' }],
        w: 3,
      },
      { textMode: NAME },
    )
    .stat({
      id: 2,
      title: 'Heartbeat age',
      description: 'Seconds since the node\'s last heartbeat; "never" when it has not sent one.',
      unit: 's',
      targets: [{ expr: age(select(M.nodeHeartbeat.name, NODE)) }],
      steps: [{ value: 120, color: 'red' }],
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
      steps: [
        { value: T.nodeMemory.warningRatio, color: 'orange' },
        { value: T.nodeMemory.criticalRatio, color: 'red' },
      ],
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
        'when the source is aiwm.',
      unit: 'none',
      targets: [
        { expr: gpus.gpuInventory(NODE), table: true },
        ...(['utilization', 'temperature', 'memoryUsed', 'memoryTotal', 'power'] as const).map((name) => ({
          expr: gpus.perGpu(name, NODE),
          table: true,
        })),
      ],
      columns: {
        gpu: 'GPU',
        uuid: 'UUID',
        model: 'Model',
        source: 'Source',
        'Value #B': 'Utilization',
        'Value #C': 'Temperature',
        'Value #D': 'Memory used',
        'Value #E': 'Memory total',
        'Value #F': 'Power',
      },
      cells: {
        'Value #B': { unit: 'percentunit' },
        'Value #C': { unit: 'celsius' },
        'Value #D': { unit: 'bytes' },
        'Value #E': { unit: 'bytes' },
        'Value #F': { unit: 'watt' },
      },
      h: 8,
    })
    .timeseries({
      id: 9,
      title: 'GPU utilization',
      description: 'Per GPU, from dcgm-exporter or AIWM (AIWM writes it at registration only).',
      unit: 'percentunit',
      targets: [{ expr: gpus.gpuSeries('utilization', NODE), legend: 'GPU {{gpu}} ({{source}})' }],
      min: 0,
      max: 1,
    })
    .timeseries({
      id: 10,
      title: 'GPU memory used',
      description: 'Per GPU, against its size.',
      unit: 'bytes',
      targets: [
        { expr: gpus.gpuSeries('memoryUsed', NODE), legend: 'GPU {{gpu}} used' },
        { expr: gpus.gpuSeries('memoryTotal', NODE), legend: 'GPU {{gpu}} total' },
      ],
    })
    .timeseries({
      id: 11,
      title: 'GPU temperature',
      description:
        `Per GPU. Alert levels: ${T.gpuTemperature.warningCelsius} °C warning, ` +
        `${T.gpuTemperature.criticalCelsius} °C critical.`,
      unit: 'celsius',
      targets: [{ expr: gpus.gpuSeries('temperature', NODE), legend: 'GPU {{gpu}}' }],
      steps: TEMPERATURE_STEPS,
    })
    .timeseries({
      id: 12,
      title: 'GPU power',
      description: "Power draw per GPU (neither dcgm-exporter's default counters nor current AIWM give the limit).",
      unit: 'watt',
      targets: [{ expr: gpus.gpuSeries('power', NODE), legend: 'GPU {{gpu}}' }],
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
      h: 6,
    })
    .row(102, 'On this node')
    .table({
      id: 13,
      title: 'Resources',
      description: 'VMs and containers placed on the node.',
      unit: 'none',
      targets: [
        { expr: w.resourcesOnNode(NODE), table: true },
        { expr: w.resourceStateOnNode(NODE), table: true },
      ],
      columns: { resource_name: 'Resource', resource_type: 'Type', state: 'Status', resource_id: 'Id' },
      w: 12,
      link: { title: 'Resources', url: drillDown(UID.resources) },
    })
    .table({
      id: 14,
      title: 'Deployments',
      description: 'Model deployments on the node.',
      unit: 'none',
      targets: [
        { expr: w.deploymentsOnNode(NODE), table: true },
        { expr: w.deploymentStateOnNode(NODE), table: true },
      ],
      columns: { deployment_name: 'Deployment', state: 'Status', deployment_id: 'Id', model_id: 'Model' },
      w: 12,
      link: { title: 'Deployment detail', url: drillDown(UID.deploymentDetail, { deployment: '${__data.fields.Id}' }) },
    })
    .build();
}
