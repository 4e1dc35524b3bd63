import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ALERTS, runbookUrl } from '../alerts/src/render.js';
import { DEFAULT_RUNBOOK_BASE_URL as RUNBOOK_BASE_URL } from '../alerts/src/settings.js';
import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { M } from '../queries/names.js';
import * as gpus from '../queries/gpus.js';
import * as monitoring from '../queries/monitoring.js';
import * as nodes from '../queries/nodes.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RANGE, RATE, UID, drillDown, onOff, type Step } from './lib.js';
import {
  AGENT_STATE_COLORS,
  DEPLOYMENT_STATE_COLORS,
  EXECUTION_STATE_COLORS,
  MODEL_STATE_COLORS,
  RESOURCE_STATE_COLORS,
  SEVERITY_COLORS,
} from './states.js';

/** How many GPUs the hottest-GPU table lists. */
const HOTTEST = 10;

const TEMPERATURE_STEPS: Step[] = [
  { value: T.gpuTemperature.warningCelsius, color: 'orange' },
  { value: T.gpuTemperature.criticalCelsius, color: 'red' },
];
const POLL_STALE: Step[] = [{ value: T.pollsStale.maxAgeSeconds, color: 'red' }];

/** A number in a table cell coloured only past a threshold (plain text below it). */
const numberCell = (unit: string, steps: Step[]) => ({ unit, color: 'text' as const, base: 'text', steps });

/** Value-to-text mappings with colours: `{ value: [text, colour] }`. */
function words(options: Record<string, [string, string]>): dashboard.ValueMapping[] {
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: Object.fromEntries(
        Object.entries(options).map(([value, [text, color]], index) => [value, { text, color, index }]),
      ),
    },
  ];
}

const SEVERITIES = words({ critical: ['critical', 'red'], warning: ['warning', 'orange'], info: ['info', 'blue'] });

/** Health stats that read -1 when there is nothing to read (queries/monitoring.ts). */
const EXPORTER_UP = words({ '-1': ['not scraped', 'red'], '0': ['down', 'red'], '1': ['up', 'green'] });
const REACHES_MONGODB = words({
  '-1': ['exporter down', 'red'],
  '0': ['unreachable', 'red'],
  '1': ['reachable', 'green'],
});

/** The not-online availabilities of the node timeline (queries/nodes.ts NOT_ONLINE_CODES). */
const AVAILABILITY_COLORS: Record<keyof typeof nodes.NOT_ONLINE_CODES, string> = {
  offline: 'red',
  maintenance: 'blue',
  provisioning: 'purple',
  unknown: 'orange',
};
const NOT_ONLINE = words(
  Object.fromEntries(
    Object.entries(nodes.NOT_ONLINE_CODES).map(([availability, code]) => [
      String(code),
      [availability, AVAILABILITY_COLORS[availability as keyof typeof AVAILABILITY_COLORS]],
    ]),
  ),
);

/** Throttling as `gpus.gpuThrottling` encodes it. */
const THROTTLING = words({
  '0': ['no', 'green'],
  '1': ['thermal', 'orange'],
  '2': ['hw slowdown', 'red'],
  '3': ['thermal + hw slowdown', 'red'],
});
const XID_NONE = words({ '0': ['none', 'green'] });
const REMAP_FAILED = onOff('no', 'failed', 'green', 'red');

/**
 * Each alert's runbook anchor, read off the runbook_url its rule carries (alerts/src/render.ts):
 * ALERTS series carry labels only, so the table maps the `runbook` label (a copy of alertname) to it.
 */
const RUNBOOK_ANCHORS = words(
  Object.fromEntries(ALERTS.map((a) => [a.alert, [new URL(runbookUrl(a)).hash.slice(1), 'text']])),
);
const RUNBOOK_LINK = { title: 'Runbook', url: `${RUNBOOK_BASE_URL}#\${__data.fields.runbook}` };

/** Row values a cell link reads (Grafana data-link variables). */
const NODE_ID = '${__data.fields.node_id}';
const DEPLOYMENT_ID = '${__data.fields.deployment_id}';
const AGENT_ID = '${__data.fields.agent_id}';

/** Level 1: the on-call questions first, then the whole platform at a glance. */
export function overview() {
  return new Board(
    UID.overview,
    'AIWM / Overview',
    'The AIWM platform at a glance. On top, what on call asks first: whether the data is current, what is ' +
      'firing and since when, which nodes are out and since when, and the hottest GPUs. Below: ' +
      "infrastructure, AI workloads and activity over the selected range. Drill down through the titles' and " +
      "the rows' links.",
  )
    .row(103, 'On call: data freshness, firing alerts, nodes out, hottest GPUs')
    .stat({
      id: 23,
      title: 'Exporter up',
      description:
        'Whether Prometheus scraped every aiwm-exporter target at its last scrape (up{job="aiwm-exporter"}, ' +
        'the lowest over targets). "down": a scrape failed (AIWMExporterDown); "not scraped": Prometheus has ' +
        'no such target (AIWMExporterAbsent). While it is not "up", every AIWM panel shows old or no data.',
      unit: 'none',
      targets: [{ expr: monitoring.exporterUpOrAbsent() }],
      mappings: EXPORTER_UP,
      base: 'red',
      steps: [{ value: 1, color: 'green' }],
      h: 5,
    })
    .stat({
      id: 24,
      title: 'Last successful poll',
      description:
        'Seconds since the last exporter poll in which every collector succeeded (time() minus ' +
        'aiwm_exporter_last_successful_poll_timestamp_seconds, the oldest over exporters; while no exporter ' +
        'answers, since the newest poll any reported in the last 24 h). Normal: under one POLL_SCHEDULE ' +
        `interval (15 s by default). Red from ${T.pollsStale.maxAgeSeconds} s (AIWMExporterPollsStale): ` +
        'the AIWM figures are that old.',
      unit: 's',
      targets: [{ expr: monitoring.exporterLastPollAge() }],
      steps: POLL_STALE,
      noValue: 'none in 24 h',
      h: 5,
    })
    .stat({
      id: 19,
      title: 'Exporter reaches MongoDB',
      description:
        "Whether the exporter's last poll reached AIWM's MongoDB (aiwm_exporter_source_up, the lowest over " +
        'exporters, while up{job="aiwm-exporter"} is 1). "unreachable": AIWMMongoDBSourceDown, the AIWM ' +
        'series are dropped until it returns; "exporter down": no exporter answers, so nothing is known.',
      unit: 'none',
      targets: [{ expr: monitoring.exporterReachesSource() }],
      mappings: REACHES_MONGODB,
      base: 'red',
      steps: [{ value: 1, color: 'green' }],
      h: 5,
    })
    .bars({
      id: 18,
      title: 'Firing alerts by severity',
      description:
        'AIWM alerts firing now for the selected orgs, by severity (ALERTS{alertstate="firing"}; the Watchdog ' +
        'heartbeat excluded). With All orgs this includes the monitoring alerts that have no org.',
      unit: 'none',
      targets: [{ expr: monitoring.firingAlertsBySeverity(ORG), legend: '{{severity}}' }],
      seriesColors: SEVERITY_COLORS,
      steps: [{ value: 1, color: 'orange' }],
      w: 12,
      h: 5,
    })
    .table({
      id: 20,
      title: 'Firing alerts',
      description:
        'Every AIWM alert firing now for the selected orgs (the Watchdog excluded; with All orgs also the ' +
        'monitoring alerts without an org). "Firing for": seconds since the condition first held ' +
        "(ALERTS_FOR_STATE's activeAt), so it includes the rule's `for`. The alert and Runbook cells open " +
        "the alert's section of docs/runbooks.md; Node, Deployment and Agent open their detail dashboards.",
      unit: 'none',
      targets: [{ expr: monitoring.firingAlertsActiveFor(ORG), table: true }],
      columns: {
        alertname: 'Alert',
        severity: 'Severity',
        Value: 'Firing for',
        org_id: 'Org',
        node_name: 'Node',
        gpu: 'GPU',
        deployment_name: 'Deployment',
        agent_name: 'Agent',
        model_name: 'Model',
        resource_name: 'Resource',
        reason: 'Reason',
        runbook: 'Runbook',
        node_id: 'Node id',
        deployment_id: 'Deployment id',
        agent_id: 'Agent id',
      },
      cells: {
        severity: { color: 'text', mappings: SEVERITIES },
        Value: { unit: 's' },
        alertname: { links: [RUNBOOK_LINK] },
        runbook: { mappings: RUNBOOK_ANCHORS, links: [RUNBOOK_LINK], showLinks: true },
        node_name: { links: [{ title: 'Node detail', url: drillDown(UID.nodeDetail, { node: NODE_ID }) }] },
        deployment_name: {
          links: [{ title: 'Deployment detail', url: drillDown(UID.deploymentDetail, { deployment: DEPLOYMENT_ID }) }],
        },
        agent_name: { links: [{ title: 'Agent detail', url: drillDown(UID.agentDetail, { agent: AGENT_ID }) }] },
        model_name: { links: [{ title: 'Models', url: drillDown(UID.models) }] },
        resource_name: { links: [{ title: 'Resources', url: drillDown(UID.resources) }] },
        node_id: { hidden: true },
        deployment_id: { hidden: true },
        agent_id: { hidden: true },
      },
      noValue: 'none firing',
      h: 9,
    })
    .timeline({
      id: 25,
      title: 'Nodes not online',
      description:
        'Each node of the selected orgs while it is not online (aiwm_node_availability), so a band starts ' +
        'when the node went out. offline: AIWM records it down, or records it up or degraded while its ' +
        'heartbeat is older than HEARTBEAT_STALE_AFTER or never came (AIWMNodeDown); maintenance, ' +
        'provisioning and unknown come from its recorded status. Nodes online over the whole range are not ' +
        'listed. Click a band for the node detail.',
      unit: 'none',
      targets: [{ expr: nodes.nodesNotOnline(ORG), legend: '{{node_name}}' }],
      mappings: NOT_ONLINE,
      link: { title: 'Node detail', url: drillDown(UID.nodeDetail, { node: '${__field.labels.node_id}' }) },
      noValue: 'every node online',
    })
    .table({
      id: 26,
      title: `Hottest GPUs (top ${HOTTEST})`,
      description:
        `The ${HOTTEST} hottest GPUs of the selected orgs now, from the unified GPU series (dcgm-exporter where ` +
        "it runs, else AIWM's own fields). Temperature orange from " +
        `${T.gpuTemperature.warningCelsius} °C, red from ${T.gpuTemperature.criticalCelsius} °C ` +
        '(AIWMGPUTemperatureHigh). Throttling: thermal (SW/HW thermal) or hw slowdown (HW slowdown, power ' +
        'brake) clock events, as AIWMGPUThrottled. Last Xid (none = 0), row-remap failure and rows remapped ' +
        'after uncorrectable ECC errors as AIWMGPUXidError and AIWMGPUUncorrectableECC. Throttling and health ' +
        'exist for dcgm-exporter GPUs only (empty otherwise). Click a row for the node detail.',
      unit: 'none',
      targets: [
        { expr: gpus.hottestGpuTemperatures(ORG, HOTTEST), table: true },
        ...[
          gpus.perGpuValue('utilization', ORG),
          gpus.gpuMemoryUsedRatio(ORG),
          gpus.perGpuValue('power', ORG),
          gpus.gpuThrottling(ORG, T.gpuThrottle.thermalBits, T.gpuThrottle.hardwareSlowdownBits),
          gpus.perGpuValue('xidLast', ORG),
          gpus.perGpuValue('rowRemapFailure', ORG),
          gpus.perGpuValue('uncorrectableRemappedRows', ORG),
        ].map((expr) => ({ expr: gpus.onHottestGpus(expr, ORG, HOTTEST), table: true })),
      ],
      columns: {
        node_name: 'Node',
        gpu: 'GPU',
        model: 'Model',
        'Value #A': 'Temperature',
        'Value #B': 'Utilization',
        'Value #C': 'Memory used',
        'Value #D': 'Power',
        'Value #E': 'Throttling',
        'Value #F': 'Last Xid',
        'Value #G': 'Row remap',
        'Value #H': 'ECC remapped rows',
        node_id: 'Node id',
      },
      cells: {
        'Value #A': { unit: 'celsius', color: 'background', steps: TEMPERATURE_STEPS },
        'Value #B': { unit: 'percentunit' },
        'Value #C': numberCell('percentunit', [{ value: T.gpuMemory.warningRatio, color: 'orange' }]),
        'Value #D': { unit: 'watt' },
        'Value #E': { color: 'text', mappings: THROTTLING },
        'Value #F': { color: 'text', mappings: XID_NONE, base: 'green', steps: [{ value: 1, color: 'red' }] },
        'Value #G': { color: 'text', mappings: REMAP_FAILED },
        'Value #H': { color: 'text', steps: [{ value: T.gpuRowRemap.remappedRowsAbove + 1, color: 'orange' }] },
        node_id: { hidden: true },
      },
      sortBy: { column: 'Temperature', desc: true },
      link: { title: 'Node detail', url: drillDown(UID.nodeDetail, { node: NODE_ID }) },
      h: 11,
    })
    .row(100, 'Infrastructure')
    .stat({
      id: 1,
      title: 'Nodes',
      description: 'Nodes AIWM manages in the selected orgs (aiwm_nodes; soft-deleted nodes excluded).',
      unit: 'none',
      targets: [{ expr: nodes.nodeCount(ORG) }],
      link: { title: 'Nodes', url: drillDown(UID.nodes) },
    })
    .stat({
      id: 2,
      title: 'Nodes online',
      description:
        'Nodes whose recorded status is up or degraded and whose heartbeat is fresh (aiwm_node_availability ' +
        '"online"; a heartbeating "healthy" node counts).',
      unit: 'none',
      targets: [{ expr: nodes.nodesIn('online', ORG) }],
    })
    .stat({
      id: 3,
      title: 'Nodes offline',
      description:
        'Nodes recorded down, or recorded up or degraded but whose heartbeat is stale or never came ' +
        '(aiwm_node_availability "offline", what AIWMNodeDown fires on). Red from 1.',
      unit: 'none',
      targets: [{ expr: nodes.nodesIn('offline', ORG) }],
      steps: [{ value: 1, color: 'red' }],
    })
    .stat({
      id: 4,
      title: 'Heartbeat stale or never',
      description:
        "Nodes whose last heartbeat is older than the exporter's HEARTBEAT_STALE_AFTER (2 min by default), or " +
        'that never sent one, whatever their recorded status. Red from 1.',
      unit: 'none',
      targets: [{ expr: nodes.heartbeatMissingCount(ORG) }],
      steps: [{ value: 1, color: 'red' }],
    })
    .stat({
      id: 5,
      title: 'GPU utilization',
      description:
        'Average utilization of the GPUs on online nodes, from dcgm-exporter where it runs, else from ' +
        'AIWM (org:aiwm_gpu_utilization_ratio:avg_online, averaged over the selected orgs). Orange from 90 %.',
      unit: 'percentunit',
      targets: [{ expr: gpus.onlineGpuUtilization(ORG) }],
      min: 0,
      max: 1,
      steps: [{ value: 0.9, color: 'orange' }],
    })
    .stat({
      id: 6,
      title: 'GPUs active / reporting',
      description: 'GPUs with utilization above 0 (active), and every GPU dcgm-exporter or AIWM reports (reporting).',
      unit: 'none',
      targets: [
        { expr: gpus.gpusActive(ORG), legend: 'active' },
        { expr: gpus.gpusReporting(ORG), legend: 'reporting' },
      ],
    })
    .bars({
      id: 7,
      title: 'Resources by status',
      description: 'VMs and containers of the selected orgs by status (aiwm_resources).',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.resources, 'status', ORG), legend: '{{status}}' }],
      seriesColors: RESOURCE_STATE_COLORS,
      link: { title: 'Resources', url: drillDown(UID.resources) },
      w: 12,
    })
    .stat({
      id: 8,
      title: 'Nodes without GPU data',
      description:
        'Nodes that no dcgm-exporter reports and whose AIWM gpuDevices is missing or empty (the AIWM ' +
        "worker's GPU query fails on real drivers), so they may well have GPUs. Orange from 1.",
      unit: 'none',
      targets: [{ expr: nodes.nodesWithoutGpuData(ORG) }],
      steps: [{ value: 1, color: 'orange' }],
      h: 6,
    })
    .stat(
      {
        id: 21,
        title: 'GPU telemetry source',
        description: "GPUs by where their telemetry comes from: dcgm-exporter (dcgm), or AIWM's own gpuDevices (aiwm).",
        unit: 'none',
        targets: [{ expr: gpus.gpusBySource(ORG), legend: '{{source}}' }],
        h: 6,
      },
      { textMode: common.BigValueTextMode.ValueAndName },
    )
    .stat({
      id: 22,
      title: 'GPUs with health faults',
      description:
        'GPUs whose last XID is not 0, whose row remapping failed, or with rows remapped after uncorrectable ' +
        'ECC errors (dcgm-exporter only). Red from 1; see "Hottest GPUs" above or the node detail for which.',
      unit: 'none',
      targets: [{ expr: gpus.gpusWithFaults(ORG) }],
      steps: [{ value: 1, color: 'red' }],
      link: { title: 'Nodes', url: drillDown(UID.nodes) },
      h: 6,
    })
    .row(101, 'AI workloads')
    .bars({
      id: 9,
      title: 'Models by status',
      description: 'Registered models of the selected orgs by status (aiwm_models).',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.models, 'status', ORG), legend: '{{status}}' }],
      seriesColors: MODEL_STATE_COLORS,
      link: { title: 'Models', url: drillDown(UID.models) },
    })
    .bars({
      id: 10,
      title: 'Deployments by status',
      description: 'Model deployments of the selected orgs by status (aiwm_deployments).',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.deployments, 'status', ORG), legend: '{{status}}' }],
      seriesColors: DEPLOYMENT_STATE_COLORS,
      link: { title: 'Deployments', url: drillDown(UID.deployments) },
    })
    .bars({
      id: 11,
      title: 'Agents by status',
      description: 'AI agents of the selected orgs by status (aiwm_agents).',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.agents, 'status', ORG), legend: '{{status}}' }],
      seriesColors: AGENT_STATE_COLORS,
      link: { title: 'Agents', url: drillDown(UID.agents) },
    })
    .bars({
      id: 12,
      title: 'Executions by status',
      description: 'Workflow executions of the selected orgs by status (counted in MongoDB).',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.executions, 'status', ORG), legend: '{{status}}' }],
      seriesColors: EXECUTION_STATE_COLORS,
      link: { title: 'Executions', url: drillDown(UID.executions) },
    })
    .row(102, 'Activity over the selected range')
    .stat({
      id: 13,
      title: 'Inference requests',
      description:
        "Requests served by all deployments over the selected range (increase of AIWM's cumulative requestCount).",
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.deploymentRequests, ORG, RANGE) }],
      w: 3,
      h: 7,
    })
    .stat({
      id: 14,
      title: 'Agent tasks',
      description: 'Assistant responses produced by agents over the selected range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentTasks, ORG, RANGE) }],
      w: 3,
      h: 7,
    })
    .stat({
      id: 15,
      title: 'Average response time',
      description:
        'Mean latency of agent responses over the selected range (latency sum over count). Orange from ' +
        `${T.deploymentLatency.p95Seconds} s, the p95 the deployment latency alert fires on.`,
      unit: 's',
      targets: [{ expr: w.meanOver(M.agentLatency, ORG, RANGE) }],
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'orange' }],
      w: 3,
      h: 7,
    })
    .stat({
      id: 16,
      title: 'Task success rate',
      description:
        'Share of agent tasks over the selected range that did not fail. Red below ' +
        `${(1 - T.agentErrors.ratio) * 100} % (the agent error alert's ratio), orange below 99 %.`,
      unit: 'percentunit',
      targets: [{ expr: w.successShare(M.agentTaskFailures, M.agentTasks, ORG, RANGE) }],
      base: 'red',
      steps: [
        { value: 1 - T.agentErrors.ratio, color: 'orange' },
        { value: 0.99, color: 'green' },
      ],
      min: 0,
      max: 1,
      w: 3,
      h: 7,
    })
    .timeseries({
      id: 17,
      title: 'Requests and tasks per second',
      description: 'Inference requests and agent tasks per second, over the rate interval.',
      unit: 'reqps',
      targets: [
        { expr: w.ratePerSecond(M.deploymentRequests, ORG, RATE), legend: 'inference requests' },
        { expr: w.ratePerSecond(M.agentTasks, ORG, RATE), legend: 'agent tasks' },
      ],
      w: 12,
      h: 7,
    })
    .build();
}
