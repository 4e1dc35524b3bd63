/**
 * Shared building blocks for the AIWM dashboards: one Prometheus datasource variable used by every
 * query, org and entity variables, explicit panel ids, a simple grid layout, units and thresholds
 * on every panel, and drill-down links that carry the variables and the time range.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { oneOf, queryResult, select } from '../queries/index.js';
import { alertAnnotations, orgIds } from '../queries/monitoring.js';

/**
 * The Grafana the stack runs (docker-compose.yml) and the dashboard schema it reads and writes: 42
 * since Grafana 12.2 (migration v42, grafana/grafana#110517). The SDK writes this schema version; a
 * test keeps compose, the SDK and this pin in step.
 */
export const GRAFANA = { image: 'grafana/grafana:12.4.10', schemaVersion: 42 } as const;

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
  exporter: 'aiwm-exporter',
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

/** How one table column is shown: its unit, colour and words for values (keyed by the field name). */
export interface Cell {
  unit?: string;
  /** Colours the cell from `steps` (or the panel's thresholds) or from the mappings' colours. */
  color?: 'background' | 'text';
  steps?: Step[];
  base?: string;
  mappings?: dashboard.ValueMapping[];
  /** Data links from this column's cells only (`${__data.fields.x}` reads the row). */
  links?: Array<{ title: string; url: string }>;
  /** Shows the links' titles in the cell (Grafana's data-links cell) instead of the value. */
  showLinks?: boolean;
  /** Kept in the data, for links, but not shown. */
  hidden?: boolean;
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
  /** Table panels: unit, colour and mappings per column (keyed like `columns`, by the field name before renaming). */
  cells?: Record<string, Cell>;
  /** Table panels: the initial sort, by a column title (after renaming). */
  sortBy?: { column: string; desc?: boolean };
  /** Fixed colours per series name, e.g. one bar per state (offline red, online green). */
  seriesColors?: Record<string, string>;
  /** Shown when the query returns nothing (e.g. "never" for a node that never sent a heartbeat). */
  noValue?: string;
}

/** The width of Grafana's dashboard grid. */
export const GRID_COLUMNS = 24;

/** Drill-down URL to a dashboard by UID, keeping the datasource, org and time range. */
export function drillDown(uid: string, variables: Record<string, string> = {}): string {
  const vars = Object.entries(variables)
    .map(([k, v]) => `&var-${k}=${v}`)
    .join('');
  return `/d/${uid}?\${datasource:queryparam}&\${org:queryparam}${vars}&\${__url_time_range}`;
}

function thresholds(steps: Step[] = [], base = 'green'): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps]);
}

/** How a panel asks Prometheus: stats and bars want one value now, time series a range, tables an instant table. */
type QueryKind = 'instant' | 'range' | 'table' | 'heatmap';

function query(target: Target, index: number, kind: QueryKind): prometheus.DataqueryBuilder {
  const q = new prometheus.DataqueryBuilder()
    .expr(target.expr)
    .refId(String.fromCharCode(65 + index))
    .datasource(DATASOURCE);
  if (kind === 'table' || target.table) return q.instant().format(prometheus.PromQueryFormat.Table);
  if (kind === 'heatmap') return q.range().format(prometheus.PromQueryFormat.Heatmap).legendFormat('{{le}}');
  const legend = q.legendFormat(target.legend ?? '__auto');
  return kind === 'instant' ? legend.instant() : legend.range();
}

/** Table legend under a time series with the last and the highest value, as kubernetes-mixin does. */
const tableLegend = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Bottom)
    .calcs(['lastNotNull', 'max']);

const allSeriesTooltip = () =>
  new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending);

export interface BoardOptions {
  /** The one entity a detail dashboard shows (a required variable in embed URLs). */
  entity?: dashboard.QueryVariableBuilder;
  /** Optional filters that default to All (see `filterVariable`). */
  filters?: dashboard.QueryVariableBuilder[];
  time?: string;
  /**
   * Operator dashboards (the exporter's own health) have no org: they show the monitoring itself.
   * Every other dashboard has the `org` variable and scopes every selector, alert annotations included.
   */
  withoutOrg?: boolean;
}

type AnyPanel =
  | stat.PanelBuilder
  | bargauge.PanelBuilder
  | timeseries.PanelBuilder
  | table.PanelBuilder
  | statetimeline.PanelBuilder
  | heatmap.PanelBuilder;

export class Board {
  private readonly builder: dashboard.DashboardBuilder;
  readonly ids = new Set<number>();

  private readonly retired: Set<number>;
  /** Explicit layout: panels fill a line left to right; a panel that does not fit starts the next line. */
  private x = 0;
  private y = 0;
  private lineHeight = 0;

  constructor(uid: string, title: string, description: string, options: BoardOptions = {}) {
    this.retired = new Set((RETIRED[uid] ?? []).map((r) => r.id));
    this.builder = new dashboard.DashboardBuilder(title)
      .uid(uid)
      .description(description)
      .tags(['aiwm'])
      .readonly()
      .timezone('browser')
      .refresh('1m')
      .tooltip(dashboard.DashboardCursorSync.Crosshair)
      .time({ from: options.time ?? 'now-24h', to: 'now' })
      .withVariable(
        new dashboard.DatasourceVariableBuilder('datasource')
          .label('Data source')
          .type('prometheus')
          .current({ text: 'AIWM Prometheus', value: PROMETHEUS_UID }),
      )
      .annotation(firingAlertsAnnotation(options.withoutOrg ? '' : ORG))
      .link(
        new dashboard.DashboardLinkBuilder('AIWM dashboards')
          .type(dashboard.DashboardLinkType.Dashboards)
          .tags(['aiwm'])
          .asDropdown(true)
          .includeVars(true)
          .keepTime(true),
      );
    if (!options.withoutOrg) this.builder.withVariable(filterVariable('org', 'Organization', orgIds()));
    if (options.entity) this.builder.withVariable(options.entity);
    for (const filter of options.filters ?? []) this.builder.withVariable(filter);
  }

  /** Starts a new row of panels on a new line; rows are never collapsed, so nothing hides by accident. */
  row(id: number, title: string): this {
    this.register(id);
    this.newLine();
    this.builder.withRow(
      new dashboard.RowBuilder(title).id(id).collapsed(false).gridPos({ x: 0, y: this.y, w: GRID_COLUMNS, h: 1 }),
    );
    this.y += 1;
    return this;
  }

  stat(spec: PanelSpec, options: { graph?: boolean; textMode?: common.BigValueTextMode } = {}): this {
    const panel = new stat.PanelBuilder()
      .colorMode(common.BigValueColorMode.Value)
      .graphMode(options.graph ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
      .textMode(options.textMode ?? common.BigValueTextMode.Auto)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    // A sparkline needs a range; a bare number is one instant query per refresh.
    return this.place(this.common(panel, spec, options.graph ? 'range' : 'instant'), spec, 4, 4);
  }

  bars(spec: PanelSpec): this {
    const panel = new bargauge.PanelBuilder()
      .orientation(common.VizOrientation.Horizontal)
      .displayMode(common.BarGaugeDisplayMode.Basic)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    return this.place(this.common(panel, spec, 'instant'), spec, 6, 6);
  }

  timeseries(spec: PanelSpec): this {
    const panel = new timeseries.PanelBuilder()
      .lineWidth(1)
      .fillOpacity(10)
      .showPoints(common.VisibilityMode.Never)
      .legend(tableLegend())
      .tooltip(allSeriesTooltip());
    // Thresholds that exist are drawn: a dashed line and a tinted band above each step.
    if (spec.steps?.length) {
      panel.thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.DashedAndArea),
      );
    }
    return this.place(this.common(panel, spec, 'range'), spec, 12, 8);
  }

  /** One band per series over time, coloured by the mappings (e.g. a node's availability). */
  timeline(spec: PanelSpec): this {
    const panel = new statetimeline.PanelBuilder()
      .showValue(common.VisibilityMode.Auto)
      .mergeValues(true)
      .rowHeight(0.8)
      .fillOpacity(80)
      .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List))
      .tooltip(allSeriesTooltip());
    return this.place(this.common(panel, spec, 'range'), spec, 24, 8);
  }

  /** A Prometheus histogram's buckets over time (`sum by (le) (rate(..._bucket[...]))`). */
  heatmap(spec: PanelSpec): this {
    const panel = new heatmap.PanelBuilder()
      .calculate(false)
      .color(
        new heatmap.HeatmapColorOptionsBuilder()
          .mode(heatmap.HeatmapColorMode.Scheme)
          .scheme('Oranges')
          .exponent(0.5)
          .steps(64)
          .reverse(false)
          .fill('dark-orange')
          .scale(heatmap.HeatmapColorScale.Exponential),
      )
      .yAxis(new heatmap.YAxisConfigBuilder().unit(spec.unit))
      .cellGap(1)
      .showLegend();
    return this.place(this.common(panel, spec, 'heatmap'), spec, 12, 8);
  }

  table(spec: PanelSpec): this {
    // Instant table queries merged on their common labels; only the listed columns, in order, renamed.
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
    if (spec.sortBy) {
      const sort = new common.TableSortByFieldStateBuilder().displayName(spec.sortBy.column);
      panel.sortBy([sort.desc(spec.sortBy.desc ?? false)]);
    }
    return this.place(this.common(panel, spec, 'table'), spec, 24, 9);
  }

  build(): dashboard.Dashboard {
    const built = this.builder.build();
    // The SDK marks links and annotation toggles `inControlsMenu`, which hides them in the ⋮ menu;
    // without the field Grafana shows them beside the variables.
    for (const link of built.links ?? []) delete (link as { placement?: unknown }).placement;
    for (const a of built.annotations?.list ?? []) delete (a as { placement?: unknown }).placement;
    return built;
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
  >(panel: T, spec: PanelSpec, kind: QueryKind): T {
    this.register(spec.id);
    let p = panel
      .id(spec.id)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .thresholds(thresholds(spec.steps, spec.base));
    spec.targets.forEach((t, i) => (p = p.withTarget(query(t, i, kind))));
    return p;
  }

  private place(panel: AnyPanel, spec: PanelSpec, w: number, h: number): this {
    if (spec.min !== undefined && 'min' in panel) panel.min(spec.min);
    if (spec.max !== undefined && 'max' in panel) panel.max(spec.max);
    if (spec.mappings && 'mappings' in panel) panel.mappings(spec.mappings);
    if (spec.noValue !== undefined) panel.noValue(spec.noValue);
    if (spec.cells && panel instanceof table.PanelBuilder) cellOverrides(panel, spec);
    if (spec.link && 'dataLinks' in panel) panel.dataLinks([dataLink(spec.link.title, spec.link.url)]);
    for (const [name, color] of Object.entries(spec.seriesColors ?? {}))
      panel.overrideByName(name, [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }]);
    panel.gridPos(this.slot(spec.w ?? w, spec.h ?? h));
    this.builder.withPanel(panel);
    return this;
  }

  /** The next free slot of `w` columns: on this line if it fits, else at the start of the next. */
  private slot(w: number, h: number): dashboard.GridPos {
    if (w > GRID_COLUMNS) throw new Error(`panel width ${w} exceeds the ${GRID_COLUMNS}-column grid`);
    if (this.x + w > GRID_COLUMNS) this.newLine();
    const pos = { x: this.x, y: this.y, w, h };
    this.x += w;
    this.lineHeight = Math.max(this.lineHeight, h);
    return pos;
  }

  private newLine(): void {
    this.y += this.lineHeight;
    this.x = 0;
    this.lineHeight = 0;
  }

  private register(id: number): void {
    if (this.ids.has(id)) throw new Error(`panel id ${id} used twice`);
    if (this.retired.has(id)) throw new Error(`panel id ${id} is retired (lib.ts RETIRED)`);
    this.ids.add(id);
  }
}

/**
 * A panel data link as Grafana stores it (`title`, `url`). The SDK types data links as dashboard
 * links, whose extra fields (type, tags, placement) mean nothing on a panel.
 */
function dataLink(title: string, url: string): { build: () => dashboard.DashboardLink } {
  return { build: () => ({ title, url, targetBlank: false }) as dashboard.DashboardLink };
}

/** Firing AIWM alerts as annotations on every time series, scoped to the chosen orgs. */
function firingAlertsAnnotation(scope: string): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Firing alerts')
    .datasource(DATASOURCE)
    .enable(true)
    .iconColor('red')
    .expr(alertAnnotations(scope))
    .step('60s')
    .titleFormat('{{alertname}}')
    .textFormat('{{severity}} {{node_id}}{{deployment_id}}{{agent_id}}{{model_id}}')
    .tagKeys('severity')
    .useValueForTime(false);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Gives table columns their own unit, colours and words. The matcher takes the field's name before
 * and after the `organize` rename, because Grafana matches overrides on the display name.
 */
function cellOverrides(panel: table.PanelBuilder, spec: PanelSpec): void {
  for (const [field, cell] of Object.entries(spec.cells ?? {})) {
    const names = [field, spec.columns?.[field]].filter((n): n is string => Boolean(n)).map(escapeRegExp);
    const properties: dashboard.DynamicConfigValue[] = [];
    if (cell.unit) properties.push({ id: 'unit', value: cell.unit });
    if (cell.steps) properties.push({ id: 'thresholds', value: thresholds(cell.steps, cell.base).build() });
    if (cell.mappings) properties.push({ id: 'mappings', value: cell.mappings });
    if (cell.showLinks) properties.push({ id: 'custom.cellOptions', value: { type: 'data-links' } });
    else if (cell.color) {
      const type = cell.color === 'background' ? 'color-background' : 'color-text';
      properties.push({ id: 'custom.cellOptions', value: { type, mode: 'basic' } });
    }
    if (cell.links) properties.push({ id: 'links', value: cell.links });
    if (cell.hidden) properties.push({ id: 'custom.hidden', value: true });
    panel.overrideByRegexp(`^(${names.join('|')})$`, properties);
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
