import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { ActivityCollector } from './collectors/activity.js';
import { agentsCollector } from './collectors/agents.js';
import type { Collector } from './collectors/collector.js';
import { deploymentsCollector } from './collectors/deployments.js';
import { ExecutionsCollector } from './collectors/executions.js';
import { modelsCollector } from './collectors/models.js';
import { nodesCollector } from './collectors/nodes.js';
import { resourcesCollector } from './collectors/resources.js';
import { SelfMetrics } from './metrics/self.js';
import { Poller } from './poller.js';
import { createServer } from './server.js';
import { mountFacade, type Facade } from './facade/index.js';
import { VERSION } from './version.js';

export interface Exporter {
  readonly poller: Poller;
  readonly self: SelfMetrics;
  readonly server: http.Server;
  /** The JSON facade, when PROMETHEUS_URL enables it. */
  readonly facade: Facade | undefined;
  /** The bound port (useful with PORT=0). */
  readonly port: number;
  /** Stops polling, finishes in-flight responses and the running poll, closes MongoDB. */
  stop(): Promise<void>;
}

export function createCollectors(config: Config, startedAt: Date): Collector[] {
  return [
    nodesCollector,
    resourcesCollector,
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
  let facade: Facade | undefined;
  const server = createServer({
    source: poller,
    self,
    log,
    ready: () => poller.snapshot !== undefined,
    mount: config.facade ? (app) => (facade = mountFacade(app, config, db, log, clock)) : undefined,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info(
    {
      address: config.listen.address,
      port,
      mongodb: config.mongo.redactedUri,
      database: config.mongo.database,
      schedule: config.pollSchedule,
      facade: config.facade ? config.facade.basePath : 'disabled (no PROMETHEUS_URL)',
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await poller.idle();
      await closed;
      await client.close();
    })());
  return { poller, self, server, port, facade, stop };
}
