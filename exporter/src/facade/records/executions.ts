/**
 * Executions from MongoDB: the open ones for the list (through the {status, createdAt} index) and
 * one by _id or executionId, with the shapes AIWM stores their steps and errors in.
 */
import { ObjectId, type Document } from 'mongodb';
import type { FacadeContext } from '../route.js';
import { bounded, collectionOf, hexOf, iso, liveOf, num, str } from './common.js';

/** What the list shows of an execution (never inputs, outputs or secrets). */
const LIST_PROJECTION = {
  executionId: 1,
  name: 1,
  type: 1,
  category: 1,
  status: 1,
  progress: 1,
  'steps.name': 1,
  'steps.status': 1,
  startedAt: 1,
};

/** One page of the caller's executions in `statuses`, newest first, and how many there are. */
export async function openExecutions(ctx: FacadeContext, statuses: string[], page: number, limit: number) {
  const filter = { ...liveOf(ctx.scope), status: { $in: statuses } };
  const executions = collectionOf(ctx, 'executions');
  const [docs, total] = await Promise.all([
    executions
      .find(filter, {
        projection: LIST_PROJECTION,
        sort: { createdAt: -1 },
        skip: (page - 1) * limit,
        limit,
        ...bounded(ctx),
      })
      .toArray(),
    executions.countDocuments(filter, bounded(ctx)),
  ]);
  return { docs, total };
}

/**
 * One live execution of the caller's org by _id or executionId; undefined when there is none. The
 * org is part of the query: another org's execution is never read, so it is indistinguishable from
 * an id that does not exist.
 */
export async function executionById(ctx: FacadeContext, id: string): Promise<Document | undefined> {
  const byId = /^[0-9a-f]{24}$/.test(id) ? { _id: new ObjectId(id) } : { executionId: id };
  const doc = await collectionOf(ctx, 'executions').findOne(
    { ...byId, ...liveOf(ctx.scope) },
    { ...bounded(ctx), projection: { secret: 0 } },
  );
  return doc ?? undefined;
}

/** A list item: the running step and a linear completion estimate for running executions. */
export function executionListItem(e: Document, now: Date) {
  const steps = Array.isArray(e.steps) ? (e.steps as Document[]) : [];
  const progress = num(e.progress);
  const started = e.startedAt instanceof Date ? e.startedAt : null;
  // Linear projection from progress so far; only for running executions with progress.
  const eta =
    started && progress && progress > 0 && e.status === 'running'
      ? new Date(started.getTime() + ((now.getTime() - started.getTime()) * 100) / progress)
      : null;
  return {
    _id: hexOf(e),
    executionId: str(e.executionId),
    name: str(e.name) ?? '',
    type: str(e.type),
    category: str(e.category),
    status: str(e.status) ?? 'unknown',
    progress,
    currentStep: str(steps.find((s) => s.status === 'running')?.name),
    startedAt: iso(e.startedAt),
    estimatedCompletion: eta ? eta.toISOString() : null,
  };
}

/** A step's `error`: AIWM stores `{code, message, details}`; older data holds a plain string. */
export function stepError(error: unknown): { error: string | null; errorCode: string | null } {
  if (typeof error === 'string') return { error: error === '' ? null : error, errorCode: null };
  if (!error || typeof error !== 'object') return { error: null, errorCode: null };
  const { code, message } = error as Document;
  const errorCode = typeof code === 'number' && Number.isFinite(code) ? String(code) : str(code);
  return { error: str(message), errorCode };
}

/** The execution's `error` `{code, message, stepIndex, nodeId}` (a plain string from older data is the message). */
export function executionError(error: unknown) {
  if (typeof error === 'string' && error !== '') return { code: null, message: error, stepIndex: null, nodeId: null };
  if (!error || typeof error !== 'object') return null;
  const e = error as Document;
  return { code: stepError(e).errorCode, message: str(e.message), stepIndex: num(e.stepIndex), nodeId: str(e.nodeId) };
}

/** One step of an execution, as the detail shows it. */
export function stepItem(s: Document) {
  return {
    index: num(s.index),
    name: str(s.name) ?? '',
    status: str(s.status) ?? 'unknown',
    progress: num(s.progress),
    startedAt: iso(s.startedAt),
    completedAt: iso(s.completedAt),
    ...stepError(s.error),
  };
}
