import type { AlertCase, AlertRule, ExpectedAlert, RuleArea } from './model.js';
import {
  NODE_DOWN,
  nodeImplausibleValues,
  nodeMemoryAbove,
  nodeProvisioning,
  nodeRebooted,
} from '../../queries/nodes.js';
import {
  ORG,
  compactValues,
  heartbeatState,
  nodeInfo,
  nodeLiveness,
  nodeStatus,
  pct,
  s,
  robustnessCases,
  withGap,
  type InputSeries,
} from './series.js';
import type { NodeStatusClass as NodeClass } from '../../exporter/src/source/nodes.js';
import { THRESHOLDS as T } from './thresholds.js';
import { DASHBOARD } from './dashboards.js';

/** Every state alert keeps firing over a poll gap (the exporter drops entity series while MongoDB is away). */
const KEEP_FIRING = T.stateKeepFiringFor;

const nodeDownRunbook = {
  meaning:
    'A node AIWM manages is down or unreachable. `reason="offline"`: its status class is down (AIWM recorded ' +
    '`offline`, `disconnected` or `shutting_down`). `reason="heartbeat_stale"`: AIWM still records it up or ' +
    "degraded (`healthy`, `online`, `busy`, `degraded`, ...), but the node agent's last heartbeat is older than " +
    "the exporter's HEARTBEAT_STALE_AFTER (AIWM keeps the last status when the agent goes silent). " +
    '`reason="never_heartbeated"`: AIWM records it up or degraded, but the node has never sent a heartbeat since ' +
    'it was created (lastHeartbeat equals createdAt and there is no lastSeenAt or lastMetricsAt), so it never ' +
    'worked. Together these are exactly the nodes the exporter counts as offline (`aiwm_node_availability`). ' +
    'Nodes in maintenance or still provisioning (pending, installing, connecting) never raise it ' +
    '(`AIWMNodeStuckProvisioning` covers a node that stays provisioning). Deployments, VMs and containers on the ' +
    `node are likely down with it. The alert keeps firing for ${T.stateKeepFiringFor} after the node looks up ` +
    'again, and over a gap in its series (MongoDB briefly unreachable, so the exporter has no node data): a ' +
    'short gap sends no RESOLVED, and RESOLVED comes that long after the node is really back.',
  check: [
    "`AIWM / Infrastructure / Nodes › Nodes`: the node's recorded status (class and the raw value AIWM stored), " +
      "availability, heartbeat state and age. The alert's `node_name` and `hostname` labels are the name and the " +
      'host name AIWM holds for it.',
    '`AIWM / Infrastructure / Node detail › Recorded status`, `AIWM / Infrastructure / Node detail › Heartbeat` and ' +
      '`AIWM / Infrastructure / Node detail › Heartbeat age` for the node over time: since when it is down.',
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
    "This alert mutes the alerts of the node's GPUs, deployments, resources and agents, and its RAM alerts " +
      '(same `org_id` and `node_id`): re-check them once the node is back.',
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
  // Provisioning with an old heartbeat (re-registering, reconnecting), and a status AIWM does not know.
  ...nodeLiveness('q4', 'worker-new-02', 'provisioning', 'pending', 'stale', '0x60'),
  ...nodeLiveness('q5', 'worker-new-03', 'provisioning', 'connecting', 'stale', '0x60'),
  ...nodeLiveness('q6', 'worker-odd-01', 'unknown', 'other', 'stale', '0x60'),
  ...nodeLiveness('q7', 'worker-odd-02', 'unknown', 'other', 'never'),
];

/** The labels every node alert takes from aiwm_node_info. */
const nodeNames = (nodeId: string, nodeName: string) => ({
  org_id: ORG,
  node_id: nodeId,
  node_name: nodeName,
  hostname: `${nodeName}.local`,
});

const downLabels = (nodeId: string, nodeName: string, reason: string, status: string) => ({
  severity: 'critical',
  reason,
  ...nodeNames(nodeId, nodeName),
  status,
});

const offlineAlert = (nodeId: string, nodeName: string, status: string): ExpectedAlert => ({
  labels: downLabels(nodeId, nodeName, 'offline', status),
  summary: 'AIWM node is down',
  description: `AIWM records node ${nodeName} (${nodeId}, org ${ORG}) as ${status}.`,
});

const offlineTest: AlertCase = {
  series: [
    // Each raw status of the down class: offline, disconnected, shutting_down.
    ...nodeLiveness('n1', 'worker-gpu-01', 'down', 'offline', 'stale', '0x60'),
    // A down node that never heartbeated is down, not "never heartbeated": one alert only.
    ...nodeLiveness('n2', 'worker-gpu-02', 'down', 'disconnected', 'never'),
    // Shutting down while its agent still reports.
    ...nodeLiveness('n6', 'worker-gpu-06', 'down', 'shutting_down', 'fresh'),
    ...quietNodes,
  ],
  quietAt: '2m',
  firingAt: '4m',
  alerts: [
    offlineAlert('n1', 'worker-gpu-01', 'offline'),
    offlineAlert('n2', 'worker-gpu-02', 'disconnected'),
    offlineAlert('n6', 'worker-gpu-06', 'shutting_down'),
  ],
};

const staleAlert = (nodeId: string, nodeName: string, status: string, age = '5m 0s'): ExpectedAlert => ({
  labels: downLabels(nodeId, nodeName, 'heartbeat_stale', status),
  summary: 'AIWM node is down',
  description:
    `Node ${nodeName} (${nodeId}, org ${ORG}) has sent no heartbeat for ${age} while AIWM still records it ` +
    `${status}.`,
});

const staleTest: AlertCase = {
  series: [
    ...nodeLiveness('n3', 'worker-gpu-03', 'up', 'healthy', 'stale', '0x60'),
    ...nodeLiveness('n4', 'worker-gpu-04', 'degraded', 'error', 'stale', '0x60'),
    ...quietNodes,
  ],
  quietAt: '2m',
  firingAt: '5m',
  alerts: [staleAlert('n3', 'worker-gpu-03', 'healthy'), staleAlert('n4', 'worker-gpu-04', 'error')],
};

/** The raw statuses of the up and degraded classes besides those of the first case. */
const WORKING_STATUSES: Array<['up' | 'degraded', string]> = [
  ['up', 'online'],
  ['up', 'ready'],
  ['up', 'busy'],
  ['degraded', 'degraded'],
];

const neverAlert = (nodeId: string, nodeName: string, status: string): ExpectedAlert => ({
  labels: downLabels(nodeId, nodeName, 'never_heartbeated', status),
  summary: 'AIWM node is down',
  description: `Node ${nodeName} (${nodeId}, org ${ORG}) has never sent a heartbeat although AIWM records it ${status}.`,
});

const neverTest: AlertCase = {
  series: [
    ...nodeLiveness('n5', 'worker-gpu-05', 'up', 'online', 'never'),
    ...nodeLiveness('n7', 'worker-gpu-07', 'degraded', 'error', 'never'),
    ...quietNodes,
  ],
  quietAt: '2m',
  firingAt: '4m',
  alerts: [neverAlert('n5', 'worker-gpu-05', 'online'), neverAlert('n7', 'worker-gpu-07', 'error')],
};

const nodeDown: AlertRule[] = [
  {
    alert: 'AIWMNodeDown',
    severity: 'critical',
    labels: { reason: 'offline' },
    expr: NODE_DOWN.offline,
    for: T.nodeDown.for,
    keepFiringFor: KEEP_FIRING,
    summary: 'AIWM node is down',
    description:
      'AIWM records node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) as ' +
      '{{ $labels.status }}.',
    anchor: 'aiwmnodedown',
    dashboard: DASHBOARD.node,
    runbook: nodeDownRunbook,
    test: offlineTest,
    cases: [
      ...robustnessCases(offlineTest, false),
      {
        name: 'keeps firing while the node series vanish for 3 minutes (MongoDB unreachable)',
        series: [
          ...withGap(nodeLiveness('n1', 'worker-gpu-01', 'down', 'offline', 'stale', '0x60'), 5, 3),
          ...quietNodes,
        ],
        quietAt: '2m',
        firingAt: '7m',
        alerts: [offlineAlert('n1', 'worker-gpu-01', 'offline')],
      },
    ],
  },
  {
    alert: 'AIWMNodeDown',
    severity: 'critical',
    labels: { reason: 'heartbeat_stale' },
    expr: NODE_DOWN.heartbeatStale,
    for: T.nodeDown.for,
    keepFiringFor: KEEP_FIRING,
    summary: 'AIWM node is down',
    description:
      'Node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) has sent no heartbeat for ' +
      '{{ $value | humanizeDuration }} while AIWM still records it {{ $labels.status }}.',
    anchor: 'aiwmnodedown',
    dashboard: DASHBOARD.node,
    runbook: empty,
    test: staleTest,
    cases: [
      ...robustnessCases(staleTest, true),
      {
        name: 'every raw status of the up and degraded classes',
        series: WORKING_STATUSES.flatMap(([cls, status], i) =>
          nodeLiveness(`w${i}`, `worker-${status}`, cls, status, 'stale', '0x60'),
        ),
        quietAt: '2m',
        firingAt: '5m',
        alerts: WORKING_STATUSES.map(([, status], i) => staleAlert(`w${i}`, `worker-${status}`, status)),
      },
      {
        name: 'the same nodes heartbeating: nothing fires',
        series: [
          ...nodeLiveness('n3', 'worker-gpu-03', 'up', 'healthy', 'fresh'),
          ...nodeLiveness('n4', 'worker-gpu-04', 'degraded', 'error', 'fresh'),
          ...quietNodes,
        ],
        firingAt: '5m',
        alerts: [],
      },
    ],
  },
  {
    alert: 'AIWMNodeDown',
    severity: 'critical',
    labels: { reason: 'never_heartbeated' },
    expr: NODE_DOWN.neverHeartbeated,
    for: T.nodeDown.for,
    keepFiringFor: KEEP_FIRING,
    summary: 'AIWM node is down',
    description:
      'Node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) has never sent a heartbeat ' +
      'although AIWM records it {{ $labels.status }}.',
    anchor: 'aiwmnodedown',
    dashboard: DASHBOARD.node,
    runbook: empty,
    test: neverTest,
    cases: robustnessCases(neverTest, false),
  },
];

const ramUsage = (nodeId: string, values: string) =>
  s('aiwm_node_memory_usage_ratio', { org_id: ORG, node_id: nodeId }, values);

const memoryTest = (ratio: string, quietRatio: string, quietAt: string, firingAt: string): AlertCase => ({
  series: [
    ramUsage('n1', `${ratio}x20`),
    nodeInfo('n1', 'worker-gpu-01'),
    // Below the level: never fires.
    ramUsage('n2', `${quietRatio}x20`),
    nodeInfo('n2', 'worker-gpu-02'),
  ],
  quietAt,
  firingAt,
  alerts: [],
});

const memoryWarning = memoryTest('0.93', '0.85', '8m', '11m');
memoryWarning.alerts = [
  {
    labels: { severity: 'warning', ...nodeNames('n1', 'worker-gpu-01') },
    summary: 'Node RAM pressure',
    description: 'Node worker-gpu-01 uses 93% of its RAM (warning above 90 %).',
  },
];
const memoryCritical = memoryTest('0.99', '0.95', '4m', '6m');
memoryCritical.alerts = [
  {
    labels: { severity: 'critical', ...nodeNames('n1', 'worker-gpu-01') },
    summary: 'Node RAM nearly exhausted',
    description: 'Node worker-gpu-01 uses 99% of its RAM (critical above 97 %): the OOM killer is about to act.',
  },
];

/** A node exactly at `ratio` for 20 minutes: `above` means strictly above (`alerts`: the lower level's). */
const atLevel = (ratio: number, alerts: ExpectedAlert[] = []): AlertCase => ({
  name: `exactly at the level (${pct(ratio)} %): this level does not fire`,
  series: [ramUsage('n1', `${ratio}x20`), nodeInfo('n1', 'worker-gpu-01')],
  firingAt: '15m',
  alerts,
});

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
        'so the kernel OOM killer will soon pick a victim. The usage is the ratio the node agent reports with ' +
        'each heartbeat, so it stops changing while the heartbeat is stale.',
      check: [
        '`AIWM / Infrastructure / Node detail › CPU and RAM usage` over time, and `AIWM / Infrastructure / Node detail › Resources`: the VMs and ' +
          'containers on the node (their allocated RAM is in AIWM).',
        'On the node: `free -g`, `ps aux --sort=-rss | head`, and `dmesg | grep -i oom` for earlier kills.',
      ],
      act: ['Stop or move a VM or container from the node; do not schedule new resources on it until the usage drops.'],
    },
    test: memoryWarning,
    cases: [...robustnessCases(memoryWarning, true), atLevel(T.nodeMemory.warningRatio)],
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
    test: memoryCritical,
    cases: [
      ...robustnessCases(memoryCritical, true),
      atLevel(T.nodeMemory.criticalRatio, [
        {
          labels: { severity: 'warning', ...nodeNames('n1', 'worker-gpu-01') },
          summary: 'Node RAM pressure',
          description: `Node worker-gpu-01 uses ${pct(T.nodeMemory.criticalRatio)}% of its RAM (warning above 90 %).`,
        },
      ]),
    ],
  },
];

// --- node life cycle: stuck provisioning, reboots ----------------------------------------------------------

/**
 * A node's status state set over successive phases (its raw status changes): each phase's six series
 * are absent before it and end with a staleness marker, as when the exporter's series set changes.
 */
function statusPhases(nodeId: string, phases: ReadonlyArray<[NodeClass, string, number]>): InputSeries[] {
  const total = phases.reduce((n, [, , len]) => n + len, 0);
  let start = 0;
  return phases.flatMap(([cls, status, len]) => {
    const before = start;
    start += len;
    return nodeStatus(nodeId, cls, status, len - 1).map((x) => ({
      ...x,
      values: `${before > 0 ? `_x${before} ` : ''}${x.values}${start < total ? ' stale' : ''}`,
    }));
  });
}

/** aiwm_node_availability of a node whose availability changes, one value per phase. */
const availabilityPhases = (nodeId: string, phases: ReadonlyArray<[string, number]>): InputSeries[] =>
  (['online', 'offline', 'maintenance', 'provisioning', 'unknown'] as const).map((availability) =>
    s(
      'aiwm_node_availability',
      { org_id: ORG, node_id: nodeId, availability },
      compactValues(phases.flatMap(([a, len]) => Array<string>(len).fill(a === availability ? '1' : '0'))),
    ),
  );

const stuckLabels = (nodeId: string, nodeName: string) => ({ severity: 'warning', ...nodeNames(nodeId, nodeName) });
const stuckAlert = (nodeId: string, nodeName: string): ExpectedAlert => ({
  labels: stuckLabels(nodeId, nodeName),
  summary: 'Node stuck provisioning',
  description:
    `Node ${nodeName} (${nodeId}, org ${ORG}) has been pending, installing or connecting for more than ` +
    `${T.nodeStuckProvisioning.for}.`,
});

const stuckTest: AlertCase = {
  series: [
    // Installing for 90 minutes, no heartbeat yet.
    ...nodeLiveness('n1', 'worker-gpu-01', 'provisioning', 'installing', 'never', '0x90', 90),
    // Neighbours: up and heartbeating, in maintenance with an old heartbeat.
    ...nodeLiveness('n2', 'worker-gpu-02', 'up', 'healthy', 'fresh', '0+60x90', 90),
    ...nodeLiveness('n3', 'worker-gpu-03', 'maintenance', 'maintenance', 'stale', '0x90', 90),
  ],
  quietAt: '50m',
  firingAt: '62m',
  alerts: [stuckAlert('n1', 'worker-gpu-01')],
};

const rebootLabels = (nodeId: string, nodeName: string) => ({ severity: 'info', ...nodeNames(nodeId, nodeName) });
const rebootAlert = (nodeId: string, nodeName: string, times = 1): ExpectedAlert => ({
  labels: rebootLabels(nodeId, nodeName),
  summary: 'Node host rebooted',
  description:
    `The host of node ${nodeName} (${nodeId}, org ${ORG}) rebooted: the uptime its agent reports went back ` +
    `${times} time(s) in the last ${T.nodeRebooted.window}.`,
});
const uptime = (nodeId: string, values: string) =>
  s('aiwm_node_uptime_seconds', { org_id: ORG, node_id: nodeId }, values);

const rebootTest: AlertCase = {
  series: [
    // Up for 2 days, rebooted at minute 20: the next heartbeat reports 45 s of uptime.
    uptime('n1', '172800+60x19 45+60x40'),
    nodeInfo('n1', 'worker-gpu-01', '1x60'),
    // Growing normally; and frozen (a stale heartbeat keeps the last value).
    uptime('n2', '86400+60x60'),
    nodeInfo('n2', 'worker-gpu-02', '1x60'),
    uptime('n3', '5000x60'),
    nodeInfo('n3', 'worker-gpu-03', '1x60'),
  ],
  quietAt: '15m',
  firingAt: '25m',
  alerts: [rebootAlert('n1', 'worker-gpu-01')],
};

const lifecycle: AlertRule[] = [
  {
    alert: 'AIWMNodeStuckProvisioning',
    severity: 'warning',
    expr: nodeProvisioning(),
    for: T.nodeStuckProvisioning.for,
    keepFiringFor: KEEP_FIRING,
    summary: 'Node stuck provisioning',
    description:
      'Node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) has been pending, ' +
      `installing or connecting for more than ${T.nodeStuckProvisioning.for}.`,
    anchor: 'aiwmnodestuckprovisioning',
    dashboard: DASHBOARD.node,
    runbook: {
      meaning:
        'AIWM has recorded the node in a provisioning status (`pending`, `installing` or `connecting`: status ' +
        `class provisioning) for more than ${T.nodeStuckProvisioning.for}, across changes between those three. ` +
        'A node install or a reconnection takes minutes; this one is stuck, and AIWM places nothing on it. ' +
        '`AIWMNodeDown` never fires for a provisioning node, so this is the only alert that sees it. A gap in ' +
        "the node's series (MongoDB briefly unreachable) restarts the count, so it can fire later than that.",
      check: [
        "`AIWM / Infrastructure / Node detail › Recorded status`: the node's raw status and since when; " +
          '`AIWM / Infrastructure / Node detail › Heartbeat`: whether the agent ever reported.',
        'On the host: the installer or node agent logs (`journalctl -u` of the agent service), disk space, and ' +
          'whether the agent can reach the AIWM controller (DNS, firewall, proxy, the registration token).',
        '`connecting`: the agent runs but cannot complete its connection; `pending`: nothing has picked up the ' +
          'node (no agent installed yet, or the install job never started).',
      ],
      act: [
        'Fix what blocks the install or the connection and restart the node agent; re-run the install when ' +
          'it failed half-way.',
        'A node that will not be installed: delete it in AIWM, or set it to maintenance.',
      ],
    },
    test: stuckTest,
    cases: [
      ...robustnessCases(stuckTest, false),
      {
        name: 'pending, then installing, then connecting: one alert, the time counts across the changes',
        series: [
          ...statusPhases('n1', [
            ['provisioning', 'pending', 20],
            ['provisioning', 'installing', 20],
            ['provisioning', 'connecting', 50],
          ]),
          ...heartbeatState('n1', 'never', 90),
          ...availabilityPhases('n1', [['provisioning', 90]]),
          nodeInfo('n1', 'worker-gpu-01', '1x90'),
        ],
        quietAt: '50m',
        firingAt: '65m',
        alerts: [stuckAlert('n1', 'worker-gpu-01')],
      },
      {
        name: 'provisioning for 10 minutes, then up: nothing fires',
        series: [
          ...statusPhases('n1', [
            ['provisioning', 'installing', 10],
            ['up', 'healthy', 80],
          ]),
          ...heartbeatState('n1', 'fresh', 90),
          s('aiwm_node_last_heartbeat_timestamp_seconds', { org_id: ORG, node_id: 'n1' }, '600+60x80'),
          ...availabilityPhases('n1', [
            ['provisioning', 10],
            ['online', 80],
          ]),
          nodeInfo('n1', 'worker-gpu-01', '1x90'),
        ],
        firingAt: '70m',
        alerts: [],
      },
    ],
  },
  {
    alert: 'AIWMNodeRebooted',
    severity: 'info',
    expr: nodeRebooted(T.nodeRebooted.window),
    for: '0s',
    summary: 'Node host rebooted',
    description:
      'The host of node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) rebooted: the ' +
      `uptime its agent reports went back {{ $value }} time(s) in the last ${T.nodeRebooted.window}.`,
    anchor: 'aiwmnoderebooted',
    dashboard: DASHBOARD.node,
    runbook: {
      meaning:
        'The host uptime the node agent reports with its heartbeats (`aiwm_node_uptime_seconds`) went down: the ' +
        `host rebooted. The alert shows each reboot for ${T.nodeRebooted.window}; its value counts them. ` +
        'Informational: it notifies nobody, but an unplanned reboot explains restarted deployments and VMs, and ' +
        'reboots that repeat point at a kernel panic, a watchdog or a power problem. The uptime only changes ' +
        'with heartbeats, so a reboot shows once the agent reports again.',
      check: [
        '`AIWM / Infrastructure / Node detail › Uptime`: when it dropped, and whether it drops again.',
        'Whether the reboot was planned (maintenance, kernel update, a GPU reset that needed a reboot).',
        "On the host: `last -x reboot shutdown`, `journalctl --list-boots`, and the previous boot's end " +
          '(`journalctl -b -1 -e`) for a panic, an OOM or a watchdog; the BMC event log (`ipmitool sel elist`) ' +
          'for power and hardware events.',
      ],
      act: [
        "Planned: nothing to do. Check that the node's deployments and resources came back " +
          '(`AIWM / Infrastructure / Node detail › Deployments`).',
        'Unplanned or repeated: set the node to maintenance in AIWM, move its deployments, and hand the logs to ' +
          'the data-center team.',
      ],
    },
    test: rebootTest,
    cases: [
      ...robustnessCases(rebootTest, false),
      {
        name: `a reboot older than ${T.nodeRebooted.window} no longer shows`,
        series: rebootTest.series,
        firingAt: '55m',
        alerts: [],
      },
      {
        name: 'a gap in the uptime series (a poll gap, a stale heartbeat) is no reboot',
        series: [...withGap([uptime('n1', '172800+60x60')], 10, 5), nodeInfo('n1', 'worker-gpu-01', '1x60')],
        firingAt: '20m',
        alerts: [],
      },
      {
        name: 'two reboots count twice',
        series: [uptime('n1', '172800+60x9 30+60x9 40+60x20'), nodeInfo('n1', 'worker-gpu-01', '1x60')],
        firingAt: '25m',
        alerts: [rebootAlert('n1', 'worker-gpu-01', 2)],
      },
    ],
  },
];

// --- data quality ------------------------------------------------------------------------------------------

const implausibleTest: AlertCase = {
  series: [
    s('aiwm_node_implausible_value', { org_id: ORG, node_id: 'n1', field: 'ramTotal' }, '1x90'),
    nodeInfo('n1', 'worker-gpu-01', '1x90'),
    // A node with plausible sizes has no flag series at all.
    nodeInfo('n2', 'worker-gpu-02', '1x90'),
  ],
  quietAt: '30m',
  firingAt: '61m',
  alerts: [
    {
      labels: { severity: 'info', field: 'ramTotal', ...nodeNames('n1', 'worker-gpu-01') },
      summary: 'Node size recorded in the wrong unit',
      description:
        'Node worker-gpu-01 (n1) has an implausible ramTotal: it reads as GB written where the node agent ' +
        'writes MB, so its size is shown about 1024 times too small.',
    },
  ],
};

const nodeData: AlertRule[] = [
  {
    alert: 'AIWMNodeImplausibleValue',
    severity: 'info',
    expr: nodeImplausibleValues(),
    for: T.nodeImplausibleValue.for,
    keepFiringFor: KEEP_FIRING,
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
        '`AIWM / Infrastructure / Node detail › Implausible sizes` names the fields; the node document in AIWM ' +
          '(`ramTotal`, `diskTotal`, `gpuDevices[].memoryTotal`) against the host ' +
          '(`free -m`, `lsblk -b`, `nvidia-smi --query-gpu=memory.total --format=csv`).',
        'Who wrote it: a node created through the REST API or a seed script rather than registered by the agent.',
      ],
      act: ['Let the node agent re-register the node (it writes MB), or correct the field in AIWM to MB.'],
    },
    test: implausibleTest,
    cases: robustnessCases(implausibleTest, true),
  },
];

export const NODES: RuleArea = {
  file: 'nodes',
  title: 'Nodes',
  groupName: 'aiwm.nodes',
  alerts: [...nodeDown, ...nodeMemory, ...lifecycle, ...nodeData],
};
