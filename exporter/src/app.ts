import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import cron, { type ScheduledTask } from 'node-cron';
import { configWarnings, type Config, type Listen } from './config.js';
import type { Logger } from './logger.js';
import { ActivityCollector } from './collectors/activity.js';
import { agentsCollector } from './collectors/agents.js';
import type { Collector } from './collectors/collector.js';
import { deploymentsCollector } from './collectors/deployments.js';
import { ExecutionsCollector } from './collectors/executions.js';
import { modelsCollector } from './collectors/models.js';
import { NodesCollector } from './collectors/nodes.js';
import { ResourcesCollector } from './collectors/resources.js';
import { SelfMetrics } from './metrics/self.js';
import { Poller } from './poller.js';
import { createFacadeServer, createServer, type Readiness, type ServerLimits } from './server.js';
import { mountFacade, type Facade } from './facade/index.js';
import { VERSION } from './version.js';

export interface Exporter {
  readonly poller: Poller;
  readonly self: SelfMetrics;
  /** The listener of /metrics, /healthz and /readyz. */
  readonly server: http.Server;
  /** The JSON facade, when PROMETHEUS_URL enables it. */
  readonly facade: Facade | undefined;
  /** The facade's own listener, when PROMETHEUS_URL enables it. */
  readonly facadeServer: http.Server | undefined;
  /** The bound port of /metrics (useful with PORT=0). */
  readonly port: number;
  /** The bound port of the facade (useful with FACADE_PORT=0); undefined without the facade. */
  readonly facadePort: number | undefined;
  /** Stops polling, finishes in-flight responses and the running poll, closes MongoDB. */
  stop(): Promise<void>;
}

export function createCollectors(config: Config, startedAt: Date): Collector[] {
  return [
    new NodesCollector(),
    new ResourcesCollector(),
    modelsCollector,
    deploymentsCollector,
    agentsCollector,
    new ExecutionsCollector(config, startedAt),
    new ActivityCollector(config, startedAt),
  ];
}

export interface StartOptions {
  /** Do not schedule polls (tests drive `poller.tick()` themselves). */
  manualPolling?: boolean;
  clock?: () => Date;
}

export async function startExporter(config: Config, log: Logger, options: StartOptions = {}): Promise<Exporter> {
  const clock = options.clock ?? (() => new Date());
  const client = new MongoClient(config.mongo.uri, {
    serverSelectionTimeoutMS: config.mongo.timeoutMs,
    connectTimeoutMS: config.mongo.timeoutMs,
    appName: 'aiwm-exporter',
    readPreference: 'secondaryPreferred',
  });
  const self = new SelfMetrics(VERSION);
  const poller = new Poller(
    config,
    client.db(config.mongo.database),
    config.facadeOnly ? [] : createCollectors(config, clock()),
    self,
    log,
    clock,
  );
  const db = client.db(config.mongo.database);
  for (const warning of configWarnings(config)) log.warn(warning);

  const limits = (listen: Listen): ServerLimits => ({ ...config.http, maxConnections: listen.maxConnections });
  const server = createServer({
    source: poller,
    self,
    log,
    limits: limits(config.listen),
    readiness: () => readiness(poller),
    metricsAuth: config.metricsAuth,
  });
  let facade: Facade | undefined;
  const facadeServer = config.facade
    ? createFacadeServer({
        limits: limits(config.facade.listen),
        mount: (app) => (facade = mountFacade(app, config, db, log, clock)),
      })
    : undefined;
  const listening: http.Server[] = [];
  const closeAll = () => Promise.all(listening.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  try {
    await listen(server, config.listen);
    listening.push(server);
    if (facadeServer) {
      await listen(facadeServer, config.facade!.listen);
      listening.push(facadeServer);
    }
  } catch (error) {
    await closeAll();
    await client.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const facadePort = facadeServer ? (facadeServer.address() as AddressInfo).port : undefined;
  log.info(
    {
      address: config.listen.address,
      port,
      mongodb: config.mongo.redactedUri,
      database: config.mongo.database,
      schedule: config.pollSchedule,
      metricsAuth: config.metricsAuth
        ? [config.metricsAuth.bearerToken !== undefined && 'bearer', config.metricsAuth.basic && 'basic']
            .filter(Boolean)
            .join('+')
        : 'none',
      facade: config.facade
        ? `http://${config.facade.listen.address}:${facadePort}${config.facade.basePath}`
        : 'disabled (no PROMETHEUS_URL)',
    },
    'aiwm exporter listening',
  );

  let task: ScheduledTask | undefined;
  if (!options.manualPolling) {
    void poller.tick();
    task = cron.schedule(config.pollSchedule, () => void poller.tick());
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await task?.stop();
      const closed = closeAll();
      for (const s of listening) s.closeIdleConnections();
      await poller.stop();
      await closed;
      await client.close();
    })());
  return { poller, self, server, port, facade, facadeServer, facadePort, stop };
}

function listen(server: http.Server, at: Listen): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * /readyz: ready once the first poll has finished and the last poll reached MongoDB; otherwise
 * why not. (/healthz only says the process serves HTTP.)
 */
export function readiness(poller: Poller): Readiness {
  if (poller.snapshot === undefined)
    return { ready: false, status: 'starting', error: 'the first poll has not finished yet' };
  if (!poller.sourceReachable)
    return { ready: false, status: 'unavailable', error: 'MongoDB was unreachable at the last poll' };
  return { ready: true };
}
