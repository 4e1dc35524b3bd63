// Runs once when the compose MongoDB starts with an empty volume (docker-entrypoint-initdb.d).
// The exporter reads with a read-only user; the demo seeder (standing in for AIWM) writes.
const database = process.env.AIWM_DATABASE || 'hydra-aiwm';
const aiwm = db.getSiblingDB(database);
aiwm.createUser({
  user: process.env.EXPORTER_MONGO_USER || 'aiwm_exporter',
  pwd: process.env.EXPORTER_MONGO_PASSWORD,
  roles: [{ role: 'read', db: database }],
});
aiwm.createUser({
  user: process.env.SEEDER_MONGO_USER || 'aiwm_seeder',
  pwd: process.env.SEEDER_MONGO_PASSWORD,
  roles: [{ role: 'readWrite', db: database }],
});
