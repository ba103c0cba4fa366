import type { Command } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../config/default-path.js';
import { PROVIDER_IDS } from '../config/provider-presets.js';
import type { CheckOptions } from './check-command.js';
import type { ExplainOptions } from './explain-command.js';
import type { ImportOptions } from './import-command.js';
import type { InitOptions } from './init-command.js';
import type { SpendOptions } from './report-command.js';
import type { RunOptions } from './scenario-command.js';
import type { FromLogOptions } from './scenario-from-log-command.js';
import type { ServeOptions } from './serve-command.js';
import type { WhatIfOptions } from './whatif-command.js';
import { runAction, UsageError } from './cli-error.js';
import { registerAdminCommands } from './admin/register-admin-commands.js';

/**
 * Every command's name, arguments and options. Each action imports its command's module when it runs, so
 * `--help`, `--version` or one command never load the others' dependencies (DuckDB, fastify, ioredis…).
 */
export function registerCommands(program: Command): void {
  registerGatewayCommands(program);
  registerReportCommands(program);
  registerAdminCommands(program);
}

/** The commands that set up, check, explain and run the gateway. */
function registerGatewayCommands(program: Command): void {
  program
    .command('init')
    .description('write a working switchyard.yaml from the provider keys in the environment, with a new tenant key')
    .option('-o, --out <file>', 'where to write it', DEFAULT_CONFIG_PATH)
    .option(
      '--providers <list>',
      `comma-separated providers (default: those with a key in the environment): ${PROVIDER_IDS.join(', ')}`,
    )
    .option(
      '--clearance <level>',
      'the highest sensitivity level direct providers may carry (a statement you make)',
      'internal',
    )
    .option(
      '--base-url <provider=url>',
      'another base URL for a provider (a proxy, a test server); repeatable',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--onprem <url>',
      'a local OpenAI-compatible server (vLLM, Ollama…): added as an on-prem route with the models it lists',
    )
    .option('--onprem-usd-per-hour <usd>', 'what the on-prem server costs an hour', '0')
    .option('--tenant <id>', 'the tenant to create', 'default')
    .option('--port <port>', 'the port the gateway will listen on', '4000')
    .option(
      '--store <dir>',
      'the embedded store (PGlite) for keys and tenants made through the admin API',
      './switchyard-data',
    )
    .option('--no-store', 'no store: keys and tenants only in the config file')
    .option('--force', 'replace an existing file')
    .option('--demo', 'write the example config instead, to run with --mock-upstreams (no keys)')
    .action((options: InitOptions) => runAction(async () => (await import('./init-command.js')).init(options)));

  program
    .command('serve')
    .description('run the OpenAI-compatible gateway')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--host <host>', 'address to listen on (default: server.host, else 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default: server.port, else 4000)')
    .option('--log <dir>', 'decision log directory (default: log.dir, else switchyard-log beside the config)')
    .option(
      '--mock-upstreams',
      'point every route at a mock upstream on loopback: try the gateway with no provider and no keys',
    )
    .action((options: ServeOptions) => runAction(async () => (await import('./serve-command.js')).serve(options)));

  program
    .command('explain')
    .description('show where a chat request would go, and why, without sending it')
    .argument('[request]', 'chat completion request JSON file, or - for stdin', '-')
    .requiredOption('--tenant <id>', 'tenant the request comes from (required)')
    .option('--tags <list>', 'comma-separated tags, as in the x-switchyard-tags header')
    .option('--slo-ms <ms>', 'latency SLO, as in the x-switchyard-slo-ms header')
    .option('--at <iso>', 'time of the request (default: now)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--json', 'print the decision as JSON')
    .action((file: string, options: ExplainOptions) =>
      runAction(async () => (await import('./explain-command.js')).explain(file, options)),
    );

  program
    .command('check')
    .description(
      'validate the config and run the failover drill: every route chain, single points of failure, what each outage does',
    )
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--probe', 'also send one minimal real request per route (max_tokens 1): keys, model names, latency')
    .option('--json', 'print the same as JSON')
    .action((options: CheckOptions) => runAction(async () => (await import('./check-command.js')).check(options)));
}

/** The commands that read a decision log, replay scenarios or translate other configs. */
function registerReportCommands(program: Command): void {
  const scenario = program.command('scenario').description('cost scenario reports');
  scenario
    .command('from-log')
    .description('write a scenario (to stdout) whose traffic is fitted to what a gateway recorded')
    .requiredOption('--log <dir>', 'decision log directory')
    .option('--since <window>', 'how far back: 7d, 12h, 30m or an ISO date (default: all of it)')
    .option(
      '-c, --config <file>',
      'the config the gateway runs now (the scenario\'s "current" option)',
      DEFAULT_CONFIG_PATH,
    )
    .action((options: FromLogOptions) =>
      runAction(async () => (await import('./scenario-from-log-command.js')).fromLog(options)),
    );
  scenario
    .command('run')
    .description('replay a scenario through the planner into DuckDB and report costs and crossovers')
    .argument('<file>', 'a *.scenario.yaml file')
    .option(
      '--out <dir>',
      'where to write report.md, report.html, results.csv and scenario.duckdb (default: out/<scenario>)',
    )
    .option(
      '--live',
      "also send each option's requests through a real gateway over mock upstreams with the scenario's latency profiles",
    )
    .option(
      '--strict',
      'exit 1 when the comparison has warnings (denied traffic, substituted models, capacity run out, options serving different things)',
    )
    .option('--json', 'print summary.json to stdout instead of the tables (the reports are written as well)')
    .action((file: string, options: RunOptions) =>
      runAction(async () => (await import('./scenario-command.js')).run(file, options)),
    );

  program
    .command('report')
    .description('reports from the decision log')
    .command('spend')
    .description('cost by tenant, route kind and model')
    .requiredOption('--log <path>', 'decision log: a directory of Parquet segments, a .parquet or a .duckdb file')
    .option('--since <window>', 'how far back: 7d, 12h, 30m or an ISO date', '7d')
    .option('--json', 'print JSON')
    .action((options: SpendOptions) =>
      runAction(async () => (await import('./report-command.js')).reportSpend(options)),
    );

  program
    .command('whatif')
    .description('replay the requests in a decision log under another config or policy')
    .requiredOption('--log <path>', 'decision log: a directory of Parquet segments, a .parquet or a .duckdb file')
    .requiredOption('-c, --config <file>', 'the config to replay them under')
    .option('--json', 'print JSON')
    .action((options: WhatIfOptions) => runAction(async () => (await import('./whatif-command.js')).run(options)));

  program
    .command('import')
    .description("translate another gateway's config into Switchyard's")
    .command('litellm')
    .description(
      'translate a LiteLLM proxy config.yaml (model_list, router_settings, litellm_settings, general_settings)',
    )
    .argument('<file>', 'the LiteLLM config')
    .option('-o, --out <file>', 'write the config here (and its tag rules beside it); otherwise to stdout')
    .action((file: string, options: ImportOptions) =>
      runAction(async () => (await import('./import-command.js')).importLiteLlmFile(file, options)),
    );

  program
    .command('hash-key')
    .description("print the sha256:<hex> form of a tenant API key, for a tenant's api_keys")
    .argument('<key>', 'the key a client will send as Bearer token')
    .action((key: string) =>
      runAction(async () => {
        if (key.length < 16) throw new UsageError('a tenant key should be at least 16 characters');
        console.log(`sha256:${(await import('../config/tenant-keys.js')).hashApiKey(key)}`);
      }),
    );
}
