import fc from 'fast-check';
import type { RuleFacts } from '../../src/engine/rule-facts.js';

/**
 * fast-check generators for json-rules-engine rules over Switchyard's facts, and for the facts themselves.
 * Values come from small pools so that conditions are true about as often as false.
 */

export const TENANTS = ['acme', 'clinic', 'research'];
export const MODELS = ['gpt-5', 'gpt-5-mini', 'claude-sonnet-4-6', 'llama-3.3-70b'];
export const TAGS = ['phi', 'pii', 'finance', 'patient', 'internal'];
export const LEVELS = ['public', 'internal', 'confidential', 'restricted'];

const numberFact = fc.constantFrom('sensitivityRank', 'inputTokens', 'hourUtc', 'dayOfWeek');
const nullableNumberFact = fc.constantFrom(
  'maxOutputTokens',
  'sloMs',
  'budgetDailySpentUsd',
  'budgetDailyRemainingUsd',
  'budgetMonthlySpentUsd',
  'budgetMonthlyRemainingUsd',
);
const smallNumber = fc.oneof(
  fc.integer({ min: 0, max: 24 }),
  fc.constantFrom(0, 1, 2, 100, 1000, 100_000, 150_000, 1.5, 2.5),
);
const comparison = fc.constantFrom(
  'equal',
  'notEqual',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
);
const maybeNot = (op: string) => fc.boolean().map((not) => (not ? `not:${op}` : op));

const stringLeaf = fc.oneof(
  fc.record({
    fact: fc.constant('tenant'),
    operator: fc.constantFrom('equal', 'notEqual').chain(maybeNot),
    value: fc.constantFrom(...TENANTS),
  }),
  fc.record({
    fact: fc.constant('model'),
    operator: fc.constantFrom('in', 'notIn').chain(maybeNot),
    value: fc.subarray(MODELS),
  }),
  fc.record({
    fact: fc.constant('sensitivity'),
    operator: fc.constantFrom('equal', 'notEqual'),
    value: fc.constantFrom(...LEVELS),
  }),
  fc.record({
    fact: fc.constant('endpoint'),
    operator: fc.constant('equal'),
    value: fc.constantFrom('chat', 'embeddings'),
  }),
  fc.record({ fact: fc.constant('stream'), operator: fc.constantFrom('equal', 'notEqual'), value: fc.boolean() }),
);
const numberLeaf = fc.oneof(
  fc.record({
    fact: fc.oneof(numberFact, nullableNumberFact),
    operator: comparison.chain(maybeNot),
    value: smallNumber,
  }),
  fc.record({
    fact: numberFact,
    operator: fc.constantFrom('in', 'notIn'),
    value: fc.array(smallNumber, { maxLength: 4 }),
  }),
  fc.record({
    fact: fc.constant('maxOutputTokens'),
    operator: comparison,
    value: fc.constant({ fact: 'inputTokens' }),
  }),
  fc.record({
    fact: fc.oneof(numberFact, nullableNumberFact),
    operator: fc.constant('someValue:lessThan'),
    value: fc.array(smallNumber, { minLength: 1, maxLength: 3 }),
  }),
);
const tagsLeaf = fc.oneof(
  fc.record({
    fact: fc.constant('tags'),
    operator: fc.constantFrom('contains', 'doesNotContain', 'not:contains'),
    value: fc.constantFrom(...TAGS),
  }),
  fc.record({
    fact: fc.constant('tags'),
    operator: fc.constantFrom('someFact:equal', 'everyFact:notEqual', 'someFact:in'),
    value: fc.constantFrom(...TAGS).map((t) => t),
  }),
  fc.record({ fact: fc.constant('tags'), operator: fc.constant('someFact:in'), value: fc.subarray(TAGS) }),
  fc.record({ fact: fc.constant('tags'), operator: fc.constant('swap:in'), value: fc.constantFrom(...TAGS) }),
  fc.record({ fact: fc.constant('tags'), operator: fc.constant('equal'), value: fc.constantFrom(...TAGS) }),
);
const leaf = fc.oneof(stringLeaf, numberLeaf, tagsLeaf);

export const conditionArb: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ node: Record<string, unknown> }>(
  (tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ any: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ not: tie('node') }),
    ),
  }),
).node;

/** A rule's `conditions` root must be all/any/not. */
export const rootConditionArb = fc.oneof(
  fc.record({ all: fc.array(conditionArb, { minLength: 1, maxLength: 4 }) }),
  fc.record({ any: fc.array(conditionArb, { minLength: 1, maxLength: 4 }) }),
  fc.record({ not: conditionArb }),
);

export function eventArb(routeIds: readonly string[]) {
  const selector = fc.oneof(
    fc.record({ kinds: fc.subarray(['aggregator', 'direct', 'onprem'], { minLength: 1 }) }),
    fc.record({ routes: fc.subarray([...routeIds], { minLength: 1 }) }),
  );
  return fc.oneof(
    fc.record({ type: fc.constantFrom('require', 'exclude', 'prefer'), params: selector }),
    fc.record({ type: fc.constant('set-model'), params: fc.record({ model: fc.constantFrom(...MODELS) }) }),
    fc.record({ type: fc.constant('add-tags'), params: fc.record({ tags: fc.subarray(TAGS, { minLength: 1 }) }) }),
    fc.record({
      type: fc.constant('deny'),
      params: fc.record({ code: fc.constant('denied_by_test'), message: fc.constant('denied') }),
    }),
  );
}

export function rulesArb(routeIds: readonly string[], maxRules = 12, minRules = 0) {
  return fc
    .array(
      fc.record({ priority: fc.integer({ min: 1, max: 5 }), conditions: rootConditionArb, event: eventArb(routeIds) }),
      { minLength: minRules, maxLength: maxRules },
    )
    .map((rules) => rules.map((r, i) => ({ name: `rule-${i}`, ...r })));
}

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

export const factsArb: fc.Arbitrary<RuleFacts> = fc.record({
  tenant: fc.constantFrom(...TENANTS),
  model: fc.constantFrom(...MODELS),
  endpoint: fc.constantFrom('chat' as const, 'embeddings' as const),
  tags: fc.subarray(TAGS),
  sensitivity: fc.constantFrom(...LEVELS),
  sensitivityRank: fc.integer({ min: 0, max: 3 }),
  inputTokens: smallNumber,
  maxOutputTokens: nullable(smallNumber),
  stream: fc.boolean(),
  sloMs: nullable(smallNumber),
  budgetDailySpentUsd: nullable(smallNumber),
  budgetDailyRemainingUsd: nullable(smallNumber),
  budgetMonthlySpentUsd: nullable(smallNumber),
  budgetMonthlyRemainingUsd: nullable(smallNumber),
  hourUtc: fc.integer({ min: 0, max: 23 }),
  dayOfWeek: fc.integer({ min: 0, max: 6 }),
});
