/** The dashboard each alert's `dashboard_url` opens (dashboards/lib.ts UID), with its entity variable. */
import { UID } from '../../dashboards/lib.js';
import type { AlertDashboard } from './model.js';

export const DASHBOARD = {
  node: { uid: UID.nodeDetail, vars: { node: 'node_id' } },
  nodes: { uid: UID.nodes },
  deployment: { uid: UID.deploymentDetail, vars: { deployment: 'deployment_id' } },
  agent: { uid: UID.agentDetail, vars: { agent: 'agent_id' } },
  models: { uid: UID.models },
  resources: { uid: UID.resources },
  executions: { uid: UID.executions },
  exporter: { uid: UID.exporter },
  overview: { uid: UID.overview },
} as const satisfies Record<string, AlertDashboard>;
