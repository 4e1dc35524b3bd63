/**
 * Record-level reads for details metrics do not carry, built on source/: its soft-delete filter, its
 * `unassigned` org, and small projected, indexed, time-bounded queries scoped to the caller's org.
 */
import type { Document, Filter } from 'mongodb';
import { NOT_DELETED, UNASSIGNED_ORG } from '../../source/common.js';
import type { Scope } from '../auth.js';
import type { FacadeContext } from '../route.js';

/**
 * MongoDB filter on the owner, with the exporter's meaning of `unassigned` (source/common.ts orgOf):
 * `owner.orgId` missing, null, '' or the literal `unassigned` (`{ $in: [null, ...] }` matches a
 * missing field too). List and detail reads both use it, in the query itself: a document of another
 * org is never read, so a detail answers 404 for it, exactly as for an id no org has.
 */
export function orgFilter(scope: Scope): Filter<Document> {
  if (scope.kind === 'all') return {};
  if (scope.orgId === UNASSIGNED_ORG) return { 'owner.orgId': { $in: [null, '', UNASSIGNED_ORG] } };
  return { 'owner.orgId': scope.orgId };
}

/** Live documents (not soft-deleted) of the caller's org. */
export const liveOf = (scope: Scope): Filter<Document> => ({ ...NOT_DELETED, ...orgFilter(scope) });

/** A collection of AIWM's database, by its configured name. */
export const collectionOf = (ctx: FacadeContext, name: keyof FacadeContext['config']['collections']) =>
  ctx.db.collection(ctx.config.collections[name]);

/** Every facade read is bounded by the facade's timeout. */
export const bounded = (ctx: FacadeContext) => ({ maxTimeMS: ctx.config.facade!.timeoutMs });

export const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
export const str = (v: unknown) => (typeof v === 'string' ? v : null);
export const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const hexOf = (doc: Document) => (doc._id as { toHexString(): string }).toHexString();
