import { Type, type Static } from '@sinclair/typebox';
import type { Frozen } from './frozen.js';
import { SCAN_FAILED, UNREADABLE_CONTENT } from './detect-sensitive.js';
import { normaliseUnicode } from './detect/normalise.js';
import { estimateChatInputTokens, estimateTextTokens } from './estimate-tokens.js';
import type { ChatCompletionRequest, EmbeddingsRequest } from './request-schema.js';
import type { Tenant } from './routing-config.js';

const Pico = Type.BigInt({ minimum: 0n });

/** The tenant's spend (settled + reserved) in the current UTC day and month, pico-dollars. */
export const SpendSnapshotSchema = Type.Object({ dailyPico: Pico, monthlyPico: Pico });
export type SpendSnapshot = Static<typeof SpendSnapshotSchema>;
export const NO_SPEND: SpendSnapshot = Object.freeze({ dailyPico: 0n, monthlyPico: 0n });

/**
 * A virtual key's own budget, held as well as its tenant's: its limits and its spend in the same windows. The
 * planner judges the request on whichever leaves less.
 */
export const KeyBudgetFactsSchema = Type.Object({
  key: Type.String(),
  dailyPico: Type.Optional(Pico),
  monthlyPico: Type.Optional(Pico),
  spend: SpendSnapshotSchema,
});
export type KeyBudgetFacts = Static<typeof KeyBudgetFactsSchema>;

/**
 * One request as the planner sees it: what was asked, by whom, when, and how much the tenant has spent.
 * The gateway, `/v1/route/explain`, `switchyard explain` and the scenario harness all build this.
 */
export const RequestFactsSchema = Type.Object({
  tenant: Type.String(),
  /** The public model name asked for. */
  model: Type.String(),
  endpoint: Type.Union([Type.Literal('chat'), Type.Literal('embeddings')]),
  /** Tags the caller sent; the tenant's default tags are added by the planner. */
  tags: Type.Array(Type.String()),
  /** What the detector (and an external analyzer) found in the request: kinds, made tags by the config. */
  detected: Type.Optional(Type.Array(Type.String())),
  inputTokens: Type.Integer({ minimum: 0 }),
  maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1 })),
  /** How many answers are asked for (`n`): each is billed its output; 1 when absent. */
  choices: Type.Optional(Type.Integer({ minimum: 1 })),
  stream: Type.Boolean(),
  /** Overrides the tenant's default SLO. */
  sloMs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** The time of the request, epoch ms (the planner reads no clock). */
  nowMs: Type.Number(),
  /** Models the caller named to fall back to, in order (the body's `models`, without `model` itself). */
  fallbacks: Type.Optional(Type.Array(Type.String())),
  /** Where a `weighted` choice among equal routes draws from; the gateway passes a random one per request. */
  seed: Type.Optional(Type.Integer({ minimum: 0 })),
  spend: SpendSnapshotSchema,
  /** The budget of the virtual key the request came with, when that key has one. */
  keyBudget: Type.Optional(KeyBudgetFactsSchema),
});
export type RequestFacts = Frozen<Static<typeof RequestFactsSchema>>;

/** What a caller says about a request besides its body: headers on the gateway, flags on the CLI. */
export interface CallerHints {
  readonly tags: readonly string[];
  readonly sloMs?: number;
}

/**
 * `"phi, internal"` or `"PHI internal"` → `['internal', 'phi']`: commas or whitespace between tags, any case,
 * Unicode normalised (NFKC: a full-width `ｐｈｉ` is `phi`) and zero-width characters removed. Whether each
 * tag means anything is the caller's check (`RoutingConfig.knownTags`).
 */
export function parseTagList(value: string | undefined): string[] {
  if (!value) return [];
  // Zero-width characters are invisible: a tag that holds one would look right and match nothing.
  const words = normaliseUnicode(value)
    .toLowerCase()
    .split(/[\s,]+/);
  return [...new Set(words.filter((t) => t.length > 0))].sort();
}

/**
 * A request in the gateway's own (OpenAI) shape, whichever format the caller spoke, with the caller's body as
 * it arrived (`sent`). Every route is sent that body as it is or a translation of it, so `sent` is what the
 * detector reads: whatever leaves, as sent or translated, has been read.
 */
export type CanonicalRequest =
  | { readonly endpoint: 'chat'; readonly body: ChatCompletionRequest; readonly sent: unknown }
  | { readonly endpoint: 'embeddings'; readonly body: EmbeddingsRequest; readonly sent: unknown };

/** What else goes into the facts: an analyzer's findings, the detector's, the seed, a virtual key's budget. */
export interface FactOptions {
  readonly external?: readonly string[];
  /** Where a `weighted` choice among equal routes draws from. */
  readonly seed?: number;
  /** The request's virtual key's budget and spend, when it has one. */
  readonly keyBudget?: KeyBudgetFacts;
  /**
   * What the detector found in `sent` (`detectInBody`, which the caller awaits: its secret rules are asynchronous),
   * for a tenant that auto-tags. Missing for such a tenant, the request is taken as unscanned: the top level.
   */
  readonly scanned?: readonly string[];
}

/** What the detector finds in the request when the tenant opted in, with what an analyzer found already. */
function detected(
  tenant: Tenant,
  { external = [], scanned = [SCAN_FAILED] }: FactOptions,
  unreadable: boolean,
): { detected?: string[] } {
  if (!tenant.autoTag && external.length === 0) return {};
  const kinds = new Set(external);
  if (tenant.autoTag) {
    for (const kind of scanned) kinds.add(kind);
    if (unreadable) kinds.add(UNREADABLE_CONTENT);
  }
  return kinds.size > 0 ? { detected: [...kinds].sort() } : {};
}

function embeddingTexts(input: EmbeddingsRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  return input.filter((x): x is string => typeof x === 'string');
}

/** Token ids in one embeddings input: a list of them, or one id. */
const tokenIdCount = (x: unknown) => (Array.isArray(x) ? x.length : typeof x === 'number' ? 1 : 0);

/**
 * The facts of one request, in one step, for every caller of the planner — so `/v1/route/explain`,
 * `switchyard explain` and the real request always plan from the same facts, budget included.
 *
 * @example
 * buildFacts({ endpoint: 'chat', body, sent: body }, tenant, { tags: ['phi'] }, ledgerSnapshot, clock.now())
 */
export function buildFacts(
  request: CanonicalRequest,
  tenant: Tenant,
  hints: CallerHints,
  spend: SpendSnapshot,
  nowMs: number,
  options: FactOptions = {},
): RequestFacts {
  const slo = {
    ...(hints.sloMs === undefined ? {} : { sloMs: hints.sloMs }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.keyBudget === undefined ? {} : { keyBudget: options.keyBudget }),
  };
  if (request.endpoint === 'embeddings') {
    const { input } = request.body;
    const texts = embeddingTexts(input);
    const tokenIds = Array.isArray(input) ? input.reduce<number>((n, x) => n + tokenIdCount(x), 0) : 0;
    return {
      tenant: tenant.id,
      model: request.body.model,
      endpoint: 'embeddings',
      tags: hints.tags,
      // Token ids are text the detector cannot read: an upstream decodes them.
      ...detected(tenant, options, tokenIds > 0),
      inputTokens: texts.reduce((n, t) => n + estimateTextTokens(t), tokenIds),
      stream: false,
      nowMs,
      spend,
      ...slo,
    };
  }
  const body = request.body;
  const limit = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  return {
    tenant: tenant.id,
    model: body.model,
    endpoint: 'chat',
    tags: hints.tags,
    ...detected(tenant, options, false),
    inputTokens: estimateChatInputTokens(body),
    stream: body.stream === true,
    nowMs,
    spend,
    ...(limit === undefined ? {} : { maxOutputTokens: limit }),
    ...(typeof body.n === 'number' && body.n > 1 ? { choices: body.n } : {}),
    ...(Array.isArray(body.models) ? { fallbacks: body.models.filter((m) => m !== body.model) } : {}),
    ...slo,
  };
}
