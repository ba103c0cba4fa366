import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { RouteKind } from './config-schema.js';

/**
 * A policy file (`policies/*.rules.json`) holds json-rules-engine rules: `{conditions, event:{type, params},
 * priority, name}`. The conditions are checked by the rule compiler, which knows the facts and operators;
 * the events the planner understands, and their params, are declared here.
 */

const Names = Type.Array(Type.String({ minLength: 1 }), { minItems: 1 });
const RouteSelector = Type.Object(
  { kinds: Type.Optional(Type.Array(RouteKind, { minItems: 1 })), routes: Type.Optional(Names) },
  { additionalProperties: false },
);
export type RouteSelector = Static<typeof RouteSelector>;

export const EVENT_PARAMS = {
  /** Only routes matching the selector stay candidates. */
  require: RouteSelector,
  /** Routes matching the selector are removed. */
  exclude: RouteSelector,
  /** Routes matching the selector rank ahead of the others (cost still orders each group). */
  prefer: RouteSelector,
  /** Send this model instead of the one asked for. */
  'set-model': Type.Object({ model: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  /** Refuse the request with this code and message (HTTP 403). */
  deny: Type.Object(
    { code: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), message: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
  /** Add tags; the sensitivity they need can only raise the request's level. */
  'add-tags': Type.Object({ tags: Names }, { additionalProperties: false }),
} satisfies Record<string, TSchema>;

export type PolicyEventType = keyof typeof EVENT_PARAMS;
export type PolicyEvent = {
  [K in PolicyEventType]: { type: K; params: Static<(typeof EVENT_PARAMS)[K]> };
}[PolicyEventType];

export const RuleSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  priority: Type.Optional(Type.Integer({ minimum: 1 })),
  conditions: Type.Record(Type.String(), Type.Unknown()),
  event: Type.Object({ type: Type.String(), params: Type.Optional(Type.Unknown()) }),
});
export type RuleDefinition = Static<typeof RuleSchema>;

export const PolicyFileSchema = Type.Object({
  description: Type.Optional(Type.String()),
  rules: Type.Array(RuleSchema),
});
export type PolicyFile = Static<typeof PolicyFileSchema>;
