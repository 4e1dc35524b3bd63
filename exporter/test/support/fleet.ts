/**
 * Deterministic, seeded AIWM fleet generator for tests, the demo and the benchmarks.
 *
 * Documents follow /work/shared/aiwm-data-contract.md (field names, types, enums, units) and the
 * AIWM mongoose schemas (hydrabyte-co/hydra-services, services/aiwm/src/modules/*). Everything is
 * derived from a mulberry32 PRNG and the `now` option: no Math.random, no wall clock. ObjectIds are
 * built as <createdAt seconds (4 bytes)><seed tag (4 bytes)><counter (4 bytes)>, like real ones.
 *
 * Counts in FleetOptions are the numbers of valid, non-deleted documents. On top of them each
 * collection gets a few soft-deleted documents (isDeleted: true, deletedAt set) and, when
 * `malformed` is on, a handful of malformed documents listed in `fleet.malformed`.
 */
import { ObjectId } from 'mongodb';
import type { AnyBulkWriteOperation, Db, Document } from 'mongodb';
import { toWritePaths } from './fleet-write-paths.js';

export const COLLECTIONS = [
  'nodes',
  'resources',
  'models',
  'deployments',
  'agents',
  'executions',
  'conversations',
  'messages',
] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

/** Every enum of the data contract, keyed by `collection.field` (arrays and sub-documents use `[]` / `.`). */
export const FLEET_ENUMS = {
  'nodes.role[]': ['controller', 'worker', 'proxy', 'storage'],
  'nodes.status': ['pending', 'installing', 'online', 'offline', 'maintenance'],
  'nodes.gpuDevices[].status': ['active', 'idle', 'error'],
  'resources.resourceType': ['inference-container', 'application-container', 'virtual-machine'],
  'resources.status': ['queued', 'deploying', 'running', 'stopping', 'stopped', 'failed', 'error'],
  'models.type': ['llm', 'vision', 'embedding', 'voice'],
  'models.deploymentType': ['self-hosted', 'api-based'],
  'models.status': [
    'queued',
    'downloading',
    'downloaded',
    'deploying',
    'active',
    'inactive',
    'download-failed',
    'deploy-failed',
    'validating',
    'invalid-credentials',
    'error',
  ],
  'models.framework': ['vllm', 'triton'],
  'deployments.status': ['queued', 'deploying', 'running', 'stopping', 'stopped', 'failed', 'error'],
  'agents.status': ['active', 'inactive', 'busy', 'suspended'],
  'agents.type': ['managed', 'autonomous'],
  'executions.category': ['deployment', 'model', 'agent', 'maintenance', 'batch'],
  'executions.status': ['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout'],
  'executions.steps[].status': ['pending', 'running', 'completed', 'failed', 'skipped'],
  'messages.role': ['user', 'assistant', 'system', 'tool'],
  'messages.type': ['text', 'thinking', 'tool_call', 'tool_result', 'error', 'system'],
  'messages.status': ['sending', 'sent', 'delivered', 'failed'],
} as const;

export interface FleetOptions {
  seed?: number;
  now?: Date;
  orgs?: number;
  nodes?: number;
  gpusPerNode?: number;
  resourcesPerNode?: number;
  models?: number;
  deployments?: number;
  agents?: number;
  conversationsPerAgent?: number;
  messagesPerConversation?: number;
  executions?: number;
  malformed?: boolean;
  scenarios?: boolean;
  /** Documents as AIWM's write paths store them, not as its schemas declare them (fleet-write-paths.ts). */
  writePaths?: boolean;
}

export interface MalformedDoc {
  collection: CollectionName;
  _id: ObjectId;
  /** `bad_field`: an informational field of the wrong type; the document is kept without it. */
  reason: 'missing_field' | 'wrong_type' | 'unknown_enum' | 'bad_field';
  skipped: boolean;
  description: string;
}

export interface FleetScenario {
  hotGpuNodeId: string;
  staleNodeId: string;
  healthyNodeId: string;
  noGpuDataNodeId: string;
  offlineNodeId: string;
  /** writePaths only ('' otherwise): the node whose host name matches the H100 dcgm-exporter fixture. */
  dcgmH100NodeId: string;
  /** writePaths only: FQDN host name joining the A100 fixture through its short name. */
  dcgmA100NodeId: string;
  /** writePaths only: status online, lastHeartbeat still AIWM's default (createdAt), no lastSeenAt. */
  neverHeartbeatNodeId: string;
  /** writePaths only: ramTotal and diskTotal written in GB. */
  gbUnitsNodeId: string;
}

export interface Fleet {
  now: Date;
  orgIds: string[];
  collections: Record<CollectionName, Document[]>;
  malformed: MalformedDoc[];
  /** `_id` hex strings of the scenario nodes; all '' when generated with `scenarios: false`. */
  scenario: FleetScenario;
}

export const DEFAULT_NOW = '2026-11-26T12:00:00Z';

// ---------------------------------------------------------------------------------------------
// PRNG and ids

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function mix32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32 */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [min, max] */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  float(min: number, max: number, decimals = 1): number {
    return round(min + this.next() * (max - min), decimals);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [v, w] of entries) {
      x -= w;
      if (x < 0) return v;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new Error('weighted pick from empty list');
    return last[0];
  }
  hex(chars: number): string {
    let out = '';
    while (out.length < chars)
      out += Math.floor(this.next() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, chars);
  }
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Deterministic ObjectIds: createdAt seconds + 4-byte tag + 4-byte counter. */
class IdGen {
  private counter = 0;
  constructor(private readonly tag: string) {}
  next(atMs: number): ObjectId {
    this.counter = (this.counter + 1) >>> 0;
    const secs = Math.floor(atMs / 1000) >>> 0;
    return new ObjectId(secs.toString(16).padStart(8, '0') + this.tag + this.counter.toString(16).padStart(8, '0'));
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------
// GPU profiles (H200 figures from fixtures/nvidia-smi/h200/query-gpu-valid-fields.csv)

interface GpuProfile {
  model: string;
  memoryTotal: number; // MiB
  idleFree: number; // MiB, memory.free of an idle card (driver reserve = total - idleFree)
  idleTemp: number; // C
  idlePower: number; // W
  powerLimit: number; // W
  mig: readonly string[] | null; // MIG profiles, null when the card has no MIG
}

const H200: GpuProfile = {
  model: 'NVIDIA H200',
  memoryTotal: 143771,
  idleFree: 143156,
  idleTemp: 35,
  idlePower: 125.66,
  powerLimit: 700,
  mig: ['1g.18gb', '2g.35gb', '3g.71gb'],
};
const A100: GpuProfile = {
  model: 'NVIDIA A100-SXM4-80GB',
  memoryTotal: 81920,
  idleFree: 81050,
  idleTemp: 32,
  idlePower: 61.4,
  powerLimit: 400,
  mig: ['1g.10gb', '2g.20gb', '3g.40gb'],
};
const L40S: GpuProfile = {
  model: 'NVIDIA L40S',
  memoryTotal: 46068,
  idleFree: 45589,
  idleTemp: 30,
  idlePower: 36.5,
  powerLimit: 350,
  mig: null,
};

type GpuMode = 'normal' | 'hot' | 'idle' | 'error';
type GpuData = 'full' | 'missing' | 'empty';
type ScenarioKey = keyof FleetScenario;

interface NodeSpec {
  roles: string[];
  status: string;
  gpu: GpuProfile | null;
  gpuData: GpuData;
  telemetry: boolean;
  gpuMode: GpuMode;
  heartbeatAgoMs: number;
  websocket: boolean;
  scenario?: ScenarioKey;
}

const CPU_MODELS = [
  ['AMD EPYC 9654 96-Core Processor', 192],
  ['AMD EPYC 7543 32-Core Processor', 64],
  ['Intel(R) Xeon(R) Platinum 8480+', 112],
  ['Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', 64],
] as const;
const RAM_TOTALS_MB = [262144, 524288, 1048576, 2097152];
const DISK_TOTALS_MB = [953869, 1907729, 3815458, 7630916];
const OSES = ['Ubuntu 22.04.4 LTS', 'Ubuntu 24.04.1 LTS', 'Rocky Linux 9.4'];
const DAEMON_VERSIONS = ['1.4.2', '1.5.0', '1.5.1'];
const RUNTIMES = ['docker 27.3.1', 'containerd 1.7.22'];

// ---------------------------------------------------------------------------------------------
// Models

interface ModelTemplate {
  name: string;
  type: string;
  deploymentType: 'self-hosted' | 'api-based';
  repository?: string;
  fileSize?: number; // bytes
  provider?: string;
  modelIdentifier?: string;
  apiEndpoint?: string;
}

const GB = 1024 ** 3;
const SELF_HOSTED: Record<string, ModelTemplate[]> = {
  llm: [
    {
      name: 'Llama-3.1-8B-Instruct',
      type: 'llm',
      deploymentType: 'self-hosted',
      repository: 'meta-llama/Llama-3.1-8B-Instruct',
      fileSize: Math.round(16.07 * GB),
    },
    {
      name: 'Qwen2.5-72B-Instruct',
      type: 'llm',
      deploymentType: 'self-hosted',
      repository: 'Qwen/Qwen2.5-72B-Instruct',
      fileSize: Math.round(145.4 * GB),
    },
    {
      name: 'Mistral-7B-Instruct-v0.3',
      type: 'llm',
      deploymentType: 'self-hosted',
      repository: 'mistralai/Mistral-7B-Instruct-v0.3',
      fileSize: Math.round(14.5 * GB),
    },
  ],
  vision: [
    {
      name: 'Qwen2-VL-7B-Instruct',
      type: 'vision',
      deploymentType: 'self-hosted',
      repository: 'Qwen/Qwen2-VL-7B-Instruct',
      fileSize: Math.round(16.6 * GB),
    },
    {
      name: 'llava-1.5-7b-hf',
      type: 'vision',
      deploymentType: 'self-hosted',
      repository: 'llava-hf/llava-1.5-7b-hf',
      fileSize: Math.round(14.1 * GB),
    },
  ],
  embedding: [
    {
      name: 'bge-m3',
      type: 'embedding',
      deploymentType: 'self-hosted',
      repository: 'BAAI/bge-m3',
      fileSize: Math.round(2.27 * GB),
    },
    {
      name: 'e5-large-v2',
      type: 'embedding',
      deploymentType: 'self-hosted',
      repository: 'intfloat/e5-large-v2',
      fileSize: Math.round(1.34 * GB),
    },
  ],
  voice: [
    {
      name: 'whisper-large-v3',
      type: 'voice',
      deploymentType: 'self-hosted',
      repository: 'openai/whisper-large-v3',
      fileSize: Math.round(3.09 * GB),
    },
  ],
};
const API_BASED: Record<string, ModelTemplate[]> = {
  llm: [
    {
      name: 'gpt-4o',
      type: 'llm',
      deploymentType: 'api-based',
      provider: 'openai',
      modelIdentifier: 'gpt-4o-2024-08-06',
      apiEndpoint: 'https://api.openai.com/v1',
    },
    {
      name: 'claude-3-5-sonnet',
      type: 'llm',
      deploymentType: 'api-based',
      provider: 'anthropic',
      modelIdentifier: 'claude-3-5-sonnet-20241022',
      apiEndpoint: 'https://api.anthropic.com/v1',
    },
    {
      name: 'gemini-1.5-pro',
      type: 'llm',
      deploymentType: 'api-based',
      provider: 'google',
      modelIdentifier: 'gemini-1.5-pro',
      apiEndpoint: 'https://generativelanguage.googleapis.com/v1beta',
    },
  ],
  vision: [
    {
      name: 'gpt-4o-vision',
      type: 'vision',
      deploymentType: 'api-based',
      provider: 'openai',
      modelIdentifier: 'gpt-4o',
      apiEndpoint: 'https://api.openai.com/v1',
    },
  ],
  embedding: [
    {
      name: 'text-embedding-3-large',
      type: 'embedding',
      deploymentType: 'api-based',
      provider: 'openai',
      modelIdentifier: 'text-embedding-3-large',
      apiEndpoint: 'https://api.openai.com/v1',
    },
    {
      name: 'embed-multilingual-v3',
      type: 'embedding',
      deploymentType: 'api-based',
      provider: 'cohere',
      modelIdentifier: 'embed-multilingual-v3.0',
      apiEndpoint: 'https://api.cohere.ai/v1',
    },
  ],
  voice: [
    {
      name: 'tts-1-hd',
      type: 'voice',
      deploymentType: 'api-based',
      provider: 'openai',
      modelIdentifier: 'tts-1-hd',
      apiEndpoint: 'https://api.openai.com/v1',
    },
  ],
};

interface ModelPlan {
  deploymentType: 'self-hosted' | 'api-based';
  status: string;
  type: string;
  framework?: string;
}

/** The first 12 models cover every model status, type, deployment type and framework. */
const MODEL_PLANS: ModelPlan[] = [
  { deploymentType: 'self-hosted', status: 'active', type: 'llm', framework: 'vllm' },
  { deploymentType: 'api-based', status: 'active', type: 'llm' },
  { deploymentType: 'self-hosted', status: 'downloading', type: 'vision', framework: 'vllm' },
  { deploymentType: 'self-hosted', status: 'downloaded', type: 'embedding', framework: 'triton' },
  { deploymentType: 'self-hosted', status: 'queued', type: 'voice', framework: 'triton' },
  { deploymentType: 'self-hosted', status: 'deploying', type: 'llm', framework: 'vllm' },
  { deploymentType: 'self-hosted', status: 'inactive', type: 'embedding', framework: 'triton' },
  { deploymentType: 'self-hosted', status: 'download-failed', type: 'llm', framework: 'vllm' },
  { deploymentType: 'self-hosted', status: 'deploy-failed', type: 'vision', framework: 'vllm' },
  { deploymentType: 'api-based', status: 'invalid-credentials', type: 'embedding' },
  { deploymentType: 'api-based', status: 'validating', type: 'voice' },
  { deploymentType: 'self-hosted', status: 'error', type: 'llm', framework: 'vllm' },
];

const SELF_HOSTED_STATUS_WEIGHTS = [
  ['active', 50],
  ['inactive', 10],
  ['downloaded', 8],
  ['downloading', 6],
  ['queued', 4],
  ['deploying', 5],
  ['download-failed', 4],
  ['deploy-failed', 4],
  ['error', 3],
] as const;
const API_STATUS_WEIGHTS = [
  ['active', 70],
  ['inactive', 10],
  ['validating', 6],
  ['invalid-credentials', 7],
  ['error', 7],
] as const;

// ---------------------------------------------------------------------------------------------
// Executions

const EXEC_TYPES: Record<string, readonly string[]> = {
  deployment: ['deploy-model', 'stop-deployment'],
  model: ['download-model', 'validate-model'],
  agent: ['setup-agent'],
  maintenance: ['cleanup', 'create-resource'],
  batch: ['batch-inference'],
};
const EXEC_STEPS: Record<string, readonly string[]> = {
  'deploy-model': ['Validate model', 'Allocate GPU', 'Pull image', 'Start container', 'Health check'],
  'stop-deployment': ['Drain traffic', 'Stop container', 'Release GPU'],
  'download-model': ['Resolve repository', 'Download weights', 'Verify checksum'],
  'validate-model': ['Load model', 'Run smoke test'],
  'setup-agent': ['Create agent', 'Attach tools', 'Connect websocket'],
  cleanup: ['Scan stale artifacts', 'Delete images', 'Prune volumes', 'Report'],
  'create-resource': ['Reserve capacity', 'Create container', 'Start container'],
  'batch-inference': ['Load dataset', 'Shard', 'Run inference', 'Collect results', 'Upload results'],
};
/** Execution timeouts: a timed-out execution lasts exactly this long (at most an hour). */
function execTimeoutSeconds(category: string): number {
  return category === 'batch' ? 3600 : 1800;
}
const EXEC_STATUS_WEIGHTS = [
  ['completed', 60],
  ['failed', 12],
  ['running', 12],
  ['pending', 6],
  ['cancelled', 5],
  ['timeout', 5],
] as const;

// ---------------------------------------------------------------------------------------------
// Generator

interface Ctx {
  rng: Rng;
  ids: IdGen;
  now: number;
  orgIds: string[];
  users: Map<string, string[]>;
}

interface BaseOpts {
  orgId: string;
  createdAt: number;
  updatedAt: number;
  deleted?: boolean; // soft-deleted
  noIsDeleted?: boolean; // omit the isDeleted field entirely
  metadata?: Document;
}

function owner(ctx: Ctx, orgId: string): Document {
  if (orgId === '') return { orgId: '' };
  const users = ctx.users.get(orgId);
  return users && users.length > 0 ? { orgId, userId: ctx.rng.pick(users) } : { orgId };
}

/** Appends the BaseSchema fields. Soft-deleted docs get isDeleted: true and deletedAt. */
function withBase(ctx: Ctx, doc: Document, o: BaseOpts): Document {
  doc.owner = owner(ctx, o.orgId);
  let updatedAt = o.updatedAt;
  if (o.deleted) {
    const deletedAt = Math.min(ctx.now - MIN, Math.max(o.createdAt + HOUR, ctx.now - ctx.rng.int(1, 20) * DAY));
    updatedAt = Math.max(deletedAt, o.createdAt);
    doc.isDeleted = true;
    doc.createdAt = new Date(o.createdAt);
    doc.updatedAt = new Date(updatedAt);
    doc.deletedAt = new Date(deletedAt);
  } else {
    if (!o.noIsDeleted) doc.isDeleted = false;
    doc.createdAt = new Date(o.createdAt);
    doc.updatedAt = new Date(Math.max(updatedAt, o.createdAt));
    doc.deletedAt = null;
  }
  doc.metadata = o.metadata ?? {};
  return doc;
}

function deletedCount(n: number): number {
  return n > 0 ? Math.min(20, 1 + Math.floor(n / 50)) : 0;
}
/** '' orgId ("old documents"): the last doc of each collection and one in every 250. */
function isLegacy(i: number, n: number): boolean {
  return (n >= 3 && i === n - 1) || i % 250 === 125;
}
/** Docs written before isDeleted existed: the field is missing (= not deleted). */
function lacksIsDeleted(i: number): boolean {
  return i % 9 === 4;
}

function orgOf(doc: Document): string {
  return (doc.owner as { orgId: string }).orgId;
}
function idOf(doc: Document): string {
  return (doc._id as ObjectId).toHexString();
}

/** Pick from `items`, preferring those in `orgId` (and matching `filter`), falling back progressively. */
function pickPreferred<T extends Document>(
  rng: Rng,
  items: readonly T[],
  orgId: string,
  filter?: (d: T) => boolean,
): T | undefined {
  const tiers: Array<(d: T) => boolean> = [
    (d) => orgOf(d) === orgId && (!filter || filter(d)),
    (d) => !filter || filter(d),
    () => true,
  ];
  for (const t of tiers) {
    const c = items.filter(t);
    if (c.length > 0) return rng.pick(c);
  }
  return undefined;
}

interface NodeInfo {
  doc: Document;
  gpus: Document[];
  profile: GpuProfile | null;
}

export function generateFleet(options: FleetOptions = {}): Fleet {
  const seed = options.seed ?? 1;
  const nowDate = new Date((options.now ?? new Date(DEFAULT_NOW)).getTime());
  const now = nowDate.getTime();
  const nOrgs = Math.max(1, options.orgs ?? 3);
  const nNodes = options.nodes ?? 12;
  const gpusPerNode = options.gpusPerNode ?? 2;
  const resourcesPerNode = options.resourcesPerNode ?? 3;
  const nModels = options.models ?? 12;
  const nDeployments = options.deployments ?? 8;
  const nAgents = options.agents ?? 6;
  const convPerAgent = options.conversationsPerAgent ?? 4;
  const msgPerConv = options.messagesPerConversation ?? 10;
  const nExecutions = options.executions ?? 40;
  const withMalformed = options.malformed ?? true;
  const withScenarios = options.scenarios ?? true;
  if (withScenarios && nNodes < 5) throw new RangeError('scenarios need at least 5 nodes');

  const rng = new Rng(mix32(seed >>> 0, 0x666c6565));
  // top bit clear: LiveFleet ids use tags with the top bit set, so the two never collide
  const tag = (mix32(seed >>> 0, 0x69647367) & 0x7fffffff).toString(16).padStart(8, '0');
  const ctx: Ctx = { rng, ids: new IdGen(tag), now, orgIds: [], users: new Map() };

  for (let o = 0; o < nOrgs; o++) {
    const orgId = ctx.ids.next(now - (700 - o) * DAY).toHexString();
    ctx.orgIds.push(orgId);
    const users: string[] = [];
    for (let u = 0; u < 3; u++) users.push(ctx.ids.next(now - (650 - o) * DAY + u * HOUR).toHexString());
    ctx.users.set(orgId, users);
  }
  const orgAt = (i: number, n: number): string => (isLegacy(i, n) ? '' : (ctx.orgIds[i % nOrgs] as string));

  const collections: Record<CollectionName, Document[]> = {
    nodes: [],
    resources: [],
    models: [],
    deployments: [],
    agents: [],
    executions: [],
    conversations: [],
    messages: [],
  };
  const scenario: FleetScenario = {
    hotGpuNodeId: '',
    staleNodeId: '',
    healthyNodeId: '',
    noGpuDataNodeId: '',
    offlineNodeId: '',
    dcgmH100NodeId: '',
    dcgmA100NodeId: '',
    neverHeartbeatNodeId: '',
    gbUnitsNodeId: '',
  };

  // ---------------- nodes
  const nameCounters = new Map<string, number>();
  const nodeName = (spec: NodeSpec): string => {
    const primary = spec.roles[0] ?? 'worker';
    const prefix = primary === 'worker' ? (spec.gpu ? 'worker-gpu' : 'worker-cpu') : primary;
    const n = (nameCounters.get(prefix) ?? 0) + 1;
    nameCounters.set(prefix, n);
    return `${prefix}-${pad2(n)}`;
  };

  let nodeSerial = 0;
  const makeGpus = (spec: NodeSpec): Document[] => {
    const p = spec.gpu;
    if (!p) return [];
    const count = spec.gpuMode === 'hot' ? Math.max(2, gpusPerNode) : gpusPerNode;
    const reserve = p.memoryTotal - p.idleFree;
    const gpus: Document[] = [];
    for (let g = 0; g < count; g++) {
      let util = 0;
      let used = 0;
      let temp = p.idleTemp;
      let power = p.idlePower;
      let status = 'idle';
      if (spec.gpuMode === 'hot') {
        util = g === 0 ? 99 : g === 1 ? 97 : rng.int(88, 96);
        temp = g === 0 ? 92 : g === 1 ? 83 : rng.int(70, 79);
        used = Math.round(p.idleFree * rng.float(0.85, 0.95, 3));
      } else if (spec.gpuMode === 'error' && g === 0) {
        status = 'error';
        temp = p.idleTemp + rng.int(0, 3);
      } else if (spec.gpuMode !== 'idle' && rng.chance(0.6)) {
        util = rng.int(25, 100);
        used = Math.round(p.idleFree * rng.float(0.3, 0.95, 3));
        temp = clamp(Math.round(p.idleTemp + util * 0.4 + rng.int(-3, 5)), p.idleTemp, 81);
      }
      if (util > 0) {
        status = 'active';
        power = round(p.idlePower + (util / 100) * (p.powerLimit - p.idlePower) * rng.float(0.8, 1, 3), 2);
      }
      const gpu: Document = {
        deviceId: String(g),
        model: p.model,
        memoryTotal: p.memoryTotal,
        memoryFree: p.memoryTotal - reserve - used,
        utilization: util,
        temperature: temp,
      };
      if (spec.telemetry) {
        gpu.memoryUsed = used;
        gpu.powerDraw = power;
        gpu.powerLimit = p.powerLimit;
        gpu.status = status;
      }
      gpus.push(gpu);
    }
    return gpus;
  };

  const makeNode = (spec: NodeSpec, orgId: string, extra: Partial<BaseOpts> = {}): NodeInfo => {
    const serial = nodeSerial++;
    const createdAt = now - rng.int(30, 400) * DAY - rng.int(0, DAY - 1);
    const [cpuModel, cpuCores] = spec.gpu ? rng.pick(CPU_MODELS.slice(0, 3)) : rng.pick(CPU_MODELS);
    const ramTotal = spec.gpu ? rng.pick(RAM_TOTALS_MB.slice(1)) : rng.pick(RAM_TOTALS_MB);
    const running = spec.status === 'online' || spec.status === 'maintenance';
    const cpuUsage = spec.status === 'pending' ? 0 : spec.gpuMode === 'hot' ? rng.float(70, 92) : rng.float(2, 85);
    const ramUsage = spec.status === 'pending' ? 0 : rng.float(8, 90);
    const lastHeartbeat = spec.status === 'pending' ? createdAt + rng.int(1, 60) * SEC : now - spec.heartbeatAgoMs;
    const name = nodeName(spec);
    const gpus = makeGpus(spec);
    const doc: Document = {
      _id: ctx.ids.next(createdAt),
      name,
      role: spec.roles,
      status: spec.status,
      isLocal: false,
      websocketConnected: spec.websocket,
      lastHeartbeat: new Date(lastHeartbeat),
      lastSeenAt: new Date(lastHeartbeat),
    };
    if (running && rng.chance(0.5)) doc.lastMetricsAt = new Date(lastHeartbeat - rng.int(0, 30) * SEC);
    doc.cpuUsage = cpuUsage;
    doc.ramUsage = ramUsage;
    doc.cpuCores = cpuCores;
    doc.cpuModel = cpuModel;
    doc.ramTotal = ramTotal;
    if (rng.chance(0.75)) doc.ramFree = Math.round(ramTotal * (1 - ramUsage / 100) * rng.float(0.9, 1.1, 3));
    doc.diskTotal = rng.pick(DISK_TOTALS_MB);
    if (spec.gpuData === 'full') doc.gpuDevices = gpus;
    else if (spec.gpuData === 'empty') doc.gpuDevices = [];
    doc.uptimeSeconds = running ? Math.floor(Math.min(lastHeartbeat - createdAt, rng.int(1, 90) * DAY) / 1000) : 0;
    doc.hostname = `${name}.dc${(serial % 3) + 1}.aiwm.internal`;
    const ip = serial + 11;
    doc.ipAddress = `10.${20 + ((ip >> 16) & 0xff)}.${(ip >> 8) & 0xff}.${ip & 0xff}`;
    doc.os = rng.pick(OSES);
    doc.daemonVersion = rng.pick(DAEMON_VERSIONS);
    doc.containerRuntime = rng.pick(RUNTIMES);
    withBase(ctx, doc, {
      orgId,
      createdAt,
      updatedAt: lastHeartbeat,
      metadata: spec.scenario
        ? { rack: `r${(serial % 8) + 1}`, fleetScenario: spec.scenario }
        : { rack: `r${(serial % 8) + 1}` },
      ...extra,
    });
    return { doc, gpus: spec.gpuData === 'full' ? gpus : [], profile: spec.gpu };
  };

  const fresh = (): number => rng.int(1, 30) * SEC + rng.int(0, 999);
  const scenarioSpecs: NodeSpec[] = withScenarios
    ? [
        {
          roles: ['worker'],
          status: 'online',
          gpu: A100,
          gpuData: 'full',
          telemetry: true,
          gpuMode: 'hot',
          heartbeatAgoMs: fresh(),
          websocket: true,
          scenario: 'hotGpuNodeId',
        },
        {
          roles: ['worker'],
          status: 'online',
          gpu: L40S,
          gpuData: 'full',
          telemetry: false,
          gpuMode: 'normal',
          heartbeatAgoMs: 10 * MIN,
          websocket: true,
          scenario: 'staleNodeId',
        },
        {
          roles: ['worker'],
          status: 'online',
          gpu: H200,
          gpuData: 'full',
          telemetry: true,
          gpuMode: 'idle',
          heartbeatAgoMs: fresh(),
          websocket: true,
          scenario: 'healthyNodeId',
        },
        {
          roles: ['worker'],
          status: 'online',
          gpu: H200,
          gpuData: 'missing',
          telemetry: false,
          gpuMode: 'normal',
          heartbeatAgoMs: fresh(),
          websocket: true,
          scenario: 'noGpuDataNodeId',
        },
        {
          roles: ['worker'],
          status: 'offline',
          gpu: A100,
          gpuData: 'full',
          telemetry: false,
          gpuMode: 'normal',
          heartbeatAgoMs: 3 * HOUR,
          websocket: false,
          scenario: 'offlineNodeId',
        },
      ]
    : [];
  const pinnedSpecs = (): NodeSpec[] => [
    {
      roles: ['worker'],
      status: 'online',
      gpu: H200,
      gpuData: 'full',
      telemetry: true,
      gpuMode: 'normal',
      heartbeatAgoMs: fresh(),
      websocket: true,
    },
    {
      roles: ['controller'],
      status: 'pending',
      gpu: null,
      gpuData: 'missing',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: 0,
      websocket: false,
    },
    {
      roles: ['worker'],
      status: 'installing',
      gpu: L40S,
      gpuData: 'empty',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: rng.int(2, 20) * MIN,
      websocket: false,
    },
    {
      roles: ['worker', 'storage'],
      status: 'maintenance',
      gpu: A100,
      gpuData: 'full',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: rng.int(1, 50) * MIN,
      websocket: true,
    },
    {
      roles: ['proxy'],
      status: 'online',
      gpu: null,
      gpuData: 'empty',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: fresh(),
      websocket: true,
    },
    {
      roles: ['controller', 'worker', 'proxy'],
      status: 'online',
      gpu: L40S,
      gpuData: 'full',
      telemetry: true,
      gpuMode: 'error',
      heartbeatAgoMs: fresh(),
      websocket: true,
    },
    {
      roles: ['storage'],
      status: 'offline',
      gpu: null,
      gpuData: 'empty',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: rng.int(2, 72) * HOUR,
      websocket: false,
    },
  ];
  const randomSpec = (): NodeSpec => {
    const roles = rng.weighted<string[]>([
      [['worker'], 75],
      [['controller'], 6],
      [['storage'], 5],
      [['proxy'], 5],
      [['controller', 'proxy'], 3],
      [['worker', 'storage'], 4],
      [['controller', 'worker'], 2],
    ]);
    const status = rng.weighted([
      ['online', 85],
      ['offline', 6],
      ['maintenance', 4],
      ['pending', 3],
      ['installing', 2],
    ]);
    const isWorker = roles.includes('worker');
    const gpu = isWorker
      ? rng.weighted([
          [H200, 40],
          [A100, 35],
          [L40S, 25],
        ] as const)
      : null;
    const gpuData: GpuData =
      status === 'pending' || status === 'installing'
        ? 'empty'
        : gpu
          ? rng.weighted([
              ['full', 87],
              ['missing', 8],
              ['empty', 5],
            ] as const)
          : rng.weighted([
              ['empty', 70],
              ['missing', 30],
            ] as const);
    const heartbeatAgoMs =
      status === 'online' ? fresh() : status === 'offline' ? rng.int(1, 96) * HOUR : rng.int(1, 120) * MIN;
    return {
      roles,
      status,
      gpu,
      gpuData,
      telemetry: rng.chance(0.5),
      gpuMode: 'normal',
      heartbeatAgoMs,
      websocket: status === 'online' || (status === 'maintenance' && rng.chance(0.5)),
    };
  };

  const nodes: NodeInfo[] = [];
  {
    const pinned = pinnedSpecs();
    for (let i = 0; i < nNodes; i++) {
      const r = i - scenarioSpecs.length;
      const spec = r < 0 ? (scenarioSpecs[i] as NodeSpec) : (pinned[r] ?? randomSpec());
      const orgId = r < 0 ? (ctx.orgIds[i % nOrgs] as string) : orgAt(i, nNodes);
      const info = makeNode(spec, orgId, { noIsDeleted: r >= 0 && lacksIsDeleted(r) });
      if (spec.scenario) scenario[spec.scenario] = idOf(info.doc);
      nodes.push(info);
      collections.nodes.push(info.doc);
    }
    for (let d = 0; d < deletedCount(nNodes); d++) {
      const spec: NodeSpec = {
        roles: ['worker'],
        status: 'offline',
        gpu: A100,
        gpuData: 'full',
        telemetry: false,
        gpuMode: 'normal',
        heartbeatAgoMs: rng.int(30, 90) * DAY,
        websocket: false,
      };
      collections.nodes.push(makeNode(spec, ctx.orgIds[d % nOrgs] as string, { deleted: true }).doc);
    }
  }
  const liveNodeDocs = nodes.map((n) => n.doc);
  const gpuNodeDocs = nodes.filter((n) => n.gpus.length > 0).map((n) => n.doc);
  const onlineNodeDocs = liveNodeDocs.filter((d) => d.status === 'online');

  // ---------------- models (before resources: inference containers reference them)
  const makeModel = (plan: ModelPlan, orgId: string, extra: Partial<BaseOpts> = {}): Document => {
    const createdAt = now - rng.int(5, 300) * DAY - rng.int(0, DAY - 1);
    const pool = (plan.deploymentType === 'self-hosted' ? SELF_HOSTED : API_BASED)[plan.type] ?? [];
    const t = rng.pick(pool);
    const doc: Document = {
      _id: ctx.ids.next(createdAt),
      name: t.name,
      type: plan.type,
      description: `${t.name} (${plan.deploymentType})`,
      version: `${rng.int(1, 3)}.${rng.int(0, 9)}`,
      deploymentType: plan.deploymentType,
      status: plan.status,
      scope: rng.pick(['public', 'org', 'private']),
    };
    if (plan.deploymentType === 'self-hosted') {
      doc.repository = t.repository;
      doc.framework = plan.framework ?? rng.pick(['vllm', 'vllm', 'triton']);
      doc.fileName = `${t.name}.safetensors`;
      doc.fileSize = t.fileSize;
      doc.downloadPath = `/models/${t.repository}`;
      const node = pickPreferred(rng, gpuNodeDocs.length > 0 ? gpuNodeDocs : liveNodeDocs, orgId);
      if (node) doc.nodeId = node._id;
    } else {
      doc.provider = t.provider;
      doc.apiEndpoint = t.apiEndpoint;
      doc.modelIdentifier = t.modelIdentifier;
      doc.requiresApiKey = true;
      doc.apiConfig = { apiKey: `sk-SECRET-${rng.hex(32)}`, organization: `org-${rng.hex(12)}` };
    }
    return withBase(ctx, doc, { orgId, createdAt, updatedAt: createdAt + rng.int(0, 4) * DAY, ...extra });
  };
  const randomModelPlan = (): ModelPlan => {
    const deploymentType = rng.chance(0.6) ? 'self-hosted' : 'api-based';
    const status = rng.weighted(deploymentType === 'self-hosted' ? SELF_HOSTED_STATUS_WEIGHTS : API_STATUS_WEIGHTS);
    return {
      deploymentType,
      status,
      type: rng.weighted([
        ['llm', 60],
        ['embedding', 20],
        ['vision', 12],
        ['voice', 8],
      ] as const),
    };
  };
  const models: Document[] = [];
  {
    const seen = new Map<string, number>();
    for (let i = 0; i < nModels; i++) {
      const doc = makeModel(MODEL_PLANS[i] ?? randomModelPlan(), orgAt(i, nModels), { noIsDeleted: lacksIsDeleted(i) });
      const k = (seen.get(doc.name) ?? 0) + 1;
      seen.set(doc.name, k);
      if (k > 1) doc.name = `${doc.name}-${k}`;
      models.push(doc);
      collections.models.push(doc);
    }
    for (let d = 0; d < deletedCount(nModels); d++) {
      const doc = makeModel(randomModelPlan(), ctx.orgIds[d % nOrgs] as string, { deleted: true });
      doc.name = `${doc.name}-old-${d + 1}`;
      collections.models.push(doc);
    }
  }
  const selfHostedModels = models.filter((m) => m.deploymentType === 'self-hosted');
  const apiModels = models.filter((m) => m.deploymentType === 'api-based');

  // ---------------- resources
  const RES_TYPES = FLEET_ENUMS['resources.resourceType'];
  const RES_STATUSES = FLEET_ENUMS['resources.status'];
  let seenMig = false;
  let seenPassthrough = false;
  const resources: Document[] = [];
  let resSerial = 0;
  const makeResource = (
    node: NodeInfo,
    forcedType: string | undefined,
    forcedStatus: string | undefined,
    extra: Partial<BaseOpts> = {},
  ): Document => {
    const j = resSerial++;
    const hasGpu = node.gpus.length > 0;
    const type =
      forcedType ??
      (hasGpu
        ? rng.weighted([
            ['inference-container', 50],
            ['application-container', 25],
            ['virtual-machine', 25],
          ] as const)
        : rng.weighted([
            ['application-container', 60],
            ['virtual-machine', 40],
          ] as const));
    const status =
      forcedStatus ??
      rng.weighted([
        ['running', 60],
        ['stopped', 15],
        ['deploying', 5],
        ['queued', 5],
        ['stopping', 5],
        ['failed', 5],
        ['error', 5],
      ] as const);
    const nodeCreated = (node.doc.createdAt as Date).getTime();
    const createdAt = Math.min(now - HOUR, nodeCreated + rng.int(1, 60) * DAY) - rng.int(0, DAY - 1);
    const orgId = orgOf(node.doc);
    const gpuIds = (n: number): string[] => {
      const out: string[] = [];
      if (!hasGpu) return out;
      const start = rng.int(0, node.gpus.length - 1);
      for (let k = 0; k < Math.min(n, node.gpus.length); k++)
        out.push(String((node.gpus[(start + k) % node.gpus.length] as Document).deviceId));
      return out;
    };
    let config: Document;
    let allocatedGPU: string[] = [];
    let allocatedCPU: number;
    let allocatedRAM: number;
    const slug = `${type === 'virtual-machine' ? 'vm' : type === 'inference-container' ? 'infer' : 'app'}-${pad2(j + 1)}`;
    if (type === 'virtual-machine') {
      const vcpus = rng.pick([4, 8, 16, 32]);
      const ramMB = vcpus * 4096;
      const wantGpu = hasGpu && rng.chance(0.7);
      let gpuConfig: Document;
      if (wantGpu) {
        const migProfiles = node.profile?.mig ?? null;
        const useMig = migProfiles !== null && (!seenMig || (seenPassthrough && rng.chance(0.4)));
        if (useMig) {
          seenMig = true;
          allocatedGPU = gpuIds(1);
          gpuConfig = { enabled: true, mode: 'mig', deviceIds: allocatedGPU, migProfile: rng.pick(migProfiles) };
        } else {
          seenPassthrough = true;
          allocatedGPU = gpuIds(rng.int(1, 2));
          gpuConfig = { enabled: true, mode: 'passthrough', deviceIds: allocatedGPU };
        }
      } else {
        gpuConfig = { enabled: false, mode: 'passthrough', deviceIds: [] };
      }
      config = {
        vcpus,
        ramMB,
        diskGB: rng.pick([100, 200, 500, 1000]),
        osImage: rng.pick(['ubuntu-22.04', 'ubuntu-24.04']),
        gpuConfig,
      };
      allocatedCPU = vcpus;
      allocatedRAM = ramMB / 1024;
    } else {
      const cpuCores = rng.pick([2, 4, 8, 16]);
      const ramLimit = rng.pick([8, 16, 32, 64]);
      if (type === 'inference-container') {
        allocatedGPU = gpuIds(rng.chance(0.8) ? 1 : 2);
        const model = pickPreferred(rng, selfHostedModels, orgId, (m) =>
          ['active', 'inactive', 'deploying', 'error'].includes(m.status as string),
        );
        config = { image: 'vllm/vllm-openai:v0.6.3', cpuCores, ramLimit, gpuDeviceIds: allocatedGPU };
        if (allocatedGPU.length > 0 && node.profile) config.gpuMemoryLimit = Math.floor(node.profile.memoryTotal * 0.9);
        if (model) config.modelId = idOf(model);
        config.port = 8000;
      } else {
        allocatedGPU = hasGpu && rng.chance(0.2) ? gpuIds(1) : [];
        config = {
          image: rng.pick(['nginx:1.27', 'redis:7.4', 'ghcr.io/hydrabyte/rag-api:2.3.0']),
          cpuCores,
          ramLimit,
          gpuDeviceIds: allocatedGPU,
          port: rng.pick([80, 6379, 8080]),
        };
      }
      allocatedCPU = cpuCores;
      allocatedRAM = ramLimit;
    }
    const doc: Document = {
      _id: ctx.ids.next(createdAt),
      name: slug,
      description: `${type} on ${node.doc.name}`,
      resourceType: type,
      nodeId: node.doc._id,
      status,
      config,
    };
    const deployed = status === 'running' || status === 'stopping' || status === 'stopped' || status === 'error';
    let updatedAt = createdAt + rng.int(1, 600) * SEC;
    if (deployed) {
      const startedAt = createdAt + rng.int(10, 600) * SEC;
      const runtime: Document = {
        id: `${type === 'virtual-machine' ? 'vm' : 'ctr'}-${rng.hex(12)}`,
        endpoint: `http://${node.doc.ipAddress}:${type === 'virtual-machine' ? 22 : (config.port as number)}`,
        allocatedGPU,
        allocatedCPU,
        allocatedRAM,
        startedAt: new Date(startedAt),
      };
      if (status === 'stopped') {
        const stoppedAt = Math.min(now - MIN, startedAt + rng.int(1, 240) * HOUR);
        runtime.stoppedAt = new Date(stoppedAt);
        updatedAt = stoppedAt;
      }
      doc.runtime = runtime;
    }
    if (status === 'running') {
      doc.lastHealthCheck = new Date(now - rng.int(1, 60) * SEC);
      updatedAt = Math.max(updatedAt, now - rng.int(1, 30) * MIN);
    }
    if (status === 'failed' || status === 'error') {
      doc.errorMessage = rng.pick([
        'CUDA error: out of memory',
        'image pull failed: manifest unknown',
        'container exited with code 137',
        'health check timed out',
      ]);
    }
    return withBase(ctx, doc, { orgId, createdAt, updatedAt: Math.min(updatedAt, now), ...extra });
  };
  {
    let j = 0;
    const total = nodes.length * resourcesPerNode;
    for (const node of nodes) {
      for (let k = 0; k < resourcesPerNode; k++, j++) {
        const doc = makeResource(
          node,
          j < RES_TYPES.length ? RES_TYPES[j] : undefined,
          j < RES_STATUSES.length ? RES_STATUSES[j] : undefined,
          {
            noIsDeleted: lacksIsDeleted(j),
          },
        );
        if (isLegacy(j, total)) doc.owner = { orgId: '' };
        resources.push(doc);
        collections.resources.push(doc);
      }
    }
    for (let d = 0; d < deletedCount(total) && nodes.length > 0; d++) {
      collections.resources.push(
        makeResource(nodes[d % nodes.length] as NodeInfo, undefined, 'stopped', { deleted: true }),
      );
    }
  }
  const inferenceResources = resources.filter((r) => r.resourceType === 'inference-container');

  // ---------------- deployments
  const DEP_STATUSES = FLEET_ENUMS['deployments.status'];
  const deployments: Document[] = [];
  const makeDeployment = (
    i: number,
    forcedStatus: string | undefined,
    orgHint: string,
    extra: Partial<BaseOpts> = {},
  ): Document | undefined => {
    const status =
      forcedStatus ??
      rng.weighted([
        ['running', 60],
        ['stopped', 12],
        ['deploying', 6],
        ['queued', 6],
        ['stopping', 4],
        ['failed', 7],
        ['error', 5],
      ] as const);
    const wantApi = apiModels.length > 0 && (inferenceResources.length === 0 || i % 5 === 1 || i % 5 === 3);
    let model: Document | undefined;
    let resource: Document | undefined;
    if (wantApi) {
      model = pickPreferred(rng, apiModels, orgHint, (m) => m.status === 'active');
    } else {
      resource = pickPreferred(rng, inferenceResources, orgHint, (r) => r.status === status);
      const mid = resource?.config?.modelId as string | undefined;
      model = mid ? models.find((m) => idOf(m) === mid) : undefined;
      model ??= pickPreferred(rng, selfHostedModels, orgHint);
    }
    if (!model) return undefined;
    const orgId = resource ? orgOf(resource) : orgOf(model);
    const createdAt = Math.min(
      now - HOUR,
      Math.max((model.createdAt as Date).getTime(), now - 200 * DAY) + rng.int(1, 5) * DAY,
    );
    const doc: Document = {
      _id: ctx.ids.next(createdAt),
      name: `${model.name}-${rng.pick(['prod', 'staging', 'canary', 'dev'])}-${pad2(i + 1)}`,
      description: `Deployment of ${model.name}`,
      modelId: idOf(model),
    };
    if (resource) {
      doc.nodeId = (resource.nodeId as ObjectId).toHexString();
      doc.resourceId = idOf(resource);
    }
    doc.status = status;
    const served =
      status === 'running' ||
      status === 'stopping' ||
      status === 'stopped' ||
      status === 'failed' ||
      status === 'error';
    const requestCount = !served ? 0 : status === 'running' ? rng.int(1000, 500000) : rng.int(0, 20000);
    const totalTokens = requestCount * rng.int(200, 1500);
    const pricePerMTok = resource ? rng.float(0.1, 0.6, 2) : rng.float(2.5, 15, 2);
    doc.requestCount = requestCount;
    doc.totalTokens = totalTokens;
    doc.totalCost = round((totalTokens / 1e6) * pricePerMTok, 4);
    if (status === 'running') doc.lastHealthCheck = new Date(now - rng.int(1, 60) * SEC);
    if (status === 'failed' || status === 'error')
      doc.errorMessage = rng.pick([
        'model failed to load: CUDA out of memory',
        'upstream provider returned 401',
        'container crashed (exit code 139)',
      ]);
    const updatedAt =
      status === 'running' ? now - rng.int(1, 300) * SEC : Math.min(now - MIN, createdAt + rng.int(1, 20) * DAY);
    return withBase(ctx, doc, { orgId, createdAt, updatedAt: Math.min(now, Math.max(createdAt, updatedAt)), ...extra });
  };
  {
    for (let i = 0; i < nDeployments; i++) {
      const doc = makeDeployment(
        i,
        i < DEP_STATUSES.length ? DEP_STATUSES[i] : undefined,
        ctx.orgIds[i % nOrgs] as string,
        { noIsDeleted: lacksIsDeleted(i) },
      );
      if (!doc) break;
      if (isLegacy(i, nDeployments)) doc.owner = { orgId: '' };
      deployments.push(doc);
      collections.deployments.push(doc);
    }
    for (let d = 0; d < deletedCount(nDeployments); d++) {
      const doc = makeDeployment(nDeployments + d, 'stopped', ctx.orgIds[d % nOrgs] as string, { deleted: true });
      if (doc) collections.deployments.push(doc);
    }
  }

  // ---------------- agents
  const AGENT_STATUSES = FLEET_ENUMS['agents.status'];
  const AGENT_TYPES = FLEET_ENUMS['agents.type'];
  const agents: Document[] = [];
  const makeAgent = (
    i: number,
    forcedStatus: string | undefined,
    forcedType: string | undefined,
    orgId: string,
    extra: Partial<BaseOpts> = {},
  ): Document => {
    const status =
      forcedStatus ??
      rng.weighted([
        ['active', 55],
        ['busy', 20],
        ['inactive', 20],
        ['suspended', 5],
      ] as const);
    const type = forcedType ?? rng.pick(AGENT_TYPES);
    const dep = pickPreferred(rng, deployments, orgId, (d) => d.status === 'running');
    const createdAt = now - rng.int(3, 120) * DAY - rng.int(0, DAY - 1);
    const live = status === 'active' || status === 'busy';
    const lastHeartbeatAt = live ? now - rng.int(1, 20) * SEC - rng.int(0, 999) : now - rng.int(2, 240) * HOUR;
    const nodeId =
      (dep?.nodeId as string | undefined) ??
      (
        pickPreferred(rng, onlineNodeDocs.length > 0 ? onlineNodeDocs : liveNodeDocs, orgId) ?? liveNodeDocs[0]
      )?._id?.toHexString();
    const doc: Document = {
      _id: ctx.ids.next(createdAt),
      name: `${rng.pick(['support', 'research', 'ops', 'sales', 'coder', 'triage'])}-agent-${pad2(i + 1)}`,
      description: 'AIWM agent',
      status,
      type,
    };
    if (dep) doc.deploymentId = idOf(dep);
    if (nodeId) doc.nodeId = nodeId;
    doc.instructionId = ctx.ids.next(createdAt).toHexString();
    doc.tags = [rng.pick(['internal', 'customer', 'beta'])];
    doc.lastHeartbeatAt = new Date(lastHeartbeatAt);
    doc.lastConnectedAt = new Date(lastHeartbeatAt - rng.int(1, 72) * HOUR);
    doc.connectionCount = rng.int(1, 500);
    doc.secret = `agent-secret-${rng.hex(32)}`;
    doc.settings = {
      token: `agt-token-${rng.hex(40)}`,
      temperature: rng.float(0, 1, 1),
      maxTokens: rng.pick([1024, 2048, 4096]),
    };
    return withBase(ctx, doc, { orgId, createdAt, updatedAt: Math.max(createdAt, lastHeartbeatAt), ...extra });
  };
  {
    for (let i = 0; i < nAgents; i++) {
      const doc = makeAgent(i, AGENT_STATUSES[i], AGENT_TYPES[i], orgAt(i, nAgents), {
        noIsDeleted: lacksIsDeleted(i),
      });
      agents.push(doc);
      collections.agents.push(doc);
    }
    for (let d = 0; d < deletedCount(nAgents); d++) {
      collections.agents.push(
        makeAgent(nAgents + d, 'inactive', undefined, ctx.orgIds[d % nOrgs] as string, { deleted: true }),
      );
    }
  }

  // ---------------- conversations and messages
  const conversations: Document[] = [];
  const liveMessages: Document[] = [];
  let convIndex = 0;
  const makeMessage = (
    conv: Document,
    at: number,
    role: string,
    type: string,
    status: string,
    fields: Document,
    extra: Partial<BaseOpts> = {},
  ): Document => {
    const doc: Document = {
      _id: ctx.ids.next(at),
      conversationId: idOf(conv),
      participantId: role === 'user' ? ((conv.owner as Document).userId ?? 'anonymous') : conv.agentId,
      role,
      content: fields.content ?? '',
      type,
      status,
    };
    for (const [k, v] of Object.entries(fields)) if (k !== 'content') doc[k] = v;
    return withBase(ctx, doc, { orgId: orgOf(conv), createdAt: at, updatedAt: at, ...extra });
  };
  const usageFor = (): Document => {
    const promptTokens = rng.int(50, 4000);
    const completionTokens = rng.int(10, 1500);
    return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
  };
  const latencyMs = (): number => Math.round(Math.exp(rng.float(Math.log(250), Math.log(30000), 4)));

  type Step = 'system' | 'user' | 'text' | 'thinking' | 'tool' | 'error' | 'sending';
  /** Message "scripts": conversation 0 covers every role/type/status, conversation 1 ends with an in-flight user message. */
  const scriptFor = (ci: number, count: number): Step[] => {
    const steps: Step[] = [];
    if (ci === 0) steps.push('system', 'user', 'thinking', 'user', 'tool', 'user', 'error');
    else if (ci % 3 === 0) steps.push('system');
    while (steps.length < count + 4) {
      steps.push('user');
      steps.push(
        rng.weighted([
          ['text', 55],
          ['thinking', 15],
          ['tool', 20],
          ['error', 10],
        ] as const),
      );
    }
    return steps;
  };

  const genConversation = (agent: Document, ci: number, orgId: string, extra: Partial<BaseOpts> = {}): Document => {
    // spread over the last 48 h; gaps between exchanges shrink for very long conversations
    const gapScale = Math.min(1, (47 * HOUR) / (Math.max(1, msgPerConv) * 6 * MIN));
    const span = Math.max(1, msgPerConv) * 6 * MIN * gapScale;
    const lo = Math.min(Math.round(span + 5 * MIN), 48 * HOUR - MIN);
    const start = now - rng.int(lo, 48 * HOUR - MIN);
    const conv: Document = {
      _id: ctx.ids.next(start),
      title: rng.pick([
        'GPU quota question',
        'Deploy Llama on H200',
        'Billing export',
        'Agent setup',
        'Incident follow-up',
        'RAG pipeline tuning',
      ]),
      description: '',
      agentId: idOf(agent),
      conversationType: 'chat',
      status:
        ci === 0 || ci === 1
          ? 'active'
          : rng.weighted([
              ['active', 70],
              ['archived', 20],
              ['closed', 10],
            ] as const),
    };
    withBase(ctx, conv, { orgId, createdAt: start, updatedAt: start, ...extra });
    if (extra.deleted) {
      conv.totalTokens = 0;
      conv.totalMessages = 0;
      conv.totalCost = 0;
      return conv;
    }
    const price = rng.float(0.5, 10, 2) / 1e6;
    let t = start;
    let tokens = 0;
    let cost = 0;
    const msgs: Document[] = [];
    const script = scriptFor(ci, msgPerConv);
    // conversation 1 keeps its last slot for an in-flight user message
    const cap = ci === 1 ? msgPerConv - 1 : msgPerConv;
    const push = (m: Document): void => {
      if (msgs.length >= cap) return;
      msgs.push(m);
      const used = (m.usage as Document | undefined)?.totalTokens as number | undefined;
      if (used !== undefined) {
        tokens += used;
        cost += used * price;
      }
    };
    for (let s = 0; s < script.length && msgs.length < cap; s++) {
      const step = script[s] as Step;
      if (step === 'system') {
        push(makeMessage(conv, t, 'system', 'system', 'delivered', { content: 'You are a helpful AIWM agent.' }));
        t += rng.int(1, 5) * SEC;
      } else if (step === 'user') {
        t += Math.max(1, Math.round(rng.int(5, 240) * SEC * gapScale));
        push(
          makeMessage(conv, t, 'user', 'text', rng.chance(0.2) ? 'sent' : 'delivered', {
            content: 'How do I scale my deployment?',
          }),
        );
      } else if (step === 'text' || step === 'thinking' || step === 'error') {
        const latency = latencyMs();
        if (step === 'thinking') {
          push(
            makeMessage(conv, t + Math.floor(latency / 3), 'assistant', 'thinking', 'delivered', {
              content: 'Reasoning about the request...',
              thinking: { content: 'plan', visible: false, duration: Math.floor(latency / 3) },
            }),
          );
        }
        t += latency;
        if (step === 'error') {
          push(
            makeMessage(conv, t, 'assistant', 'error', 'failed', {
              content: '',
              latency,
              error: rng.pick([
                'upstream timeout after 30000 ms',
                'deployment unavailable (503)',
                'context length exceeded',
              ]),
            }),
          );
        } else {
          const usage = usageFor();
          push(
            makeMessage(conv, t, 'assistant', 'text', 'delivered', {
              content: 'Here is what you can do...',
              latency,
              usage,
            }),
          );
        }
      } else if (step === 'tool') {
        const latency = latencyMs();
        t += latency;
        const usage = usageFor();
        const callId = `call_${rng.hex(16)}`;
        const toolName = rng.pick(['get_node_status', 'list_deployments', 'search_docs', 'run_sql']);
        push(
          makeMessage(conv, t, 'assistant', 'tool_call', 'sent', {
            content: '',
            latency,
            usage,
            toolCalls: [{ id: callId, type: 'function', function: { name: toolName, arguments: '{}' } }],
          }),
        );
        // the tool result lands in the same millisecond as the call: an _id tie-break case
        const success = rng.chance(0.85);
        const toolResult: Document = {
          toolCallId: callId,
          toolName,
          result: success ? { ok: true } : { ok: false },
          success,
          executionTime: rng.int(5, 4000),
        };
        if (!success) toolResult.error = 'tool raised an exception';
        push(
          makeMessage(conv, t, 'tool', 'tool_result', 'delivered', {
            content: success ? 'ok' : 'error',
            name: toolName,
            toolResults: [toolResult],
          }),
        );
        const latency2 = latencyMs();
        t += latency2;
        const usage2 = usageFor();
        push(
          makeMessage(conv, t, 'assistant', 'text', 'delivered', {
            content: 'Done.',
            latency: latency2,
            usage: usage2,
          }),
        );
      }
    }
    if (ci === 1 && msgPerConv > 0) {
      msgs.push(
        makeMessage(conv, now - rng.int(2, 20) * SEC, 'user', 'text', 'sending', { content: 'Are you still there?' }),
      );
    }
    const last = msgs.reduce((mx, m) => Math.max(mx, (m.createdAt as Date).getTime()), start);
    conv.totalTokens = tokens;
    conv.totalMessages = msgs.length;
    conv.totalCost = round(cost, 6);
    conv.updatedAt = new Date(Math.min(now, last));
    for (const m of msgs) liveMessages.push(m);
    return conv;
  };
  {
    const totalConv = agents.length * convPerAgent;
    for (const agent of agents) {
      for (let c = 0; c < convPerAgent; c++) {
        const ci = convIndex++;
        const orgId = isLegacy(ci, totalConv) ? '' : orgOf(agent);
        const conv = genConversation(agent, ci, orgId, { noIsDeleted: lacksIsDeleted(ci) });
        conversations.push(conv);
        collections.conversations.push(conv);
      }
    }
    // messages: a few without isDeleted, a few soft-deleted (extra, inside live conversations)
    liveMessages.forEach((m, i) => {
      if (lacksIsDeleted(i) && i % 2 === 0) delete m.isDeleted;
    });
    for (const m of liveMessages) collections.messages.push(m);
    for (let d = 0; d < deletedCount(totalConv) && agents.length > 0; d++) {
      const agent = agents[d % agents.length] as Document;
      collections.conversations.push(
        genConversation(agent, convIndex++, orgOf(agent) || (ctx.orgIds[0] as string), { deleted: true }),
      );
    }
    for (let d = 0; d < deletedCount(liveMessages.length) && conversations.length > 0; d++) {
      const conv = conversations[(d * 7) % conversations.length] as Document;
      const at = now - rng.int(1, 47) * HOUR;
      collections.messages.push(
        makeMessage(conv, at, 'user', 'text', 'delivered', { content: '(deleted)' }, { deleted: true }),
      );
    }
  }

  // ---------------- executions
  const EXEC_CATEGORIES = FLEET_ENUMS['executions.category'];
  interface ExecPlan {
    status?: string;
    category?: string;
    type?: string;
    skipStep?: boolean; // completed with an optional step skipped
    overdue?: boolean; // running and already past its timeoutAt
    retries?: number;
    window?: [number, number]; // finished inside [start, end] (children of a composite execution)
    minDurationMs?: number;
    nodeId?: string;
  }
  const execPlans: ExecPlan[] = [
    { status: 'completed', category: 'deployment', type: 'deploy-model', skipStep: true },
    { status: 'failed', category: 'model', type: 'download-model', retries: 3 },
    { status: 'running', category: 'agent', type: 'setup-agent', overdue: true },
    { status: 'pending', category: 'maintenance', type: 'cleanup' },
    { status: 'cancelled', category: 'batch', type: 'batch-inference' },
    { status: 'timeout', category: 'maintenance', type: 'create-resource', retries: 1 },
    // #7 is a composite deploy-model execution; #8 and #9 are its children (filled in below)
    { status: 'completed', category: 'deployment', type: 'deploy-model', minDurationMs: 20 * MIN },
    { status: 'completed', category: 'model', type: 'download-model', retries: 2 },
    { status: 'completed', category: 'maintenance', type: 'create-resource' },
    { status: 'running', category: 'batch', type: 'batch-inference' },
  ];
  const execNodes = onlineNodeDocs.length > 0 ? onlineNodeDocs : liveNodeDocs;
  const makeExecution = (i: number, plan: ExecPlan, orgId: string, extra: Partial<BaseOpts> = {}): Document => {
    const status = plan.status ?? rng.weighted(EXEC_STATUS_WEIGHTS);
    const category = plan.category ?? rng.pick(EXEC_CATEGORIES);
    const type = plan.type ?? rng.pick(EXEC_TYPES[category] ?? ['cleanup']);
    const stepNames = EXEC_STEPS[type] ?? ['Run'];
    const node = plan.nodeId === undefined ? pickPreferred(rng, execNodes, orgId) : undefined;
    const nodeId = plan.nodeId ?? (node ? idOf(node) : undefined);
    const timeoutSeconds = execTimeoutSeconds(category);
    const duration = Math.max(
      plan.minDurationMs ?? 0,
      Math.round(Math.exp(rng.float(Math.log(2), Math.log(3600), 4)) * 1000),
    ); // 2 s .. 1 h
    let createdAt: number;
    let startedAt: number | undefined;
    let completedAt: number | undefined;
    if (status === 'pending') {
      createdAt = now - rng.int(5, 600) * SEC;
    } else if (status === 'running') {
      createdAt = plan.overdue
        ? now - timeoutSeconds * 1000 - rng.int(10, 60) * MIN
        : now - rng.int(30, timeoutSeconds - 300) * SEC;
      startedAt = createdAt + rng.int(0, 5000);
    } else if (plan.window) {
      const [ws, we] = plan.window;
      startedAt = ws;
      completedAt = we;
      createdAt = ws;
    } else {
      const end = now - rng.int(1, 7 * 24 * 60) * MIN - rng.int(0, MIN - 1);
      completedAt = end;
      const d = status === 'timeout' ? timeoutSeconds * 1000 : duration;
      startedAt = end - d;
      createdAt = startedAt - rng.int(0, 5000);
    }
    const steps: Document[] = [];
    const n = stepNames.length;
    const failAt = status === 'failed' || status === 'timeout' ? rng.int(0, n - 1) : -1;
    const runAt = status === 'running' ? rng.int(0, n - 1) : -1;
    const cancelAt = status === 'cancelled' ? rng.int(0, n - 1) : -1;
    const skipAt = plan.skipStep ? n - 1 : status === 'completed' && n > 2 && rng.chance(0.1) ? n - 2 : -1;
    let tStep = startedAt ?? createdAt;
    const stepDur = Math.max(1, Math.floor(((completedAt ?? now) - tStep) / n));
    for (let s = 0; s < n; s++) {
      const step: Document = {
        index: s,
        name: stepNames[s],
        status: 'pending',
        progress: 0,
        dependsOn: s > 0 ? [s - 1] : [],
        optional: s === skipAt,
      };
      if (nodeId) step.nodeId = nodeId;
      const done =
        status === 'completed' ||
        (failAt >= 0 && s < failAt) ||
        (runAt >= 0 && s < runAt) ||
        (cancelAt >= 0 && s < cancelAt);
      if (s === skipAt) {
        step.status = 'skipped';
      } else if (done) {
        step.status = 'completed';
        step.progress = 100;
        step.startedAt = new Date(tStep);
        step.completedAt = new Date(tStep + stepDur);
      } else if (s === failAt) {
        step.status = 'failed';
        step.progress = rng.int(0, 90);
        step.startedAt = new Date(tStep);
        step.completedAt = new Date(completedAt ?? now);
        step.error =
          status === 'timeout'
            ? { code: 'TIMEOUT', message: `step exceeded ${timeoutSeconds}s` }
            : { code: 'STEP_FAILED', message: `${stepNames[s]} failed` };
      } else if (s === runAt) {
        step.status = 'running';
        step.progress = rng.int(1, 95);
        step.startedAt = new Date(tStep);
      } else if (cancelAt >= 0 && s >= cancelAt) {
        step.status = 'skipped';
      }
      steps.push(step);
      tStep += stepDur;
    }
    const completedSteps = steps.filter((s) => s.status === 'completed').length;
    const progress =
      status === 'completed'
        ? 100
        : status === 'pending'
          ? 0
          : Math.min(
              99,
              Math.round((completedSteps / n) * 100 + (runAt >= 0 ? ((steps[runAt]?.progress as number) ?? 0) / n : 0)),
            );
    const retryCount = plan.retries ?? (rng.chance(0.15) ? rng.int(1, 3) : 0);
    const maxRetries = Math.max(
      retryCount,
      rng.weighted([
        [3, 80],
        [0, 10],
        [5, 10],
      ] as const),
    );
    const doc: Document = {
      _id: ctx.ids.next(createdAt),
      executionId: rng.uuid(),
      name: `${type} #${i + 1}`,
      description: `${category} workflow`,
      category,
      type,
      status,
      progress,
      childExecutionIds: [],
      steps,
      resourceType: category === 'batch' || category === 'maintenance' ? 'node' : category,
    };
    if (nodeId) {
      doc.nodeId = nodeId;
      doc.involvedNodeIds = [nodeId];
      if (category === 'batch' || category === 'maintenance') doc.resourceId = nodeId;
    }
    if (category === 'deployment' && deployments.length > 0) doc.resourceId = idOf(rng.pick(deployments));
    if (category === 'model' && models.length > 0) doc.resourceId = idOf(rng.pick(models));
    if (category === 'agent' && agents.length > 0) doc.resourceId = idOf(rng.pick(agents));
    if (startedAt !== undefined) {
      doc.startedAt = new Date(startedAt);
      doc.timeoutAt = new Date(startedAt + timeoutSeconds * 1000);
    }
    if (completedAt !== undefined) doc.completedAt = new Date(completedAt);
    doc.timeoutSeconds = timeoutSeconds;
    if (failAt >= 0) {
      const err: Document = {
        code: status === 'timeout' ? 'EXECUTION_TIMEOUT' : 'STEP_FAILED',
        message: status === 'timeout' ? `execution exceeded ${timeoutSeconds}s` : `${stepNames[failAt]} failed on node`,
        stepIndex: failAt,
      };
      if (nodeId) err.nodeId = nodeId;
      doc.error = err;
    }
    doc.retryCount = retryCount;
    doc.maxRetries = maxRetries;
    const attempts: Date[] = [];
    for (let r = 0; r < retryCount; r++)
      attempts.push(new Date((startedAt ?? createdAt) - (retryCount - r) * rng.int(10, 120) * SEC));
    doc.retryAttempts = attempts;
    doc.sentMessageIds = [];
    doc.receivedMessageIds = [];
    const updatedAt =
      completedAt ??
      (status === 'running' ? Math.min(now, (startedAt ?? createdAt) + rng.int(1, 60) * SEC) : createdAt);
    return withBase(ctx, doc, { orgId, createdAt, updatedAt, ...extra });
  };
  const executions: Document[] = [];
  {
    for (let i = 0; i < nExecutions; i++) {
      let plan = execPlans[i] ?? {};
      const parent = executions[6];
      if ((i === 7 || i === 8) && parent) {
        // children run inside the parent's window, on the parent's node, in the parent's org
        const ps = (parent.startedAt as Date).getTime();
        const pe = (parent.completedAt as Date).getTime();
        const span = pe - ps;
        const win: [number, number] =
          i === 7
            ? [ps + Math.floor(span * 0.02), ps + Math.floor(span * 0.45)]
            : [ps + Math.floor(span * 0.5), ps + Math.floor(span * 0.95)];
        plan = { ...plan, window: win, ...(parent.nodeId ? { nodeId: parent.nodeId as string } : {}) };
      }
      const doc = makeExecution(
        i,
        plan,
        i === 7 || i === 8 ? orgOf(executions[6] as Document) : orgAt(i, nExecutions),
        { noIsDeleted: lacksIsDeleted(i) },
      );
      if ((i === 7 || i === 8) && parent) {
        doc.parentExecutionId = parent.executionId;
        (parent.childExecutionIds as string[]).push(doc.executionId as string);
      }
      executions.push(doc);
      collections.executions.push(doc);
    }
    for (let d = 0; d < deletedCount(nExecutions); d++) {
      collections.executions.push(
        makeExecution(nExecutions + d, { status: 'completed' }, ctx.orgIds[d % nOrgs] as string, { deleted: true }),
      );
    }
  }

  // ---------------- malformed documents
  const malformed: MalformedDoc[] = [];
  if (withMalformed) {
    const validOrg = (d: Document | undefined): string => (d && orgOf(d) !== '' ? orgOf(d) : (ctx.orgIds[0] as string));
    const add = (
      collection: CollectionName,
      doc: Document,
      reason: MalformedDoc['reason'],
      description: string,
    ): void => {
      if (orgOf(doc) === '') doc.owner = { orgId: ctx.orgIds[0] as string };
      if (doc.isDeleted !== false) {
        doc.isDeleted = false;
        doc.deletedAt = null;
      }
      collections[collection].push(doc);
      const skipped = reason !== 'unknown_enum' && reason !== 'bad_field';
      malformed.push({ collection, _id: doc._id as ObjectId, reason, skipped, description });
    };
    const org0 = ctx.orgIds[0] as string;
    const cpuSpec = (status: string): NodeSpec => ({
      roles: ['worker'],
      status,
      gpu: null,
      gpuData: 'empty',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: fresh(),
      websocket: true,
    });

    // nodes
    {
      const a = makeNode(cpuSpec('online'), org0).doc;
      delete a.name;
      add('nodes', a, 'missing_field', 'node without name');
      const b = makeNode(cpuSpec('online'), org0).doc;
      b.cpuUsage = 'high';
      add('nodes', b, 'bad_field', "node with cpuUsage: 'high' (string instead of number): kept without it");
      const d = makeNode(cpuSpec('online'), org0).doc;
      d.hostname = 42;
      add('nodes', d, 'bad_field', 'node with hostname: 42 (number instead of string): kept without it');
      const c = makeNode(cpuSpec('online'), org0).doc;
      c.status = 'rebooting';
      add('nodes', c, 'unknown_enum', "node with status 'rebooting'");
    }
    // resources
    const anyNode = nodes[0];
    if (anyNode) {
      const a = makeResource(anyNode, 'application-container', 'running');
      delete a.resourceType;
      add('resources', a, 'missing_field', 'resource without resourceType');
      const b = makeResource(anyNode, 'application-container', 'running');
      b.name = 12345;
      add('resources', b, 'wrong_type', 'resource with name: 12345 (number instead of string)');
      const c = makeResource(anyNode, 'application-container', 'running');
      c.status = 'hibernating';
      add('resources', c, 'unknown_enum', "resource with status 'hibernating'");
    }
    // models
    {
      const a = makeModel({ deploymentType: 'self-hosted', status: 'active', type: 'llm', framework: 'vllm' }, org0);
      a.status = 'exploded';
      add('models', a, 'unknown_enum', "model with status 'exploded'");
      const b = makeModel({ deploymentType: 'api-based', status: 'active', type: 'llm' }, org0);
      delete b.deploymentType;
      add('models', b, 'missing_field', 'model without deploymentType');
      const c = makeModel(
        { deploymentType: 'self-hosted', status: 'downloaded', type: 'embedding', framework: 'triton' },
        org0,
      );
      c.fileSize = '7 GB';
      add('models', c, 'wrong_type', "model with fileSize: '7 GB' (string instead of number)");
    }
    // deployments
    {
      const a = makeDeployment(900, 'running', org0);
      if (a) {
        a.requestCount = '12';
        add('deployments', a, 'wrong_type', "deployment with requestCount: '12' (string instead of number)");
      }
      const b = makeDeployment(901, 'running', org0);
      if (b) {
        b.status = 'melting';
        add('deployments', b, 'unknown_enum', "deployment with status 'melting'");
      }
      const c = makeDeployment(902, 'stopped', org0);
      if (c) {
        delete c.name;
        add('deployments', c, 'missing_field', 'deployment without name');
      }
    }
    // agents
    {
      const a = makeAgent(900, 'active', 'managed', org0);
      delete a.status;
      add('agents', a, 'missing_field', 'agent without status');
      const b = makeAgent(901, 'active', 'managed', org0);
      b.type = 'sentient';
      add('agents', b, 'unknown_enum', "agent with type 'sentient'");
      const c = makeAgent(902, 'busy', 'autonomous', org0);
      c.connectionCount = 'many';
      add('agents', c, 'wrong_type', "agent with connectionCount: 'many' (string instead of number)");
    }
    // executions
    {
      const a = makeExecution(900, { status: 'completed', category: 'model', type: 'download-model' }, org0);
      a.status = 'zombie';
      add('executions', a, 'unknown_enum', "execution with status 'zombie'");
      const b = makeExecution(901, { status: 'completed', category: 'deployment', type: 'deploy-model' }, org0);
      delete b.category;
      add('executions', b, 'missing_field', 'execution without category');
      const c = makeExecution(902, { status: 'failed', category: 'batch', type: 'batch-inference' }, org0);
      c.progress = 'half';
      add('executions', c, 'wrong_type', "execution with progress: 'half' (string instead of number)");
    }
    // conversations
    const agent0 = agents.find((a) => orgOf(a) !== '') ?? agents[0];
    if (agent0) {
      const a = genConversation(agent0, 900, validOrg(agent0), { deleted: true });
      delete a.agentId;
      add('conversations', a, 'missing_field', 'conversation without agentId');
      const b = genConversation(agent0, 901, validOrg(agent0), { deleted: true });
      b.totalTokens = '1500';
      add('conversations', b, 'wrong_type', "conversation with totalTokens: '1500' (string instead of number)");
    }
    // messages (inside a live conversation with a real orgId)
    const conv0 = conversations.find((c) => orgOf(c) !== '') ?? conversations[0];
    if (conv0) {
      const at = (): number => now - rng.int(1, 47 * 60) * MIN;
      const a = makeMessage(conv0, at(), 'assistant', 'text', 'delivered', {
        content: 'x',
        latency: 'fast',
        usage: usageFor(),
      });
      add('messages', a, 'wrong_type', "message with latency: 'fast' (string instead of number)");
      const b = makeMessage(conv0, at(), 'user', 'text', 'delivered', { content: 'x' });
      delete b.createdAt;
      add('messages', b, 'missing_field', 'message without createdAt');
      const c = makeMessage(conv0, at(), 'user', 'text', 'delivered', { content: 'x' });
      delete c.conversationId;
      add('messages', c, 'missing_field', 'message without conversationId');
      const d = makeMessage(conv0, at(), 'robot', 'text', 'delivered', { content: 'x' });
      add('messages', d, 'unknown_enum', "message with role 'robot'");
      const e = makeMessage(conv0, at(), 'assistant', 'hologram', 'delivered', {
        content: 'x',
        latency: 900,
        usage: usageFor(),
      });
      add('messages', e, 'unknown_enum', "message with type 'hologram'");
    }
  }

  const fleet: Fleet = { now: nowDate, orgIds: [...ctx.orgIds], collections, malformed, scenario };
  if (options.writePaths) toWritePaths(fleet);
  return fleet;
}

/** insertMany into each collection (ordered: false), in batches of at most 5000 documents. */
export async function loadFleet(db: Db, fleet: Fleet): Promise<void> {
  const BATCH = 5000;
  for (const name of COLLECTIONS) {
    const docs = fleet.collections[name];
    const coll = db.collection(name);
    for (let i = 0; i < docs.length; i += BATCH) {
      await coll.insertMany(docs.slice(i, i + BATCH), { ordered: false });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Live mode

export interface AdvanceResult {
  now: Date;
  messages: Document[];
  executionsCreated: Document[];
  executionsFinished: Document[];
  heartbeats: number;
  /** Increments applied to running deployments' cumulative counters (extra to the documented shape). */
  deployments: Array<{ _id: ObjectId; requestCount: number; totalTokens: number; totalCost: number }>;
}

interface LiveNode {
  _id: ObjectId;
  cpuUsage: number;
  ramUsage: number;
  uptimeSeconds: number;
}
interface LiveConversation {
  doc: Document;
  price: number; // USD per token
}
interface LiveDeployment {
  _id: ObjectId;
  rate: number; // requests per second
  tokensPerRequest: number;
  pricePerToken: number;
}
interface RunningExecution {
  doc: Document;
  plannedEnd: number;
  fail: boolean;
}

/**
 * Advances a generated fleet over time and writes the changes to MongoDB. Holds its own copies of
 * the documents it changes; the Fleet object passed in is never mutated.
 */
export class LiveFleet {
  private readonly rng: Rng;
  private readonly ids: IdGen;
  private clock: number;
  private readonly nodes: LiveNode[] = [];
  private readonly conversations: LiveConversation[] = [];
  private readonly deploymentsLive: LiveDeployment[] = [];
  private running: RunningExecution[] = [];
  private readonly execNodeIds: Array<{ nodeId: string; orgId: string }> = [];
  private readonly orgIds: string[];
  private execSerial = 0;

  constructor(fleet: Fleet, options: { seed?: number } = {}) {
    const seed = options.seed ?? 1;
    this.rng = new Rng(mix32(seed >>> 0, 0x6c697665));
    this.ids = new IdGen(
      ((mix32(seed >>> 0, fleet.now.getTime() >>> 0) | 0x80000000) >>> 0).toString(16).padStart(8, '0'),
    );
    this.clock = fleet.now.getTime();
    this.orgIds = [...fleet.orgIds];
    const bad = new Set(fleet.malformed.map((m) => m._id.toHexString()));
    const ok = (d: Document): boolean => d.isDeleted !== true && !bad.has(idOf(d));
    const c = fleet.collections;

    for (const n of c.nodes) {
      if (!ok(n) || (n.status !== 'online' && n.status !== 'healthy')) continue;
      const id = idOf(n);
      if (id !== fleet.scenario.staleNodeId && id !== fleet.scenario.neverHeartbeatNodeId) {
        this.nodes.push({
          _id: n._id as ObjectId,
          cpuUsage: n.cpuUsage as number,
          ramUsage: n.ramUsage as number,
          uptimeSeconds: (n.uptimeSeconds as number) ?? 0,
        });
      }
      if (orgOf(n) !== '') this.execNodeIds.push({ nodeId: id, orgId: orgOf(n) });
    }
    const liveAgents = new Map<string, Document>();
    for (const a of c.agents) if (ok(a) && (a.status === 'active' || a.status === 'busy')) liveAgents.set(idOf(a), a);
    for (const conv of c.conversations) {
      if (!ok(conv) || conv.status !== 'active' || !liveAgents.has(conv.agentId as string)) continue;
      this.conversations.push({ doc: conv, price: this.rng.float(0.5, 10, 2) / 1e6 });
    }
    for (const d of c.deployments) {
      if (!ok(d) || d.status !== 'running') continue;
      this.deploymentsLive.push({
        _id: d._id as ObjectId,
        rate: this.rng.float(0.05, 2, 2),
        tokensPerRequest: this.rng.int(200, 1500),
        pricePerToken: (d.resourceId ? this.rng.float(0.1, 0.6, 2) : this.rng.float(2.5, 15, 2)) / 1e6,
      });
    }
    for (const e of c.executions) {
      if (!ok(e) || e.status !== 'running') continue;
      // an execution already past its timeoutAt stays stuck (the "stuck execution" case)
      const timeoutAt = (e.timeoutAt as Date | undefined)?.getTime();
      if (timeoutAt !== undefined && timeoutAt <= this.clock) continue;
      let plannedEnd = this.clock + this.rng.int(20, 15 * 60) * SEC;
      if (timeoutAt !== undefined) plannedEnd = Math.max(this.clock + SEC, Math.min(plannedEnd, timeoutAt - SEC));
      this.running.push({ doc: e, plannedEnd, fail: this.rng.chance(0.2) });
    }
  }

  get now(): Date {
    return new Date(this.clock);
  }

  async advance(db: Db, seconds: number): Promise<AdvanceResult> {
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError('seconds must be a positive number');
    const rng = this.rng;
    const from = this.clock;
    const windowMs = Math.max(1, Math.round(seconds * 1000));
    const to = from + windowMs;
    const inWindow = (offsetMax: number): number =>
      from + 1 + rng.int(0, Math.max(0, Math.min(offsetMax, windowMs - 1)));

    // --- heartbeats
    const nodeOps: AnyBulkWriteOperation<Document>[] = [];
    for (const n of this.nodes) {
      const hb = Math.max(from + 1, to - rng.int(0, Math.min(5000, windowMs - 1)));
      n.cpuUsage = round(clamp(n.cpuUsage + rng.float(-5, 5), 0, 100), 1);
      n.ramUsage = round(clamp(n.ramUsage + rng.float(-3, 3), 0, 100), 1);
      n.uptimeSeconds += Math.round(seconds);
      nodeOps.push({
        updateOne: {
          filter: { _id: n._id },
          update: {
            $set: {
              lastHeartbeat: new Date(hb),
              lastSeenAt: new Date(hb),
              cpuUsage: n.cpuUsage,
              ramUsage: n.ramUsage,
              uptimeSeconds: n.uptimeSeconds,
              updatedAt: new Date(hb),
            },
          },
        },
      });
    }

    // --- messages: user + assistant pairs
    const messages: Document[] = [];
    const convDelta = new Map<
      string,
      { conv: Document; messages: number; tokens: number; cost: number; last: number }
    >();
    if (this.conversations.length > 0 && windowMs >= 2) {
      const pairs = Math.min(1000, Math.max(1, Math.round(seconds / 15)));
      for (let p = 0; p < pairs; p++) {
        const lc = rng.pick(this.conversations);
        const conv = lc.doc;
        const latency = Math.min(
          Math.round(Math.exp(rng.float(Math.log(250), Math.log(30000), 4))),
          Math.max(1, Math.floor(windowMs / 2)),
        );
        const userAt = inWindow(windowMs - 1 - latency);
        const asstAt = Math.min(to, userAt + latency);
        const orgId = orgOf(conv);
        const ownerDoc: Document = orgId === '' ? { orgId: '' } : { ...(conv.owner as Document) };
        const mk = (at: number, role: string, type: string, status: string, extra: Document): Document => ({
          _id: this.ids.next(at),
          conversationId: idOf(conv),
          participantId: role === 'user' ? ((conv.owner as Document).userId ?? 'anonymous') : conv.agentId,
          role,
          content: role === 'user' ? 'New question' : extra.error ? '' : 'Answer',
          type,
          status,
          ...extra,
          owner: ownerDoc,
          isDeleted: false,
          createdAt: new Date(at),
          updatedAt: new Date(at),
          deletedAt: null,
          metadata: { live: true },
        });
        const user = mk(userAt, 'user', 'text', 'delivered', {});
        const failed = rng.chance(0.1);
        let asst: Document;
        let tokens = 0;
        if (failed) {
          asst = mk(asstAt, 'assistant', 'error', 'failed', { latency, error: 'upstream timeout' });
        } else {
          const promptTokens = rng.int(50, 4000);
          const completionTokens = rng.int(10, 1500);
          tokens = promptTokens + completionTokens;
          asst = mk(asstAt, 'assistant', 'text', 'delivered', {
            latency,
            usage: { promptTokens, completionTokens, totalTokens: tokens },
          });
        }
        messages.push(user, asst);
        const key = idOf(conv);
        const delta = convDelta.get(key) ?? { conv, messages: 0, tokens: 0, cost: 0, last: from };
        delta.messages += 2;
        delta.tokens += tokens;
        delta.cost += tokens * lc.price;
        delta.last = Math.max(delta.last, asstAt);
        convDelta.set(key, delta);
      }
    }

    // --- executions: finish due ones (pre-existing running ones only), then create new ones
    const executionsFinished: Document[] = [];
    const stillRunning: RunningExecution[] = [];
    for (const r of this.running) {
      if (r.plannedEnd > to) {
        stillRunning.push(r);
        continue;
      }
      const end = Math.max(from + 1, Math.min(to, r.plannedEnd));
      executionsFinished.push(this.finish(r, end));
    }
    const executionsCreated: Document[] = [];
    const nNew = this.execNodeIds.length > 0 ? Math.min(200, Math.max(1, Math.round(seconds / 120))) : 0;
    for (let k = 0; k < nNew; k++) {
      const doc = this.newExecution(inWindow(windowMs - 1));
      executionsCreated.push(doc);
      stillRunning.push({
        doc,
        plannedEnd: (doc.startedAt as Date).getTime() + rng.int(30, 20 * 60) * SEC,
        fail: rng.chance(0.2),
      });
    }
    this.running = stillRunning;

    // --- deployments' cumulative counters
    const deploymentDeltas: AdvanceResult['deployments'] = [];
    for (const d of this.deploymentsLive) {
      const requestCount = Math.round(d.rate * seconds);
      if (requestCount === 0) continue;
      const totalTokens = requestCount * d.tokensPerRequest;
      const totalCost = round(totalTokens * d.pricePerToken, 4);
      deploymentDeltas.push({ _id: d._id, requestCount, totalTokens, totalCost });
    }

    // --- writes
    if (nodeOps.length > 0) await db.collection('nodes').bulkWrite(nodeOps, { ordered: false });
    if (messages.length > 0) await db.collection('messages').insertMany(messages, { ordered: false });
    if (convDelta.size > 0) {
      await db.collection('conversations').bulkWrite(
        [...convDelta.values()].map((c) => ({
          updateOne: {
            filter: { _id: c.conv._id as ObjectId },
            update: {
              $inc: { totalMessages: c.messages, totalTokens: c.tokens, totalCost: round(c.cost, 6) },
              $set: { updatedAt: new Date(c.last) },
            },
          },
        })),
        { ordered: false },
      );
    }
    if (executionsCreated.length > 0)
      await db.collection('executions').insertMany(executionsCreated, { ordered: false });
    if (executionsFinished.length > 0) {
      await db.collection('executions').bulkWrite(
        executionsFinished.map((e) => ({ replaceOne: { filter: { _id: e._id as ObjectId }, replacement: e } })),
        { ordered: false },
      );
    }
    if (deploymentDeltas.length > 0) {
      await db.collection('deployments').bulkWrite(
        deploymentDeltas.map((d) => ({
          updateOne: {
            filter: { _id: d._id },
            update: {
              $inc: { requestCount: d.requestCount, totalTokens: d.totalTokens, totalCost: d.totalCost },
              $set: { lastHealthCheck: new Date(to), updatedAt: new Date(to) },
            },
          },
        })),
        { ordered: false },
      );
    }

    this.clock = to;
    return {
      now: new Date(to),
      messages,
      executionsCreated,
      executionsFinished,
      heartbeats: nodeOps.length,
      deployments: deploymentDeltas,
    };
  }

  private finish(r: RunningExecution, end: number): Document {
    const old = r.doc;
    const steps = ((old.steps as Document[] | undefined) ?? []).map((s) => ({ ...s }));
    const failAt = r.fail
      ? Math.max(
          0,
          steps.findIndex((s) => s.status === 'running' || s.status === 'pending'),
        )
      : -1;
    steps.forEach((s, i) => {
      if (s.status === 'completed' || s.status === 'skipped') return;
      if (failAt >= 0 && i > failAt) {
        s.status = 'skipped';
        return;
      }
      s.startedAt ??= new Date(end);
      s.completedAt = new Date(end);
      if (i === failAt) {
        s.status = 'failed';
        s.error = { code: 'STEP_FAILED', message: `${String(s.name)} failed` };
      } else {
        s.status = 'completed';
        s.progress = 100;
      }
    });
    const doc: Document = { ...old, steps, completedAt: new Date(end), updatedAt: new Date(end) };
    if (failAt >= 0) {
      doc.status = 'failed';
      const err: Document = {
        code: 'STEP_FAILED',
        message: `${String(steps[failAt]?.name ?? 'step')} failed`,
        stepIndex: failAt,
      };
      if (old.nodeId) err.nodeId = old.nodeId;
      doc.error = err;
    } else {
      doc.status = 'completed';
      doc.progress = 100;
    }
    return doc;
  }

  private newExecution(at: number): Document {
    const rng = this.rng;
    const category = rng.pick(FLEET_ENUMS['executions.category']);
    const type = rng.pick(EXEC_TYPES[category] ?? ['cleanup']);
    const names = EXEC_STEPS[type] ?? ['Run'];
    const { nodeId, orgId } = rng.pick(this.execNodeIds);
    const timeoutSeconds = execTimeoutSeconds(category);
    const steps: Document[] = names.map((name, index) => {
      const s: Document = {
        index,
        name,
        status: index === 0 ? 'running' : 'pending',
        progress: index === 0 ? rng.int(0, 50) : 0,
        dependsOn: index > 0 ? [index - 1] : [],
        optional: false,
        nodeId,
      };
      if (index === 0) s.startedAt = new Date(at);
      return s;
    });
    this.execSerial++;
    return {
      _id: this.ids.next(at),
      executionId: rng.uuid(),
      name: `${type} live-${this.execSerial}`,
      description: `${category} workflow`,
      category,
      type,
      status: 'running',
      progress: Math.round(((steps[0]?.progress as number) ?? 0) / names.length),
      childExecutionIds: [],
      steps,
      nodeId,
      involvedNodeIds: [nodeId],
      startedAt: new Date(at),
      timeoutSeconds,
      timeoutAt: new Date(at + timeoutSeconds * 1000),
      retryCount: 0,
      maxRetries: 3,
      retryAttempts: [],
      sentMessageIds: [],
      receivedMessageIds: [],
      owner: { orgId },
      isDeleted: false,
      createdAt: new Date(at),
      updatedAt: new Date(at),
      deletedAt: null,
      metadata: { live: true },
    };
  }
}
