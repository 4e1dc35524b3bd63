import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { M, labelValues, select, type MetricDef } from '../queries/index.js';
import * as gpus from '../queries/gpus.js';
import * as nodeQ from '../queries/nodes.js';
import { Board, ORG, UID, drillDown, filterVariable, type Step } from './lib.js';
import {
  HEARTBEAT_AGE_STEPS,
  HEARTBEAT_STALE_SECONDS,
  NODE_STATE_COLORS,
  RAM_STEPS,
  nodeStateMappings,
} from './states.js';

/** Node counts in one availability (absent label sets read 0). */
const byAvailability = (availability: string) => nodeQ.nodesIn(availability, ORG);

const AVAILABILITIES = labelValues(M.nodeAvailability.name, 'availability', ORG);

/** The node list shows only nodes in the chosen availabilities (every column, or merge adds blank rows). */
const listed = (expr: string) => nodeQ.inAvailability(expr, ORG, '$availability');

const CPU_STEPS: Step[] = [{ value: 0.8, color: 'orange' }];

/** A table column coloured by the node state it shows. */
const stateCell = (stateSet: MetricDef) => ({
  color: 'background' as const,
  mappings: nodeStateMappings(stateSet, 'word'),
});

/** Level 2: the node fleet. */
export function nodes() {
  const availability = filterVariable('availability', 'Availability', AVAILABILITIES);
  const description =
    'Every node: availability, recorded status, heartbeat, roles, utilization and GPUs. ' +
    'Click a node for its detail.';
  return new Board(UID.nodes, 'AIWM / Infrastructure / Nodes', description, { filters: [availability] })
    .row(100, 'Fleet')
    .stat({
      id: 1,
      title: 'Nodes',
      description: 'Nodes AIWM manages.',
      unit: 'none',
      targets: [{ expr: nodeQ.nodeCount(ORG) }],
    })
    .stat({
      id: 2,
      title: 'Online',
      description: 'Up or degraded with a fresh heartbeat (a heartbeating "healthy" node counts).',
      unit: 'none',
      targets: [{ expr: byAvailability('online') }],
    })
    .stat({
      id: 3,
      title: 'Offline',
      description: 'Recorded down, or recorded up or degraded with a stale heartbeat or none ever.',
      unit: 'none',
      targets: [{ expr: byAvailability('offline') }],
      steps: [{ value: 1, color: 'red' }],
    })
    .stat({
      id: 4,
      title: 'Maintenance',
      description: 'Recorded in maintenance.',
      unit: 'none',
      targets: [{ expr: byAvailability('maintenance') }],
      steps: [{ value: 1, color: 'blue' }],
    })
    .bars({
      id: 5,
      title: 'Nodes by role',
      description: 'A node with several roles counts in each.',
      unit: 'none',
      targets: [{ expr: nodeQ.nodesByRole(ORG), legend: '{{role}}' }],
      w: 8,
      h: 4,
    })
    .row(101, 'Utilization (online nodes)')
    .stat({
      id: 6,
      title: 'CPU',
      description: 'Average CPU usage of online nodes.',
      unit: 'percentunit',
      targets: [{ expr: nodeQ.onlineCpuUsage(ORG) }],
      min: 0,
      max: 1,
      steps: CPU_STEPS,
      w: 6,
    })
    .stat({
      id: 7,
      title: 'RAM',
      description: 'Average RAM usage of online nodes.',
      unit: 'percentunit',
      targets: [{ expr: nodeQ.onlineRamUsage(ORG) }],
      min: 0,
      max: 1,
      steps: RAM_STEPS,
      w: 6,
    })
    .stat({
      id: 8,
      title: 'GPU',
      description: 'Average utilization of the GPUs on online nodes (dcgm-exporter where it runs, else AIWM).',
      unit: 'percentunit',
      targets: [{ expr: gpus.onlineGpuUtilization(ORG) }],
      min: 0,
      max: 1,
      w: 6,
    })
    .stat({
      id: 9,
      title: 'Disk',
      description:
        'AIWM records disk sizes but no disk usage, so no utilization can be shown; this is the total disk size.',
      unit: 'bytes',
      targets: [{ expr: nodeQ.diskTotal(ORG) }],
      w: 6,
    })
    .timeseries({
      id: 10,
      title: 'CPU usage by node',
      description: "CPU usage reported by each node's heartbeat.",
      unit: 'percentunit',
      targets: [{ expr: nodeQ.cpuUsageByNode(ORG), legend: '{{node_name}}' }],
      min: 0,
      max: 1,
      steps: CPU_STEPS,
    })
    .timeseries({
      id: 11,
      title: 'RAM usage by node',
      description: "RAM usage reported by each node's heartbeat.",
      unit: 'percentunit',
      targets: [{ expr: nodeQ.ramUsageByNode(ORG), legend: '{{node_name}}' }],
      min: 0,
      max: 1,
      steps: RAM_STEPS,
    })
    .row(103, 'Status and heartbeat')
    .bars({
      id: 13,
      title: 'By availability',
      description: 'online, offline, maintenance, provisioning, unknown: recorded status class and heartbeat together.',
      unit: 'none',
      targets: [{ expr: nodeQ.nodesBy('availability', ORG), legend: '{{availability}}' }],
      seriesColors: NODE_STATE_COLORS,
      w: 6,
    })
    .bars({
      id: 14,
      title: 'By recorded status class',
      description:
        'The class of the status AIWM stores: up (online, healthy, ready, busy), degraded, down, ' +
        'maintenance, provisioning, unknown.',
      unit: 'none',
      targets: [{ expr: nodeQ.nodesBy('class', ORG), legend: '{{class}}' }],
      seriesColors: NODE_STATE_COLORS,
      w: 6,
    })
    .bars({
      id: 15,
      title: 'By heartbeat',
      description: 'fresh, stale (older than HEARTBEAT_STALE_AFTER) or never (no heartbeat since registration).',
      unit: 'none',
      targets: [{ expr: nodeQ.nodesByHeartbeat(ORG), legend: '{{state}}' }],
      seriesColors: NODE_STATE_COLORS,
      w: 6,
    })
    .stat({
      id: 16,
      title: 'Implausible sizes',
      description:
        'Nodes with a RAM, disk or GPU memory size that reads as GB written where AIWM expects MB, so ' +
        'it shows about 1024 times too small.',
      unit: 'none',
      targets: [{ expr: nodeQ.implausibleNodeCount(ORG) }],
      steps: [{ value: 1, color: 'orange' }],
      w: 3,
      h: 6,
    })
    .stat({
      id: 17,
      title: 'dcgm GPUs matching no node',
      description:
        'GPUs dcgm-exporter reports under a host name that matches no AIWM node (all orgs): set the ' +
        "exporter's NODE_NAME to the node's hostname in AIWM. Their telemetry shows nowhere else.",
      unit: 'none',
      targets: [{ expr: gpus.dcgmGpusUnmatched() }],
      steps: [{ value: 1, color: 'orange' }],
      w: 3,
      h: 6,
    })
    .row(102, 'Nodes')
    .table({
      id: 12,
      title: 'Nodes',
      description:
        'One row per node, coloured by state: availability, status class and heartbeat (online, up and fresh ' +
        'green; degraded and stale orange; offline, down and never red; maintenance blue). Recorded status ' +
        `is the raw value AIWM stores. Heartbeat age turns orange from ${HEARTBEAT_STALE_SECONDS} s ` +
        "(the exporter's HEARTBEAT_STALE_AFTER) and is empty for a node that never sent one; RAM usage " +
        `turns orange from ${T.nodeMemory.warningRatio * 100} % and red from ${T.nodeMemory.criticalRatio * 100} % ` +
        "(the alert levels). GPUs and GPU source are empty when neither dcgm-exporter nor AIWM reports the node's " +
        'GPUs (unknown, not zero). Click a row for the node.',
      unit: 'none',
      // Every column is one series per node without `__name__`, so Grafana's merge makes one row per node.
      targets: [
        nodeQ.nodeColumn(select(M.nodeInfo.name, ORG), ['node_name', 'roles', 'cpu_model']),
        nodeQ.nodeStateLabels('availability', ORG),
        nodeQ.nodeStateLabels('status', ORG),
        nodeQ.nodeStateLabels('heartbeat', ORG),
        nodeQ.nodeColumn(nodeQ.heartbeatAge(ORG)),
        gpus.gpusBySource(ORG, true),
        nodeQ.nodeColumn(gpus.nodeGpuUtilization(ORG)),
        nodeQ.nodeColumn(select(M.nodeCpuUsage.name, ORG)),
        nodeQ.nodeColumn(select(M.nodeRamUsage.name, ORG)),
      ].map((expr) => ({ expr: listed(expr), table: true })),
      columns: {
        node_name: 'Node',
        availability: 'Availability',
        class: 'Class',
        status: 'Recorded status',
        state: 'Heartbeat',
        'Value #E': 'Heartbeat age',
        'Value #H': 'CPU usage',
        'Value #I': 'RAM usage',
        'Value #F': 'GPUs',
        source: 'GPU source',
        'Value #G': 'GPU utilization',
        roles: 'Roles',
        cpu_model: 'CPU model',
        node_id: 'Id',
        org_id: 'Org',
      },
      cells: {
        availability: stateCell(M.nodeAvailability),
        class: stateCell(M.nodeStatus),
        state: stateCell(M.nodeHeartbeatState),
        'Value #E': { unit: 's', color: 'text', base: 'text', steps: HEARTBEAT_AGE_STEPS },
        'Value #H': { unit: 'percentunit', color: 'text', base: 'text', steps: CPU_STEPS },
        'Value #I': { unit: 'percentunit', color: 'text', base: 'text', steps: RAM_STEPS },
        'Value #G': { unit: 'percentunit' },
      },
      link: { title: 'Node detail', url: drillDown(UID.nodeDetail, { node: '${__data.fields.Id}' }) },
      h: 12,
    })
    .build();
}
