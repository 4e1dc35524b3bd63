import { KEY_LABELS, M } from '../metrics/catalog.js';
import { labelSchema } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { readDeployments } from '../source/deployments.js';
import { EntityCap, StatusCounts, addStateSet, families, rendered, type Collector } from './collector.js';

const DEPLOYMENT_LABELS = labelSchema(KEY_LABELS.deployment);

const defs = {
  info: M.deploymentInfo,
  status: M.deploymentStatus,
  requests: M.deploymentRequests,
  tokens: M.deploymentTokens,
  cost: M.deploymentCost,
  deployments: M.deployments,
};

/** Model deployments; AIWM keeps requests, tokens and cost as running totals, exposed as counters. */
export const deploymentsCollector: Collector = {
  name: 'deployments',
  families: Object.values(defs),
  async collect(ctx) {
    const collection = ctx.db.collection(ctx.config.collections.deployments);
    const f = families(defs);
    const counts = new StatusCounts(f.deployments, M.deploymentStatus.states!);
    const cap = await EntityCap.open(ctx, collection);
    const read = await readDeployments(collection, ctx.report, (d) => {
      const org = orgOf(d);
      counts.add(org, d.status);
      if (!cap.admit(org)) return;
      const id = d._id.toHexString();
      const base = DEPLOYMENT_LABELS.of(org, id);
      f.info.add(f.info.labels.of(org, id, d.name, d.modelId ?? '', d.nodeId ?? '', d.resourceId ?? ''), 1);
      addStateSet(f.status, base, d.status);
      if (d.requestCount != null) f.requests.add(base, d.requestCount);
      if (d.totalTokens != null) f.tokens.add(base, d.totalTokens);
      if (d.totalCost != null) f.cost.add(base, d.totalCost);
    });
    cap.done(read);
    counts.write();
    return rendered(f);
  },
};
