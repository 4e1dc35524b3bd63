/**
 * The gzip exposition as cached members: concatenated members are one gzip stream (RFC 1952) that
 * decompresses to the identity exposition, an unchanged chunk keeps its compressed member across
 * polls, and a served gzip body reads the same as the plain one (zlib, promtool).
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exporter } from '../src/app.js';
import type { FamilyMeta, RenderedFamily } from '../src/metrics/exposition.js';
import { Snapshot } from '../src/snapshot.js';
import { generateFleet, loadFleet } from '../../testing/fleet/index.js';
import { openTestDatabase, startTestExporter, type TestDatabase } from '../../testing/harness.js';
import { promtool } from '../../testing/promtool.js';

const GAUGE: FamilyMeta = {
  name: 'aiwm_x_size_bytes',
  type: 'gauge',
  help: 'A test gauge.',
  unit: 'bytes',
  labels: ['org_id', 'id'],
};
const COUNTER: FamilyMeta = { name: 'aiwm_x_things_total', type: 'counter', help: 'Things.', unit: '', labels: ['id'] };

/** A chunk of `lines` sample lines of `meta`, ids from `from`. */
function chunk(meta: FamilyMeta, from: number, lines: number, value = 1): Buffer {
  let text = '';
  for (let i = from; i < from + lines; i++) text += `${meta.name}{org_id="o${i % 3}",id="entity-${i}"} ${value}\n`;
  return Buffer.from(text);
}

const family = (meta: FamilyMeta, chunks: Buffer[]): RenderedFamily => ({
  meta,
  chunks,
  samples: chunks.reduce((n, c) => n + c.toString().split('\n').length - 1, 0),
});

describe('Snapshot gzip members', () => {
  // Large chunks (their own members) and runs of small ones (grouped), an empty family.
  const big = [chunk(GAUGE, 0, 1500), chunk(GAUGE, 1500, 1500)];
  const small = Array.from({ length: 1000 }, (_, i) => chunk(COUNTER, i * 20, 20));
  const families = [family(GAUGE, big), family(COUNTER, []), family(COUNTER, small)];

  it('decompresses to the identity exposition in both formats', async () => {
    const snap = new Snapshot(1, families, '# self text\n', '# self om\n');
    for (const openMetrics of [false, true]) {
      const members = await snap.gzipped(openMetrics);
      expect(members.length).toBeGreaterThan(3);
      const identity = Buffer.concat(snap.parts(openMetrics));
      expect(identity.length).toBe(snap.size(openMetrics));
      expect(gunzipSync(Buffer.concat(members)).equals(identity)).toBe(true);
      // Every member is a gzip member on its own.
      for (const m of members) expect(m.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    }
    expect(snap.entityText()).toContain('# TYPE aiwm_x_size_bytes gauge\n');
    expect(snap.entityText()).not.toContain('# self');
  });

  it('compresses an unchanged chunk once: the next snapshot reuses its member', async () => {
    const first = new Snapshot(1, families, '', '');
    const a = await first.gzipped(false);
    // The next poll: the first big chunk and one small chunk re-rendered, everything else unchanged.
    const changedBig = chunk(GAUGE, 0, 1500, 2);
    const changedSmall = chunk(COUNTER, 500 * 20, 20, 2);
    const next = [
      family(GAUGE, [changedBig, big[1]!]),
      family(
        COUNTER,
        small.map((c, i) => (i === 500 ? changedSmall : c)),
      ),
    ];
    const second = new Snapshot(2, next, '', '');
    const b = await second.gzipped(false);
    expect(gunzipSync(Buffer.concat(b)).equals(Buffer.concat(second.parts(false)))).toBe(true);
    // The small chunks (about 1 KiB) are compressed in groups of about 64 KiB.
    expect(b.length).toBeGreaterThan(1 + 2 + 1 + 8);
    expect(b.length).toBeLessThan(1 + 2 + 1 + 40);
    const reused = b.filter((m) => a.includes(m));
    // Everything but the changed big chunk, the group holding the changed small chunk and the
    // (per-snapshot) self member is the very same Buffer.
    expect(reused.length).toBe(b.length - 3);
    expect(a.includes(b[1]!)).toBe(false);
    expect(b[2]).toBe(a[2]);
    // The other format shares the chunks' members: only the headers differ.
    const om = await second.gzipped(true);
    expect(om.filter((m) => b.includes(m)).length).toBe(b.length - 3);
  });
});

describe('served gzip body', () => {
  let t: TestDatabase;
  let exporter: Exporter;

  beforeAll(async () => {
    t = await openTestDatabase();
    const fleet = generateFleet({ seed: 1 });
    await loadFleet(t.db, fleet);
    exporter = await startTestExporter(t.uri, () => fleet.now);
    await exporter.poller.tick();
  });

  afterAll(async () => {
    await exporter?.stop();
    await t?.close();
  });

  function get(openMetrics: boolean, gzip: boolean): Promise<{ headers: http.IncomingHttpHeaders; raw: Buffer }> {
    const headers: Record<string, string> = { 'accept-encoding': gzip ? 'gzip' : 'identity' };
    if (openMetrics) headers.accept = 'application/openmetrics-text; version=1.0.0';
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: exporter.port, path: '/metrics', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, raw: Buffer.concat(chunks) }));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  }

  /** The body without the scrape counter rendered per scrape (the only part that differs between scrapes). */
  const withoutTail = (body: string, openMetrics: boolean) =>
    body.slice(
      0,
      body.lastIndexOf(openMetrics ? '# TYPE aiwm_exporter_scrapes counter\n' : '# HELP aiwm_exporter_scrapes_total '),
    );

  for (const openMetrics of [false, true]) {
    it(`gunzips to the identity body (${openMetrics ? 'OpenMetrics' : 'text'}), and promtool reads it`, async () => {
      const plain = await get(openMetrics, false);
      const gz = await get(openMetrics, true);
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(Number(gz.headers['content-length'])).toBe(gz.raw.length);
      const members = await exporter.poller.snapshot!.gzipped(openMetrics);
      expect(members.length).toBeGreaterThan(10);
      // The body is the snapshot's members as they are, then the scrape's own tail member.
      expect(
        gz.raw
          .subarray(
            0,
            members.reduce((n, m) => n + m.length, 0),
          )
          .equals(Buffer.concat(members)),
      ).toBe(true);
      const body = gunzipSync(gz.raw).toString();
      const identity = plain.raw.toString();
      expect(withoutTail(body, openMetrics).length).toBeGreaterThan(10_000);
      expect(withoutTail(body, openMetrics)).toBe(withoutTail(identity, openMetrics));
      if (openMetrics) expect(body.endsWith('# EOF\n')).toBe(true);
      else {
        const result = await promtool(['check', 'metrics'], body);
        expect(result.stdout + result.stderr).toBe('');
        expect(result.code).toBe(0);
      }
    });
  }

  it('reports the gzip size as the sum of the members', async () => {
    await exporter.poller.tick();
    const members = await exporter.poller.snapshot!.gzipped(true);
    const sizes = await exporter.self.expositionBytes.get();
    const gzip = sizes.values.find((v) => v.labels.format === 'openmetrics' && v.labels.encoding === 'gzip');
    expect(gzip?.value).toBe(members.reduce((n, m) => n + m.length, 0));
  });
});
