/**
 * Deployments: the first ones cover every status. Two in five serve an api-based model, the rest run
 * on an inference container (and so on its node); cumulative request, token and cost counters.
 */
import type { Document, ObjectId } from 'mongodb';
import {
  deletedCount,
  deletedOrg,
  idOf,
  isLegacy,
  lacksIsDeleted,
  orgOf,
  pickPreferred,
  withBase,
  type BaseOpts,
  type FleetContext,
} from './context.js';
import { DAY, HOUR, MIN, SEC, pad2, round } from './rng-ids.js';
import { FLEET_ENUMS } from './schema.js';

const DEP_STATUSES = FLEET_ENUMS['deployments.status'];

/** Undefined when there is no model to deploy. */
export function makeDeployment(
  ctx: FleetContext,
  i: number,
  forcedStatus: string | undefined,
  orgHint: string,
  extra: Partial<BaseOpts> = {},
): Document | undefined {
  const { rng, now } = ctx;
  const { apiModels, inferenceResources, models, selfHostedModels } = ctx.made;
  const status =
    forcedStatus ??
    rng.weighted([
      ['running', 60],
      ['stopped', 12],
      ['deploying', 6],
      ['queued', 6],
      ['stopping', 4],
      ['failed', 7],
      ['error', 5],
    ] as const);
  const wantApi = apiModels.length > 0 && (inferenceResources.length === 0 || i % 5 === 1 || i % 5 === 3);
  let model: Document | undefined;
  let resource: Document | undefined;
  if (wantApi) {
    model = pickPreferred(rng, apiModels, orgHint, (m) => m.status === 'active');
  } else {
    resource = pickPreferred(rng, inferenceResources, orgHint, (r) => r.status === status);
    const mid = resource?.config?.modelId as string | undefined;
    model = mid ? models.find((m) => idOf(m) === mid) : undefined;
    model ??= pickPreferred(rng, selfHostedModels, orgHint);
  }
  if (!model) return undefined;
  const orgId = resource ? orgOf(resource) : orgOf(model);
  const createdAt = Math.min(
    now - HOUR,
    Math.max((model.createdAt as Date).getTime(), now - 200 * DAY) + rng.int(1, 5) * DAY,
  );
  const doc: Document = {
    _id: ctx.ids.next(createdAt),
    name: `${model.name}-${rng.pick(['prod', 'staging', 'canary', 'dev'])}-${pad2(i + 1)}`,
    description: `Deployment of ${model.name}`,
    modelId: idOf(model),
  };
  if (resource) {
    doc.nodeId = (resource.nodeId as ObjectId).toHexString();
    doc.resourceId = idOf(resource);
  }
  doc.status = status;
  const served =
    status === 'running' || status === 'stopping' || status === 'stopped' || status === 'failed' || status === 'error';
  const requestCount = !served ? 0 : status === 'running' ? rng.int(1000, 500000) : rng.int(0, 20000);
  const totalTokens = requestCount * rng.int(200, 1500);
  const pricePerMTok = resource ? rng.float(0.1, 0.6, 2) : rng.float(2.5, 15, 2);
  doc.requestCount = requestCount;
  doc.totalTokens = totalTokens;
  doc.totalCost = round((totalTokens / 1e6) * pricePerMTok, 4);
  if (status === 'running') doc.lastHealthCheck = new Date(now - rng.int(1, 60) * SEC);
  if (status === 'failed' || status === 'error')
    doc.errorMessage = rng.pick([
      'model failed to load: CUDA out of memory',
      'upstream provider returned 401',
      'container crashed (exit code 139)',
    ]);
  const updatedAt =
    status === 'running' ? now - rng.int(1, 300) * SEC : Math.min(now - MIN, createdAt + rng.int(1, 20) * DAY);
  return withBase(ctx, doc, { orgId, createdAt, updatedAt: Math.min(now, Math.max(createdAt, updatedAt)), ...extra });
}

/** The deployments piece; it stops early when there is no model to deploy. */
export function addDeployments(ctx: FleetContext): void {
  const { collections, made } = ctx;
  const nDeployments = ctx.counts.deployments;
  for (let i = 0; i < nDeployments; i++) {
    const status = i < DEP_STATUSES.length ? DEP_STATUSES[i] : undefined;
    const doc = makeDeployment(ctx, i, status, ctx.orgIds[i % ctx.counts.orgs] as string, {
      noIsDeleted: lacksIsDeleted(i),
    });
    if (!doc) break;
    if (isLegacy(i, nDeployments)) doc.owner = { orgId: '' };
    made.deployments.push(doc);
    collections.deployments.push(doc);
  }
  for (let d = 0; d < deletedCount(nDeployments); d++) {
    const doc = makeDeployment(ctx, nDeployments + d, 'stopped', deletedOrg(ctx, d), { deleted: true });
    if (doc) collections.deployments.push(doc);
  }
}
