import type { AlertRule, RuleArea } from './model.js';
import { NODE_DOWN, nodeImplausibleValues, nodeMemoryAbove } from '../../queries/nodes.js';
import { ORG, nodeInfo, nodeLiveness, pct, s } from './series.js';
import { THRESHOLDS as T } from './thresholds.js';
import { DASHBOARD } from './dashboards.js';

const nodeDownRunbook = {
  meaning:
    'A node AIWM manages is down or unreachable. `reason="offline"`: its status class is down (AIWM recorded ' +
    '`offline`, `disconnected` or `shutting_down`). `reason="heartbeat_stale"`: AIWM still records it up or ' +
    "degraded (`healthy`, `online`, `busy`, `degraded`, ...), but the node agent's last heartbeat is older than " +
    "the exporter's HEARTBEAT_STALE_AFTER (AIWM keeps the last status when the agent goes silent). " +
    '`reason="never_heartbeated"`: AIWM records it up or degraded, but the node has never sent a heartbeat since ' +
    'it was created (lastHeartbeat equals createdAt and there is no lastSeenAt or lastMetricsAt), so it never ' +
    'worked. Together these are exactly the nodes the exporter counts as offline (`aiwm_node_availability`). ' +
    'Nodes in maintenance or still provisioning (pending, installing, connecting) never raise it. Deployments, ' +
    'VMs and containers on the node are likely down with it.',
  check: [
    "`AIWM / Infrastructure / Nodes › Nodes`: the node's recorded status (class and the raw value AIWM stored), " +
      "availability, heartbeat state and age. The alert's `hostname` label is the host name AIWM holds for it.",
    'Ping and SSH the host; on it, `systemctl status` of the AIWM node agent and its logs.',
    "heartbeat_stale with a healthy host: the agent's connection to AIWM (firewall, VPN, token expiry, AIWM " +
      'controller health). AIWM has no websocket state to check: no AIWM code writes `websocketConnected`.',
    'never_heartbeated: the agent registered (or someone created the node) but no heartbeat ever landed: the ' +
      "agent's logs for authentication or connection errors right after registration, and the node token.",
  ],
  act: [
    'Restart the node agent; reboot the host if it is hung.',
    'If the host is lost, move its deployments to other nodes and set the node to maintenance in AIWM (that ' +
      'silences this alert by design).',
    'A node created by mistake that will never run an agent: delete it in AIWM.',
    "This alert inhibits the node's GPU alerts (dcgm-exporter down, Xid, ECC, throttling, temperature, memory) " +
      'and its RAM alerts: re-check them once the node is back.',
  ],
};

const empty = { meaning: '', check: [], act: [] };

/** Nodes that must never raise AIWMNodeDown, beside each positive case. */
const quietNodes = [
  // A heartbeating node as AIWM's write paths store it: raw status `healthy`, class up.
  ...nodeLiveness('q1', 'worker-ok-01', 'up', 'healthy', 'fresh'),
  // Drained on purpose: a stale heartbeat is expected.
  ...nodeLiveness('q2', 'worker-maint-01', 'maintenance', 'maintenance', 'stale', '0x60'),
  // Still being installed: no heartbeat yet is expected.
  ...nodeLiveness('q3', 'worker-new-01', 'provisioning', 'installing', 'never'),
];

const downLabels = (nodeId: string, nodeName: string, reason: string, status: string) => ({
  severity: 'critical',
  reason,
  org_id: ORG,
  node_id: nodeId,
  status,
  node_name: nodeName,
  hostname: `${nodeName}.local`,
});

const nodeDown: AlertRule[] = [
  {
    alert: 'AIWMNodeDown',
    severity: 'critical',
    labels: { reason: 'offline' },
    expr: NODE_DOWN.offline,
    for: T.nodeDown.for,
    summary: 'AIWM node is down',
    description:
      'AIWM records node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) as ' +
      '{{ $labels.status }}.',
    anchor: 'aiwmnodedown',
    dashboard: DASHBOARD.node,
    runbook: nodeDownRunbook,
    test: {
      series: [
        ...nodeLiveness('n1', 'worker-gpu-01', 'down', 'offline', 'stale', '0x60'),
        // A down node that never heartbeated is down, not "never heartbeated": one alert only.
        ...nodeLiveness('n2', 'worker-gpu-02', 'down', 'disconnected', 'never'),
        // The info series twice (its os label changed between two scrapes): the join still works.
        nodeInfo('n1', 'worker-gpu-01', '1x60', { os: 'Ubuntu 22.04.4 LTS' }),
        ...quietNodes,
      ],
      quietAt: '2m',
      firingAt: '4m',
      alerts: [
        {
          labels: downLabels('n1', 'worker-gpu-01', 'offline', 'offline'),
          summary: 'AIWM node is down',
          description: 'AIWM records node worker-gpu-01 (n1, org org-a) as offline.',
        },
        {
          labels: downLabels('n2', 'worker-gpu-02', 'offline', 'disconnected'),
          summary: 'AIWM node is down',
          description: 'AIWM records node worker-gpu-02 (n2, org org-a) as disconnected.',
        },
      ],
    },
  },
  {
    alert: 'AIWMNodeDown',
    severity: 'critical',
    labels: { reason: 'heartbeat_stale' },
    expr: NODE_DOWN.heartbeatStale,
    for: T.nodeDown.for,
    summary: 'AIWM node is down',
    description:
      'Node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) has sent no heartbeat for ' +
      '{{ $value | humanizeDuration }} while AIWM still records it {{ $labels.status }}.',
    anchor: 'aiwmnodedown',
    dashboard: DASHBOARD.node,
    runbook: empty,
    test: {
      series: [
        ...nodeLiveness('n3', 'worker-gpu-03', 'up', 'healthy', 'stale', '0x60'),
        ...nodeLiveness('n4', 'worker-gpu-04', 'degraded', 'error', 'stale', '0x60'),
        ...quietNodes,
      ],
      quietAt: '2m',
      firingAt: '5m',
      alerts: [
        {
          labels: downLabels('n3', 'worker-gpu-03', 'heartbeat_stale', 'healthy'),
          summary: 'AIWM node is down',
          description:
            'Node worker-gpu-03 (n3, org org-a) has sent no heartbeat for 5m 0s while AIWM still records it healthy.',
        },
        {
          labels: downLabels('n4', 'worker-gpu-04', 'heartbeat_stale', 'error'),
          summary: 'AIWM node is down',
          description:
            'Node worker-gpu-04 (n4, org org-a) has sent no heartbeat for 5m 0s while AIWM still records it error.',
        },
      ],
    },
  },
  {
    alert: 'AIWMNodeDown',
    severity: 'critical',
    labels: { reason: 'never_heartbeated' },
    expr: NODE_DOWN.neverHeartbeated,
    for: T.nodeDown.for,
    summary: 'AIWM node is down',
    description:
      'Node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) has never sent a heartbeat ' +
      'although AIWM records it {{ $labels.status }}.',
    anchor: 'aiwmnodedown',
    dashboard: DASHBOARD.node,
    runbook: empty,
    test: {
      series: [...nodeLiveness('n5', 'worker-gpu-05', 'up', 'online', 'never'), ...quietNodes],
      quietAt: '2m',
      firingAt: '4m',
      alerts: [
        {
          labels: downLabels('n5', 'worker-gpu-05', 'never_heartbeated', 'online'),
          summary: 'AIWM node is down',
          description: 'Node worker-gpu-05 (n5, org org-a) has never sent a heartbeat although AIWM records it online.',
        },
      ],
    },
  },
];

const ramUsage = (values: string) => s('aiwm_node_memory_usage_ratio', { org_id: ORG, node_id: 'n1' }, values);
const memoryLabels = { org_id: ORG, node_id: 'n1', node_name: 'worker-gpu-01', hostname: 'worker-gpu-01.local' };

const nodeMemory: AlertRule[] = [
  {
    alert: 'AIWMNodeMemoryPressure',
    severity: 'warning',
    expr: nodeMemoryAbove(T.nodeMemory.warningRatio),
    for: T.nodeMemory.warningFor,
    summary: 'Node RAM pressure',
    description:
      `Node {{ $labels.node_name }} uses {{ $value | humanizePercentage }} of its RAM ` +
      `(warning above ${pct(T.nodeMemory.warningRatio)} %).`,
    anchor: 'aiwmnodememorypressure',
    dashboard: DASHBOARD.node,
    runbook: {
      meaning:
        'A node is short of RAM. Model servers load weights through host memory and VMs have fixed allocations, ' +
        'so the kernel OOM killer will soon pick a victim.',
      check: [
        '`AIWM / Infrastructure / Node detail › CPU and RAM usage` over time, and `AIWM / Infrastructure / Node detail › Resources`: the VMs and ' +
          'containers on the node (their allocated RAM is in AIWM).',
        'On the node: `free -g`, `ps aux --sort=-rss | head`, and `dmesg | grep -i oom` for earlier kills.',
      ],
      act: ['Stop or move a VM or container from the node; do not schedule new resources on it until the usage drops.'],
    },
    test: {
      series: [ramUsage('0.93x20'), nodeInfo('n1', 'worker-gpu-01')],
      quietAt: '8m',
      firingAt: '11m',
      alerts: [
        {
          labels: { severity: 'warning', ...memoryLabels },
          summary: 'Node RAM pressure',
          description: 'Node worker-gpu-01 uses 93% of its RAM (warning above 90 %).',
        },
      ],
    },
  },
  {
    alert: 'AIWMNodeMemoryPressure',
    severity: 'critical',
    expr: nodeMemoryAbove(T.nodeMemory.criticalRatio),
    for: T.nodeMemory.criticalFor,
    summary: 'Node RAM nearly exhausted',
    description:
      `Node {{ $labels.node_name }} uses {{ $value | humanizePercentage }} of its RAM ` +
      `(critical above ${pct(T.nodeMemory.criticalRatio)} %): the OOM killer is about to act.`,
    anchor: 'aiwmnodememorypressure',
    dashboard: DASHBOARD.node,
    runbook: empty,
    test: {
      series: [ramUsage('0.99x20'), nodeInfo('n1', 'worker-gpu-01')],
      quietAt: '4m',
      firingAt: '6m',
      alerts: [
        {
          labels: { severity: 'critical', ...memoryLabels },
          summary: 'Node RAM nearly exhausted',
          description: 'Node worker-gpu-01 uses 99% of its RAM (critical above 97 %): the OOM killer is about to act.',
        },
      ],
    },
  },
];

const nodeData: AlertRule[] = [
  {
    alert: 'AIWMNodeImplausibleValue',
    severity: 'info',
    expr: nodeImplausibleValues(),
    for: T.nodeImplausibleValue.for,
    summary: 'Node size recorded in the wrong unit',
    description:
      'Node {{ $labels.node_name }} ({{ $labels.node_id }}) has an implausible {{ $labels.field }}: it reads as GB ' +
      'written where the node agent writes MB, so its size is shown about 1024 times too small.',
    anchor: 'aiwmnodeimplausiblevalue',
    dashboard: DASHBOARD.node,
    runbook: {
      meaning:
        "AIWM's node agent records RAM, disk and GPU memory sizes in MB (MiB), but AIWM's REST API and seed " +
        'scripts write GB into the same fields. The exporter keeps MB as the reading and flags a value too small ' +
        "for a server (e.g. `ramTotal` under 64) with `aiwm_node_implausible_value{field}`. The node's sizes, and " +
        'totals that include it, are then about 1024 times too small. Informational: it notifies nobody.',
      check: [
        'The node document in AIWM (`ramTotal`, `diskTotal`, `gpuDevices[].memoryTotal`) against the host ' +
          '(`free -m`, `lsblk -b`, `nvidia-smi --query-gpu=memory.total --format=csv`).',
        'Who wrote it: a node created through the REST API or a seed script rather than registered by the agent.',
      ],
      act: ['Let the node agent re-register the node (it writes MB), or correct the field in AIWM to MB.'],
    },
    test: {
      series: [
        s('aiwm_node_implausible_value', { org_id: ORG, node_id: 'n1', field: 'ramTotal' }, '1x90'),
        nodeInfo('n1', 'worker-gpu-01', '1x90'),
      ],
      quietAt: '30m',
      firingAt: '61m',
      alerts: [
        {
          labels: { severity: 'info', field: 'ramTotal', ...memoryLabels },
          summary: 'Node size recorded in the wrong unit',
          description:
            'Node worker-gpu-01 (n1) has an implausible ramTotal: it reads as GB written where the node agent ' +
            'writes MB, so its size is shown about 1024 times too small.',
        },
      ],
    },
  },
];

export const NODES: RuleArea = {
  file: 'nodes',
  title: 'Nodes',
  groupName: 'aiwm.nodes',
  alerts: [...nodeDown, ...nodeMemory, ...nodeData],
};
