/**
 * The query layer: every PromQL expression the dashboards, the alerts, the recording rules, the
 * seed-figure docs (and, next, the JSON facade) run, as named functions of a selector and a window.
 * See queries/README.md.
 */
export * from './core.js';
export * from './names.js';
export * as nodes from './nodes.js';
export * as gpus from './gpus.js';
export * as workloads from './workloads.js';
export * as monitoring from './monitoring.js';
export * as recording from './recording.js';
export * as facade from './facade.js';
