import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { M } from '../queries/index.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RANGE, UID, drillDown } from './lib.js';
import { AGENT_STATES, AGENT_STATE_COLORS, alertCell, nanAs, plainCell } from './states.js';

/** Table rows join on the agent id alone: its tasks carry the org of the conversation. */
const ID = w.BY_AGENT_ID;
/** A column kept to the agents of the selected orgs. */
const ofAgents = (column: string) => w.rowsOf(column, M.agentInfo, ID, ORG);

/** Level 3: AI agents. */
export function agents() {
  return new Board(
    UID.agents,
    'AIWM / AI Workload / Agents',
    'AI agents: status, tasks and failures, response time, conversations and messages. Click an agent for its performance.',
  )
    .row(100, 'Agents')
    .bars({
      id: 1,
      title: 'By status',
      description: 'Agents by status, in a neutral colour (the Agents table colours each status).',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.agents, 'status', ORG), legend: '{{status}}' }],
      seriesColors: AGENT_STATE_COLORS,
      base: 'blue',
    })
    .stat({
      id: 2,
      title: 'Tasks',
      description: 'Assistant responses over the selected range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentTasks, ORG, RANGE) }],
      base: 'blue',
      w: 3,
      h: 6,
    })
    .stat({
      id: 3,
      title: 'Failed tasks',
      description: 'Failed assistant responses over the range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentTaskFailures, ORG, RANGE) }],
      steps: [{ value: 1, color: 'orange' }],
      w: 3,
      h: 6,
    })
    .stat({
      id: 4,
      title: 'Success rate',
      description: `Share of tasks that did not fail; red below ${100 - T.agentErrors.ratio * 100} % (the agent-errors alert).`,
      unit: 'percentunit',
      targets: [{ expr: w.successShare(M.agentTaskFailures, M.agentTasks, ORG, RANGE) }],
      mappings: [nanAs('no tasks')],
      base: 'red',
      steps: [{ value: 1 - T.agentErrors.ratio, color: 'green' }],
      min: 0,
      max: 1,
      w: 3,
      h: 6,
    })
    .stat({
      id: 5,
      title: 'Average response time',
      description: 'Mean latency of the responses over the range.',
      unit: 's',
      targets: [{ expr: w.meanOver(M.agentLatency, ORG, RANGE) }],
      mappings: [nanAs('no tasks')],
      base: 'blue',
      w: 3,
      h: 6,
    })
    .stat({
      id: 6,
      title: 'Conversations',
      description: 'Conversations started over the range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentConversations, ORG, RANGE) }],
      base: 'blue',
      w: 3,
      h: 6,
    })
    .stat({
      id: 7,
      title: 'Messages',
      description: 'Messages of every role over the range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentMessages, ORG, RANGE) }],
      base: 'blue',
      w: 3,
      h: 6,
    })
    .timeseries({
      id: 8,
      title: 'Tasks per second by agent',
      description: 'Assistant responses per second.',
      unit: 'reqps',
      targets: [{ expr: w.taskRateByAgent(ORG), legend: '{{agent_name}}' }],
      w: 8,
    })
    .timeseries({
      id: 9,
      title: 'p95 response time by agent',
      description: '95th percentile latency over 5 minutes.',
      unit: 's',
      targets: [{ expr: w.latencyP95ByAgent(ORG), legend: '{{agent_name}}' }],
      w: 8,
    })
    .timeseries({
      id: 11,
      title: 'Failure ratio by agent',
      description: `Failed share of tasks over 30 minutes; alert above ${T.agentErrors.ratio * 100} % (with at least ${T.agentErrors.minTasks} tasks).`,
      unit: 'percentunit',
      targets: [{ expr: w.failureRatioByAgent(ORG), legend: '{{agent_name}}' }],
      min: 0,
      max: 1,
      steps: [{ value: T.agentErrors.ratio, color: 'red' }],
      w: 8,
    })
    .table({
      id: 10,
      title: 'Agents',
      description: `Every agent with its status, tasks and failures over the range (failure ratio red above ${T.agentErrors.ratio * 100} %), p95 response time over 5 minutes and when it last answered.`,
      unit: 'none',
      targets: [
        {
          expr: w.infoColumns(M.agentInfo, [...ID, 'agent_name', 'agent_type', 'deployment_id'], ORG),
          table: true,
        },
        { expr: w.stateCode(M.agentStatus, ID, ORG), table: true },
        { expr: ofAgents(w.increaseOver(M.agentTasks, ORG, RANGE, ID)), table: true },
        { expr: ofAgents(w.increaseOver(M.agentTaskFailures, ORG, RANGE, ID)), table: true },
        { expr: w.lastTaskMillisColumn(ORG), table: true },
        { expr: ofAgents(w.ratioOverBy(M.agentTaskFailures, M.agentTasks, ORG, RANGE, ID)), table: true },
        { expr: w.agentLatencyColumn(0.95, ORG), table: true },
      ],
      columns: {
        agent_name: 'Agent',
        agent_type: 'Type',
        'Value #B': 'Status',
        'Value #C': 'Tasks',
        'Value #D': 'Failed',
        'Value #F': 'Failure ratio',
        'Value #G': 'p95 response (5 m)',
        'Value #E': 'Last task',
        deployment_id: 'Deployment',
        agent_id: 'Id',
      },
      cells: {
        'Value #B': { mappings: AGENT_STATES, color: 'background' },
        'Value #C': { unit: 'short' },
        'Value #D': { unit: 'short' },
        'Value #E': { unit: 'dateTimeFromNow' },
        'Value #F': alertCell('percentunit', [{ value: T.agentErrors.ratio, color: 'red' }], 'no tasks'),
        'Value #G': plainCell('s', 'no traffic'),
      },
      link: { title: 'Agent performance', url: drillDown(UID.agentDetail, { agent: '${__data.fields.Id}' }) },
    })
    .build();
}
