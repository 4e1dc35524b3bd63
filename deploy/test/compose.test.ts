/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked as data: it parses,
 * every mounted path exists, every service the configurations name exists, ports do not clash,
 * health checks gate the start order, and the exporter reads with a read-only user.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS } from '../../dashboards/index.js';
import { GRAFANA } from '../../dashboards/lib.js';
import { THRESHOLDS } from '../../alerts/src/thresholds.js';
import { ALERTMANAGER_JOB, EXPORTER_JOB, PROMETHEUS_JOB } from '../../queries/names.js';
import { ConfigError, loadConfig } from '../../exporter/src/config.js';

const root = new URL('../../', import.meta.url).pathname;
interface Device {
  driver?: string;
  count?: string | number;
  capabilities?: string[];
}
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  cap_add?: string[];
  deploy?: { resources?: { reservations?: { devices?: Device[] } } };
}
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
/** Compose defaults (`${VAR:-default}`) as the stack runs without an .env file. */
const resolve = (v: string) => v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

const hasDockerCompose = spawnSync('sh', ['-c', 'command -v docker-compose']).status === 0;

describe('docker-compose.yml', () => {
  it.skipIf(!hasDockerCompose)("passes `docker-compose config` (Debian's docker-compose, no daemon needed)", () => {
    const result = spawnSync('docker-compose', ['-f', `${root}docker-compose.yml`, 'config', '-q'], {
      encoding: 'utf8',
      cwd: root,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('has the whole stack from official images plus the exporter built here', () => {
    const all = ['alertmanager', 'dcgm-exporter', 'exporter', 'grafana', 'mongodb', 'prometheus', 'seeder'];
    expect(Object.keys(services).sort()).toEqual(all);
    expect(services.mongodb!.image).toMatch(/^mongo:7/);
    expect(services.prometheus!.image).toMatch(/^prom\/prometheus:/);
    expect(services.alertmanager!.image).toMatch(/^prom\/alertmanager:/);
    // The dashboards are written in the schema of the Grafana compose runs (dashboards/lib.ts GRAFANA).
    expect(services.grafana!.image).toBe(GRAFANA.image);
    for (const make of DASHBOARDS) expect(make().schemaVersion).toBe(GRAFANA.schemaVersion);
    expect(services.exporter!.build).toBe('.');
  });

  it("runs NVIDIA's dcgm-exporter in the gpu profile only, on the host's GPUs, with a set host name", () => {
    const dcgm = services['dcgm-exporter']!;
    expect(dcgm.image).toMatch(/^nvcr\.io\/nvidia\/k8s\/dcgm-exporter:\d+\.\d+\.\d+-\d+\.\d+\.\d+-[a-z0-9.]+$/);
    expect(dcgm.profiles).toEqual(['gpu']);
    // Every other service starts with a plain `docker compose up`.
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'dcgm-exporter') expect(s.profiles, name).toBeUndefined();
    }
    const devices = dcgm.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toEqual([expect.objectContaining({ driver: 'nvidia', capabilities: ['gpu'] })]);
    expect(dcgm.cap_add).toContain('SYS_ADMIN');
    expect(resolve(dcgm.environment!.NODE_NAME!)).not.toBe('');
    // Nothing waits for it: the stack runs the same on hosts without GPUs.
    for (const s of Object.values(services)) expect(Object.keys(s.depends_on ?? {})).not.toContain('dcgm-exporter');
  });

  it('lets Prometheus read the dcgm-exporter targets it is configured with', () => {
    type Job = { job_name: string; file_sd_configs?: Array<{ files: string[] }> };
    const config = parse(readFileSync(`${root}prometheus.yml`, 'utf8')) as { scrape_configs: Job[] };
    const job = config.scrape_configs.find((c) => c.job_name.includes('dcgm'))!;
    const [pattern] = job.file_sd_configs![0]!.files;
    const folder = pattern!.slice(0, pattern!.lastIndexOf('/'));
    const mount = services.prometheus!.volumes!.find((v) => v.split(':')[1] === folder);
    expect(mount, folder).toBe('./deploy/dcgm-targets:/etc/prometheus/dcgm-targets:ro');
    expect(existsSync(`${root}deploy/dcgm-targets/gpu-nodes.yml.example`)).toBe(true);
  });

  it.each([
    ['prometheus.yml', 'exporter', 'prometheus', 'alertmanager'],
    ['prometheus.local.yml', '127.0.0.1', '127.0.0.1', '127.0.0.1'],
  ])(
    '%s scrapes the exporter within the limits the alerts warn about, Prometheus itself and Alertmanager',
    (file, exporterHost, prometheusHost, alertmanagerHost) => {
      type Job = {
        job_name: string;
        scrape_interval?: string;
        scrape_timeout?: string;
        sample_limit?: number;
        static_configs?: Array<{ targets: string[] }>;
      };
      const config = parse(readFileSync(`${root}${file}`, 'utf8')) as {
        scrape_configs: Job[];
        alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
      };
      const job = (name: string) => config.scrape_configs.find((c) => c.job_name === name)!;
      const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)![1]);
      const exporter = job(EXPORTER_JOB);
      // AIWMExporterScrapeTooLarge and AIWMExporterScrapeSlow warn at a share of these very values.
      expect(exporter.sample_limit).toBe(THRESHOLDS.exporterScrape.sampleLimit);
      expect(exporter.scrape_timeout).toBe(`${THRESHOLDS.exporterScrape.timeoutSeconds}s`);
      expect(seconds(exporter.scrape_timeout!)).toBeLessThanOrEqual(seconds(exporter.scrape_interval!));
      expect(exporter.static_configs![0]!.targets).toEqual([`${exporterHost}:9470`]);
      expect(job(PROMETHEUS_JOB).static_configs![0]!.targets).toEqual([`${prometheusHost}:9090`]);
      // The Alertmanager scraped is the one Prometheus sends its alerts to.
      const alertmanager = job(ALERTMANAGER_JOB).static_configs![0]!.targets;
      expect(alertmanager).toEqual([`${alertmanagerHost}:9093`]);
      expect(config.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(alertmanager);
    },
  );

  it('runs a Prometheus that supports keep_firing_for (2.42 or later), serving the runbooks', () => {
    const [major, minor] = /:v(\d+)\.(\d+)\./.exec(services.prometheus!.image!)!.slice(1).map(Number);
    expect(major! > 2 || (major === 2 && minor! >= 42), services.prometheus!.image).toBe(true);
    const rules = readdirSync(`${root}alerts/rules`).map((f) => readFileSync(`${root}alerts/rules/${f}`, 'utf8'));
    expect(rules.some((r) => r.includes('keep_firing_for:'))).toBe(true);
    expect(services.prometheus!.command).toContain('--web.user-assets=/etc/prometheus/user');
    expect(services.prometheus!.volumes).toContain('./docs:/etc/prometheus/user:ro');
  });

  it('mounts only paths that exist, read-only for configuration', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        // `${VAR:-./default}` mounts the default unless the operator sets VAR: check the default.
        const [source, target, mode] = volume.replace(/^\$\{\w+:-([^}]+)\}/, '$1').split(':');
        if (!source!.startsWith('./')) {
          expect(compose.volumes, `${name}: named volume ${source}`).toHaveProperty(source!);
          continue;
        }
        expect(existsSync(`${root}${source!.slice(2)}`), `${name}: ${source}`).toBe(true);
        expect(mode, `${name}: ${source} -> ${target}`).toBe('ro');
      }
    }
  });

  it('publishes ports on 127.0.0.1 only, without clashes', () => {
    const host = Object.values(services).flatMap((s) => s.ports ?? []);
    for (const p of host) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(new Set(host.map((p) => p.split(':')[1])).size).toBe(host.length);
  });

  it('names only services that exist, in every configuration', () => {
    const hostsIn = (text: string) =>
      [...text.matchAll(/(?:https?|mongodb):\/\/(?:[^@/\s]+@)?([a-z][a-z0-9-]*):\d+/g)].map((m) => m[1]!);
    const configs = [
      readFileSync(`${root}prometheus.yml`, 'utf8'),
      readFileSync(`${root}provisioning/datasources/aiwm.yml`, 'utf8'),
      ...Object.values(services).map((s) => resolve(JSON.stringify(s.environment ?? {}))),
    ];
    const named = configs.flatMap(hostsIn);
    const targets = [...readFileSync(`${root}prometheus.yml`, 'utf8').matchAll(/'([a-z][a-z0-9-]*):\d+'/g)].map(
      (m) => m[1]!,
    );
    expect(named.length + targets.length).toBeGreaterThan(4);
    for (const host of [...named, ...targets]) expect(Object.keys(services), host).toContain(host);
  });

  it('gates start order on health checks', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(condition, `${name} -> ${dependency}`).toBe('service_healthy');
        expect(services[dependency]!.healthcheck, `${dependency} needs a healthcheck`).toBeDefined();
      }
    }
    for (const name of ['mongodb', 'exporter', 'prometheus', 'alertmanager', 'grafana'])
      expect(services[name]!.healthcheck, name).toBeDefined();
  });

  it('keeps at least 7 days of Prometheus data and embeds Grafana', () => {
    const retention = services.prometheus!.command!.find((c) => c.startsWith('--storage.tsdb.retention.time='))!;
    const days = Number(/=(\d+)d$/.exec(retention)![1]);
    expect(days).toBeGreaterThanOrEqual(7);
    expect(services.grafana!.environment!.GF_SECURITY_ALLOW_EMBEDDING).toBe('true');
  });

  it('lets the exporter read AIWM with a read-only user created at init', () => {
    const uri = new URL(resolve(services.exporter!.environment!.MONGODB_URI!));
    const init = readFileSync(`${root}deploy/mongo/init-users.js`, 'utf8');
    expect(init).toContain(`process.env.EXPORTER_MONGO_USER || '${uri.username}'`);
    expect(init).toMatch(/roles: \[\{ role: 'read', db: database \}\]/);
    expect(resolve(services.mongodb!.environment!.EXPORTER_MONGO_PASSWORD!)).toBe(uri.password);
  });

  it('serves the facade on its own port, and Prometheus scrapes /metrics on the other', () => {
    const exporter = services.exporter!;
    const env = Object.fromEntries(Object.entries(exporter.environment!).map(([k, v]) => [k, resolve(v)]));
    const config = loadConfig({ ...env, DEMO: 'true' });
    expect(config.listen.port).toBe(9470);
    expect(config.facade!.listen.port).toBe(9471);
    expect(exporter.ports).toEqual(['127.0.0.1:9470:9470', '127.0.0.1:9471:9471']);
    expect(exporter.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:9470/healthz');
    expect(readFileSync(`${root}Dockerfile`, 'utf8')).toMatch(/^EXPOSE 9470 9471$/m);
  });

  it('ships no usable JWT secret: the demo one is refused unless DEMO=true is set', () => {
    const env = Object.fromEntries(Object.entries(services.exporter!.environment!).map(([k, v]) => [k, resolve(v)]));
    // As `docker compose up` runs without DEMO (or a real AIWM's JWT_SECRET) in the environment.
    expect(env.DEMO).toBe('false');
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/^JWT_SECRET: is the public demo secret/);
    // `DEMO=true docker compose up` (the demo) and `JWT_SECRET=<AIWM IAM's> docker compose up` (a real AIWM).
    expect(loadConfig({ ...env, DEMO: 'true' }).demo).toBe(true);
    expect(loadConfig({ ...env, JWT_SECRET: 'aiwm-iam-secret-of-at-least-32-bytes' }).facade!.auth.kind).toBe('jwt');
    const readme = readFileSync(`${root}README.md`, 'utf8');
    expect(readme).toContain('DEMO=true docker compose up');
    // The real-AIWM recipe sets AIWM IAM's secret.
    const recipe = readme.slice(readme.indexOf('**Point it at a real AIWM.**'));
    expect(recipe.slice(0, recipe.indexOf('\n\n**', 10))).toMatch(/JWT_SECRET=/);
  });

  it('shows scrape authentication as a commented example in prometheus.yml', () => {
    const text = readFileSync(`${root}prometheus.yml`, 'utf8');
    expect(text).toMatch(/^ {4}# authorization:\n {4}# {3}type: Bearer\n {4}# {3}credentials_file: /m);
    expect(text).toMatch(/^ {4}# basic_auth:\n {4}# {3}username: \S+\n {4}# {3}password_file: /m);
    const uncommented = text.replace(/^ *#.*$/gm, '');
    expect(uncommented).not.toMatch(/credentials_file|password_file/);
  });

  it('builds a non-root image with production dependencies only', () => {
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    const final = dockerfile.split(/^FROM /m).at(-1)!;
    expect(final).toMatch(/^USER node$/m);
    expect(final).not.toMatch(/npm (ci|install)/);
    expect(services.seeder!.command).toEqual(['node', 'dist/demo/seeder.js']);
    expect(existsSync(`${root}demo/seeder.ts`)).toBe(true);
  });
});
