/** Every endpoint of the facade, in the order the OpenAPI document lists them. */
import type { Route } from '../route.js';
import { agentPerformanceRoute } from './agent.js';
import { agentsRoute } from './agents.js';
import { alertHistoryRoute, alertsRoute } from './alerts.js';
import { deploymentMetricsRoute } from './deployment.js';
import { deploymentsRoute } from './deployments.js';
import { executionRoute } from './execution.js';
import { executionsRoute } from './executions.js';
import { healthRoute } from './health.js';
import { modelsRoute } from './models.js';
import { nodeRoute } from './node.js';
import { nodesRoute } from './nodes.js';
import { overviewRoute } from './overview.js';
import { resourceRoute } from './resource.js';
import { resourcesRoute } from './resources.js';

export const ROUTES: readonly Route[] = [
  overviewRoute,
  nodesRoute,
  nodeRoute,
  resourcesRoute,
  resourceRoute,
  modelsRoute,
  deploymentsRoute,
  deploymentMetricsRoute,
  agentsRoute,
  agentPerformanceRoute,
  executionsRoute,
  executionRoute,
  healthRoute,
  alertsRoute,
  alertHistoryRoute,
] as Route[];
