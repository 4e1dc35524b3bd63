/**
 * Models: the first twelve cover every status, type, deployment type and framework (MODEL_PLANS),
 * the rest are drawn by weight. Self-hosted models sit on a GPU node; api-based ones carry a
 * (fake) API key, which the exporter must never expose.
 */
import type { Document } from 'mongodb';
import {
  deletedCount,
  deletedOrg,
  lacksIsDeleted,
  orgAt,
  pickPreferred,
  withBase,
  type BaseOpts,
  type FleetContext,
} from './context.js';
import { DAY } from './rng-ids.js';

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

export interface ModelPlan {
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

export function makeModel(ctx: FleetContext, plan: ModelPlan, orgId: string, extra: Partial<BaseOpts> = {}): Document {
  const { rng, now } = ctx;
  const { gpuNodeDocs, liveNodeDocs } = ctx.made;
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
}

function randomModelPlan(ctx: FleetContext): ModelPlan {
  const { rng } = ctx;
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
}

/** The models piece; duplicate template names get a -2, -3 suffix, soft-deleted ones -old-N. */
export function addModels(ctx: FleetContext): void {
  const { collections, made } = ctx;
  const nModels = ctx.counts.models;
  const seen = new Map<string, number>();
  for (let i = 0; i < nModels; i++) {
    const plan = MODEL_PLANS[i] ?? randomModelPlan(ctx);
    const doc = makeModel(ctx, plan, orgAt(ctx, i, nModels), { noIsDeleted: lacksIsDeleted(i) });
    const k = (seen.get(doc.name) ?? 0) + 1;
    seen.set(doc.name, k);
    if (k > 1) doc.name = `${doc.name}-${k}`;
    made.models.push(doc);
    collections.models.push(doc);
  }
  for (let d = 0; d < deletedCount(nModels); d++) {
    const doc = makeModel(ctx, randomModelPlan(ctx), deletedOrg(ctx, d), { deleted: true });
    doc.name = `${doc.name}-old-${d + 1}`;
    collections.models.push(doc);
  }
  made.selfHostedModels = made.models.filter((m) => m.deploymentType === 'self-hosted');
  made.apiModels = made.models.filter((m) => m.deploymentType === 'api-based');
}
