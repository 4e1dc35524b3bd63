import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { BY_AGENT, M, eq } from '../queries/index.js';
import * as w from '../queries/workloads.js';
import { Board, RANGE, RATE, UID, namedEntityVariable } from './lib.js';
import { AGENT_STATES, nanAs } from './states.js';

const A = eq('agent_id', '$agent');

/** Level 3: one agent's performance over time. */
export function agentDetail() {
  return new Board(
    UID.agentDetail,
    'AIWM / AI Workload / Agent detail',
    'One agent: tasks, failures, response time, tokens, messages and tool calls over time.',
    {
      entity: namedEntityVariable('agent', 'Agent', M.agentInfo.name, 'agent_id', 'agent_name'),
    },
  )
    .row(100, 'Agent')
    .stat({
      id: 1,
      title: 'Status',
      description: 'Status AIWM records for the agent: active green, busy blue, suspended orange, inactive grey.',
      unit: 'none',
      targets: [{ expr: w.stateCode(M.agentStatus, BY_AGENT, A), legend: 'status' }],
      mappings: AGENT_STATES,
    })
    .stat({
      id: 2,
      title: 'Tasks',
      description: 'Assistant responses over the selected range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentTasks, A, RANGE) }],
      base: 'blue',
    })
    .stat({
      id: 3,
      title: 'Failed',
      description: 'Failed responses over the range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentTaskFailures, A, RANGE) }],
      steps: [{ value: 1, color: 'orange' }],
    })
    .stat({
      id: 4,
      title: 'Average response time',
      description: 'Mean latency over the range.',
      unit: 's',
      targets: [{ expr: w.meanOver(M.agentLatency, A, RANGE) }],
      mappings: [nanAs('no tasks')],
      base: 'blue',
    })
    .stat({
      id: 11,
      title: 'Last task',
      description: 'When the agent last answered (its newest assistant message the exporter has counted).',
      unit: 'dateTimeFromNow',
      targets: [{ expr: w.lastTaskMillis(A) }],
      noValue: 'none counted',
      base: 'blue',
    })
    .stat({
      id: 12,
      title: 'Failure ratio',
      description: `Failed share of the tasks over the range; red above ${T.agentErrors.ratio * 100} % (the agent-errors alert).`,
      unit: 'percentunit',
      targets: [{ expr: w.ratioOver(M.agentTaskFailures, M.agentTasks, A, RANGE) }],
      mappings: [nanAs('no tasks')],
      steps: [{ value: T.agentErrors.ratio, color: 'red' }],
      min: 0,
      max: 1,
    })
    .row(101, 'Timeline')
    .timeseries({
      id: 5,
      title: 'Tasks and failures per second',
      description: 'Assistant responses and failed ones.',
      unit: 'reqps',
      targets: [
        { expr: w.ratePerSecond(M.agentTasks, A, RATE), legend: 'tasks' },
        { expr: w.ratePerSecond(M.agentTaskFailures, A, RATE), legend: 'failed' },
      ],
    })
    .timeseries({
      id: 6,
      title: 'Response time p95',
      description: '95th percentile over 5 minutes.',
      unit: 's',
      targets: [{ expr: w.agentLatencyP95(A), legend: 'p95' }],
    })
    .timeseries({
      id: 7,
      title: 'Failure ratio',
      description: `Failed share of tasks over 30 minutes; alert above ${T.agentErrors.ratio * 100} %.`,
      unit: 'percentunit',
      targets: [{ expr: w.agentFailureRatio(A), legend: 'failed' }],
      min: 0,
      max: 1,
      steps: [{ value: T.agentErrors.ratio, color: 'red' }],
    })
    .timeseries({
      id: 8,
      title: 'Tokens per second',
      description: 'Prompt and completion tokens.',
      unit: 'short',
      targets: [{ expr: w.ratePerSecond(M.agentTokens, A, RATE, ['kind']), legend: '{{kind}}' }],
    })
    .timeseries({
      id: 9,
      title: 'Messages per second by role',
      description: "Messages in the agent's conversations.",
      unit: 'reqps',
      targets: [{ expr: w.ratePerSecond(M.agentMessages, A, RATE, ['role']), legend: '{{role}}' }],
    })
    .timeseries({
      id: 10,
      title: 'Tool calls by outcome',
      description: 'Tool results per second.',
      unit: 'reqps',
      targets: [{ expr: w.ratePerSecond(M.agentToolCalls, A, RATE, ['outcome']), legend: '{{outcome}}' }],
    })
    .build();
}
