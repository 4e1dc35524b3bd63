import type { Scope } from './auth.js';
import { UNASSIGNED_ORG } from '../source/common.js';

/** Escapes a label value for a PromQL string literal. */
export function escapePromQL(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The org matcher every selector of a request carries (ids and enums are validated before). */
export function orgMatcher(scope: Scope): string {
  return scope.kind === 'all' ? 'org_id=~".+"' : `org_id="${escapePromQL(scope.orgId)}"`;
}

/** `name{org matcher,extra}` */
export function sel(scope: Scope, metric: string, extra: Record<string, string> = {}): string {
  const parts = [orgMatcher(scope), ...Object.entries(extra).map(([k, v]) => `${k}="${escapePromQL(v)}"`)];
  return `${metric}{${parts.join(',')}}`;
}

/** MongoDB filter on the owner, matching the exporter's `unassigned` for documents without one. */
export function mongoOrgFilter(scope: Scope): Record<string, unknown> {
  if (scope.kind === 'all') return {};
  if (scope.orgId === UNASSIGNED_ORG) return { $or: [{ 'owner.orgId': '' }, { 'owner.orgId': { $exists: false } }] };
  return { 'owner.orgId': scope.orgId };
}

export function cacheKeyOf(scope: Scope): string {
  return scope.kind === 'all' ? '*' : `org:${scope.orgId}`;
}
