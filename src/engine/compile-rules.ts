import type { SchemaProblem } from './schema-errors.js';
import { SchemaValidator } from './schema-errors.js';
import { EVENT_PARAMS, PolicyFileSchema, type PolicyEvent, type PolicyEventType } from './policy-schema.js';
import { RULE_FACT_NAMES, type RuleFacts } from './rule-facts.js';
import { resolveOperator } from './rule-operators.js';
import { SwitchyardError } from './errors.js';

/**
 * Rules compiled to closures. json-rules-engine's `Engine.run` costs 100–200 µs a request (promises, an
 * almanac, a shared engine whose run status concurrent calls can clobber); a compiled rule is a plain
 * synchronous predicate over a facts object, evaluated the same way (see rule-operators.ts).
 */
export interface CompiledRule {
  readonly name: string;
  readonly priority: number;
  readonly test: (facts: RuleFacts) => boolean;
  readonly event: PolicyEvent;
  /** Where it came from, for messages: `policies/default.rules.json#rules[2]`. */
  readonly source: string;
  /** The tags it tests or adds: tags a caller may send because a rule gives them meaning. */
  readonly tags: readonly string[];
}

/** Compiled rules in evaluation order: priority high to low, then as written. */
export interface CompiledPolicy {
  readonly rules: readonly CompiledRule[];
}

export class PolicyError extends SwitchyardError {
  constructor(readonly problems: readonly SchemaProblem[]) {
    super('invalid_policy', problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

type Predicate = (facts: RuleFacts) => boolean;
const KNOWN_FACTS = new Set<string>(RULE_FACT_NAMES);
const policyFileValidator = new SchemaValidator(PolicyFileSchema);
const eventValidators = Object.fromEntries(
  Object.entries(EVENT_PARAMS).map(([type, schema]) => [type, new SchemaValidator(schema)]),
) as Record<PolicyEventType, SchemaValidator<(typeof EVENT_PARAMS)[PolicyEventType]>>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compileCondition(node: unknown, path: string, problems: SchemaProblem[]): Predicate {
  const never: Predicate = () => false;
  if (!isObject(node)) {
    problems.push({ path, message: 'a condition must be an object' });
    return never;
  }
  for (const op of ['all', 'any'] as const) {
    if (op in node) {
      const list = node[op];
      if (!Array.isArray(list)) {
        problems.push({ path: `${path}.${op}`, message: `"${op}" must be an array` });
        return never;
      }
      const parts = list.map((c, i) => compileCondition(c, `${path}.${op}[${i}]`, problems));
      // json-rules-engine holds an empty list true for "any" as well as "all" (rule.js, prioritizeAndRun).
      if (parts.length === 0) return () => true;
      return op === 'all' ? (f) => parts.every((p) => p(f)) : (f) => parts.some((p) => p(f));
    }
  }
  if ('not' in node) {
    if (Array.isArray(node.not)) {
      problems.push({ path: `${path}.not`, message: '"not" takes one condition, not an array' });
      return never;
    }
    const inner = compileCondition(node.not, `${path}.not`, problems);
    return (f) => !inner(f);
  }
  if ('condition' in node) {
    problems.push({
      path: `${path}.condition`,
      message: 'shared condition references are not supported; write the condition inline',
    });
    return never;
  }
  return compileLeaf(node, path, problems);
}

function compileLeaf(node: Record<string, unknown>, path: string, problems: SchemaProblem[]): Predicate {
  const never: Predicate = () => false;
  const { fact, operator, value } = node;
  const before = problems.length;
  if (typeof fact !== 'string') problems.push({ path: `${path}.fact`, message: 'is required (a fact name)' });
  else if (!KNOWN_FACTS.has(fact))
    problems.push({ path: `${path}.fact`, message: `unknown fact '${fact}' (known: ${RULE_FACT_NAMES.join(', ')})` });
  if (typeof operator !== 'string') problems.push({ path: `${path}.operator`, message: 'is required' });
  if (!('value' in node)) problems.push({ path: `${path}.value`, message: 'is required' });
  if ('path' in node || 'params' in node) {
    problems.push({ path, message: 'fact "path" and "params" are not supported: every fact is a plain value' });
  }
  const valueFact = isObject(value) && 'fact' in value ? value.fact : undefined;
  if (valueFact !== undefined && (typeof valueFact !== 'string' || !KNOWN_FACTS.has(valueFact))) {
    problems.push({ path: `${path}.value.fact`, message: `unknown fact '${String(valueFact)}'` });
  }
  if (problems.length > before) return never;

  const compare = resolveOperator(operator as string, value, valueFact !== undefined);
  if (typeof compare === 'string') {
    problems.push({ path: `${path}.operator`, message: compare });
    return never;
  }
  const name = fact as keyof RuleFacts;
  if (valueFact !== undefined) {
    const other = valueFact as keyof RuleFacts;
    return (f) => compare(f[name], f[other]);
  }
  return (f) => compare(f[name], value);
}

/** Tag values in a condition tree's leaves on the `tags` fact. */
function tagsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) tagsIn(n, out);
  else if (isObject(node)) {
    if (node.fact === 'tags') for (const v of [node.value].flat()) if (typeof v === 'string') out.push(v);
    for (const key of ['all', 'any', 'not']) if (key in node) tagsIn(node[key], out);
  }
  return out;
}

/**
 * Compiles the rules of one policy file (already parsed JSON). Every problem is collected, with its path
 * under `source`, before a `PolicyError` is thrown: a typo in a fact name fails the load, not a request.
 */
export function compilePolicyFile(json: unknown, source: string): CompiledRule[] {
  const problems = policyFileValidator
    .problems(json)
    .map((p) => ({ path: `${source}: ${p.path}`, message: p.message }));
  if (problems.length > 0) throw new PolicyError(problems);
  const file = json as {
    rules: { name: string; priority?: number; conditions: unknown; event: { type: string; params?: unknown } }[];
  };
  const compiled: CompiledRule[] = [];
  const found: SchemaProblem[] = [];
  file.rules.forEach((rule, i) => {
    const at = `${source}: rules[${i}]`;
    const conditions = rule.conditions as Record<string, unknown>;
    const roots = ['all', 'any', 'not', 'condition'].filter((k) => k in conditions);
    if (roots.length !== 1) {
      found.push({ path: `${at}.conditions`, message: 'must hold exactly one of "all", "any", "not"' });
    }
    const test = compileCondition(conditions, `${at}.conditions`, found);
    const type = rule.event.type as PolicyEventType;
    const validator = eventValidators[type];
    if (!validator) {
      found.push({
        path: `${at}.event.type`,
        message: `unknown event '${rule.event.type}' (known: ${Object.keys(EVENT_PARAMS).join(', ')})`,
      });
      return;
    }
    const params = rule.event.params ?? {};
    for (const p of validator.problems(params))
      found.push({ path: `${at}.event.params${p.path === '(root)' ? '' : `.${p.path}`}`, message: p.message });
    const added = type === 'add-tags' ? (params as { tags: string[] }).tags : [];
    compiled.push({
      name: rule.name,
      priority: rule.priority ?? 1,
      test,
      event: { type, params } as PolicyEvent,
      source: `${source}#rules[${i}]`,
      tags: [...tagsIn(conditions), ...added],
    });
  });
  if (found.length > 0) throw new PolicyError(found);
  return compiled;
}

/** Orders the rules of all files for evaluation and checks that rule names are unique across them. */
export function buildPolicy(rules: readonly CompiledRule[]): CompiledPolicy {
  const seen = new Map<string, string>();
  const problems: SchemaProblem[] = [];
  for (const rule of rules) {
    const other = seen.get(rule.name);
    if (other) problems.push({ path: rule.source, message: `rule name '${rule.name}' is also used by ${other}` });
    seen.set(rule.name, rule.source);
  }
  if (problems.length > 0) throw new PolicyError(problems);
  const ordered = rules.map((rule, index) => ({ rule, index }));
  ordered.sort((a, b) => b.rule.priority - a.rule.priority || a.index - b.index);
  return Object.freeze({ rules: Object.freeze(ordered.map((o) => o.rule)) });
}

/** The rules whose conditions hold for these facts, in evaluation order. */
export function evaluatePolicy(policy: CompiledPolicy, facts: RuleFacts): CompiledRule[] {
  const fired: CompiledRule[] = [];
  for (const rule of policy.rules) if (rule.test(facts)) fired.push(rule);
  return fired;
}
