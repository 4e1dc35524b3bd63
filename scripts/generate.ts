/**
 * Writes every generated file of the repository; `--check` fails (exit 1) when a committed file
 * differs from what the generators produce. Run by `npm run generate` / `npm run check:generated`.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMetricsDoc } from './metrics-doc.js';
import { alertOutputs } from '../alerts/src/render.js';
import { dashboardOutputs } from '../dashboards/index.js';
import { ROUTES } from '../exporter/src/facade/index.js';
import { openApiDocument } from '../exporter/src/facade/openapi.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const outputs: Array<{ path: string; render: () => string }> = [
  { path: 'docs/metrics.md', render: renderMetricsDoc },
  ...alertOutputs(),
  ...dashboardOutputs(),
  { path: 'docs/openapi.json', render: () => JSON.stringify(openApiDocument(ROUTES, '/dashboard'), null, 2) + '\n' },
];

const check = process.argv.includes('--check');
let stale = 0;
for (const { path, render } of outputs) {
  const target = resolve(root, path);
  const wanted = render();
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === wanted) continue;
  if (check) {
    stale++;
    console.error(`${path} is out of date: run npm run generate and commit the result`);
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, wanted);
    console.log(`wrote ${path}`);
  }
}
if (check && stale > 0) process.exit(1);
if (check) console.log(`generated files up to date (${outputs.length} checked)`);
