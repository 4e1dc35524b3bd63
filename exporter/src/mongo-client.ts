import { MongoClient } from 'mongodb';
import type { Config } from './config.js';

/**
 * A client of AIWM's MongoDB with the exporter's settings: the poller's, and the facade computations'
 * own (computations.ts). It opens its pool on the first operation, not here.
 */
export function createMongoClient(config: Config): MongoClient {
  return new MongoClient(config.mongo.uri, {
    serverSelectionTimeoutMS: config.mongo.timeoutMs,
    connectTimeoutMS: config.mongo.timeoutMs,
    appName: 'aiwm-exporter',
    readPreference: 'secondaryPreferred',
  });
}
