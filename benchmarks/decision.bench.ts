/**
 * How long one routing decision takes: the planner (compiled rules + invariants + budget + SLO + ranking)
 * with the default policy and with a 100-rule policy, beside json-rules-engine's own `Engine.run` on the
 * same rules and facts. Measures the shipped build (`dist/`, run `npm run build` first).
 * Run: `npx tsx benchmarks/decision.bench.ts`
 */
import fc from 'fast-check';
import { Engine } from 'json-rules-engine';
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { loadConfig } from '../dist/config/load-config.js';
import { buildPolicy, compilePolicyFile, evaluatePolicy } from '../dist/engine/compile-rules.js';
import { detectInBody, detectSensitiveKinds } from '../dist/engine/detect-sensitive.js';
import { planRoute } from '../dist/engine/planner.js';
import { NO_SPEND, type RequestFacts } from '../dist/engine/request-facts.js';
import type { RuleFacts } from '../dist/engine/rule-facts.js';
import type { RoutingConfig } from '../dist/engine/routing-config.js';
import { factsArb, rulesArb } from '../test/helpers/rule-arbitraries.js';

const root = new URL('../', import.meta.url);
const { routing } = await loadConfig(new URL('switchyard.example.yaml', root).pathname);
const defaultRules = (
  JSON.parse(readFileSync(new URL('policies/default.rules.json', root), 'utf8')) as { rules: object[] }
).rules;
// 100 random rules over the same facts, fixed by the seed (the generator the differential test uses).
const hundredRules = fc.sample(
  rulesArb(
    routing.routes.map((r) => r.id),
    100,
    100,
  ),
  { seed: 100, numRuns: 1 },
)[0] as object[];
const routing100: RoutingConfig = {
  ...routing,
  policy: buildPolicy(compilePolicyFile({ rules: hundredRules }, 'bench-100')),
};

// A rotating mix of requests, so branch predictors and caches see realistic variety.
const NOON = Date.parse('2026-11-26T12:00:00Z');
const requests: RequestFacts[] = [
  {
    tenant: 'acme',
    model: 'gpt-5',
    endpoint: 'chat',
    tags: [],
    inputTokens: 1200,
    maxOutputTokens: 600,
    stream: false,
    nowMs: NOON,
    spend: NO_SPEND,
  },
  {
    tenant: 'acme',
    model: 'claude-sonnet-4-6',
    endpoint: 'chat',
    tags: ['finance'],
    inputTokens: 4000,
    stream: true,
    sloMs: 900,
    nowMs: NOON,
    spend: NO_SPEND,
  },
  {
    tenant: 'clinic',
    model: 'gpt-5',
    endpoint: 'chat',
    tags: [],
    inputTokens: 800,
    stream: true,
    nowMs: NOON,
    spend: NO_SPEND,
  },
  {
    tenant: 'research',
    model: 'gpt-5-mini',
    endpoint: 'chat',
    tags: [],
    inputTokens: 300,
    maxOutputTokens: 200,
    stream: false,
    nowMs: NOON,
    spend: { dailyPico: 10n ** 12n, monthlyPico: 10n ** 12n },
  },
];
const facts: RuleFacts[] = fc.sample(factsArb, { seed: 7, numRuns: 64 });

// The detector per KB of prompt: a 4 KB clinical-style prompt (realistic) and 50 KB crafted inputs.
const PROMPT_4K =
  'Summarise the visit: the patient reported mild headaches for two weeks, no fever, normal appetite. Blood pressure was within range and the plan is to review in a month. '
    .repeat(26)
    .slice(0, 4096);
// The whole-body scan a request of an auto-tagged tenant takes (issue 33): every key and value, two reads.
// A 4 KB chat body (messages and a tool) and a 64 KB one with a long history, metadata and an unknown field.
const turn = (i: number) => [
  { role: 'user', content: [{ type: 'text', text: PROMPT_4K.slice(0, 900) }] },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'lookup', arguments: '{"q":"visit notes"}' } }],
  },
  { role: 'tool', tool_call_id: `call_${i}`, content: PROMPT_4K.slice(0, 1000) },
];
const tool = {
  type: 'function',
  function: {
    name: 'lookup',
    description: 'Finds notes',
    parameters: { type: 'object', properties: { q: { type: 'string' } } },
  },
};
const BODY_4K = {
  model: 'gpt-5',
  messages: [...turn(0), { role: 'user', content: PROMPT_4K.slice(0, 1800) }],
  tools: [tool],
};
const BODY_64K = {
  model: 'gpt-5',
  messages: Array.from({ length: 28 }, (_, i) => turn(i)).flat(),
  tools: [tool],
  metadata: { team: 'care', ticket: 'T-1' },
  x_trace: { span: 'abc' },
};
const kbOf = (body: unknown) => JSON.stringify(body).length / 1024;
const CRAFTED: Record<string, string> = {
  'crafted: one long word': 'a'.repeat(51_200),
  'crafted: digits and spaces': '1 '.repeat(25_600),
  'crafted: almost an email': `${'a.'.repeat(25_600)}@`,
};

function engineFor(rules: object[]): Engine {
  return new Engine(structuredClone(rules) as never[], { allowUndefinedFacts: true });
}

export async function run(): Promise<{ lines: string[]; results: Record<string, number> }> {
  let i = 0;
  const bench = new Bench({ time: 1500, warmup: true });
  const defaultEngine = engineFor(defaultRules);
  const engine100 = engineFor(hundredRules);
  bench
    .add('planRoute, default policy', () => void planRoute(requests[i++ & 3]!, routing))
    .add('planRoute, 100-rule policy', () => void planRoute(requests[i++ & 3]!, routing100))
    .add('compiled rules only, default policy', () => void evaluatePolicy(routing.policy, facts[i++ & 63]!))
    .add(
      'json-rules-engine Engine.run, default policy',
      async () => void (await defaultEngine.run({ ...facts[i++ & 63]! })),
    )
    .add('compiled rules only, 100 rules', () => void evaluatePolicy(routing100.policy, facts[i++ & 63]!))
    .add('json-rules-engine Engine.run, 100 rules', async () => void (await engine100.run({ ...facts[i++ & 63]! })))
    .add('detector, 4 KB prompt', async () => void (await detectSensitiveKinds([PROMPT_4K])))
    .add('whole-body scan, 4 KB chat body', async () => void (await detectInBody(BODY_4K)))
    .add('whole-body scan, 64 KB chat body', async () => void (await detectInBody(BODY_64K)));
  for (const [name, text] of Object.entries(CRAFTED))
    bench.add(`detector, 50 KB ${name}`, async () => void (await detectSensitiveKinds([text])));

  await bench.run();

  const us = (ms: number | undefined) => (ms === undefined ? '-' : (ms * 1000).toFixed(2));
  const rows = bench.tasks.map((t) => {
    const r = t.result as { latency?: { p50?: number; p99?: number } } | undefined;
    return { task: t.name, median_us: us(r?.latency?.p50), p99_us: us(r?.latency?.p99) };
  });
  const median = (name: string) => Number(rows.find((r) => r.task === name)?.median_us);
  const decisionResults = {
    plannerDefaultMedianUs: median('planRoute, default policy'),
    plannerDefaultP99Us: Number(rows[0]?.p99_us),
    planner100MedianUs: median('planRoute, 100-rule policy'),
    speedupDefault: median('json-rules-engine Engine.run, default policy') / median('planRoute, default policy'),
    speedup100: median('json-rules-engine Engine.run, 100 rules') / median('planRoute, 100-rule policy'),
  };
  const headline =
    `planner median ${decisionResults.plannerDefaultMedianUs} µs (goal ≤ 5), ${decisionResults.speedupDefault.toFixed(0)}x faster than Engine.run on the default policy, ` +
    `${decisionResults.speedup100.toFixed(0)}x on 100 rules (goal ≥ 20x)`;
  const perKb = (name: string, kb: number) => (median(name) / kb).toFixed(1);
  const detector = `detector: ${perKb('detector, 4 KB prompt', 4)} µs per KB on a 4 KB prompt (goal ≤ 50); crafted 50 KB inputs ${Object.keys(
    CRAFTED,
  )
    .map((n) => `${perKb(`detector, 50 KB ${n}`, 50)}`)
    .join(', ')} µs per KB`;
  const scan = `whole-body scan: ${perKb('whole-body scan, 4 KB chat body', kbOf(BODY_4K))} µs per KB of a ${kbOf(BODY_4K).toFixed(1)} KB body, ${perKb('whole-body scan, 64 KB chat body', kbOf(BODY_64K))} µs per KB of a ${kbOf(BODY_64K).toFixed(0)} KB body (goal ≤ 50)`;
  const lines = [
    '| task | median µs | p99 µs |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.task} | ${r.median_us} | ${r.p99_us} |`),
    '',
    headline,
    '',
    detector,
    scan,
  ];
  return {
    lines,
    results: { ...decisionResults, scanUsPerKb64k: median('whole-body scan, 64 KB chat body') / kbOf(BODY_64K) },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines } = await run();
  console.log(lines.join('\n'));
}
