/**
 * Helpers for writing promtool input series in rule tests: the state sets the exporter writes for a
 * node, info series, and descriptions' percentages. The alert expressions come from queries/.
 */
import {
  HEARTBEAT_STATES,
  NODE_AVAILABILITIES as AVAILABILITIES,
  NODE_STATUS_CLASSES as NODE_CLASSES,
  type HeartbeatState,
  type NodeAvailability as Availability,
  type NodeStatusClass as NodeClass,
} from '../../exporter/src/source/nodes.js';
import { GPU, M } from '../../queries/names.js';
import type { AlertCase } from './model.js';

// --- promtool input series -------------------------------------------------------------------------

const sel = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');

export type InputSeries = { series: string; values: string };

export const s = (name: string, labels: Record<string, string>, values: string): InputSeries => ({
  series: `${name}{${sel(labels)}}`,
  values,
});

export const ORG = 'org-a';

/** aiwm_node_info as the exporter emits it (hostname raw, os rendered as text). */
export const nodeInfo = (nodeId: string, nodeName: string, values = '1x60', extra: Record<string, string> = {}) =>
  s(
    'aiwm_node_info',
    {
      org_id: ORG,
      node_id: nodeId,
      node_name: nodeName,
      hostname: `${nodeName}.local`,
      roles: 'worker',
      cpu_model: 'AMD EPYC 9654',
      os: 'Ubuntu 24.04.1 LTS',
      daemon_version: '1.5.0',
      ...extra,
    },
    values,
  );

/** A state set: one series per state, 1 for `current` and 0 for the others, each with `extra` labels. */
const stateSet = (
  name: string,
  label: string,
  states: readonly string[],
  current: string,
  base: Record<string, string>,
  steps: number,
) => states.map((state) => s(name, { ...base, [label]: state }, `${state === current ? 1 : 0}x${steps}`));

/** aiwm_node_status: 6 series over `class`, the raw AIWM value in `status` on every one of them. */
export const nodeStatus = (nodeId: string, cls: NodeClass, status: string, steps = 60) =>
  stateSet('aiwm_node_status', 'class', NODE_CLASSES, cls, { org_id: ORG, node_id: nodeId, status }, steps);

/** aiwm_node_heartbeat_state: 3 series over `state`. */
export const heartbeatState = (nodeId: string, state: HeartbeatState, steps = 60) =>
  stateSet('aiwm_node_heartbeat_state', 'state', HEARTBEAT_STATES, state, { org_id: ORG, node_id: nodeId }, steps);

/** aiwm_node_availability: 5 series over `availability`. */
export const nodeAvailability = (nodeId: string, availability: Availability, steps = 60) =>
  stateSet(
    'aiwm_node_availability',
    'availability',
    AVAILABILITIES,
    availability,
    { org_id: ORG, node_id: nodeId },
    steps,
  );

/** The exporter's rule for availability, so test inputs stay consistent with the classes. */
export function availabilityOf(cls: NodeClass, heartbeat: HeartbeatState): Availability {
  if (cls === 'up' || cls === 'degraded') return heartbeat === 'fresh' ? 'online' : 'offline';
  return cls === 'down' ? 'offline' : cls;
}

/**
 * Everything the exporter emits about a node's liveness: status classes, heartbeat state, the last
 * heartbeat time (absent when it never heartbeated) and aiwm_node_info. `heartbeatAt` is the
 * promtool value expression of the heartbeat timestamp (e.g. '0+60x60' for a fresh one); `steps`
 * how many minutes the other series last.
 */
export function nodeLiveness(
  nodeId: string,
  nodeName: string,
  cls: NodeClass,
  status: string,
  heartbeat: HeartbeatState,
  heartbeatAt = '0+60x60',
  steps = 60,
): InputSeries[] {
  return [
    ...nodeStatus(nodeId, cls, status, steps),
    ...heartbeatState(nodeId, heartbeat, steps),
    ...nodeAvailability(nodeId, availabilityOf(cls, heartbeat), steps),
    ...(heartbeat === 'never'
      ? []
      : [s('aiwm_node_last_heartbeat_timestamp_seconds', { org_id: ORG, node_id: nodeId }, heartbeatAt)]),
    nodeInfo(nodeId, nodeName, `1x${steps}`),
  ];
}

/** A ratio as a percentage for descriptions, without binary floating-point noise (0.97 -> 97). */
export const pct = (ratio: number) => Math.round(ratio * 1000) / 10;

// --- case variants: extra scrape labels, duplicate info series, poll gaps ---------------------------

/** The labels a scrape adds to every series of the exporter ("still fires with extra labels"). */
export const SCRAPE_LABELS: Readonly<Record<string, string>> = { job: 'aiwm-exporter', instance: 'aiwm-exporter:9470' };

/** `input` with the `extra` labels it does not have yet (its own values win). */
export function withLabels(input: InputSeries, extra: Readonly<Record<string, string>>): InputSeries {
  const m = /^([^{]*)\{(.*)\}$/.exec(input.series);
  const [name, inner] = m ? [m[1]!, m[2]!] : [input.series, ''];
  const has = new Set([...inner.matchAll(/([A-Za-z_]\w*)="/g)].map((x) => x[1]!));
  const added = Object.entries(extra).filter(([k]) => !has.has(k));
  if (added.length === 0) return input;
  const labels = [inner, sel(Object.fromEntries(added))].filter((x) => x !== '').join(',');
  return { series: `${name}{${labels}}`, values: input.values };
}

/**
 * The case with `job` and `instance` on every input series that lacks them, as a real scrape adds
 * them. `kept`: the alert expression keeps them, so the expected alerts carry them too.
 */
export function withScrapeLabels(
  c: AlertCase,
  kept: boolean,
  name = 'still fires with extra job/instance labels',
): AlertCase {
  return {
    ...c,
    name,
    series: c.series.map((x) => withLabels(x, SCRAPE_LABELS)),
    alerts: c.alerts.map((a) => (kept ? { ...a, labels: { ...a.labels, ...SCRAPE_LABELS } } : a)),
  };
}

/** The info series a node or GPU alert joins (aiwm_node_info, the unified GPU info, aiwm_node_hostname). */
export const INFO_SERIES: readonly string[] = [M.nodeInfo.name, M.nodeHostname.name, GPU.info];

const nameOf = (input: InputSeries) => /^[^{]*/.exec(input.series)![0];

/**
 * The case with every info series doubled: once with a changed `os` (a node that was upgraded, seen
 * by two exporter replicas polling at different times) and once with an extra `instance` (a second
 * exporter scraped). A join that does not collapse its info side errors with "found duplicate series
 * for the match group"; a guarded one gives the same alerts.
 */
export function withDuplicateInfo(c: AlertCase, infos: readonly string[] = INFO_SERIES): AlertCase {
  const copies = (x: InputSeries): InputSeries[] => {
    if (!infos.includes(nameOf(x))) return [x];
    const other = withLabels(x, { instance: 'aiwm-exporter-b:9470' });
    const upgraded = x.series.includes('os="')
      ? [{ ...x, series: x.series.replace(/os="[^"]*"/, 'os="Ubuntu 24.04.2 LTS"') }]
      : [];
    return [x, other, ...upgraded];
  };
  return {
    ...c,
    name: 'two info series for one entity: one alert, no duplicate-series error',
    series: c.series.flatMap(copies),
  };
}

/** Promtool's expanding notation (`1x3`, `0+60x2`, `_x2`, `stale`) as one value per step. */
export function expandValues(values: string): string[] {
  return values
    .trim()
    .split(/\s+/)
    .flatMap((item) => {
      const blanks = /^_x(\d+)$/.exec(item);
      if (blanks) return Array<string>(Number(blanks[1])).fill('_');
      const run = /^(-?[\d.e]+)(?:([+-])([\d.e]+))?x(\d+)$/.exec(item);
      if (!run) return [item];
      const [start, sign, step, n] = [Number(run[1]), run[2] === '-' ? -1 : 1, Number(run[3] ?? 0), Number(run[4])];
      return Array.from({ length: n + 1 }, (_, i) => String(start + sign * step * i));
    });
}

/** One value per step back in promtool's notation, runs of one value as `vxn` and of blanks as `_xn`. */
export function compactValues(steps: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < steps.length;) {
    let j = i;
    while (j + 1 < steps.length && steps[j + 1] === steps[i]) j++;
    const v = steps[i]!;
    const n = j - i + 1;
    out.push(n === 1 ? v : v === '_' ? `_x${n}` : v === 'stale' ? Array<string>(n).fill(v).join(' ') : `${v}x${n - 1}`);
    i = j + 1;
  }
  return out.join(' ');
}

/**
 * The series `which` selects vanish for `steps` steps from step `from` (a staleness marker, then no
 * samples), as when the exporter drops an entity's series while MongoDB is unreachable.
 */
export function withGap(
  series: readonly InputSeries[],
  from: number,
  steps: number,
  which: (x: InputSeries) => boolean = () => true,
): InputSeries[] {
  return series.map((x) => {
    if (!which(x)) return x;
    const values = expandValues(x.values);
    for (let i = from; i < Math.min(from + steps, values.length); i++) values[i] = i === from ? 'stale' : '_';
    return { ...x, values: compactValues(values) };
  });
}

/** The robustness cases every alert gets: extra scrape labels, and duplicate info series. */
export const robustnessCases = (test: AlertCase, keepsScrapeLabels: boolean): AlertCase[] => [
  withScrapeLabels(test, keepsScrapeLabels),
  withDuplicateInfo(test),
];
