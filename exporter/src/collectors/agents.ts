import { M } from '../metrics/catalog.js';
import { labelString } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { readAgents } from '../source/agents.js';
import { EntityCap, StatusCounts, addStateSet, families, rendered, type Collector } from './collector.js';

const defs = {
  info: M.agentInfo,
  status: M.agentStatus,
  heartbeat: M.agentHeartbeat,
  connections: M.agentConnections,
  agents: M.agents,
};

/** Agents' state; their activity counters come from the activity collector. */
export const agentsCollector: Collector = {
  name: 'agents',
  families: Object.values(defs),
  async collect(ctx) {
    const collection = ctx.db.collection(ctx.config.collections.agents);
    const f = families(defs);
    const counts = new StatusCounts(f.agents, M.agentStatus.states!);
    const cap = new EntityCap(ctx, collection.collectionName);
    const read = await readAgents(collection, ctx.report, (a) => {
      const org = orgOf(a);
      counts.add(org, a.status);
      if (!cap.admit()) return;
      const base = labelString(['org_id', 'agent_id'], [org, a._id.toHexString()]);
      f.info.add(
        base,
        1,
        labelString(M.agentInfo.labels.slice(2), [a.name, a.type ?? '', a.deploymentId ?? '', a.nodeId ?? '']),
      );
      addStateSet(f.status, base, M.agentStatus.states!, a.status);
      if (a.lastHeartbeatAt) f.heartbeat.add(base, a.lastHeartbeatAt.getTime() / 1000);
      if (a.connectionCount != null) f.connections.add(base, a.connectionCount);
    });
    cap.done(read);
    counts.write();
    return rendered(f);
  },
};
