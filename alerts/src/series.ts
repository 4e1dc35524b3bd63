/** Helpers for writing promtool input series in rule tests. */

const sel = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');

export const s = (name: string, labels: Record<string, string>, values: string) => ({ series: `${name}{${sel(labels)}}`, values });

export const ORG = 'org-a';

export const nodeInfo = (nodeId: string, nodeName: string, values = '1x60') =>
  s('aiwm_node_info', { org_id: ORG, node_id: nodeId, node_name: nodeName, hostname: `${nodeName}.local`, roles: 'worker', cpu_model: 'AMD EPYC 9654', os: 'Ubuntu 24.04', daemon_version: '1.5.0' }, values);

/** A ratio as a percentage for descriptions, without binary floating-point noise (0.97 -> 97). */
export const pct = (ratio: number) => Math.round(ratio * 1000) / 10;
