import { M } from '../metrics/catalog.js';
import { labelString } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { readDeployments } from '../source/deployments.js';
import { EntityCap, StatusCounts, addStateSet, families, rendered, type Collector } from './collector.js';

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
    const cap = new EntityCap(ctx, collection.collectionName);
    const read = await readDeployments(collection, ctx.report, (d) => {
      const org = orgOf(d);
      counts.add(org, d.status);
      if (!cap.admit()) return;
      const base = labelString(['org_id', 'deployment_id'], [org, d._id.toHexString()]);
      f.info.add(
        base,
        1,
        labelString(M.deploymentInfo.labels.slice(2), [d.name, d.modelId ?? '', d.nodeId ?? '', d.resourceId ?? '']),
      );
      addStateSet(f.status, base, M.deploymentStatus.states!, d.status);
      if (d.requestCount != null) f.requests.add(base, d.requestCount);
      if (d.totalTokens != null) f.tokens.add(base, d.totalTokens);
      if (d.totalCost != null) f.cost.add(base, d.totalCost);
    });
    cap.done(read);
    counts.write();
    return rendered(f);
  },
};
