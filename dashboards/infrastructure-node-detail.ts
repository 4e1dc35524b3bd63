import * as common from '@grafana/grafana-foundation-sdk/common';
import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { Board, UID, drillDown, namedEntityVariable, onOff } from './lib.js';

const NODE = 'node_id="$node"';

/** Level 2: one node, down to each GPU. */
export function nodeDetail() {
  return new Board(UID.nodeDetail, 'AIWM / Infrastructure / Node detail', 'One node: hardware, heartbeat, per-GPU utilization, memory, temperature and power, and what runs on it.', {
    entity: namedEntityVariable('node', 'Node', 'aiwm_node_info', 'node_id', 'node_name'),
  })
    .row(100, 'Node')
    .stat({ id: 1, title: 'Status', description: 'Status AIWM records for the node.', unit: 'none', targets: [{ expr: `aiwm_node_status{${NODE}} == 1`, legend: '{{status}}' }] }, { textMode: common.BigValueTextMode.Name })
    .stat({ id: 2, title: 'Heartbeat age', description: 'Seconds since the node\'s last heartbeat.', unit: 's', targets: [{ expr: `time() - aiwm_node_last_heartbeat_timestamp_seconds{${NODE}}` }], steps: [{ value: 120, color: 'red' }] })
    .stat({ id: 3, title: 'Websocket', description: 'Whether the node agent holds its websocket to AIWM.', unit: 'none', targets: [{ expr: `aiwm_node_websocket_connected{${NODE}}` }], mappings: onOff('disconnected', 'connected'), base: 'red', steps: [{ value: 1, color: 'green' }] })
    .stat({ id: 4, title: 'CPU cores', description: 'Cores the node registered with.', unit: 'none', targets: [{ expr: `aiwm_node_cpu_cores{${NODE}}` }] })
    .stat({ id: 5, title: 'RAM', description: 'RAM the node registered with.', unit: 'bytes', targets: [{ expr: `aiwm_node_memory_total_bytes{${NODE}}` }] })
    .stat({ id: 6, title: 'Uptime', description: 'Host uptime reported by the node agent.', unit: 's', targets: [{ expr: `aiwm_node_uptime_seconds{${NODE}}` }] })
    .timeseries({ id: 7, title: 'CPU and RAM usage', description: 'From the node\'s heartbeats.', unit: 'percentunit', targets: [{ expr: `aiwm_node_cpu_usage_ratio{${NODE}}`, legend: 'CPU' }, { expr: `aiwm_node_memory_usage_ratio{${NODE}}`, legend: 'RAM' }], min: 0, max: 1, steps: [{ value: T.nodeMemory.warningRatio, color: 'orange' }, { value: T.nodeMemory.criticalRatio, color: 'red' }] })
    .stat({ id: 8, title: 'GPU data', description: 'Known when AIWM holds GPU data for the node; unknown when gpuDevices is missing or empty (the AIWM worker\'s GPU query fails on real drivers).', unit: 'none', targets: [{ expr: `aiwm_node_gpu_data_known{${NODE}}` }], mappings: onOff('unknown', 'known', 'orange'), base: 'orange', steps: [{ value: 1, color: 'green' }], w: 4, h: 8 })
    .row(101, 'GPUs')
    .timeseries({ id: 9, title: 'GPU utilization', description: 'Per GPU; current AIWM writes it at registration only.', unit: 'percentunit', targets: [{ expr: `aiwm_gpu_utilization_ratio{${NODE}}`, legend: 'GPU {{gpu}}' }], min: 0, max: 1 })
    .timeseries({ id: 10, title: 'GPU memory used', description: 'Per GPU, against its size.', unit: 'bytes', targets: [{ expr: `aiwm_gpu_memory_used_bytes{${NODE}}`, legend: 'GPU {{gpu}} used' }, { expr: `aiwm_gpu_memory_total_bytes{${NODE}}`, legend: 'GPU {{gpu}} total' }] })
    .timeseries({ id: 11, title: 'GPU temperature', description: `Per GPU. Alert levels: ${T.gpuTemperature.warningCelsius} °C warning, ${T.gpuTemperature.criticalCelsius} °C critical.`, unit: 'celsius', targets: [{ expr: `aiwm_gpu_temperature_celsius{${NODE}}`, legend: 'GPU {{gpu}}' }], steps: [{ value: T.gpuTemperature.warningCelsius, color: 'orange' }, { value: T.gpuTemperature.criticalCelsius, color: 'red' }] })
    .timeseries({ id: 12, title: 'GPU power', description: 'Power draw and limit per GPU, when AIWM persists GPU telemetry.', unit: 'watt', targets: [{ expr: `aiwm_gpu_power_usage_watts{${NODE}}`, legend: 'GPU {{gpu}} draw' }, { expr: `aiwm_gpu_power_limit_watts{${NODE}}`, legend: 'GPU {{gpu}} limit' }] })
    .row(102, 'On this node')
    .table({
      id: 13,
      title: 'Resources',
      description: 'VMs and containers placed on the node.',
      unit: 'none',
      targets: [{ expr: `aiwm_resource_info{${NODE}}`, table: true }, { expr: `label_replace(aiwm_resource_status == 1, "state", "$1", "status", "(.*)") and on (org_id, resource_id) aiwm_resource_info{${NODE}}`, table: true }],
      columns: { resource_name: 'Resource', resource_type: 'Type', state: 'Status', resource_id: 'Id' },
      w: 12,
      link: { title: 'Resources', url: drillDown(UID.resources) },
    })
    .table({
      id: 14,
      title: 'Deployments',
      description: 'Model deployments on the node.',
      unit: 'none',
      targets: [{ expr: `aiwm_deployment_info{${NODE}}`, table: true }, { expr: `label_replace(aiwm_deployment_status == 1, "state", "$1", "status", "(.*)") and on (org_id, deployment_id) aiwm_deployment_info{${NODE}}`, table: true }],
      columns: { deployment_name: 'Deployment', state: 'Status', deployment_id: 'Id', model_id: 'Model' },
      w: 12,
      link: { title: 'Deployment detail', url: drillDown(UID.deploymentDetail, { deployment: '${__data.fields.Id}' }) },
    })
    .build();
}
