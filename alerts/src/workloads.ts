/**
 * Workload alerts: deployments, models, executions, agents and resources. Test inputs are written as
 * the exporter emits them: every state of a state set (the current one at 1, the others at 0), info
 * series beside them, minute by minute over a timeline of states.
 */
import type { AlertCase, AlertRule, ExpectedAlert, RuleArea, Runbook } from './model.js';
import { M, type MetricDef } from '../../queries/names.js';
import {
  DEPLOYMENT_TRANSITIONS,
  MODEL_DEPLOY_TRANSITIONS,
  MODEL_DOWNLOAD_TRANSITIONS,
  RESOURCE_TRANSITIONS,
  WORKLOAD_ALERT as W,
} from '../../queries/workloads.js';
import { ORG, compactValues, nodeInfo, pct, s, withDuplicateInfo, withGap, withScrapeLabels } from './series.js';
import { THRESHOLDS as T } from './thresholds.js';
import { DASHBOARD } from './dashboards.js';

// --- test input: entities over a timeline of states ----------------------------------------------

/** `minutes` one-minute steps in `state`. */
type Run = readonly [state: string, minutes: number];
const minutesOf = (runs: readonly Run[]) => runs.reduce((n, [, m]) => n + m, 0);
/** `runs` repeated `times` times (a flapping entity). */
const flapping = (times: number, ...runs: Run[]): Run[] => Array.from({ length: times }, () => runs).flat();
/** One value per minute of `runs`: `value(state)` of the state current then. */
const over = (runs: readonly Run[], value: (state: string) => string) =>
  compactValues(runs.flatMap(([state, n]) => Array<string>(n).fill(value(state))));
/** A state set as the exporter writes it: every state of `def`, 1 while current and 0 otherwise. */
const stateSet = (def: MetricDef, key: Record<string, string>, runs: readonly Run[]) =>
  def.states!.map((state) =>
    s(
      def.name,
      { ...key, [def.stateLabel ?? 'status']: state },
      over(runs, (c) => (c === state ? '1' : '0')),
    ),
  );
/** An info series present for as long as `runs` last. */
const info = (def: MetricDef, labels: Record<string, string>, runs: readonly Run[]) =>
  s(def.name, labels, `1x${minutesOf(runs)}`);

const NODE_ID = 'n1';
const NODE_NAME = 'worker-gpu-01';
/** The node the entities run on, for as long as a case lasts. */
const node = (minutes: number) => nodeInfo(NODE_ID, NODE_NAME, `1x${minutes}`);
/** Labels of an entity on n1 (node-down inhibition and names). */
const ON_NODE = { node_id: NODE_ID, node_name: NODE_NAME };

const deployment = (id: string, name: string, runs: readonly Run[], nodeId: string | null = NODE_ID) => [
  ...stateSet(M.deploymentStatus, { org_id: ORG, deployment_id: id }, runs),
  info(
    M.deploymentInfo,
    {
      org_id: ORG,
      deployment_id: id,
      deployment_name: name,
      model_id: 'm1',
      ...(nodeId ? { node_id: nodeId } : {}),
      resource_id: 'r1',
    },
    runs,
  ),
];
const deploymentLabels = (id: string, name: string, where: Record<string, string> = ON_NODE) => ({
  org_id: ORG,
  deployment_id: id,
  deployment_name: name,
  ...where,
});

const model = (id: string, name: string, runs: readonly Run[]) => [
  ...stateSet(M.modelStatus, { org_id: ORG, model_id: id }, runs),
  info(
    M.modelInfo,
    {
      org_id: ORG,
      model_id: id,
      model_name: name,
      model_type: 'llm',
      deployment_type: 'self-hosted',
      framework: 'vllm',
      node_id: NODE_ID,
    },
    runs,
  ),
];
const modelLabels = (id: string, name: string) => ({ org_id: ORG, model_id: id, model_name: name });

const resource = (id: string, name: string, type: string, runs: readonly Run[], nodeId: string | null = NODE_ID) => [
  ...stateSet(M.resourceStatus, { org_id: ORG, resource_id: id }, runs),
  info(
    M.resourceInfo,
    { org_id: ORG, resource_id: id, resource_name: name, resource_type: type, ...(nodeId ? { node_id: nodeId } : {}) },
    runs,
  ),
];
const resourceLabels = (id: string, name: string, type: string, where: Record<string, string> = ON_NODE) => ({
  org_id: ORG,
  resource_id: id,
  resource_name: name,
  resource_type: type,
  ...where,
});

const agent = (id: string, name: string, runs: readonly Run[], nodeId = NODE_ID) => [
  ...stateSet(M.agentStatus, { org_id: ORG, agent_id: id }, runs),
  info(
    M.agentInfo,
    { org_id: ORG, agent_id: id, agent_name: name, agent_type: 'managed', deployment_id: 'd1', node_id: nodeId },
    runs,
  ),
];
const heartbeat = (id: string, values: string) => s(M.agentHeartbeat.name, { org_id: ORG, agent_id: id }, values);

/** The info series the workload alerts join: a case with two of each still gives one alert per entity. */
const WORKLOAD_INFOS = [M.deploymentInfo, M.modelInfo, M.resourceInfo, M.agentInfo, M.nodeInfo].map((d) => d.name);
/** The standard variants of a firing case: scrape labels on every series, every info series twice. */
const variants = (c: AlertCase): AlertCase[] => [withScrapeLabels(c, false), withDuplicateInfo(c, WORKLOAD_INFOS)];
/** Both variants in one case, for cases that run for hours (promtool evaluates every rule at every step). */
const variantsInOne = (c: AlertCase): AlertCase[] => [
  {
    ...withDuplicateInfo(withScrapeLabels(c, false), WORKLOAD_INFOS),
    name: 'extra job/instance labels and two info series per entity: still one alert each',
  },
];
/** The case with every series gone for `minutes` minutes from `from` (a poll gap): it keeps firing. */
const gap = (c: AlertCase, from: number, minutes: number, at: string): AlertCase => ({
  name: `the entity's series vanish for ${minutes} minutes (a poll gap): keeps firing (keep_firing_for)`,
  series: withGap(c.series, from, minutes),
  firingAt: at,
  alerts: c.alerts,
});

const alertOf = (labels: Record<string, string>, summary: string, description: string): ExpectedAlert => ({
  labels,
  summary,
  description,
});
const empty: Runbook = { meaning: '', check: [], act: [] };
const onNode = '{{ with $labels.node_name }} on node {{ . }}{{ end }}';

// --- deployments -----------------------------------------------------------------------------------

const DF = T.deploymentFailed;
const crashedSummary = 'Model deployment crashed';
const deployFailedSummary = 'Model deployment failed to deploy';
const crashed = (id: string, name: string, status: string, where: Record<string, string> = ON_NODE) =>
  alertOf(
    { severity: 'critical', reason: 'crashed', ...deploymentLabels(id, name, where), status },
    crashedSummary,
    `Deployment ${name} (${id})${where.node_name ? ` on node ${where.node_name}` : ''} crashed: it was running within the last ${DF.ranWithin}, went to state ${status} within the last ${DF.failedWithin} and has not run again.`,
  );
const deployFailed = (id: string, name: string, status: string, where: Record<string, string> = ON_NODE) =>
  alertOf(
    { severity: 'warning', reason: 'deploy_failed', ...deploymentLabels(id, name, where), status },
    deployFailedSummary,
    `Deployment ${name} (${id})${where.node_name ? ` on node ${where.node_name}` : ''} is not serving: it went to state ${status} within the last ${DF.failedWithin} and has not been running for ${DF.ranWithin}.`,
  );

const deploymentFailedRunbook: Runbook = {
  meaning:
    'A model deployment went to AIWM state failed or error within the last ' +
    `${DF.failedWithin} and has not been running since (nor stopped): its endpoint serves nothing, and agents ` +
    'bound to it fail. A deployment that flips between failed and deploying (or queued) stays in the alert ' +
    'all along. `reason="crashed"` (critical, pages): it was running within the last ' +
    `${DF.ranWithin}, so users lost a working endpoint. \`reason="deploy_failed"\` (warning, a ticket): it ` +
    `has not run within the last ${DF.ranWithin}: a deploy attempt failed, or a crash is older than that ` +
    '(the page resolves and the ticket takes over; while both fire, the critical one mutes the warning). ' +
    'The `status` label is the failed state it went to; it may be deploying again by now.',
  check: [
    '`AIWM / AI Workload / Deployment detail › Status`: when it left running, and whether it flips between failed and deploying (a retry loop).',
    '`AIWM / AI Workload / Deployment detail › Requests per second` and `AIWM / AI Workload / Deployment detail › Responses by outcome`: when did requests stop, and since when do responses fail.',
    "The deployment's `errorMessage` in AIWM and the failed step of its deploy execution in AIWM (category deployment).",
    'The inference container on the node (`node_name`): `docker logs` / `docker inspect` (image pull, GPU not visible, CUDA out of memory, model files missing). A down node mutes this alert (AIWMNodeDown on the same `node_id`).',
  ],
  act: [
    'Fix the cause and redeploy from AIWM; if the node is at fault, deploy on another node.',
    'A deployment nobody needs any more: stop or delete it in AIWM (a stopped deployment never raises this alert).',
  ],
};

/** The crash the firing case shows: running for 30 minutes, then failed. */
const crashSeries = (runs: Run[] = [['failed', 20]]) => deployment('d1', 'llama-3-8b-prod', [['running', 30], ...runs]);
/** A deployment that never ran: queued, then its deploy attempt failed. */
const attemptSeries = (runs: Run[] = [['failed', 20]]) => deployment('d6', 'qwen-72b', [['queued', 30], ...runs]);

const crashedTest: AlertCase = {
  series: [
    ...crashSeries(),
    ...deployment('d4', 'mistral-7b', [
      ['running', 30],
      ['error', 20],
    ]),
    // Quiet: running all along; restarting (ran, never failed); stopped.
    ...deployment('d2', 'embed-small', [['running', 50]]),
    ...deployment('d3', 'whisper-large', [
      ['running', 20],
      ['deploying', 30],
    ]),
    ...deployment('d5', 'sdxl', [['stopped', 50]]),
    node(50),
  ],
  quietAt: '33m',
  firingAt: '36m',
  alerts: [crashed('d1', 'llama-3-8b-prod', 'failed'), crashed('d4', 'mistral-7b', 'error')],
};

const deployFailedTest: AlertCase = {
  series: [
    ...deployment('d6', 'qwen-72b', [
      ['queued', 2],
      ['deploying', 5],
      ['failed', 20],
    ]),
    ...deployment('d7', 'phi-3', [
      ['deploying', 7],
      ['error', 20],
    ]),
    // On a node AIWM does not know: fires without the node name.
    ...deployment(
      'd12',
      'tinyllama',
      [
        ['deploying', 7],
        ['failed', 20],
      ],
      'n9',
    ),
    // Quiet: waiting (never ran, never failed); running.
    ...deployment('d8', 'gemma-9b', [['queued', 27]]),
    ...deployment('d2', 'embed-small', [['running', 27]]),
    node(27),
  ],
  quietAt: '10m',
  firingAt: '13m',
  alerts: [
    deployFailed('d6', 'qwen-72b', 'failed'),
    deployFailed('d7', 'phi-3', 'error'),
    deployFailed('d12', 'tinyllama', 'failed', { node_id: 'n9' }),
  ],
};

/** A crash and a failed attempt, each followed by a state in which a failure is over: nothing fires. */
const settledCase = (state: string): AlertCase => ({
  name: `failed, then ${state} (the failure is over): quiet`,
  series: [
    ...crashSeries([
      ['failed', 3],
      [state, 20],
    ]),
    ...attemptSeries([
      ['failed', 3],
      [state, 20],
    ]),
    node(53),
  ],
  firingAt: '40m',
  alerts: [],
});

const deploymentFailed: AlertRule[] = [
  {
    alert: 'AIWMDeploymentFailed',
    severity: 'critical',
    labels: { reason: 'crashed' },
    expr: W.deploymentCrashed(DF.failedWithin, DF.ranWithin),
    for: DF.for,
    keepFiringFor: T.stateKeepFiringFor,
    summary: crashedSummary,
    description:
      `Deployment {{ $labels.deployment_name }} ({{ $labels.deployment_id }})${onNode} crashed: it was running ` +
      `within the last ${DF.ranWithin}, went to state {{ $labels.status }} within the last ${DF.failedWithin} ` +
      'and has not run again.',
    anchor: 'aiwmdeploymentfailed',
    dashboard: DASHBOARD.deployment,
    runbook: deploymentFailedRunbook,
    test: crashedTest,
    cases: [
      ...variants(crashedTest),
      {
        name: 'flips between failed and deploying every 4 minutes (a retry loop): fires, crashed or not',
        series: [
          ...crashSeries(flapping(4, ['failed', 4], ['deploying', 4])),
          ...attemptSeries(flapping(4, ['failed', 4], ['deploying', 4])),
          node(62),
        ],
        quietAt: '33m',
        firingAt: '50m',
        alerts: [crashed('d1', 'llama-3-8b-prod', 'failed'), deployFailed('d6', 'qwen-72b', 'failed')],
      },
      gap(
        {
          series: [...crashSeries(), ...attemptSeries(), node(50)],
          firingAt: '',
          alerts: [crashed('d1', 'llama-3-8b-prod', 'failed'), deployFailed('d6', 'qwen-72b', 'failed')],
        },
        40,
        3,
        '42m',
      ),
      {
        name: 'a deployment without a node, and one whose node is unknown: fires without the node name',
        series: [
          ...deployment(
            'd9',
            'api-proxy',
            [
              ['running', 30],
              ['failed', 20],
            ],
            null,
          ),
          ...deployment(
            'd10',
            'bert-base',
            [
              ['running', 30],
              ['failed', 20],
            ],
            'n9',
          ),
          node(50),
        ],
        firingAt: '36m',
        alerts: [crashed('d9', 'api-proxy', 'failed', {}), crashed('d10', 'bert-base', 'failed', { node_id: 'n9' })],
      },
      {
        name: 'an hour after the crash the page resolves and the ticket takes over',
        series: [...crashSeries([['failed', 100]]), node(130)],
        quietAt: '33m',
        firingAt: '105m',
        alerts: [deployFailed('d1', 'llama-3-8b-prod', 'failed')],
      },
      ...['running', 'stopping', 'stopped'].map(settledCase),
      {
        name: 'failed for 2 minutes, redeployed and running again: quiet',
        series: [
          ...crashSeries([
            ['failed', 2],
            ['deploying', 2],
            ['running', 20],
          ]),
          node(54),
        ],
        firingAt: '40m',
        alerts: [],
      },
    ],
  },
  {
    alert: 'AIWMDeploymentFailed',
    severity: 'warning',
    labels: { reason: 'deploy_failed' },
    expr: W.deploymentDeployFailed(DF.failedWithin, DF.ranWithin),
    for: DF.for,
    keepFiringFor: T.stateKeepFiringFor,
    summary: deployFailedSummary,
    description:
      `Deployment {{ $labels.deployment_name }} ({{ $labels.deployment_id }})${onNode} is not serving: it went ` +
      `to state {{ $labels.status }} within the last ${DF.failedWithin} and has not been running for ${DF.ranWithin}.`,
    anchor: 'aiwmdeploymentfailed',
    dashboard: DASHBOARD.deployment,
    runbook: empty,
    test: deployFailedTest,
    cases: variants(deployFailedTest),
    survivingMutants: {
      'drop-alt:status=running':
        'Equivalent: a deployment running now was running within ranWithin, so the `unless` on that window ' +
        'already drops it; `running` stays in the settled states for the crashed rule, which shares the clause.',
    },
  },
];

const stuckDeployment = (id: string, name: string, where: Record<string, string> = ON_NODE) =>
  alertOf(
    { severity: 'warning', ...deploymentLabels(id, name, where) },
    'Model deployment stuck starting',
    `Deployment ${name} (${id})${where.node_name ? ` on node ${where.node_name}` : ''} has been queued or deploying for over ${T.deploymentStuck.for}.`,
  );
const deploymentStuckTest: AlertCase = {
  series: [
    ...deployment('d11', 'llama-3-70b', [
      ['queued', 10],
      ['deploying', 30],
    ]),
    ...deployment('d2', 'embed-small', [['running', 40]]),
    ...deployment('d6', 'qwen-72b', [['failed', 40]]),
    // Not placed on a node yet: fires without node labels.
    ...deployment('d13', 'gemma-27b', [['queued', 40]], null),
    node(40),
  ],
  quietAt: '28m',
  firingAt: '32m',
  alerts: [stuckDeployment('d11', 'llama-3-70b'), stuckDeployment('d13', 'gemma-27b', {})],
};

// --- deployment traffic ------------------------------------------------------------------------------

/** Responses per minute of a deployment, by outcome. */
const responses = (id: string, successPerMinute: number, failedPerMinute: number, minutes = 30) => [
  s(
    M.deploymentResponses.name,
    { org_id: ORG, deployment_id: id, outcome: 'success' },
    `0+${successPerMinute}x${minutes}`,
  ),
  s(
    M.deploymentResponses.name,
    { org_id: ORG, deployment_id: id, outcome: 'failed' },
    `0+${failedPerMinute}x${minutes}`,
  ),
];
/** The latency histogram of a deployment: `perMinute(le)` observations at or below each bucket per minute. */
const latency = (id: string, perMinute: (le: number) => number, minutes = 30) => [
  ...M.deploymentLatency.buckets!.map((le) =>
    s(
      `${M.deploymentLatency.name}_bucket`,
      { org_id: ORG, deployment_id: id, le: String(le) },
      `0+${perMinute(le)}x${minutes}`,
    ),
  ),
  s(
    `${M.deploymentLatency.name}_bucket`,
    { org_id: ORG, deployment_id: id, le: '+Inf' },
    `0+${perMinute(Infinity)}x${minutes}`,
  ),
];
const running = (id: string, name: string, minutes = 30, nodeId: string | null = NODE_ID) =>
  deployment(id, name, [['running', minutes]], nodeId);

const latencyTest: AlertCase = {
  series: [
    // 56 of 60 responses a minute within 10 s, the rest within 20 s: p95 12.5 s, at 1 response/s.
    ...latency('d1', (le) => (le < 10 ? 0 : le < 20 ? 56 : 60)),
    ...responses('d1', 60, 0),
    ...running('d1', 'llama-3-8b-prod'),
    // p95 8.5 s (50 within 5 s, all within 10 s): below 10 s.
    ...latency('d2', (le) => (le < 5 ? 0 : le < 10 ? 50 : 60)),
    ...responses('d2', 60, 0),
    ...running('d2', 'embed-small'),
    // p95 19.5 s at 0.06 responses/s: above the traffic gate (on a node AIWM does not know).
    ...latency('d3', (le) => (le < 20 ? 0 : 3.6)),
    ...responses('d3', 3.6, 0),
    ...running('d3', 'whisper-large', 30, 'n9'),
    // p95 19.5 s at 0.04 responses/s: too little traffic to tell.
    ...latency('d4', (le) => (le < 20 ? 0 : 2.4)),
    ...responses('d4', 2.4, 0),
    ...running('d4', 'mistral-7b'),
    node(30),
  ],
  quietAt: '8m',
  firingAt: '20m',
  alerts: [
    alertOf(
      { severity: 'warning', ...deploymentLabels('d1', 'llama-3-8b-prod') },
      'Model deployment responds slowly',
      'Deployment llama-3-8b-prod answers in 12.5s at the 95th percentile over 5 minutes (warning above 10s).',
    ),
    alertOf(
      { severity: 'warning', ...deploymentLabels('d3', 'whisper-large', { node_id: 'n9' }) },
      'Model deployment responds slowly',
      'Deployment whisper-large answers in 19.5s at the 95th percentile over 5 minutes (warning above 10s).',
    ),
  ],
};

const errorRatioTest: AlertCase = {
  series: [
    // 6 % of 1 response/s fail: above 5 %.
    ...responses('d1', 56.4, 3.6),
    ...running('d1', 'llama-3-8b-prod'),
    // 4 %: below.
    ...responses('d2', 57.6, 2.4),
    ...running('d2', 'embed-small'),
    // Half of 0.06 responses/s: above the traffic gate (on a node AIWM does not know).
    ...responses('d3', 1.8, 1.8),
    ...running('d3', 'whisper-large', 30, 'n9'),
    // Half of 0.04 responses/s: too little traffic to tell.
    ...responses('d4', 1.2, 1.2),
    ...running('d4', 'mistral-7b'),
    // No traffic: the ratio is 0/0, nothing fires.
    ...responses('d5', 0, 0),
    ...running('d5', 'sdxl'),
    node(30),
  ],
  quietAt: '8m',
  firingAt: '20m',
  alerts: [
    alertOf(
      { severity: 'warning', ...deploymentLabels('d1', 'llama-3-8b-prod') },
      'Model deployment returns errors',
      '6% of the responses from deployment llama-3-8b-prod failed over the last 5 minutes (warning above 5 %).',
    ),
    alertOf(
      { severity: 'warning', ...deploymentLabels('d3', 'whisper-large', { node_id: 'n9' }) },
      'Model deployment returns errors',
      '50% of the responses from deployment whisper-large failed over the last 5 minutes (warning above 5 %).',
    ),
  ],
};

const idleTest: AlertCase = {
  series: [
    ...running('d1', 'llama-3-8b-prod', 90),
    s(M.deploymentRequests.name, { org_id: ORG, deployment_id: 'd1' }, '500x90'),
    // An api-based deployment without a node: idle too.
    ...running('d6', 'gpt-proxy', 90, null),
    s(M.deploymentRequests.name, { org_id: ORG, deployment_id: 'd6' }, '80x90'),
    // Serving: quiet.
    ...running('d2', 'embed-small', 90),
    s(M.deploymentRequests.name, { org_id: ORG, deployment_id: 'd2' }, '0+30x90'),
    // Stopped, so no requests is expected: quiet.
    ...deployment('d5', 'sdxl', [['stopped', 90]]),
    s(M.deploymentRequests.name, { org_id: ORG, deployment_id: 'd5' }, '200x90'),
    node(90),
  ],
  quietAt: '50m',
  firingAt: '70m',
  alerts: [
    alertOf(
      { severity: 'info', ...deploymentLabels('d1', 'llama-3-8b-prod'), status: 'running' },
      'Running deployment receives no requests',
      'Deployment llama-3-8b-prod is running but has served no request for an hour: it holds GPUs for nothing.',
    ),
    alertOf(
      { severity: 'info', ...deploymentLabels('d6', 'gpt-proxy', {}), status: 'running' },
      'Running deployment receives no requests',
      'Deployment gpt-proxy is running but has served no request for an hour: it holds GPUs for nothing.',
    ),
  ],
};

const deployments: AlertRule[] = [
  ...deploymentFailed,
  {
    alert: 'AIWMDeploymentStuck',
    severity: 'warning',
    expr: W.deploymentInTransition(),
    for: T.deploymentStuck.for,
    keepFiringFor: T.stateKeepFiringFor,
    summary: 'Model deployment stuck starting',
    description: `Deployment {{ $labels.deployment_name }} ({{ $labels.deployment_id }})${onNode} has been ${DEPLOYMENT_TRANSITIONS.join(' or ')} for over ${T.deploymentStuck.for}.`,
    anchor: 'aiwmdeploymentstuck',
    dashboard: DASHBOARD.deployment,
    runbook: {
      meaning:
        `A deployment has been waiting (queued) or starting (deploying) for over ${T.deploymentStuck.for}, one ` +
        'alert across both: pulling the image and loading the weights take minutes, so the deploy hangs and ' +
        'AIWM has not marked it failed.',
      check: [
        '`AIWM / AI Workload / Deployment detail › Status`: how long in each state.',
        'Its deploy execution in AIWM (category deployment): the step it waits in, `AIWMExecutionBacklog` for its category (no worker picks it up).',
        'On the node (`node_name`): the container (`docker ps -a`, `docker logs`), image pull progress, free disk and GPU memory.',
      ],
      act: [
        'Cancel the deploy execution and redeploy, on another node if this one lacks GPUs or disk.',
        'A queued deployment whose execution never started: see the AIWM workers (AIWMExecutionBacklog).',
      ],
    },
    test: deploymentStuckTest,
    cases: [
      ...variants(deploymentStuckTest),
      gap(deploymentStuckTest, 33, 3, '35m'),
      {
        name: 'deploying for 20 minutes, then running: quiet',
        series: [
          ...deployment('d11', 'llama-3-70b', [
            ['deploying', 20],
            ['running', 20],
          ]),
          node(40),
        ],
        firingAt: '35m',
        alerts: [],
      },
    ],
  },
  {
    alert: 'AIWMDeploymentLatencyHigh',
    severity: 'warning',
    needsRecording: true,
    expr: W.deploymentLatencyAbove(T.deploymentLatency.p95Seconds, T.deploymentLatency.minRequestsPerSecond),
    for: T.deploymentLatency.for,
    summary: 'Model deployment responds slowly',
    description: `Deployment {{ $labels.deployment_name }} answers in {{ $value | humanizeDuration }} at the 95th percentile over 5 minutes (warning above ${T.deploymentLatency.p95Seconds}s).`,
    anchor: 'aiwmdeploymentlatencyhigh',
    dashboard: DASHBOARD.deployment,
    runbook: {
      meaning:
        'Responses from agents bound to the deployment are slow: users wait, and agent tasks time out. Latency is ' +
        'measured on assistant messages (AIWM records no per-request latency on the model endpoint). Deployments ' +
        `with under ${T.deploymentLatency.minRequestsPerSecond} responses per second are left out: a few slow ` +
        'answers tell nothing.',
      check: [
        '`AIWM / AI Workload / Deployment detail › Latency p50 / p95 / p99` against `AIWM / AI Workload / Deployment detail › Requests per second`: a rise with traffic means saturation, a rise without it means a slower model path or a sick GPU.',
        "`AIWM / AI Workload / Deployment detail › GPU utilization` and `AIWM / AI Workload / Deployment detail › GPU temperature`: the GPUs of the deployment's node (throttling shows as high temperature with lower clocks).",
        'vLLM/Triton metrics on the container: queue length, KV cache usage.',
      ],
      act: [
        'Scale out (another deployment of the model) or lower the load; restart a deployment whose GPU is throttling after fixing the cooling.',
      ],
    },
    test: latencyTest,
    cases: variants(latencyTest),
  },
  {
    alert: 'AIWMDeploymentErrorRatioHigh',
    severity: 'warning',
    needsRecording: true,
    expr: W.deploymentErrorsAbove(T.deploymentErrors.ratio, T.deploymentErrors.minResponsesPerSecond),
    for: T.deploymentErrors.for,
    summary: 'Model deployment returns errors',
    description: `{{ $value | humanizePercentage }} of the responses from deployment {{ $labels.deployment_name }} failed over the last 5 minutes (warning above ${pct(T.deploymentErrors.ratio)} %).`,
    anchor: 'aiwmdeploymenterrorratiohigh',
    dashboard: DASHBOARD.deployment,
    runbook: {
      meaning:
        'A share of the assistant responses served through the deployment fail (message status failed or an ' +
        `error). Deployments with under ${T.deploymentErrors.minResponsesPerSecond} responses per second (none ` +
        'at all included) are left out.',
      check: [
        '`AIWM / AI Workload / Deployment detail › Error ratio` and `AIWM / AI Workload / Deployment detail › Responses by outcome`: since when, and how many; the error messages themselves are in AIWM (messages with status failed).',
        'The inference container logs on the node; provider status for api-based models.',
      ],
      act: [
        'Roll back a recent model or configuration change; restart the deployment; for api-based models check credentials and quotas.',
      ],
    },
    test: errorRatioTest,
    cases: variants(errorRatioTest),
  },
  {
    alert: 'AIWMDeploymentIdle',
    severity: 'info',
    needsRecording: true,
    expr: W.deploymentIdle(),
    for: T.deploymentIdle.for,
    summary: 'Running deployment receives no requests',
    description:
      'Deployment {{ $labels.deployment_name }} is running but has served no request for an hour: it holds GPUs for nothing.',
    anchor: 'aiwmdeploymentidle',
    dashboard: DASHBOARD.deployment,
    runbook: {
      meaning:
        'A deployment holds GPUs while nothing uses it. Not an outage; a capacity and cost signal (info: not routed to anyone).',
      check: ['Whether clients still point at the endpoint (agents bound to the deployment, API keys in use).'],
      act: ['Stop the deployment or scale it to zero if it is not needed.'],
    },
    test: idleTest,
    cases: variantsInOne(idleTest),
  },
];

// --- executions --------------------------------------------------------------------------------------

const completions = (category: string, completedPerMinute: number, failedPerMinute: number) => [
  s(M.executionCompletions.name, { org_id: ORG, category, outcome: 'completed' }, `0+${completedPerMinute}x60`),
  s(M.executionCompletions.name, { org_id: ORG, category, outcome: 'failed' }, `0+${failedPerMinute}x60`),
];
const executionFailuresTest: AlertCase = {
  series: [
    // 25 % of 300 completions in 30 minutes: above 20 %.
    ...completions('model', 7.5, 2.5),
    // 15 %: below.
    ...completions('batch', 8.5, 1.5),
    // Half of 6 completions in 30 minutes: enough to tell.
    ...completions('deployment', 0.1, 0.1),
    // Half of 4: too few to tell.
    ...completions('agent', 2 / 30, 2 / 30),
    // Nothing finished: 0/0, quiet.
    ...completions('maintenance', 0, 0),
  ],
  quietAt: '10m',
  firingAt: '50m',
  alerts: [
    alertOf(
      { severity: 'warning', org_id: ORG, category: 'model' },
      'Many workflow executions fail',
      '25% of the model executions in org org-a failed or timed out over the last 30 minutes (warning above 20 %).',
    ),
    alertOf(
      { severity: 'warning', org_id: ORG, category: 'deployment' },
      'Many workflow executions fail',
      '50% of the deployment executions in org org-a failed or timed out over the last 30 minutes (warning above 20 %).',
    ),
  ],
};

const overdueTest: AlertCase = {
  series: [
    s(M.executionOverdue.name, { org_id: ORG, category: 'model' }, '1x10'),
    s(M.executionOverdue.name, { org_id: ORG, category: 'deployment' }, '3x10'),
    // Running, none past its timeout: the exporter writes 0.
    s(M.executionOverdue.name, { org_id: ORG, category: 'batch' }, '0x10'),
  ],
  quietAt: '3m',
  firingAt: '6m',
  alerts: [
    alertOf(
      { severity: 'warning', org_id: ORG, category: 'model' },
      'Executions running past their timeout',
      '1 running model executions in org org-a are past their timeoutAt.',
    ),
    alertOf(
      { severity: 'warning', org_id: ORG, category: 'deployment' },
      'Executions running past their timeout',
      '3 running deployment executions in org org-a are past their timeoutAt.',
    ),
  ],
};

const EB = T.executionBacklog;
const executions = (category: string, type: string, status: string, values: string) =>
  s(M.executions.name, { org_id: ORG, category, type, status }, values);
const backlogTest: AlertCase = {
  series: [
    // 8 + 4 pending model executions (two types): 12, at least 10.
    executions('model', 'download-model', 'pending', '8x40'),
    executions('model', 'validate-model', 'pending', '4x40'),
    executions('model', 'download-model', 'running', '3x40'),
    executions('model', 'download-model', 'completed', '0+2x40'),
    // 7 pending deployments: below 10.
    executions('deployment', 'deploy-model', 'pending', '7x40'),
    executions('deployment', 'deploy-model', 'running', '30x40'),
  ],
  quietAt: '25m',
  firingAt: '32m',
  alerts: [
    alertOf(
      { severity: 'warning', org_id: ORG, category: 'model' },
      'Executions wait for a worker',
      `12 model executions in org org-a have been pending (no worker started them) for over ${EB.for}, at least ${EB.minPending} all along.`,
    ),
  ],
};

const executionAlerts: AlertRule[] = [
  {
    alert: 'AIWMExecutionFailureRatioHigh',
    severity: 'warning',
    needsRecording: true,
    expr: W.executionFailuresAbove(T.executionFailures.ratio, T.executionFailures.minCompletions),
    for: T.executionFailures.for,
    summary: 'Many workflow executions fail',
    description: `{{ $value | humanizePercentage }} of the {{ $labels.category }} executions in org {{ $labels.org_id }} failed or timed out over the last 30 minutes (warning above ${pct(T.executionFailures.ratio)} %).`,
    anchor: 'aiwmexecutionfailureratiohigh',
    dashboard: DASHBOARD.executions,
    runbook: {
      meaning:
        "AIWM workflows (model downloads, deployments, maintenance, batch jobs) of one category fail often: users' " +
        `requests to AIWM are not carried out. Categories with under ${T.executionFailures.minCompletions} ` +
        'finished executions in 30 minutes are left out.',
      check: [
        '`AIWM / AI Workload / Executions › Finished per second by outcome`: since when, and in which outcome; the error and failed step of recent ones are in AIWM.',
        'Whether the failures share a node (`nodeId`) or a step.',
      ],
      act: ['Fix the shared cause (node, registry, storage, provider); re-run the failed executions from AIWM.'],
    },
    test: executionFailuresTest,
    cases: variants(executionFailuresTest),
  },
  {
    alert: 'AIWMExecutionOverdue',
    severity: 'warning',
    expr: W.executionsOverdue(),
    for: T.executionOverdue.for,
    summary: 'Executions running past their timeout',
    description:
      '{{ $value | humanize }} running {{ $labels.category }} executions in org {{ $labels.org_id }} are past their timeoutAt.',
    anchor: 'aiwmexecutionoverdue',
    dashboard: DASHBOARD.executions,
    runbook: {
      meaning:
        "Executions still run after their `timeoutAt`: AIWM's own timeout handling did not stop them, so they may hold resources or block follow-up work.",
      check: [
        '`AIWM / AI Workload / Executions › Running past their timeout`: how many, by category, since when; in MongoDB: `db.executions.find({status: "running", timeoutAt: {$lt: new Date()}})` for their ids, steps and node.',
      ],
      act: ['Cancel them in AIWM; check the AIWM worker that runs them (the node in `nodeId`).'],
    },
    test: overdueTest,
    cases: variants(overdueTest),
  },
  {
    alert: 'AIWMExecutionBacklog',
    severity: 'warning',
    expr: W.executionsPendingAtLeast(EB.minPending),
    for: EB.for,
    keepFiringFor: T.stateKeepFiringFor,
    summary: 'Executions wait for a worker',
    description: `{{ $value | humanize }} {{ $labels.category }} executions in org {{ $labels.org_id }} have been pending (no worker started them) for over ${EB.for}, at least ${EB.minPending} all along.`,
    anchor: 'aiwmexecutionbacklog',
    dashboard: DASHBOARD.executions,
    runbook: {
      meaning:
        `At least ${EB.minPending} executions of one category (all types together) have been pending for ` +
        `${EB.for} without a break: AIWM's workers do not start them as fast as they come, or not at all. ` +
        'Deployments, downloads and maintenance wait behind them.',
      check: [
        '`AIWM / AI Workload / Executions › By status` and `AIWM / AI Workload / Executions › Categories`: pending against running, by category; `AIWM / AI Workload / Executions › Finished per second by outcome`: do any finish at all?',
        'The AIWM workers that run the category: up, connected to MongoDB, not stuck on an overdue execution (AIWMExecutionOverdue).',
        'In MongoDB: `db.executions.find({status: "pending"}).sort({createdAt: 1})` for the oldest ones and their node.',
      ],
      act: [
        'Restart or scale the AIWM workers; cancel executions that are no longer wanted (duplicates, retries of a fixed failure).',
      ],
    },
    test: backlogTest,
    cases: [
      ...variants(backlogTest),
      {
        name: 'a backlog that dips below 10 within the half hour: quiet',
        series: [executions('model', 'download-model', 'pending', '12x20 9 12x19')],
        firingAt: '38m',
        alerts: [],
      },
    ],
  },
];

// --- models --------------------------------------------------------------------------------------------

const MF = T.modelFailed;
const modelFailed = (id: string, name: string, status: string) =>
  alertOf(
    { severity: 'warning', ...modelLabels(id, name), status },
    'Model download or deployment failed',
    `Model ${name} (${id}) went to state ${status} within the last ${MF.failedWithin} and has not been downloaded, active or inactive since.`,
  );
const modelFailedTest: AlertCase = {
  series: [
    ...model('m1', 'Llama-3.1-8B', [
      ['downloading', 5],
      ['download-failed', 20],
    ]),
    ...model('m2', 'Qwen2-72B', [
      ['deploying', 5],
      ['deploy-failed', 20],
    ]),
    ...model('m3', 'Mistral-7B', [
      ['active', 5],
      ['error', 20],
    ]),
    ...model('m4', 'gpt-4o', [
      ['validating', 5],
      ['invalid-credentials', 20],
    ]),
    // Quiet: serving; downloading (never failed).
    ...model('m5', 'bge-m3', [['active', 25]]),
    ...model('m6', 'Llama-3.1-70B', [['downloading', 25]]),
  ],
  quietAt: '12m',
  firingAt: '16m',
  alerts: [
    modelFailed('m1', 'Llama-3.1-8B', 'download-failed'),
    modelFailed('m2', 'Qwen2-72B', 'deploy-failed'),
    modelFailed('m3', 'Mistral-7B', 'error'),
    modelFailed('m4', 'gpt-4o', 'invalid-credentials'),
  ],
};

const modelStuck = (id: string, name: string, reason: string, states: readonly string[], after: string) =>
  alertOf(
    { severity: 'warning', reason, ...modelLabels(id, name) },
    'Model stuck in a transition',
    `Model ${name} (${id}) has been ${states.join(' or ')} for over ${after}.`,
  );
const modelDownloadStuckTest: AlertCase = {
  series: [
    ...model('m7', 'Llama-3.1-405B', [
      ['queued', 60],
      ['downloading', 320],
    ]),
    ...model('m5', 'bge-m3', [['active', 380]]),
  ],
  quietAt: '350m',
  firingAt: '365m',
  alerts: [modelStuck('m7', 'Llama-3.1-405B', 'download', MODEL_DOWNLOAD_TRANSITIONS, T.modelStuck.downloadFor)],
};
const modelDeployStuckTest: AlertCase = {
  series: [
    ...model('m8', 'Phi-3-mini', [
      ['deploying', 30],
      ['validating', 40],
    ]),
    ...model('m5', 'bge-m3', [['active', 70]]),
  ],
  quietAt: '55m',
  firingAt: '62m',
  alerts: [modelStuck('m8', 'Phi-3-mini', 'deploy', MODEL_DEPLOY_TRANSITIONS, T.modelStuck.deployFor)],
};
const modelStuckRunbook: Runbook = {
  meaning:
    `A model has not left a transition: \`reason="download"\`: queued for or in its download for over ` +
    `${T.modelStuck.downloadFor} (large weights take hours, so this is a hang, not a slow link); ` +
    `\`reason="deploy"\`: deploying or validating for over ${T.modelStuck.deployFor}. One alert across the ` +
    'states of each reason. AIWM has not marked it failed, so AIWMModelFailed stays quiet.',
  check: [
    '`AIWM / AI Workload / Models › Models`: its status and node.',
    'Its execution in AIWM (category model): the step it waits in, its progress; `AIWMExecutionBacklog` for the category (queued, never started).',
    'Downloads: network and disk on the node, the registry or hub (rate limits, credentials). Validation: the provider API for api-based models.',
  ],
  act: [
    'Cancel the execution and retry the download or deployment from AIWM; free disk on the node first if it is full.',
  ],
};

const models: AlertRule[] = [
  {
    alert: 'AIWMModelFailed',
    severity: 'warning',
    expr: W.modelFailing(MF.failedWithin),
    for: MF.for,
    keepFiringFor: T.stateKeepFiringFor,
    summary: 'Model download or deployment failed',
    description: `Model {{ $labels.model_name }} ({{ $labels.model_id }}) went to state {{ $labels.status }} within the last ${MF.failedWithin} and has not been downloaded, active or inactive since.`,
    anchor: 'aiwmmodelfailed',
    dashboard: DASHBOARD.models,
    runbook: {
      meaning:
        'A model could not be downloaded or deployed, or its provider rejects the credentials: it cannot serve. ' +
        `It fired because the model went to a failed state within the last ${MF.failedWithin} and has not ` +
        'reached downloaded, active or inactive since, so a model that retries and fails again ' +
        '(downloading, download-failed, downloading, ...) stays in the alert.',
      check: [
        '`AIWM / AI Workload / Models › Models`: its status now and its node.',
        "The model's download or deploy execution (Executions, category model) and its error.",
        'Disk space and network on the node for downloads; the provider API key for invalid-credentials.',
      ],
      act: ['Fix the cause and retry the download or deployment from AIWM.'],
    },
    test: modelFailedTest,
    cases: [
      ...variants(modelFailedTest),
      {
        name: 'retries its download every 4 minutes and fails each time: fires',
        series: [
          ...model('m1', 'Llama-3.1-8B', flapping(5, ['downloading', 4], ['download-failed', 4])),
          ...model('m5', 'bge-m3', [['active', 40]]),
        ],
        quietAt: '10m',
        firingAt: '30m',
        alerts: [modelFailed('m1', 'Llama-3.1-8B', 'download-failed')],
      },
      gap(
        {
          series: model('m1', 'Llama-3.1-8B', [['download-failed', 30]]),
          firingAt: '',
          alerts: [modelFailed('m1', 'Llama-3.1-8B', 'download-failed')],
        },
        15,
        3,
        '17m',
      ),
      ...['downloaded', 'active', 'inactive'].map((state): AlertCase => ({
        name: `download-failed, then ${state} (the failure is over): quiet`,
        series: model('m1', 'Llama-3.1-8B', [
          ['downloading', 5],
          ['download-failed', 3],
          [state, 20],
        ]),
        firingAt: '18m',
        alerts: [],
      })),
    ],
  },
  {
    alert: 'AIWMModelStuck',
    severity: 'warning',
    labels: { reason: 'download' },
    expr: W.modelInTransition(MODEL_DOWNLOAD_TRANSITIONS),
    for: T.modelStuck.downloadFor,
    keepFiringFor: T.stateKeepFiringFor,
    summary: 'Model stuck in a transition',
    description: `Model {{ $labels.model_name }} ({{ $labels.model_id }}) has been ${MODEL_DOWNLOAD_TRANSITIONS.join(' or ')} for over ${T.modelStuck.downloadFor}.`,
    anchor: 'aiwmmodelstuck',
    dashboard: DASHBOARD.models,
    runbook: modelStuckRunbook,
    test: modelDownloadStuckTest,
    cases: [...variantsInOne(modelDownloadStuckTest)],
  },
  {
    alert: 'AIWMModelStuck',
    severity: 'warning',
    labels: { reason: 'deploy' },
    expr: W.modelInTransition(MODEL_DEPLOY_TRANSITIONS),
    for: T.modelStuck.deployFor,
    keepFiringFor: T.stateKeepFiringFor,
    summary: 'Model stuck in a transition',
    description: `Model {{ $labels.model_name }} ({{ $labels.model_id }}) has been ${MODEL_DEPLOY_TRANSITIONS.join(' or ')} for over ${T.modelStuck.deployFor}.`,
    anchor: 'aiwmmodelstuck',
    dashboard: DASHBOARD.models,
    runbook: empty,
    test: modelDeployStuckTest,
    cases: [...variants(modelDeployStuckTest), gap(modelDeployStuckTest, 63, 3, '65m')],
  },
];

// --- agents --------------------------------------------------------------------------------------------

/** Tasks and failed tasks of an agent per minute, over an hour. */
const tasks = (id: string, perMinute: number, failedPerMinute: number) => [
  s(M.agentTasks.name, { org_id: ORG, agent_id: id }, `0+${perMinute}x60`),
  s(M.agentTaskFailures.name, { org_id: ORG, agent_id: id }, `0+${failedPerMinute}x60`),
];
const agentErrorsTest: AlertCase = {
  series: [
    // 12 % of 600 tasks in 30 minutes: above 10 %.
    ...tasks('a1', 20, 2.4),
    ...agent('a1', 'code-assistant', [['active', 60]]),
    // 8 %: below.
    ...tasks('a2', 20, 1.6),
    ...agent('a2', 'support-bot', [['active', 60]]),
    // Half of 12 tasks: enough to tell.
    ...tasks('a3', 0.4, 0.2),
    ...agent('a3', 'triage-agent', [['active', 60]]),
    // Half of 8: too few to tell.
    ...tasks('a4', 8 / 30, 4 / 30),
    ...agent('a4', 'ops-agent', [['active', 60]]),
    // No tasks at all: 0/0, quiet.
    ...tasks('a5', 0, 0),
    ...agent('a5', 'sales-agent', [['inactive', 60]]),
  ],
  quietAt: '10m',
  firingAt: '50m',
  alerts: [
    alertOf(
      { severity: 'warning', org_id: ORG, agent_id: 'a1', agent_name: 'code-assistant' },
      'Agent tasks fail',
      '12% of the tasks of agent code-assistant failed over the last 30 minutes (warning above 10 %).',
    ),
    alertOf(
      { severity: 'warning', org_id: ORG, agent_id: 'a3', agent_name: 'triage-agent' },
      'Agent tasks fail',
      '50% of the tasks of agent triage-agent failed over the last 30 minutes (warning above 10 %).',
    ),
  ],
};

const agentBusyTest: AlertCase = {
  series: [...agent('a1', 'code-assistant', [['busy', 150]]), ...agent('a2', 'support-bot', [['active', 150]])],
  quietAt: '100m',
  firingAt: '125m',
  alerts: [
    alertOf(
      { severity: 'info', org_id: ORG, agent_id: 'a1', agent_name: 'code-assistant', status: 'busy' },
      'Agent busy for a long time',
      'Agent code-assistant has been busy for over two hours.',
    ),
  ],
};

const AH = T.agentHeartbeat;
const staleAgent = (id: string, name: string, where: Record<string, string> = ON_NODE) =>
  alertOf(
    { severity: 'warning', org_id: ORG, agent_id: id, agent_name: name, ...where },
    'Live agent stopped heartbeating',
    `Agent ${name}${where.node_name ? ` on node ${where.node_name}` : ''} has sent no heartbeat for 12m 0s while AIWM records it active or busy.`,
  );
const agentHeartbeatTest: AlertCase = {
  series: [
    // Heartbeats every minute until minute 10, then none: older than 5 minutes from minute 16.
    ...agent('a1', 'code-assistant', [['active', 30]]),
    heartbeat('a1', '0+60x10 600x20'),
    ...agent('a2', 'support-bot', [['busy', 30]]),
    heartbeat('a2', '0+60x10 600x20'),
    // Its node is unknown to AIWM: fires without the node name.
    ...agent('a3', 'triage-agent', [['active', 30]], 'n9'),
    heartbeat('a3', '0+60x10 600x20'),
    // Quiet: inactive and suspended agents stop heartbeating by design; a live one that heartbeats.
    ...agent('a4', 'ops-agent', [['inactive', 30]]),
    heartbeat('a4', '600x30'),
    ...agent('a5', 'sales-agent', [['suspended', 30]]),
    heartbeat('a5', '600x30'),
    ...agent('a6', 'research-agent', [['active', 30]]),
    heartbeat('a6', '0+60x30'),
    node(30),
  ],
  quietAt: '18m',
  firingAt: '22m',
  alerts: [
    staleAgent('a1', 'code-assistant'),
    staleAgent('a2', 'support-bot'),
    staleAgent('a3', 'triage-agent', { node_id: 'n9' }),
  ],
};

const agents: AlertRule[] = [
  {
    alert: 'AIWMAgentErrorRatioHigh',
    severity: 'warning',
    needsRecording: true,
    expr: W.agentErrorsAbove(T.agentErrors.ratio, T.agentErrors.minTasks),
    for: T.agentErrors.for,
    summary: 'Agent tasks fail',
    description: `{{ $value | humanizePercentage }} of the tasks of agent {{ $labels.agent_name }} failed over the last 30 minutes (warning above ${pct(T.agentErrors.ratio)} %).`,
    anchor: 'aiwmagenterrorratiohigh',
    dashboard: DASHBOARD.agent,
    runbook: {
      meaning:
        "An agent's responses fail often (message status failed, type error): its users get errors. Agents " +
        `with under ${T.agentErrors.minTasks} tasks in 30 minutes (none at all included) are left out.`,
      check: [
        '`AIWM / AI Workload / Agent detail › Failure ratio` and `AIWM / AI Workload / Agent detail › Tasks and failures per second` over time; the failed tasks themselves are in AIWM (messages with status failed).',
        "The deployment the agent is bound to (is it failing too?) and the agent's tools (tool call failures).",
      ],
      act: ['Fix the deployment or tool at fault; suspend the agent if it keeps failing.'],
    },
    test: agentErrorsTest,
    cases: variants(agentErrorsTest),
  },
  {
    alert: 'AIWMAgentBusyTooLong',
    severity: 'info',
    expr: W.agentBusy(),
    for: T.agentBusy.for,
    summary: 'Agent busy for a long time',
    description: 'Agent {{ $labels.agent_name }} has been busy for over two hours.',
    anchor: 'aiwmagentbusytoolong',
    dashboard: DASHBOARD.agent,
    runbook: {
      meaning:
        'An agent stays busy: it may be stuck in a long tool loop, or AIWM missed its return to active (info: not routed).',
      check: [
        '`AIWM / AI Workload / Agent detail › Messages per second by role` and `AIWM / AI Workload / Agent detail › Last task`: is it still producing messages? Its last heartbeat is in AIWM.',
      ],
      act: ['If it is stuck, restart the agent from AIWM.'],
    },
    test: agentBusyTest,
    cases: variantsInOne(agentBusyTest),
  },
  {
    alert: 'AIWMAgentHeartbeatStale',
    severity: 'warning',
    expr: W.agentHeartbeatOlderThan(AH.staleSeconds),
    for: AH.for,
    keepFiringFor: T.stateKeepFiringFor,
    summary: 'Live agent stopped heartbeating',
    description: `Agent {{ $labels.agent_name }}${onNode} has sent no heartbeat for {{ $value | humanizeDuration }} while AIWM records it active or busy.`,
    anchor: 'aiwmagentheartbeatstale',
    dashboard: DASHBOARD.agent,
    runbook: {
      meaning:
        'AIWM records the agent as active or busy (a live agent heartbeats every few seconds), but its last ' +
        `heartbeat (\`lastHeartbeatAt\`) is over ${AH.staleSeconds / 60} minutes old: the agent process is ` +
        'gone or cut off, and AIWM kept its last status. Inactive and suspended agents never raise it. The ' +
        "alert carries the agent's node (`node_id`, `node_name`): a down node explains it.",
      check: [
        '`AIWM / AI Workload / Agent detail › Status` and `AIWM / AI Workload / Agent detail › Last task`: when did it last work?',
        'AIWMNodeDown for its node; on the node, the agent process or container and its logs (connection or token errors towards AIWM).',
      ],
      act: [
        'Restart the agent from AIWM or on its node; if it is retired, set it inactive in AIWM (that silences this alert).',
      ],
    },
    test: agentHeartbeatTest,
    cases: [...variants(agentHeartbeatTest), gap(agentHeartbeatTest, 23, 3, '25m')],
  },
];

// --- resources -----------------------------------------------------------------------------------------

const RF = T.resourceFailed;
const failedResource = (
  id: string,
  name: string,
  type: string,
  status: string,
  where: Record<string, string> = ON_NODE,
) =>
  alertOf(
    { severity: 'warning', ...resourceLabels(id, name, type, where), status },
    'VM or container failed',
    `The ${type} ${name} (${id})${where.node_name ? ` on node ${where.node_name}` : ''} went to state ${status} within the last ${RF.failedWithin} and has not been running or stopped since.`,
  );
const resourceFailedTest: AlertCase = {
  series: [
    ...resource('r1', 'ubuntu-gpu-vm', 'virtual-machine', [
      ['deploying', 5],
      ['error', 20],
    ]),
    ...resource('r2', 'vllm-llama', 'inference-container', [
      ['running', 5],
      ['failed', 20],
    ]),
    // Quiet: running; deploying (never failed); stopped.
    ...resource('r3', 'jupyter', 'application-container', [['running', 25]]),
    ...resource('r4', 'win-vm', 'virtual-machine', [['deploying', 25]]),
    ...resource('r5', 'old-vm', 'virtual-machine', [['stopped', 25]]),
    node(25),
  ],
  quietAt: '12m',
  firingAt: '16m',
  alerts: [
    failedResource('r1', 'ubuntu-gpu-vm', 'virtual-machine', 'error'),
    failedResource('r2', 'vllm-llama', 'inference-container', 'failed'),
  ],
};
const stuckResource = (id: string, name: string, type: string, where: Record<string, string> = ON_NODE) =>
  alertOf(
    { severity: 'warning', ...resourceLabels(id, name, type, where) },
    'VM or container stuck starting',
    `The ${type} ${name} (${id})${where.node_name ? ` on node ${where.node_name}` : ''} has been queued or deploying for over ${T.resourceStuck.for}.`,
  );
const resourceStuckTest: AlertCase = {
  series: [
    ...resource('r6', 'rocky-vm', 'virtual-machine', [
      ['queued', 10],
      ['deploying', 30],
    ]),
    ...resource('r3', 'jupyter', 'application-container', [['running', 40]]),
    ...resource('r1', 'ubuntu-gpu-vm', 'virtual-machine', [['error', 40]]),
    // On a node AIWM does not know: fires without the node name.
    ...resource('r8', 'build-runner', 'application-container', [['deploying', 40]], 'n9'),
    node(40),
  ],
  quietAt: '28m',
  firingAt: '32m',
  alerts: [
    stuckResource('r6', 'rocky-vm', 'virtual-machine'),
    stuckResource('r8', 'build-runner', 'application-container', { node_id: 'n9' }),
  ],
};

const resources: AlertRule[] = [
  {
    alert: 'AIWMResourceFailed',
    severity: 'warning',
    expr: W.resourceFailing(RF.failedWithin),
    for: RF.for,
    keepFiringFor: T.stateKeepFiringFor,
    summary: 'VM or container failed',
    description: `The {{ $labels.resource_type }} {{ $labels.resource_name }} ({{ $labels.resource_id }})${onNode} went to state {{ $labels.status }} within the last ${RF.failedWithin} and has not been running or stopped since.`,
    anchor: 'aiwmresourcefailed',
    dashboard: DASHBOARD.resources,
    runbook: {
      meaning:
        'A VM or container AIWM manages failed to deploy or crashed (state failed or error) within the last ' +
        `${RF.failedWithin} and has not been running, stopping or stopped since: one that retries and fails ` +
        'again stays in the alert. A down node mutes it (AIWMNodeDown on the same `node_id`).',
      check: [
        '`AIWM / Infrastructure / Resources › Resources`: the resource, its status and its node; its `errorMessage` in AIWM.',
        'On the node (`node_name`): `virsh list --all` / `docker ps -a` and the logs.',
      ],
      act: ['Redeploy it from AIWM; if the node is short of resources, pick another node.'],
    },
    test: resourceFailedTest,
    cases: [
      ...variants(resourceFailedTest),
      {
        name: 'flips between deploying and failed every 4 minutes: fires',
        series: [
          ...resource('r1', 'ubuntu-gpu-vm', 'virtual-machine', flapping(5, ['deploying', 4], ['failed', 4])),
          node(40),
        ],
        quietAt: '10m',
        firingAt: '30m',
        alerts: [failedResource('r1', 'ubuntu-gpu-vm', 'virtual-machine', 'failed')],
      },
      gap(
        {
          series: [...resource('r1', 'ubuntu-gpu-vm', 'virtual-machine', [['error', 30]]), node(30)],
          firingAt: '',
          alerts: [failedResource('r1', 'ubuntu-gpu-vm', 'virtual-machine', 'error')],
        },
        15,
        3,
        '17m',
      ),
      {
        name: 'a resource without a node: fires without node labels',
        series: resource('r7', 'edge-app', 'application-container', [['error', 20]], null),
        firingAt: '12m',
        alerts: [failedResource('r7', 'edge-app', 'application-container', 'error', {})],
      },
      ...['running', 'stopping', 'stopped'].map((state): AlertCase => ({
        name: `error, then ${state} (the failure is over): quiet`,
        series: [
          ...resource('r1', 'ubuntu-gpu-vm', 'virtual-machine', [
            ['deploying', 5],
            ['error', 3],
            [state, 20],
          ]),
          node(28),
        ],
        firingAt: '18m',
        alerts: [],
      })),
    ],
  },
  {
    alert: 'AIWMResourceStuck',
    severity: 'warning',
    expr: W.resourceInTransition(),
    for: T.resourceStuck.for,
    keepFiringFor: T.stateKeepFiringFor,
    summary: 'VM or container stuck starting',
    description: `The {{ $labels.resource_type }} {{ $labels.resource_name }} ({{ $labels.resource_id }})${onNode} has been ${RESOURCE_TRANSITIONS.join(' or ')} for over ${T.resourceStuck.for}.`,
    anchor: 'aiwmresourcestuck',
    dashboard: DASHBOARD.resources,
    runbook: {
      meaning:
        `A VM or container has been waiting (queued) or starting (deploying) for over ${T.resourceStuck.for}, ` +
        'one alert across both, and AIWM has not marked it failed. A down node mutes it.',
      check: [
        '`AIWM / Infrastructure / Resources › Resources`: the resource, its status and its node.',
        'Its execution in AIWM (category maintenance, create-resource): the step it waits in; `AIWMExecutionBacklog`.',
        'On the node (`node_name`): `virsh list --all` / `docker ps -a`, image download, free disk, RAM and GPUs for the allocation.',
      ],
      act: ['Cancel and redeploy it from AIWM, on another node if this one lacks room.'],
    },
    test: resourceStuckTest,
    cases: [...variants(resourceStuckTest), gap(resourceStuckTest, 33, 3, '35m')],
  },
];

export const WORKLOADS: RuleArea = {
  file: 'workloads',
  title: 'Deployments, models, executions, agents and resources',
  groupName: 'aiwm.workloads',
  alerts: [...deployments, ...executionAlerts, ...models, ...agents, ...resources],
};
