import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { Board, ORG, UID, drillDown } from './lib.js';

const withName = (expr: string) => `${expr} * on (org_id, node_id) group_left (node_name) aiwm_node_info{${ORG}}`;

/** Level 2: the node fleet. */
export function nodes() {
  return new Board(UID.nodes, 'AIWM / Infrastructure / Nodes', 'Every node: status, roles, utilization and heartbeat age. Click a node for its detail.')
    .row(100, 'Fleet')
    .stat({ id: 1, title: 'Nodes', description: 'Nodes AIWM manages.', unit: 'none', targets: [{ expr: `sum(aiwm_nodes{${ORG}})` }] })
    .stat({ id: 2, title: 'Online', description: 'Recorded online.', unit: 'none', targets: [{ expr: `sum(aiwm_nodes{${ORG}, status="online"})` }] })
    .stat({ id: 3, title: 'Offline', description: 'Recorded offline.', unit: 'none', targets: [{ expr: `sum(aiwm_nodes{${ORG}, status="offline"})` }], steps: [{ value: 1, color: 'red' }] })
    .stat({ id: 4, title: 'Maintenance', description: 'Recorded in maintenance.', unit: 'none', targets: [{ expr: `sum(aiwm_nodes{${ORG}, status="maintenance"})` }], steps: [{ value: 1, color: 'blue' }] })
    .bars({ id: 5, title: 'Nodes by role', description: 'A node with several roles counts in each.', unit: 'none', targets: [{ expr: `count by (role) (aiwm_node_role{${ORG}})`, legend: '{{role}}' }], w: 8, h: 4 })
    .row(101, 'Utilization (online nodes)')
    .stat({ id: 6, title: 'CPU', description: 'Average CPU usage of online nodes.', unit: 'percentunit', targets: [{ expr: `avg(org:aiwm_node_cpu_usage_ratio:avg_online{${ORG}})` }], min: 0, max: 1, steps: [{ value: 0.8, color: 'orange' }] })
    .stat({ id: 7, title: 'RAM', description: 'Average RAM usage of online nodes.', unit: 'percentunit', targets: [{ expr: `avg(org:aiwm_node_memory_usage_ratio:avg_online{${ORG}})` }], min: 0, max: 1, steps: [{ value: T.nodeMemory.warningRatio, color: 'orange' }, { value: T.nodeMemory.criticalRatio, color: 'red' }] })
    .stat({ id: 8, title: 'GPU', description: 'Average utilization of the GPUs AIWM knows.', unit: 'percentunit', targets: [{ expr: `avg(aiwm_gpu_utilization_ratio{${ORG}})` }], min: 0, max: 1 })
    .stat({ id: 9, title: 'Disk', description: 'AIWM records disk sizes but no disk usage, so no utilization can be shown; this is the total disk size.', unit: 'bytes', targets: [{ expr: `sum(aiwm_node_disk_total_bytes{${ORG}})` }] })
    .timeseries({ id: 10, title: 'CPU usage by node', description: 'CPU usage reported by each node\'s heartbeat.', unit: 'percentunit', targets: [{ expr: withName('aiwm_node_cpu_usage_ratio'), legend: '{{node_name}}' }], min: 0, max: 1 })
    .timeseries({ id: 11, title: 'RAM usage by node', description: 'RAM usage reported by each node\'s heartbeat.', unit: 'percentunit', targets: [{ expr: withName('aiwm_node_memory_usage_ratio'), legend: '{{node_name}}' }], min: 0, max: 1, steps: [{ value: T.nodeMemory.warningRatio, color: 'orange' }, { value: T.nodeMemory.criticalRatio, color: 'red' }] })
    .row(102, 'Nodes')
    .table({
      id: 12,
      title: 'Nodes',
      description: 'One row per node. Heartbeat age in seconds; GPUs is empty when AIWM has no GPU data for the node (unknown, not zero).',
      unit: 'none',
      targets: [
        { expr: `aiwm_node_info{${ORG}}`, table: true },
        { expr: `label_replace(aiwm_node_status{${ORG}} == 1, "state", "$1", "status", "(.*)")`, table: true },
        { expr: `time() - aiwm_node_last_heartbeat_timestamp_seconds{${ORG}}`, table: true },
        { expr: `aiwm_node_gpus{${ORG}}`, table: true },
      ],
      columns: { node_name: 'Node', node_id: 'Id', state: 'Status', roles: 'Roles', 'Value #C': 'Heartbeat age (s)', 'Value #D': 'GPUs', cpu_model: 'CPU', org_id: 'Org' },
      link: { title: 'Node detail', url: drillDown(UID.nodeDetail, { node: '${__data.fields.Id}' }) },
      steps: [{ value: T.pollsStale.maxAgeSeconds, color: 'red' }],
    })
    .build();
}
