import { detectSensitiveTags } from '../engine/detect-sensitive.js';
import { estimateMessagesTokens, estimateTextTokens, messageTexts } from '../engine/estimate-tokens.js';
import type { PlanRequest } from '../engine/planner.js';
import type { Tenant } from '../engine/routing-config.js';
import type { ChatCompletionRequest, EmbeddingsRequest } from './openai-schema.js';

/** What a caller says about a request besides its body: headers on the gateway, flags on the CLI. */
export interface CallerHints {
  readonly tags: readonly string[];
  readonly sloMs?: number;
}

/** `"phi, internal"` → `['internal', 'phi']`; empty parts dropped. */
export function parseTagList(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0))].sort();
}

/** Tags for a request: the caller's, plus the detector's when the tenant opted in. */
function requestTags(tenant: Tenant, hints: CallerHints, texts: () => Iterable<string>): string[] {
  if (!tenant.autoTag) return [...hints.tags];
  return [...new Set([...hints.tags, ...detectSensitiveTags(texts())])];
}

export function planChatRequest(body: ChatCompletionRequest, tenant: Tenant, hints: CallerHints, nowMs: number): PlanRequest {
  const limit = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  return {
    tenant: tenant.id,
    model: body.model,
    endpoint: 'chat',
    tags: requestTags(tenant, hints, () => messageTexts(body.messages)),
    inputTokens: estimateMessagesTokens(body.messages),
    stream: body.stream === true,
    nowMs,
    ...(limit === undefined ? {} : { maxOutputTokens: limit }),
    ...(hints.sloMs === undefined ? {} : { sloMs: hints.sloMs }),
  };
}

function embeddingTexts(input: EmbeddingsRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  return input.filter((x): x is string => typeof x === 'string');
}

export function planEmbeddingsRequest(body: EmbeddingsRequest, tenant: Tenant, hints: CallerHints, nowMs: number): PlanRequest {
  const texts = embeddingTexts(body.input);
  const tokenIds = Array.isArray(body.input) ? body.input.reduce<number>((n, x) => n + (Array.isArray(x) ? x.length : typeof x === 'number' ? 1 : 0), 0) : 0;
  return {
    tenant: tenant.id,
    model: body.model,
    endpoint: 'embeddings',
    tags: requestTags(tenant, hints, () => texts),
    inputTokens: texts.reduce((n, t) => n + estimateTextTokens(t), tokenIds),
    stream: false,
    nowMs,
    ...(hints.sloMs === undefined ? {} : { sloMs: hints.sloMs }),
  };
}
