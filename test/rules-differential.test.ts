import fc from 'fast-check';
import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { buildPolicy, compilePolicyFile, evaluatePolicy } from '../src/engine/compile-rules.js';
import { factsArb, rulesArb } from './helpers/rule-arbitraries.js';

// The compiled evaluator must fire exactly the rules json-rules-engine's Engine.run fires, on the same
// rules and facts. Random rule sets × random facts, both ways.
async function referenceFired(rules: object[], facts: object): Promise<string[]> {
  const engine = new Engine(structuredClone(rules) as never[], { allowUndefinedFacts: true });
  const { results } = await engine.run({ ...facts });
  return results.map((r) => String(r.name)).sort();
}

describe('compiled rules agree with json-rules-engine', () => {
  it('on random rules and facts', async () => {
    await fc.assert(
      fc.asyncProperty(
        rulesArb(['a', 'b'], 8),
        fc.array(factsArb, { minLength: 1, maxLength: 8 }),
        async (rules, factsList) => {
          const policy = buildPolicy(compilePolicyFile({ rules }, 'random'));
          for (const facts of factsList) {
            const ours = evaluatePolicy(policy, facts)
              .map((r) => r.name)
              .sort();
            expect(ours).toEqual(await referenceFired(rules, facts));
          }
        },
      ),
      { numRuns: 300, seed: 20261126 },
    );
  });

  it('on the shipped default policy', async () => {
    const { readFile } = await import('node:fs/promises');
    const file = JSON.parse(await readFile(new URL('../policies/default.rules.json', import.meta.url), 'utf8')) as {
      rules: object[];
    };
    const policy = buildPolicy(compilePolicyFile(file, 'default'));
    await fc.assert(
      fc.asyncProperty(factsArb, async (facts) => {
        expect(
          evaluatePolicy(policy, facts)
            .map((r) => r.name)
            .sort(),
        ).toEqual(await referenceFired(file.rules, facts));
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('policy compile errors name the place', () => {
  const compile = (rules: unknown[]) => () => compilePolicyFile({ rules }, 'p.rules.json');
  const rule = (conditions: unknown, event: unknown = { type: 'prefer', params: { kinds: ['direct'] } }) => ({
    name: 'r',
    conditions,
    event,
  });

  it.each([
    [
      rule({ all: [{ fact: 'tenat', operator: 'equal', value: 'x' }] }),
      "rules[0].conditions.all[0].fact: unknown fact 'tenat'",
    ],
    [rule({ all: [{ fact: 'tenant', operator: 'equals', value: 'x' }] }), "unknown operator 'equals'"],
    [rule({ all: [{ fact: 'model', operator: 'in', value: 'gpt-5' }] }), "operator 'in' needs an array value"],
    [rule({ all: [{ fact: 'tenant', operator: 'equal' }] }), 'rules[0].conditions.all[0].value: is required'],
    [rule({ any: {} }), '"any" must be an array'],
    [rule({ all: [] }, { type: 'route-to', params: {} }), "unknown event 'route-to'"],
    [rule({ all: [] }, { type: 'deny', params: { code: 'x' } }), 'rules[0].event.params.message: is required'],
    [
      rule({ all: [] }, { type: 'require', params: { kinds: ['cloud'] } }),
      "must be one of 'aggregator', 'direct', 'onprem'",
    ],
  ])('%#', (r, message) => {
    expect(compile([r])).toThrow(message);
  });

  it('rejects two rules with one name', () => {
    const rules = compilePolicyFile({ rules: [rule({ all: [] }), rule({ all: [] })] }, 'p');
    expect(() => buildPolicy(rules)).toThrow("rule name 'r' is also used");
  });
});
