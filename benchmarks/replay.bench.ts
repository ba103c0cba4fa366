/**
 * Requests per second that the scenario harness replays through the planner into DuckDB, on one core, and
 * where the time goes: drawing the traffic, the planner alone, and planner + cost + DuckDB appends.
 * Run: `npm run build && npx tsx benchmarks/replay.bench.ts`
 */
import { planRoute } from '../dist/engine/planner.js';
import { NO_SPEND, type RequestFacts } from '../dist/engine/request-facts.js';
import { generateTraffic, shapeOf } from '../dist/harness/generate-traffic.js';
import { loadScenario } from '../dist/harness/load-scenario.js';
import { replayBatch } from '../dist/harness/replay.js';
import { ScenarioDb } from '../dist/harness/scenario-db.js';

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

export async function run(tokensPerDay = 2_000_000_000): Promise<{ lines: string[]; replayPerSecond: number }> {
  const scenario = await loadScenario(new URL('../scenarios/catalogue-prices.scenario.yaml', import.meta.url).pathname);
  const shape = shapeOf(scenario.traffic);
  const option = scenario.options[1]!; // self-hosted: two direct routes, no policy file
  const routeIds = new Map(option.routing.routes.map((r, i) => [r.id, i]));

  let t0 = process.hrtime.bigint();
  const batch = generateTraffic(shape, tokensPerDay, 1, 1);
  const generate = batch.count / seconds(t0);

  const req = {
    tenant: '',
    model: '',
    endpoint: 'chat',
    tags: [] as readonly string[],
    inputTokens: 0,
    stream: false,
    nowMs: 0,
    spend: NO_SPEND,
  } as { -readonly [K in keyof RequestFacts]: RequestFacts[K] };
  t0 = process.hrtime.bigint();
  for (let i = 0; i < batch.count; i++) {
    req.tenant = shape.tenants[batch.tenant[i]!]!;
    req.model = shape.models[batch.model[i]!]!;
    req.inputTokens = batch.input[i]!;
    planRoute(req, option.routing);
  }
  const planOnly = batch.count / seconds(t0);

  const db = await ScenarioDb.create(':memory:');
  t0 = process.hrtime.bigint();
  replayBatch(batch, option, 0, 0, routeIds, db, { shape });
  db.flush();
  const replay = batch.count / seconds(t0);
  db.close();

  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  return {
    replayPerSecond: replay,
    lines: [
      `| step (${f(batch.count)} requests, catalogue-prices self-hosted option) | requests/s |`,
      '|---|---:|',
      `| draw the traffic (seeded generator) | ${f(generate)} |`,
      `| planner only (planRoute per request) | ${f(planOnly)} |`,
      `| replay: planner + cost + DuckDB appends (data chunks) | ${f(replay)} |`,
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines } = await run();
  console.log(lines.join('\n'));
}
