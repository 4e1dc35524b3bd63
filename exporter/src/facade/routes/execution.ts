/** GET /workload/executions/:id: one execution, by _id or executionId, from MongoDB. */
import { z } from 'zod';
import type { Document } from 'mongodb';
import { notFound } from '../errors.js';
import { executionRef } from '../params.js';
import { executionError, executionListItem, executionById, stepItem } from '../records/executions.js';
import { iso, num, str } from '../records/common.js';
import { defineRoute, metadataSchema, nullableNumber } from '../route.js';
import { executionItem } from './executions.js';

const stepSchema = z.object({
  index: nullableNumber,
  name: z.string(),
  status: z.string(),
  progress: nullableNumber,
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  /** The step error's message. */
  error: z.string().nullable(),
  /** The step error's code (AIWM stores `{code, message, details}`). */
  errorCode: z.string().nullable(),
});

export const executionRoute = defineRoute({
  path: '/workload/executions/:id',
  summary: 'One execution, by _id or executionId (from MongoDB)',
  params: { id: executionRef },
  query: z.strictObject({}),
  response: executionItem.extend({
    timestamp: z.string(),
    nodeId: z.string().nullable(),
    completedAt: z.string().nullable(),
    timeoutAt: z.string().nullable(),
    duration: nullableNumber,
    retryCount: nullableNumber,
    maxRetries: nullableNumber,
    steps: z.array(stepSchema),
    error: z
      .object({
        code: z.string().nullable(),
        message: z.string().nullable(),
        stepIndex: nullableNumber,
        nodeId: z.string().nullable(),
      })
      .nullable(),
    parentExecutionId: z.string().nullable(),
    childExecutionIds: z.array(z.string()),
    metadata: metadataSchema,
  }),
  cacheMs: 5_000,
  async handle(ctx, params) {
    const e = await executionById(ctx, params.id!);
    // Read with the caller's org in the query: another org's id is a 404, like an unknown one.
    if (!e) throw notFound('execution');
    const started = e.startedAt instanceof Date ? e.startedAt : null;
    const completed = e.completedAt instanceof Date ? e.completedAt : null;
    return {
      ...executionListItem(e, ctx.now),
      timestamp: ctx.now.toISOString(),
      nodeId: str(e.nodeId),
      completedAt: iso(e.completedAt),
      timeoutAt: iso(e.timeoutAt),
      duration: started && completed ? (completed.getTime() - started.getTime()) / 1000 : null,
      retryCount: num(e.retryCount),
      maxRetries: num(e.maxRetries),
      steps: (Array.isArray(e.steps) ? (e.steps as Document[]) : []).map(stepItem),
      error: executionError(e.error),
      parentExecutionId: str(e.parentExecutionId),
      childExecutionIds: Array.isArray(e.childExecutionIds)
        ? (e.childExecutionIds as unknown[]).filter((x): x is string => typeof x === 'string')
        : [],
      metadata: {
        sources: ['mongodb:executions (by _id or executionId)'],
        unavailable: [],
        units: { duration: 'seconds' },
      },
    };
  },
});
