import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { tokensLabel } from '../src/harness/report-format.js';
import { ScenarioSummarySchema, type ScenarioSummary } from '../src/harness/scenario-summary.js';
import { tempDir } from './helpers/hermetic.js';
import { ROOT, runCli } from './helpers/run-cli.js';

const dir = tempDir('switchyard-report');
const CHROMIUM = '/usr/bin/chromium';

// One option serves every model; the other has no route for `mystery-model` (a tenth of requests): denied.
const UNSERVED = `
name: unserved
seed: 2
volume: { tokens_per_day: [1000000, 3000000, 10000000] }
traffic:
  models: { gpt-5: 0.9, mystery-model: 0.1 }
  input_tokens: { mean: 1000 }
  output_tokens: { mean: 500 }
options:
  - id: everything
    config:
      routes:
        - { id: agg, kind: aggregator, base_url: "https://agg.example/v1", clearance: internal, models: [gpt-5, mystery-model], pricing: { fee_percent: 5, models: { mystery-model: { input_per_mtok: 1, output_per_mtok: 1 } } } }
  - id: direct-only
    config:
      routes:
        - { id: openai, kind: direct, base_url: "https://api.openai.com/v1", clearance: confidential, models: [gpt-5] }
    fixed_per_day_usd: { ops: 2 }
`;

async function runScenarioCli(name: string, text: string, ...flags: string[]) {
  const path = join(dir, `${name}.scenario.yaml`);
  writeFileSync(path, text);
  const out = join(dir, `${name}-out`);
  return { ...(await runCli(['scenario', 'run', path, '--out', out, ...flags])), out };
}

describe('scenario warnings', () => {
  it('an unserved model is a loud warning, with its share and reason, in the console, both reports and the summary; --strict fails', async () => {
    const r = await runScenarioCli('unserved', UNSERVED);
    expect(r.code).toBe(0);
    // The decision-maker is told which traffic is missing from the price: the model, by reason.
    expect(r.stderr).toMatch(
      /warning: denied: direct-only denies \d+\.\d % of requests \(model_not_found: mystery-model [\d,]+\); they are priced at \$0/,
    );
    expect(readFileSync(join(r.out, 'report.md'), 'utf8')).toMatch(/model_not_found: mystery-model [\d,]+/);
    expect(readFileSync(join(r.out, 'report.html'), 'utf8')).toMatch(/model_not_found: mystery-model [\d,]+/);
    expect(r.stderr).toContain('warning: options differ');
    expect(readFileSync(join(r.out, 'report.md'), 'utf8')).toContain('## Read this first');
    expect(readFileSync(join(r.out, 'report.html'), 'utf8')).toContain('<section class="warnings">');
    const summary = JSON.parse(readFileSync(join(r.out, 'summary.json'), 'utf8')) as ScenarioSummary;
    expect(summary.warnings.find((w) => w.kind === 'denied')).toMatchObject({
      option: 'direct-only',
      share: expect.closeTo(0.1, 1),
      denied: [
        {
          code: 'model_not_found',
          model: 'mystery-model',
          tags: [],
          requests: expect.any(Number),
          share: expect.closeTo(0.1, 1),
        },
      ],
    });
    const strict = await runScenarioCli('unserved-strict', UNSERVED, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('--strict: 2 warnings');
  });
});

describe('summary.json', () => {
  it("validates against its schema, and its crossovers are the markdown's; --json prints it", async () => {
    const r = await runCli([
      'scenario',
      'run',
      'scenarios/blog-managed-vs-selfhosted.scenario.yaml',
      '--out',
      join(dir, 'blog'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as ScenarioSummary;
    const written = JSON.parse(readFileSync(join(dir, 'blog', 'summary.json'), 'utf8')) as ScenarioSummary;
    expect(printed).toEqual({ ...written, replayed: { ...written.replayed, seconds: printed.replayed.seconds } });
    expect([...Value.Errors(ScenarioSummarySchema, written)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    expect(written.inputs_sha256).toMatch(/^[0-9a-f]{64}$/);
    const md = readFileSync(join(dir, 'blog', 'report.md'), 'utf8');
    expect(written.crossovers).toHaveLength(1);
    for (const c of written.crossovers)
      expect(md).toContain(`${c.pair[0]} and ${c.pair[1]} cross at ≈${tokensLabel(c.tokens_per_day)} tokens/day`);
    const at1M = written.volumes.find((v) => v.tokens_per_day === 1_000_000)!;
    expect(at1M.costs.map((c) => [c.option, c.usd_per_day, c.usd_per_month])).toEqual([
      ['managed', 15, 456.25],
      ['self-hosted', 17, 517.08],
    ]);
    expect(at1M.costs[1]!.breakdown_per_day).toEqual({ tokens: 12, fixed: 5, capacity: 0 });
  });
});

const REPLAY_TIMEOUT_MS = 120_000;

describe('report.html', () => {
  // Replays hybrid-phi (5.4 M requests): ≈10 s on a quiet two-core host, over 30 s beside the rest of the suite on a
  // slow one.
  it(
    'is HTML, not markdown: tables are tables, money has thousands separators, nothing is fetched',
    { timeout: REPLAY_TIMEOUT_MS },
    async () => {
      await runCli(['scenario', 'run', 'scenarios/hybrid-phi.scenario.yaml', '--out', join(dir, 'hybrid')]);
      const html = readFileSync(join(dir, 'hybrid', 'report.html'), 'utf8');
      const text = html.replace(/<[^>]+>/g, '\n');
      expect(text.split('\n').filter((l) => /^\s*(\||##|\*\*|- \*\*)/.test(l))).toEqual([]);
      expect(html).not.toMatch(/<pre>/);
      expect(html).not.toMatch(/(src|href)="https?:/);
      expect(html).toContain('$1,628.75');
      expect(html).toContain('<section class="headline">');
      expect(html).toMatch(/serves 48\.0 % of its requests \(asking for gpt-5-mini\) with Qwen\/Qwen3-32B/);
      expect(readFileSync(join(dir, 'hybrid', 'report.md'), 'utf8')).not.toContain('![');
    },
  );

  const hasChromium = existsSync(CHROMIUM);
  it.skipIf(!hasChromium)(
    `renders in headless Chromium: the chart's series and the tables are there${hasChromium ? '' : ` (skipped: no ${CHROMIUM}; .ci/run installs it)`}`,
    { timeout: REPLAY_TIMEOUT_MS },
    async () => {
      const file = join(dir, 'hybrid', 'report.html');
      if (!existsSync(file))
        await runCli(['scenario', 'run', 'scenarios/hybrid-phi.scenario.yaml', '--out', join(dir, 'hybrid')]);
      const { stdout, stderr } = await promisify(execFile)(
        CHROMIUM,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--enable-logging=stderr',
          '--v=0',
          '--dump-dom',
          `file://${file}`,
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      expect(stdout.match(/<polyline class="series"/g)).toHaveLength(3);
      expect(stdout.match(/<rect class="part"/g)?.length).toBeGreaterThanOrEqual(9);
      expect(stdout).toContain('<table class="num">');
      expect(stderr).not.toMatch(/CONSOLE.*(Error|Uncaught)/i);
    },
  );
});

describe('the scenario template in docs/scenarios.md', () => {
  it('runs as it is written there', async () => {
    const readme = readFileSync(join(ROOT, 'docs', 'scenarios.md'), 'utf8');
    const at = readme.indexOf('### Writing a scenario');
    const start = readme.indexOf('```yaml\n', at) + '```yaml\n'.length;
    const template = readme.slice(start, readme.indexOf('```', start));
    // Laid out as in the repository: scenarios/ beside the example config and its policies.
    const root = tempDir('switchyard-template');
    mkdirSync(join(root, 'scenarios'));
    cpSync(join(ROOT, 'switchyard.example.yaml'), join(root, 'switchyard.example.yaml'));
    cpSync(join(ROOT, 'policies'), join(root, 'policies'), { recursive: true });
    writeFileSync(join(root, 'scenarios', 'my.scenario.yaml'), template);
    const r = await runCli(['scenario', 'run', 'scenarios/my.scenario.yaml', '--out', join(root, 'out')], {
      cwd: root,
    });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('switchyard:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('example and managed cross at');
  });
});
