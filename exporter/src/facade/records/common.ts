/**
 * Record-level reads for details metrics do not carry, built on source/: its soft-delete filter, its
 * `unassigned` org, and small projected, indexed, time-bounded queries scoped to the caller's org.
 */
import type { Document, Filter } from 'mongodb';
import { NOT_DELETED, UNASSIGNED_ORG, orgOf } from '../../source/common.js';
import type { Scope } from '../auth.js';
import type { FacadeContext } from '../route.js';

/** MongoDB filter on the owner, matching the exporter's `unassigned` for documents without one. */
export function orgFilter(scope: Scope): Filter<Document> {
  if (scope.kind === 'all') return {};
  if (scope.orgId === UNASSIGNED_ORG) return { $or: [{ 'owner.orgId': '' }, { 'owner.orgId': { $exists: false } }] };
  return { 'owner.orgId': scope.orgId };
}

/** Live documents (not soft-deleted) of the caller's org. */
export const liveOf = (scope: Scope): Filter<Document> => ({ ...NOT_DELETED, ...orgFilter(scope) });

/** Whether the caller may see a document of this org (the exporter's org of it, `unassigned` included). */
export const visibleTo = (scope: Scope, doc: Document) =>
  scope.kind === 'all' || orgOf(doc as { owner?: { orgId?: string | null } }) === scope.orgId;

/** A collection of AIWM's database, by its configured name. */
export const collectionOf = (ctx: FacadeContext, name: keyof FacadeContext['config']['collections']) =>
  ctx.db.collection(ctx.config.collections[name]);

/** Every facade read is bounded by the facade's timeout. */
export const bounded = (ctx: FacadeContext) => ({ maxTimeMS: ctx.config.facade!.timeoutMs });

export const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
export const str = (v: unknown) => (typeof v === 'string' ? v : null);
export const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const hexOf = (doc: Document) => (doc._id as { toHexString(): string }).toHexString();
