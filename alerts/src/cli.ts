/**
 * `npm run rules -- --out DIR`: writes the alert and recording rule files for one deployment, with
 * its own runbook and Grafana addresses (RUNBOOK_BASE_URL, GRAFANA_URL; alerts/src/settings.ts).
 * Point Prometheus' `rule_files` at DIR (docker compose: AIWM_RULES_DIR=DIR).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AREAS, renderAreaRules, renderRecordingRules } from './render.js';
import { linkSettings } from './settings.js';

function outDir(argv: string[]): string {
  const i = argv.indexOf('--out');
  const dir = i >= 0 ? argv[i + 1] : undefined;
  if (!dir) throw new Error('usage: npm run rules -- --out DIR  (settings: RUNBOOK_BASE_URL, GRAFANA_URL)');
  return dir;
}

try {
  const dir = outDir(process.argv.slice(2));
  const links = linkSettings(process.env);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'recording.yml'), renderRecordingRules());
  for (const area of AREAS) writeFileSync(join(dir, `${area.file}.yml`), renderAreaRules(area, { links }));
  console.log(
    `wrote ${AREAS.length + 1} rule files to ${dir} (runbooks: ${links.runbookBaseUrl}, Grafana: ${links.grafanaUrl})`,
  );
} catch (error) {
  console.error(`rules: ${(error as Error).message}`);
  process.exit(2);
}
