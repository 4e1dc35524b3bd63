/**
 * Executions (workflows of steps on a node): the first ten cover every status and the odd cases (a
 * skipped optional step, retries, an overdue running execution, a composite execution with two
 * children inside its window); the rest are drawn by weight over the last week.
 */
import type { Document } from 'mongodb';
import {
  deletedCount,
  deletedOrg,
  idOf,
  lacksIsDeleted,
  orgAt,
  orgOf,
  pickPreferred,
  withBase,
  type BaseOpts,
  type FleetContext,
} from './context.js';
import { MIN, SEC } from './rng-ids.js';
import { FLEET_ENUMS } from './schema.js';

const EXEC_CATEGORIES = FLEET_ENUMS['executions.category'];
export const EXEC_TYPES: Record<string, readonly string[]> = {
  deployment: ['deploy-model', 'stop-deployment'],
  model: ['download-model', 'validate-model'],
  agent: ['setup-agent'],
  maintenance: ['cleanup', 'create-resource'],
  batch: ['batch-inference'],
};
export const EXEC_STEPS: Record<string, readonly string[]> = {
  'deploy-model': ['Validate model', 'Allocate GPU', 'Pull image', 'Start container', 'Health check'],
  'stop-deployment': ['Drain traffic', 'Stop container', 'Release GPU'],
  'download-model': ['Resolve repository', 'Download weights', 'Verify checksum'],
  'validate-model': ['Load model', 'Run smoke test'],
  'setup-agent': ['Create agent', 'Attach tools', 'Connect websocket'],
  cleanup: ['Scan stale artifacts', 'Delete images', 'Prune volumes', 'Report'],
  'create-resource': ['Reserve capacity', 'Create container', 'Start container'],
  'batch-inference': ['Load dataset', 'Shard', 'Run inference', 'Collect results', 'Upload results'],
};
/** Execution timeouts: a timed-out execution lasts exactly this long (at most an hour). */
export function execTimeoutSeconds(category: string): number {
  return category === 'batch' ? 3600 : 1800;
}

const EXEC_STATUS_WEIGHTS = [
  ['completed', 60],
  ['failed', 12],
  ['running', 12],
  ['pending', 6],
  ['cancelled', 5],
  ['timeout', 5],
] as const;

export interface ExecPlan {
  status?: string;
  category?: string;
  type?: string;
  skipStep?: boolean; // completed with an optional step skipped
  overdue?: boolean; // running and already past its timeoutAt
  retries?: number;
  window?: [number, number]; // finished inside [start, end] (children of a composite execution)
  minDurationMs?: number;
  nodeId?: string;
}

/** The first ten executions: every status and the odd cases the exporter and the facade must handle. */
const EXEC_PLANS: ExecPlan[] = [
  { status: 'completed', category: 'deployment', type: 'deploy-model', skipStep: true },
  { status: 'failed', category: 'model', type: 'download-model', retries: 3 },
  { status: 'running', category: 'agent', type: 'setup-agent', overdue: true },
  { status: 'pending', category: 'maintenance', type: 'cleanup' },
  { status: 'cancelled', category: 'batch', type: 'batch-inference' },
  { status: 'timeout', category: 'maintenance', type: 'create-resource', retries: 1 },
  // #7 is a composite deploy-model execution; #8 and #9 are its children (linked by addExecutions)
  { status: 'completed', category: 'deployment', type: 'deploy-model', minDurationMs: 20 * MIN },
  { status: 'completed', category: 'model', type: 'download-model', retries: 2 },
  { status: 'completed', category: 'maintenance', type: 'create-resource' },
  { status: 'running', category: 'batch', type: 'batch-inference' },
];

interface ExecTiming {
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
}

/** When the execution was created, started and finished, from its status (or its parent's window). */
function executionTiming(
  ctx: FleetContext,
  plan: ExecPlan,
  status: string,
  timeoutSeconds: number,
  duration: number,
): ExecTiming {
  const { rng, now } = ctx;
  let createdAt: number;
  let startedAt: number | undefined;
  let completedAt: number | undefined;
  if (status === 'pending') {
    createdAt = now - rng.int(5, 600) * SEC;
  } else if (status === 'running') {
    createdAt = plan.overdue
      ? now - timeoutSeconds * 1000 - rng.int(10, 60) * MIN
      : now - rng.int(30, timeoutSeconds - 300) * SEC;
    startedAt = createdAt + rng.int(0, 5000);
  } else if (plan.window) {
    const [ws, we] = plan.window;
    startedAt = ws;
    completedAt = we;
    createdAt = ws;
  } else {
    const end = now - rng.int(1, 7 * 24 * 60) * MIN - rng.int(0, MIN - 1);
    completedAt = end;
    const d = status === 'timeout' ? timeoutSeconds * 1000 : duration;
    startedAt = end - d;
    createdAt = startedAt - rng.int(0, 5000);
  }
  return { createdAt, startedAt, completedAt };
}

/** The steps, in order: done ones, then the failed, running or cancelled one, then pending or skipped. */
function executionSteps(
  ctx: FleetContext,
  plan: ExecPlan,
  status: string,
  stepNames: readonly string[],
  nodeId: string | undefined,
  timing: ExecTiming,
  timeoutSeconds: number,
): { steps: Document[]; failAt: number; runAt: number } {
  const { rng, now } = ctx;
  const { createdAt, startedAt, completedAt } = timing;
  const steps: Document[] = [];
  const n = stepNames.length;
  const failAt = status === 'failed' || status === 'timeout' ? rng.int(0, n - 1) : -1;
  const runAt = status === 'running' ? rng.int(0, n - 1) : -1;
  const cancelAt = status === 'cancelled' ? rng.int(0, n - 1) : -1;
  const skipAt = plan.skipStep ? n - 1 : status === 'completed' && n > 2 && rng.chance(0.1) ? n - 2 : -1;
  let tStep = startedAt ?? createdAt;
  const stepDur = Math.max(1, Math.floor(((completedAt ?? now) - tStep) / n));
  for (let s = 0; s < n; s++) {
    const step: Document = {
      index: s,
      name: stepNames[s],
      status: 'pending',
      progress: 0,
      dependsOn: s > 0 ? [s - 1] : [],
      optional: s === skipAt,
    };
    if (nodeId) step.nodeId = nodeId;
    const done =
      status === 'completed' ||
      (failAt >= 0 && s < failAt) ||
      (runAt >= 0 && s < runAt) ||
      (cancelAt >= 0 && s < cancelAt);
    if (s === skipAt) {
      step.status = 'skipped';
    } else if (done) {
      step.status = 'completed';
      step.progress = 100;
      step.startedAt = new Date(tStep);
      step.completedAt = new Date(tStep + stepDur);
    } else if (s === failAt) {
      step.status = 'failed';
      step.progress = rng.int(0, 90);
      step.startedAt = new Date(tStep);
      step.completedAt = new Date(completedAt ?? now);
      step.error =
        status === 'timeout'
          ? { code: 'TIMEOUT', message: `step exceeded ${timeoutSeconds}s` }
          : { code: 'STEP_FAILED', message: `${stepNames[s]} failed` };
    } else if (s === runAt) {
      step.status = 'running';
      step.progress = rng.int(1, 95);
      step.startedAt = new Date(tStep);
    } else if (cancelAt >= 0 && s >= cancelAt) {
      step.status = 'skipped';
    }
    steps.push(step);
    tStep += stepDur;
  }
  return { steps, failAt, runAt };
}

function executionProgress(status: string, steps: Document[], runAt: number): number {
  const n = steps.length;
  const completedSteps = steps.filter((s) => s.status === 'completed').length;
  return status === 'completed'
    ? 100
    : status === 'pending'
      ? 0
      : Math.min(
          99,
          Math.round((completedSteps / n) * 100 + (runAt >= 0 ? ((steps[runAt]?.progress as number) ?? 0) / n : 0)),
        );
}

export function makeExecution(
  ctx: FleetContext,
  i: number,
  plan: ExecPlan,
  orgId: string,
  extra: Partial<BaseOpts> = {},
): Document {
  const { rng, now } = ctx;
  const { agents, deployments, liveNodeDocs, models, onlineNodeDocs } = ctx.made;
  const execNodes = onlineNodeDocs.length > 0 ? onlineNodeDocs : liveNodeDocs;
  const status = plan.status ?? rng.weighted(EXEC_STATUS_WEIGHTS);
  const category = plan.category ?? rng.pick(EXEC_CATEGORIES);
  const type = plan.type ?? rng.pick(EXEC_TYPES[category] ?? ['cleanup']);
  const stepNames = EXEC_STEPS[type] ?? ['Run'];
  const node = plan.nodeId === undefined ? pickPreferred(rng, execNodes, orgId) : undefined;
  const nodeId = plan.nodeId ?? (node ? idOf(node) : undefined);
  const timeoutSeconds = execTimeoutSeconds(category);
  const duration = Math.max(
    plan.minDurationMs ?? 0,
    Math.round(Math.exp(rng.float(Math.log(2), Math.log(3600), 4)) * 1000),
  ); // 2 s .. 1 h
  const timing = executionTiming(ctx, plan, status, timeoutSeconds, duration);
  const { createdAt, startedAt, completedAt } = timing;
  const { steps, failAt, runAt } = executionSteps(ctx, plan, status, stepNames, nodeId, timing, timeoutSeconds);
  const progress = executionProgress(status, steps, runAt);
  const retryCount = plan.retries ?? (rng.chance(0.15) ? rng.int(1, 3) : 0);
  const maxRetries = Math.max(
    retryCount,
    rng.weighted([
      [3, 80],
      [0, 10],
      [5, 10],
    ] as const),
  );
  const doc: Document = {
    _id: ctx.ids.next(createdAt),
    executionId: rng.uuid(),
    name: `${type} #${i + 1}`,
    description: `${category} workflow`,
    category,
    type,
    status,
    progress,
    childExecutionIds: [],
    steps,
    resourceType: category === 'batch' || category === 'maintenance' ? 'node' : category,
  };
  if (nodeId) {
    doc.nodeId = nodeId;
    doc.involvedNodeIds = [nodeId];
    if (category === 'batch' || category === 'maintenance') doc.resourceId = nodeId;
  }
  if (category === 'deployment' && deployments.length > 0) doc.resourceId = idOf(rng.pick(deployments));
  if (category === 'model' && models.length > 0) doc.resourceId = idOf(rng.pick(models));
  if (category === 'agent' && agents.length > 0) doc.resourceId = idOf(rng.pick(agents));
  if (startedAt !== undefined) {
    doc.startedAt = new Date(startedAt);
    doc.timeoutAt = new Date(startedAt + timeoutSeconds * 1000);
  }
  if (completedAt !== undefined) doc.completedAt = new Date(completedAt);
  doc.timeoutSeconds = timeoutSeconds;
  if (failAt >= 0) {
    const err: Document = {
      code: status === 'timeout' ? 'EXECUTION_TIMEOUT' : 'STEP_FAILED',
      message: status === 'timeout' ? `execution exceeded ${timeoutSeconds}s` : `${stepNames[failAt]} failed on node`,
      stepIndex: failAt,
    };
    if (nodeId) err.nodeId = nodeId;
    doc.error = err;
  }
  doc.retryCount = retryCount;
  doc.maxRetries = maxRetries;
  const attempts: Date[] = [];
  for (let r = 0; r < retryCount; r++)
    attempts.push(new Date((startedAt ?? createdAt) - (retryCount - r) * rng.int(10, 120) * SEC));
  doc.retryAttempts = attempts;
  doc.sentMessageIds = [];
  doc.receivedMessageIds = [];
  const updatedAt =
    completedAt ?? (status === 'running' ? Math.min(now, (startedAt ?? createdAt) + rng.int(1, 60) * SEC) : createdAt);
  return withBase(ctx, doc, { orgId, createdAt, updatedAt, ...extra });
}

/** The executions piece; the seventh is the parent of the eighth and ninth. */
export function addExecutions(ctx: FleetContext): void {
  const { collections, made } = ctx;
  const executions = made.executions;
  const nExecutions = ctx.counts.executions;
  for (let i = 0; i < nExecutions; i++) {
    let plan = EXEC_PLANS[i] ?? {};
    const parent = executions[6];
    if ((i === 7 || i === 8) && parent) {
      // children run inside the parent's window, on the parent's node, in the parent's org
      const ps = (parent.startedAt as Date).getTime();
      const pe = (parent.completedAt as Date).getTime();
      const span = pe - ps;
      const win: [number, number] =
        i === 7
          ? [ps + Math.floor(span * 0.02), ps + Math.floor(span * 0.45)]
          : [ps + Math.floor(span * 0.5), ps + Math.floor(span * 0.95)];
      plan = { ...plan, window: win, ...(parent.nodeId ? { nodeId: parent.nodeId as string } : {}) };
    }
    const orgId = i === 7 || i === 8 ? orgOf(executions[6] as Document) : orgAt(ctx, i, nExecutions);
    const doc = makeExecution(ctx, i, plan, orgId, { noIsDeleted: lacksIsDeleted(i) });
    if ((i === 7 || i === 8) && parent) {
      doc.parentExecutionId = parent.executionId;
      (parent.childExecutionIds as string[]).push(doc.executionId as string);
    }
    executions.push(doc);
    collections.executions.push(doc);
  }
  for (let d = 0; d < deletedCount(nExecutions); d++) {
    collections.executions.push(
      makeExecution(ctx, nExecutions + d, { status: 'completed' }, deletedOrg(ctx, d), { deleted: true }),
    );
  }
}
