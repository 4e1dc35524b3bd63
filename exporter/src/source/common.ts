import { ObjectId, type Collection, type Document, type Filter } from 'mongodb';
import { z } from 'zod';
import { MAX_LABEL_VALUE_BYTES, boundLabelValue } from '../metrics/exposition.js';

/** Enum values outside the contract are kept as this bounded label value and counted as invalid. */
export const OTHER = 'other';
/** `owner.orgId` missing or '' (old AIWM documents). */
export const UNASSIGNED_ORG = 'unassigned';

/**
 * `bad_field` is a field of the wrong type that only feeds a label or one series: the field is dropped
 * and counted, the document is kept (an informational field must never cost us an entity).
 * `long_value` is a text field longer than MAX_LABEL_VALUE_BYTES: it is cut (boundLabelValue) and
 * counted, the document is kept.
 */
export type InvalidReason = 'missing_field' | 'wrong_type' | 'unknown_enum' | 'bad_field' | 'long_value';

/**
 * Receives every malformed document a source module meets; the poller counts and logs them.
 * `id` is null and `count` > 1 for documents met only as a group inside a MongoDB aggregation.
 */
export type InvalidSink = (
  collection: string,
  id: string | null,
  reason: InvalidReason,
  field: string,
  count?: number,
) => void;

/** An enum field: contract values pass, anything else string-typed becomes `other`. */
export function enumField<const T extends readonly [string, ...string[]]>(values: T) {
  return z.union([z.enum(values), z.string().transform((): typeof OTHER => OTHER)]);
}

/** Optional fields: null and missing both mean "not there". */
export const optionalNumber = z.number().nullish();
export const optionalString = z.string().nullish();
export const optionalDate = z.date().nullish();
export const optionalBoolean = z.boolean().nullish();

/** Ids stored as strings or ObjectIds (AIWM mixes both) become 24-hex strings. */
export const idString = z.union([z.string(), z.instanceof(ObjectId).transform((id) => id.toHexString())]);

/**
 * Fields that `labelValue` cut while parsing the current document (as `droppedFields`, below, for
 * `lenient`); validate() empties it before each document.
 */
const cutFields: string[] = [];

/**
 * A text field that becomes a label value: longer than MAX_LABEL_VALUE_BYTES, it is cut (boundLabelValue)
 * and reported as `long_value` under `field` (a path, never a value), and the document is kept.
 */
export function labelValue<S extends z.ZodType<string | null | undefined>>(schema: S, field: string) {
  return schema.transform((value): z.output<S> => {
    if (typeof value !== 'string' || value.length * 3 <= MAX_LABEL_VALUE_BYTES) return value;
    const bounded = boundLabelValue(value);
    if (bounded !== value) cutFields.push(field);
    return bounded as z.output<S>;
  });
}

/** An id (string or ObjectId) that becomes a label value. */
export const labelId = (field: string) => labelValue(idString, field);

/** BaseSchema fields every AIWM document carries. */
export const baseFields = {
  _id: z.instanceof(ObjectId),
  owner: z.object({ orgId: labelValue(z.string().nullish(), 'owner.orgId') }).nullish(),
};

/** Only documents that are not soft-deleted: `isDeleted` missing means live. */
export const NOT_DELETED: Filter<Document> = { isDeleted: { $ne: true } };

export function orgOf(doc: { owner?: { orgId?: string | null } | null }): string {
  const org = doc.owner?.orgId;
  return org ? org : UNASSIGNED_ORG;
}

/**
 * The org of a grouped `owner.orgId`, as orgOf reads a parsed document's: cut to MAX_LABEL_VALUE_BYTES,
 * and undefined when it is neither a string nor missing (such documents fail validation: never entities).
 */
function orgOfGroupKey(orgId: unknown): string | undefined {
  if (orgId !== null && orgId !== undefined && typeof orgId !== 'string') return undefined;
  return orgOf({ owner: { orgId: typeof orgId === 'string' ? boundLabelValue(orgId) : null } });
}

/** Live documents per org (orgOf), counted by MongoDB: how the entity cap is shared when it binds. */
export async function countByOrg(collection: Collection): Promise<Map<string, number>> {
  const rows = await collection
    .aggregate([{ $match: NOT_DELETED }, { $group: { _id: '$owner.orgId', count: { $sum: 1 } } }])
    .toArray();
  const counts = new Map<string, number>();
  for (const row of rows) {
    const org = orgOfGroupKey(row._id);
    if (org !== undefined) counts.set(org, (counts.get(org) ?? 0) + (row.count as number));
  }
  return counts;
}

/**
 * Fields that `lenient` dropped while parsing the current document. Parsing is synchronous, so one
 * module-level list is enough; validate() empties it before each document.
 */
const droppedFields: string[] = [];

/**
 * A field that is dropped, not fatal, when its value has the wrong type: it parses as undefined and is
 * reported as `bad_field`. `field` names it in the report (bounded: a path, never a value).
 */
export function lenient<S extends z.ZodType>(schema: S, field: string): z.ZodType<z.output<S> | undefined> {
  const dropped = (): z.output<S> => {
    droppedFields.push(field);
    return undefined as z.output<S>;
  };
  return schema.catch(dropped) as unknown as z.ZodType<z.output<S> | undefined>;
}

/** `missing_field` when the document has nothing at the failing path, else `wrong_type`. */
function reasonOf(raw: Document, path: readonly PropertyKey[]): InvalidReason {
  let value: unknown = raw;
  for (const key of path) value = value == null ? undefined : (value as Record<PropertyKey, unknown>)[key];
  return value === undefined || value === null ? 'missing_field' : 'wrong_type';
}

/** Paths of enum fields that a parsed record may carry as `other`. */
export type EnumPaths<T> = ReadonlyArray<(record: T) => string | readonly string[] | null | undefined>;

/**
 * Validates one raw document: returns the typed record, or undefined when it must be skipped.
 * Unknown enum values are kept as `other` and still reported.
 */
export function validate<S extends z.ZodType>(
  collection: string,
  schema: S,
  enumPaths: EnumPaths<z.output<S>>,
  raw: Document,
  report: InvalidSink,
): z.output<S> | undefined {
  droppedFields.length = 0;
  cutFields.length = 0;
  const parsed = schema.safeParse(raw);
  const id = raw._id instanceof ObjectId ? raw._id.toHexString() : String(raw._id);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    report(collection, id, reasonOf(raw, issue.path), issue.path.join('.'));
    return undefined;
  }
  for (const field of new Set(droppedFields)) report(collection, id, 'bad_field', field);
  for (const field of new Set(cutFields)) report(collection, id, 'long_value', field);
  for (const pick of enumPaths) {
    const value = pick(parsed.data);
    if (value === OTHER || (Array.isArray(value) && value.includes(OTHER))) {
      report(collection, id, 'unknown_enum', '');
      break;
    }
  }
  return parsed.data;
}

/** What validating one field apart from its document found. */
export interface FieldCheck<V> {
  /** The field's value as the record gets it. */
  readonly value: V | undefined;
  /** Reports, with the field's path, as validate() makes them (unknown enums apart). */
  readonly reports: ReadonlyArray<{ reason: InvalidReason; field: string }>;
  /** Whether the value holds an enum value outside the contract. */
  readonly unknownEnum: boolean;
}

/**
 * Validates the value of one field of a document apart from the document (StateReader's stable
 * fields), with the same reports validate() would make for it. A value that fails `schema` is left
 * out of the record and reported; make the schema lenient to drop a bad value instead.
 */
export function validateField<V>(
  name: string,
  schema: z.ZodType<V>,
  hasOther: (value: V) => boolean,
  value: unknown,
): FieldCheck<V> {
  droppedFields.length = 0;
  cutFields.length = 0;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = [name, ...issue.path];
    return {
      value: undefined,
      reports: [{ reason: reasonOf({ [name]: value }, path), field: path.join('.') }],
      unknownEnum: false,
    };
  }
  const reports = [
    ...[...new Set(droppedFields)].map((field) => ({ reason: 'bad_field' as const, field })),
    ...[...new Set(cutFields)].map((field) => ({ reason: 'long_value' as const, field })),
  ];
  return { value: parsed.data, reports, unknownEnum: hasOther(parsed.data) };
}

/** Longest stretch of synchronous work between yields to the event loop (scrapes go first). */
const SLICE_MS = 8;

/**
 * Streams a collection's raw documents, in `_id` order unless `sort` says otherwise (null: any order), yielding to the event
 * loop every SLICE_MS of synchronous work. Returns the number of documents read.
 */
export async function scan(
  collection: Collection,
  filter: Filter<Document>,
  projection: Document,
  each: (raw: Document) => void,
  sort: Document | null = { _id: 1 },
  fieldsAsRaw?: Record<string, boolean>,
): Promise<number> {
  let read = 0;
  let sliceStart = performance.now();
  // Without UTF-8 validation a bad string in one document reads as replacement characters instead of
  // failing the whole batch (and the poll); it is also cheaper.
  for await (const raw of collection.find(filter, {
    projection,
    ...(sort ? { sort } : {}),
    batchSize: 1000,
    enableUtf8Validation: false,
    ...(fieldsAsRaw ? { fieldsAsRaw } : {}),
  })) {
    read++;
    each(raw);
    if ((read & 31) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return read;
}

/**
 * Streams a collection through a projection, validating each document and handing the valid ones
 * to `visit` one at a time (nothing accumulates, so large collections stay cheap to collect).
 * Returns the number of documents read.
 */
export function readEach<S extends z.ZodType>(
  collection: Collection,
  filter: Filter<Document>,
  projection: Document,
  schema: S,
  enumPaths: EnumPaths<z.output<S>>,
  report: InvalidSink,
  visit: (record: z.output<S>) => void,
): Promise<number> {
  return scan(collection, filter, projection, (raw) => {
    const record = validate(collection.collectionName, schema, enumPaths, raw, report);
    if (record !== undefined) visit(record);
  });
}
