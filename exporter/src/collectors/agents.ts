import { KEY_LABELS, M } from '../metrics/catalog.js';
import { labelSchema } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { readAgents } from '../source/agents.js';
import { EntityCap, StatusCounts, addStateSet, families, rendered, type Collector } from './collector.js';

const AGENT_LABELS = labelSchema(KEY_LABELS.agent);

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
    const cap = await EntityCap.open(ctx, collection);
    const read = await readAgents(collection, ctx.report, (a) => {
      const org = orgOf(a);
      counts.add(org, a.status);
      if (!cap.admit(org)) return;
      const id = a._id.toHexString();
      const base = AGENT_LABELS.of(org, id);
      f.info.add(f.info.labels.of(org, id, a.name, a.type ?? '', a.deploymentId ?? '', a.nodeId ?? ''), 1);
      addStateSet(f.status, base, a.status);
      if (a.lastHeartbeatAt) f.heartbeat.add(base, a.lastHeartbeatAt.getTime() / 1000);
      if (a.connectionCount != null) f.connections.add(base, a.connectionCount);
    });
    cap.done(read);
    counts.write();
    return rendered(f);
  },
};
