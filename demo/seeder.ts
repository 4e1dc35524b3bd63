/**
 * The compose stack's seeder: loads the demo fleet into an empty MongoDB, then keeps it alive.
 * A stand-in for AIWM itself: never point it at a real AIWM database.
 */
import { MongoClient } from 'mongodb';
import { COLLECTIONS, generateFleet, loadFleet } from '../testing/fleet/index.js';
import { keepFleetAlive } from './live.js';

const uri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/hydra-aiwm';
const client = new MongoClient(uri);
await client.connect();
const db = client.db();
// Documents as AIWM's write paths store them (healthy nodes, os objects, empty gpuDevices, ...).
const fleet = generateFleet({ now: new Date(), nodes: Number(process.env.DEMO_NODES ?? 12), writePaths: true });
// A fresh fleet on every start: its ids and timestamps derive from the start time.
for (const name of COLLECTIONS) await db.collection(name).deleteMany({});
await loadFleet(db, fleet);
console.log(`seeder: loaded a demo fleet of ${fleet.collections.nodes.length} nodes into ${db.databaseName}`);
const live = keepFleetAlive(db, fleet, {
  onError: (e) => console.error('seeder: update failed:', e instanceof Error ? e.message : e),
});
const stop = async () => {
  await live.stop();
  await client.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
