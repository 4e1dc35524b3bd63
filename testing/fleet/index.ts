/**
 * Deterministic, seeded AIWM fleet generator for tests, the demo and the benchmarks.
 *
 * PRODUCTION CODE: the compose seeder (demo/seeder.ts) loads a generated fleet into the demo MongoDB,
 * so this directory is compiled into the image by tsconfig.build.json. Keep it free of test-only
 * dependencies (devDependencies, the harnesses in testing/), small and covered by
 * exporter/test/fleet.test.ts.
 *
 * Documents follow /work/shared/aiwm-data-contract.md (field names, types, enums, units) and the
 * AIWM mongoose schemas (hydrabyte-co/hydra-services, services/aiwm/src/modules/*). Everything is
 * derived from a mulberry32 PRNG and the `now` option: no Math.random, no wall clock. ObjectIds are
 * built as <createdAt seconds (4 bytes)><seed tag (4 bytes)><counter (4 bytes)>, like real ones.
 *
 * Counts in FleetOptions are the numbers of valid, non-deleted documents. On top of them each
 * collection gets a few soft-deleted documents (isDeleted: true, deletedAt set) and, when
 * `malformed` is on, a handful of malformed documents listed in `fleet.malformed`.
 *
 * The generator is one piece per collection (nodes.ts, models.ts, ...), each a function of the shared
 * context (context.ts). They share one random stream, so their order below is part of the output:
 * reordering two pieces changes every document after them.
 */
import type { Db } from 'mongodb';
import { addActivity } from './activity.js';
import { addAgents } from './agents.js';
import { createContext } from './context.js';
import { addDeployments } from './deployments.js';
import { addExecutions } from './executions.js';
import { addMalformed } from './malformed.js';
import { addModels } from './models.js';
import { addNodes } from './nodes.js';
import { addResources } from './resources.js';
import { COLLECTIONS, type Fleet, type FleetOptions } from './schema.js';
import { toWritePaths } from './write-paths.js';

export {
  COLLECTIONS,
  DEFAULT_NOW,
  FLEET_ENUMS,
  type CollectionName,
  type Fleet,
  type FleetOptions,
  type FleetScenario,
  type MalformedDoc,
} from './schema.js';
export { LiveFleet, type AdvanceResult } from './live.js';

export function generateFleet(options: FleetOptions = {}): Fleet {
  const ctx = createContext(options);
  addNodes(ctx);
  // models before resources: inference containers reference them
  addModels(ctx);
  addResources(ctx);
  addDeployments(ctx);
  addAgents(ctx);
  addActivity(ctx);
  addExecutions(ctx);
  addMalformed(ctx);
  const { nowDate, orgIds, collections, malformed, scenario } = ctx;
  const fleet: Fleet = { now: nowDate, orgIds: [...orgIds], collections, malformed, scenario };
  if (options.writePaths) toWritePaths(fleet);
  return fleet;
}

/** insertMany into each collection (ordered: false), in batches of at most 5000 documents. */
export async function loadFleet(db: Db, fleet: Fleet): Promise<void> {
  const BATCH = 5000;
  for (const name of COLLECTIONS) {
    const docs = fleet.collections[name];
    const coll = db.collection(name);
    for (let i = 0; i < docs.length; i += BATCH) {
      await coll.insertMany(docs.slice(i, i + BATCH), { ordered: false });
    }
  }
}
