/**
 * Shared building blocks for the AIWM dashboards: one Prometheus datasource variable used by every
 * query, org and entity variables, explicit panel ids, a simple grid layout, units and thresholds
 * on every panel, and drill-down links that carry the variables and the time range.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { M, labelValues, oneOf, queryResult, select } from '../queries/index.js';

/** The provisioned Prometheus datasource (provisioning/datasources/aiwm.yml). */
export const PROMETHEUS_UID = 'aiwm-prometheus';
export const DATASOURCE: { type: string; uid: string } = { type: 'prometheus', uid: '${datasource}' };
/** Every AIWM selector is scoped to the chosen orgs (a label matcher: queries/ builds the PromQL). */
export const ORG = oneOf('org_id', '$org');
/** Windows: activity over the dashboard's time range, rates over Grafana's rate interval. */
export const RANGE = '$__range';
export const RATE = '$__rate_interval';

/**
 * Panel ids that were embeddable once and were removed: an id is never given to another panel,
 * so an old embed URL shows "panel not found" instead of a different figure.
 */
export const RETIRED: Record<string, Array<{ id: number; title: string; why: string }>> = {
  'aiwm-node-detail': [
    { id: 3, title: 'Websocket', why: 'AIWM never writes websocketConnected; see "Heartbeat" (id 15)' },
    { id: 8, title: 'GPU data', why: 'replaced by "GPU telemetry source" (id 17), which covers dcgm-exporter too' },
  ],
};

export const UID = {
  overview: 'aiwm-overview',
  nodes: 'aiwm-nodes',
  nodeDetail: 'aiwm-node-detail',
  resources: 'aiwm-resources',
  models: 'aiwm-models',
  deployments: 'aiwm-deployments',
  deploymentDetail: 'aiwm-deployment-detail',
  agents: 'aiwm-agents',
  agentDetail: 'aiwm-agent-detail',
  executions: 'aiwm-executions',
} as const;

export interface Target {
  expr: string;
  legend?: string;
  /** Instant query returning a table (for table panels). */
  table?: boolean;
}

export interface Step {
  value: number;
  color: string;
}

export interface PanelSpec {
  /** Stable id: embedded panels are addressed by it (`/d-solo/<uid>?panelId=<id>`). Never reuse or renumber. */
  id: number;
  title: string;
  description: string;
  unit: string;
  targets: Target[];
  w?: number;
  h?: number;
  /** Threshold steps above the base colour (green unless `base` says otherwise). */
  steps?: Step[];
  base?: string;
  min?: number;
  max?: number;
  /** Drill-down link for table rows or stat values. */
  link?: { title: string; url: string };
  mappings?: dashboard.ValueMapping[];
  /** Table panels: column renames and order. */
  columns?: Record<string, string>;
  /** Table panels: a unit per column (keyed like `columns`, by the field name before renaming). */
  units?: Record<string, string>;
  /** Shown when the query returns nothing (e.g. "never" for a node that never sent a heartbeat). */
  noValue?: string;
}

/** Drill-down URL to a dashboard by UID, keeping the datasource, org and time range. */
export function drillDown(uid: string, variables: Record<string, string> = {}): string {
  const vars = Object.entries(variables)
    .map(([k, v]) => `&var-${k}=${v}`)
    .join('');
  return `/d/${uid}?\${datasource:queryparam}&\${org:queryparam}${vars}&\${__url_time_range}`;
}

function thresholds(spec: PanelSpec): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: spec.base ?? 'green' }, ...(spec.steps ?? [])]);
}

function query(target: Target, index: number): prometheus.DataqueryBuilder {
  const q = new prometheus.DataqueryBuilder()
    .expr(target.expr)
    .refId(String.fromCharCode(65 + index))
    .datasource(DATASOURCE);
  if (target.table) return q.instant().format(prometheus.PromQueryFormat.Table);
  return q.legendFormat(target.legend ?? '__auto');
}

export interface BoardOptions {
  /** The one entity a detail dashboard shows (a required variable in embed URLs). */
  entity?: dashboard.QueryVariableBuilder;
  /** Optional filters that default to All (see `filterVariable`). */
  filters?: dashboard.QueryVariableBuilder[];
  time?: string;
}

export class Board {
  private readonly builder: dashboard.DashboardBuilder;
  readonly ids = new Set<number>();

  private readonly retired: Set<number>;

  constructor(uid: string, title: string, description: string, options: BoardOptions = {}) {
    this.retired = new Set((RETIRED[uid] ?? []).map((r) => r.id));
    this.builder = new dashboard.DashboardBuilder(title)
      .uid(uid)
      .description(description)
      .tags(['aiwm'])
      .readonly()
      .timezone('browser')
      .refresh('1m')
      .time({ from: options.time ?? 'now-24h', to: 'now' })
      .withVariable(
        new dashboard.DatasourceVariableBuilder('datasource')
          .label('Data source')
          .type('prometheus')
          .current({ text: 'AIWM Prometheus', value: PROMETHEUS_UID }),
      )
      .withVariable(filterVariable('org', 'Organization', labelValues(M.nodeInfo.name, 'org_id')))
      .link(
        new dashboard.DashboardLinkBuilder('AIWM dashboards')
          .type(dashboard.DashboardLinkType.Dashboards)
          .tags(['aiwm'])
          .asDropdown(true)
          .includeVars(true)
          .keepTime(true),
      );
    if (options.entity) this.builder.withVariable(options.entity);
    for (const filter of options.filters ?? []) this.builder.withVariable(filter);
  }

  /** Starts a new row of panels; rows are never collapsed, so nothing hides by accident. */
  row(id: number, title: string): this {
    this.register(id);
    this.builder.withRow(new dashboard.RowBuilder(title).id(id).collapsed(false));
    return this;
  }

  stat(spec: PanelSpec, options: { graph?: boolean; textMode?: common.BigValueTextMode } = {}): this {
    const panel = new stat.PanelBuilder()
      .colorMode(common.BigValueColorMode.Value)
      .graphMode(options.graph ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
      .textMode(options.textMode ?? common.BigValueTextMode.Auto)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    return this.place(this.common(panel, spec), spec, 4, 4);
  }

  bars(spec: PanelSpec): this {
    const panel = new bargauge.PanelBuilder()
      .orientation(common.VizOrientation.Horizontal)
      .displayMode(common.BarGaugeDisplayMode.Basic)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    return this.place(this.common(panel, spec), spec, 6, 6);
  }

  timeseries(spec: PanelSpec): this {
    const panel = new timeseries.PanelBuilder().lineWidth(1).fillOpacity(10).showPoints(common.VisibilityMode.Never);
    return this.place(this.common(panel, spec), spec, 12, 8);
  }

  table(spec: PanelSpec): this {
    // Instant table queries joined on their common labels; only the listed columns, in order, renamed.
    const panel = new table.PanelBuilder().withTransformation({ id: 'merge', options: {} });
    if (spec.columns) {
      panel
        .withTransformation({ id: 'filterFieldsByName', options: { include: { names: Object.keys(spec.columns) } } })
        .withTransformation({
          id: 'organize',
          options: {
            indexByName: Object.fromEntries(Object.keys(spec.columns).map((c, i) => [c, i])),
            renameByName: spec.columns,
          },
        });
    }
    return this.place(this.common(panel, spec), spec, 24, 9);
  }

  build(): dashboard.Dashboard {
    return this.builder.build();
  }

  private common<
    T extends {
      id(n: number): T;
      title(t: string): T;
      description(d: string): T;
      datasource(d: common.DataSourceRef): T;
      unit(u: string): T;
      thresholds(t: dashboard.ThresholdsConfigBuilder): T;
      withTarget(q: prometheus.DataqueryBuilder): T;
    },
  >(panel: T, spec: PanelSpec): T {
    this.register(spec.id);
    let p = panel
      .id(spec.id)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .thresholds(thresholds(spec));
    spec.targets.forEach((t, i) => (p = p.withTarget(query(t, i))));
    return p;
  }

  private place(
    panel: stat.PanelBuilder | bargauge.PanelBuilder | timeseries.PanelBuilder | table.PanelBuilder,
    spec: PanelSpec,
    w: number,
    h: number,
  ): this {
    if (spec.min !== undefined) panel.min(spec.min);
    if (spec.max !== undefined) panel.max(spec.max);
    if (spec.mappings) panel.mappings(spec.mappings);
    if (spec.noValue !== undefined) panel.noValue(spec.noValue);
    if (spec.units && panel instanceof table.PanelBuilder) unitOverrides(panel, spec);
    if (spec.link) panel.dataLinks([new dashboard.DashboardLinkBuilder(spec.link.title).url(spec.link.url)]);
    // The SDK lays panels out left to right on the 24-column grid, wrapping as needed.
    panel.span(spec.w ?? w).height(spec.h ?? h);
    this.builder.withPanel(panel);
    return this;
  }

  private register(id: number): void {
    if (this.ids.has(id)) throw new Error(`panel id ${id} used twice`);
    if (this.retired.has(id)) throw new Error(`panel id ${id} is retired (lib.ts RETIRED)`);
    this.ids.add(id);
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Gives table columns their own unit. The matcher takes the field's name before and after the
 * `organize` rename, because Grafana matches overrides on the display name.
 */
function unitOverrides(panel: table.PanelBuilder, spec: PanelSpec): void {
  for (const [field, unit] of Object.entries(spec.units ?? {})) {
    const names = [field, spec.columns?.[field]].filter((n): n is string => Boolean(n)).map(escapeRegExp);
    panel.overrideByRegexp(`^(${names.join('|')})$`, [{ id: 'unit', value: unit }]);
  }
}

/** A query variable from `label_values`, refreshed when the time range changes. */
export function entityVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .query(query)
    .definition(query)
    .datasource(DATASOURCE)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

/** An entity picker showing names while the value is the id: `query_result` of the `_info` series. */
export function namedEntityVariable(
  name: string,
  label: string,
  info: string,
  idLabel: string,
  nameLabel: string,
): dashboard.QueryVariableBuilder {
  return entityVariable(name, label, queryResult(select(info, ORG))).regex(
    `/${idLabel}="(?<value>[^"]+)".*${nameLabel}="(?<text>[^"]+)"/`,
  );
}

/** A multi-value filter that defaults to All (`.*`), so embed URLs need not name it. */
export function filterVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return entityVariable(name, label, query)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

/** Maps 0/1 to words and colours. */
export const onOff = (off: string, on: string, offColor = 'red', onColor = 'green'): dashboard.ValueMapping[] => [
  {
    type: dashboard.MappingType.ValueToText,
    options: { '0': { text: off, color: offColor, index: 0 }, '1': { text: on, color: onColor, index: 1 } },
  },
];
