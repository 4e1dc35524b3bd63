import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { BY_AGENT, M } from '../queries/index.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RANGE, UID, drillDown } from './lib.js';

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
      description: 'Agents by status.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.agents, 'status', ORG), legend: '{{status}}' }],
    })
    .stat({
      id: 2,
      title: 'Tasks',
      description: 'Assistant responses over the selected range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentTasks, ORG, RANGE) }],
      w: 3,
    })
    .stat({
      id: 3,
      title: 'Failed tasks',
      description: 'Failed assistant responses over the range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentTaskFailures, ORG, RANGE) }],
      steps: [{ value: 1, color: 'orange' }],
      w: 3,
    })
    .stat({
      id: 4,
      title: 'Success rate',
      description: 'Share of tasks that did not fail.',
      unit: 'percentunit',
      targets: [{ expr: w.successShare(M.agentTaskFailures, M.agentTasks, ORG, RANGE) }],
      base: 'red',
      steps: [{ value: 1 - T.agentErrors.ratio, color: 'green' }],
      min: 0,
      max: 1,
      w: 3,
    })
    .stat({
      id: 5,
      title: 'Average response time',
      description: 'Mean latency of the responses over the range.',
      unit: 's',
      targets: [{ expr: w.meanOver(M.agentLatency, ORG, RANGE) }],
      w: 3,
    })
    .stat({
      id: 6,
      title: 'Conversations',
      description: 'Conversations started over the range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentConversations, ORG, RANGE) }],
      w: 3,
    })
    .stat({
      id: 7,
      title: 'Messages',
      description: 'Messages of every role over the range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.agentMessages, ORG, RANGE) }],
      w: 3,
    })
    .timeseries({
      id: 8,
      title: 'Tasks per second by agent',
      description: 'Assistant responses per second.',
      unit: 'reqps',
      targets: [{ expr: w.taskRateByAgent(ORG), legend: '{{agent_name}}' }],
    })
    .timeseries({
      id: 9,
      title: 'p95 response time by agent',
      description: '95th percentile latency over 5 minutes.',
      unit: 's',
      targets: [{ expr: w.latencyP95ByAgent(ORG), legend: '{{agent_name}}' }],
    })
    .table({
      id: 10,
      title: 'Agents',
      description: 'Every agent with its status, tasks and failures over the range, and when it last answered.',
      unit: 'none',
      targets: [
        { expr: w.perEntity(M.agentInfo, ORG), table: true },
        { expr: w.stateColumn(M.agentStatus, ORG), table: true },
        { expr: w.increaseOver(M.agentTasks, ORG, RANGE, BY_AGENT), table: true },
        { expr: w.increaseOver(M.agentTaskFailures, ORG, RANGE, BY_AGENT), table: true },
        { expr: w.lastTaskMillis(ORG), table: true },
      ],
      columns: {
        agent_name: 'Agent',
        agent_type: 'Type',
        state: 'Status',
        'Value #C': 'Tasks',
        'Value #D': 'Failed',
        'Value #E': 'Last task',
        deployment_id: 'Deployment',
        agent_id: 'Id',
      },
      cells: { 'Value #E': { unit: 'dateTimeFromNow' } },
      link: { title: 'Agent performance', url: drillDown(UID.agentDetail, { agent: '${__data.fields.Id}' }) },
    })
    .build();
}
