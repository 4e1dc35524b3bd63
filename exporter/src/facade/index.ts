/**
 * The JSON facade: the seed's `GET /dashboard/...` endpoints answered from PromQL (plus small
 * indexed MongoDB reads for record-level details), scoped to the caller's org.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { scopeFromToken, type Scope } from './auth.js';
import { ResponseCache } from './cache.js';
import { toCsv } from './csv.js';
import { HttpError, notFound } from './errors.js';
import { openApiDocument } from './openapi.js';
import { parse } from './params.js';
import { PrometheusApi } from './prometheus.js';
import type { FacadeContext, Route } from './route.js';
import { agentPerformanceRoute } from './routes/agent.js';
import { agentsRoute } from './routes/agents.js';
import { alertHistoryRoute, alertsRoute } from './routes/alerts.js';
import { deploymentMetricsRoute } from './routes/deployment.js';
import { deploymentsRoute } from './routes/deployments.js';
import { executionRoute } from './routes/execution.js';
import { executionsRoute } from './routes/executions.js';
import { healthRoute } from './routes/health.js';
import { modelsRoute } from './routes/models.js';
import { nodeRoute } from './routes/node.js';
import { nodesRoute } from './routes/nodes.js';
import { overviewRoute } from './routes/overview.js';
import { resourceRoute } from './routes/resource.js';
import { resourcesRoute } from './routes/resources.js';
import { cacheKeyOf } from './scope.js';

export { overviewRoute };

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

export interface Facade {
  readonly prometheus: PrometheusApi;
}

/** Mounts the facade under FACADE_BASE_PATH on `app`. */
export function mountFacade(
  app: Express,
  config: Config,
  db: Db,
  log: Logger,
  clock: () => Date = () => new Date(),
): Facade {
  const facade = config.facade!;
  const prometheus = new PrometheusApi(facade.prometheusUrl, facade.timeoutMs);
  const cache = new ResponseCache();
  const secret = facade.auth.kind === 'jwt' ? new TextEncoder().encode(facade.auth.secret) : undefined;
  if (!secret) log.warn('FACADE_AUTH=none: the JSON facade serves every org to anyone who can reach it');
  const router = express.Router({ strict: true });

  const scopeOf = async (req: Request): Promise<Scope> =>
    secret ? scopeFromToken(req.headers.authorization, secret) : { kind: 'all' };

  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(ROUTES, facade.basePath));
  });

  for (const route of ROUTES) {
    router.get(route.path, (req: Request, res: Response, next: NextFunction) => {
      (async () => {
        const scope = await scopeOf(req);
        const params: Record<string, string> = {};
        for (const [name, schema] of Object.entries(route.params ?? {}))
          params[name] = parse(schema, req.params[name], name) as string;
        const raw = { ...(req.query as Record<string, unknown>) };
        const format = raw.format;
        if (!route.rows && format !== undefined)
          throw new HttpError(400, 'invalid format: this endpoint has no list to export', { field: 'format' });
        const query = parse(
          route.query,
          route.rows ? raw : (({ format: _f, ...rest }) => rest)(raw),
          'query',
        ) as Record<string, unknown>;
        const ctx: FacadeContext = { prom: prometheus, db, config, scope, now: clock() };
        const key = `${route.path}|${cacheKeyOf(scope)}|${JSON.stringify(params)}|${JSON.stringify(query)}`;
        const body = (await cache.get(key, route.cacheMs, () => route.handle(ctx, params, query as never))) as Record<
          string,
          unknown
        >;
        if (query.format === 'csv' && route.rows) {
          res
            .type('text/csv')
            .setHeader(
              'content-disposition',
              `attachment; filename="${route.path.split('/').filter(Boolean).join('-')}.csv"`,
            );
          res.send(toCsv(route.rows(body)));
          return;
        }
        res.json(body);
      })().catch(next);
    });
  }

  router.use((req, _res, next) => next(notFound(`no route for GET ${facade.basePath}${req.path}`)));
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpError) {
      if (error.status >= 500)
        log.warn({ path: req.path, error: error.message, detail: error.extra.detail }, 'facade dependency failed');
      res.status(error.status).json({ error: error.message, ...error.extra });
      return;
    }
    // MongoDB errors (timeouts, unreachable) are dependency failures, not bugs in the request.
    const name = error instanceof Error ? error.name : '';
    if (/^Mongo/.test(name)) {
      log.warn({ path: req.path, error: name }, 'facade MongoDB read failed');
      res.status(503).json({ error: 'MongoDB is unavailable', detail: name });
      return;
    }
    log.error({ path: req.path, err: error instanceof Error ? error.message : String(error) }, 'facade request failed');
    res.status(500).json({ error: 'internal error' });
  });
  app.use(facade.basePath, router);
  return { prometheus };
}
