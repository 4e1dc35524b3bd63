import type { Scope } from './auth.js';
import { eq, matchers, oneOf, type Selector } from '../../../queries/index.js';

/** Escapes a label value for a PromQL string literal. */
export function escapePromQL(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The org matcher every selector of a request carries (ids and enums are validated before). */
export function orgMatcher(scope: Scope): Selector {
  return scope.kind === 'all' ? oneOf('org_id', '.+') : eq('org_id', escapePromQL(scope.orgId));
}

/** The org matcher and one entity, e.g. `org_id="a", node_id="..."`: the selector of a detail route. */
export const entityMatcher = (scope: Scope, label: string, id: string): Selector =>
  matchers(orgMatcher(scope), eq(label, escapePromQL(id)));

export function cacheKeyOf(scope: Scope): string {
  return scope.kind === 'all' ? '*' : `org:${scope.orgId}`;
}
