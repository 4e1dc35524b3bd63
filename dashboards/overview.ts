import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { M } from '../queries/names.js';
import * as gpus from '../queries/gpus.js';
import * as monitoring from '../queries/monitoring.js';
import * as nodes from '../queries/nodes.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RANGE, RATE, UID, drillDown, onOff } from './lib.js';

/** Level 1: the whole platform at a glance. */
export function overview() {
  return new Board(
    UID.overview,
    'AIWM / Overview',
    "The AIWM platform at a glance: infrastructure, AI workloads, activity over the selected range, alerts and health. Drill down through the titles' links.",
  )
    .row(100, 'Infrastructure')
    .stat({
      id: 1,
      title: 'Nodes',
      description: 'Nodes AIWM manages (not soft-deleted).',
      unit: 'none',
      targets: [{ expr: nodes.nodeCount(ORG) }],
      link: { title: 'Nodes', url: drillDown(UID.nodes) },
    })
    .stat({
      id: 2,
      title: 'Nodes online',
      description:
        'Nodes up or degraded with a fresh heartbeat (aiwm_node_availability; a heartbeating ' +
        '"healthy" node counts).',
      unit: 'none',
      targets: [{ expr: nodes.nodesIn('online', ORG) }],
    })
    .stat({
      id: 3,
      title: 'Nodes offline',
      description: 'Nodes recorded down, or recorded up or degraded but whose heartbeat is stale or never came.',
      unit: 'none',
      targets: [{ expr: nodes.nodesIn('offline', ORG) }],
      steps: [{ value: 1, color: 'red' }],
    })
    .stat({
      id: 4,
      title: 'Heartbeat stale or never',
      description:
        "Nodes whose last heartbeat is older than the exporter's HEARTBEAT_STALE_AFTER, or that never " +
        'sent one, whatever their recorded status.',
      unit: 'none',
      targets: [{ expr: nodes.heartbeatMissingCount(ORG) }],
      steps: [{ value: 1, color: 'red' }],
    })
    .stat({
      id: 5,
      title: 'GPU utilization',
      description:
        'Average utilization of the GPUs on online nodes, from dcgm-exporter where it runs, else from ' +
        'AIWM (org:aiwm_gpu_utilization_ratio:avg_online).',
      unit: 'percentunit',
      targets: [{ expr: gpus.onlineGpuUtilization(ORG) }],
      min: 0,
      max: 1,
      steps: [{ value: 0.9, color: 'orange' }],
    })
    .stat({
      id: 6,
      title: 'GPUs active / reporting',
      description: 'GPUs with utilization above 0, and all GPUs dcgm-exporter or AIWM reports.',
      unit: 'none',
      targets: [
        { expr: gpus.gpusActive(ORG), legend: 'active' },
        { expr: gpus.gpusReporting(ORG), legend: 'reporting' },
      ],
    })
    .bars({
      id: 7,
      title: 'Resources by status',
      description: 'VMs and containers by status.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.resources, 'status', ORG), legend: '{{status}}' }],
      link: { title: 'Resources', url: drillDown(UID.resources) },
    })
    .stat({
      id: 8,
      title: 'Nodes without GPU data',
      description:
        'Nodes that no dcgm-exporter reports and whose AIWM gpuDevices is missing or empty (the AIWM ' +
        "worker's GPU query fails on real drivers), so they may well have GPUs.",
      unit: 'none',
      targets: [{ expr: nodes.nodesWithoutGpuData(ORG) }],
      steps: [{ value: 1, color: 'orange' }],
    })
    .stat(
      {
        id: 21,
        title: 'GPU telemetry source',
        description: "GPUs by where their telemetry comes from: dcgm-exporter (dcgm), or AIWM's own gpuDevices (aiwm).",
        unit: 'none',
        targets: [{ expr: gpus.gpusBySource(ORG), legend: '{{source}}' }],
      },
      { textMode: common.BigValueTextMode.ValueAndName },
    )
    .stat({
      id: 22,
      title: 'GPUs with health faults',
      description:
        'GPUs whose last XID is not 0, whose row remapping failed, or with uncorrectable remapped rows ' +
        '(dcgm-exporter only). See node detail for which.',
      unit: 'none',
      targets: [{ expr: gpus.gpusWithFaults(ORG) }],
      steps: [{ value: 1, color: 'red' }],
      link: { title: 'Nodes', url: drillDown(UID.nodes) },
    })
    .row(101, 'AI workloads')
    .bars({
      id: 9,
      title: 'Models by status',
      description: 'Registered models by status.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.models, 'status', ORG), legend: '{{status}}' }],
      link: { title: 'Models', url: drillDown(UID.models) },
    })
    .bars({
      id: 10,
      title: 'Deployments by status',
      description: 'Model deployments by status.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.deployments, 'status', ORG), legend: '{{status}}' }],
      link: { title: 'Deployments', url: drillDown(UID.deployments) },
    })
    .bars({
      id: 11,
      title: 'Agents by status',
      description: 'AI agents by status.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.agents, 'status', ORG), legend: '{{status}}' }],
      link: { title: 'Agents', url: drillDown(UID.agents) },
    })
    .bars({
      id: 12,
      title: 'Executions by status',
      description: 'Workflow executions by status (counted in MongoDB).',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.executions, 'status', ORG), legend: '{{status}}' }],
      link: { title: 'Executions', url: drillDown(UID.executions) },
    })
    .row(102, 'Activity over the selected range')
    .stat({
      id: 13,
      title: 'Inference requests',
      description: "Requests served by all deployments (AIWM's cumulative requestCount).",
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.deploymentRequests, ORG, RANGE) }],
    })
    .stat({
      id: 14,
      title: 'Agent tasks',
      description: 'Assistant responses produced by agents.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentTasks, ORG, RANGE) }],
    })
    .stat({
      id: 15,
      title: 'Average response time',
      description: 'Mean latency of agent responses.',
      unit: 's',
      targets: [{ expr: w.meanOver(M.agentLatency, ORG, RANGE) }],
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'orange' }],
    })
    .stat({
      id: 16,
      title: 'Task success rate',
      description: 'Share of agent tasks that did not fail.',
      unit: 'percentunit',
      targets: [{ expr: w.successShare(M.agentTaskFailures, M.agentTasks, ORG, RANGE) }],
      base: 'red',
      steps: [
        { value: 1 - T.agentErrors.ratio, color: 'orange' },
        { value: 0.99, color: 'green' },
      ],
      min: 0,
      max: 1,
    })
    .timeseries({
      id: 17,
      title: 'Requests and tasks per second',
      description: 'Inference requests and agent tasks per second.',
      unit: 'reqps',
      targets: [
        { expr: w.ratePerSecond(M.deploymentRequests, ORG, RATE), legend: 'inference requests' },
        { expr: w.ratePerSecond(M.agentTasks, ORG, RATE), legend: 'agent tasks' },
      ],
      w: 12,
    })
    .row(103, 'Alerts and health')
    .bars({
      id: 18,
      title: 'Firing alerts by severity',
      description: 'Alerts firing now (the Watchdog heartbeat excluded).',
      unit: 'none',
      targets: [{ expr: monitoring.firingAlertsBySeverity(), legend: '{{severity}}' }],
      steps: [{ value: 1, color: 'orange' }],
    })
    .stat({
      id: 19,
      title: 'Exporter reaches MongoDB',
      description: "Whether the exporter's last poll reached AIWM's MongoDB.",
      unit: 'none',
      targets: [{ expr: monitoring.exporterSourceUp() }],
      mappings: onOff('down', 'up'),
      base: 'red',
      steps: [{ value: 1, color: 'green' }],
    })
    .table({
      id: 20,
      title: 'Firing alerts',
      description: 'Every firing alert with its labels; see docs/runbooks.md.',
      unit: 'none',
      targets: [{ expr: monitoring.firingAlerts(), table: true }],
      columns: {
        alertname: 'Alert',
        severity: 'Severity',
        org_id: 'Org',
        node_id: 'Node',
        deployment_id: 'Deployment',
        agent_id: 'Agent',
      },
      w: 18,
    })
    .build();
}
