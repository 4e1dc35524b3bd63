/**
 * Benchmark helper process: the MongoDB stand-in loaded with a generated fleet, in its own
 * process so the exporter's CPU and memory are measured without the database's.
 * Usage: tsx standin-server.ts '<FleetOptions JSON>'; prints "READY <uri>" when loaded.
 */
import { MongoClient } from 'mongodb';
import { generateFleet, loadFleet, type FleetOptions } from '../../testing/fleet/index.js';
import { startMongoStandIn } from '../../testing/mongo-standin.js';

const options = JSON.parse(process.argv[2] ?? '{}') as FleetOptions;
// JSON carries `now` as an ISO string.
if (typeof options.now === 'string') options.now = new Date(options.now);
const standin = await startMongoStandIn();
const uri = `${standin.uri}bench`;
const client = new MongoClient(uri);
await client.connect();
await loadFleet(client.db('bench'), generateFleet(options));
await client.close();
process.stdout.write(`READY ${uri}\n`);
process.on('SIGTERM', () => void standin.close().then(() => process.exit(0)));
