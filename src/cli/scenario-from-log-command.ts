import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { readLoggedTraffic } from '../harness/traffic-from-log.js';
import { tokensLabel } from '../harness/report-format.js';
import { parseSince } from './report-command.js';
import { UsageError } from './cli-error.js';

export interface FromLogOptions {
  log: string;
  since?: string;
  config: string;
}

/**
 * A scenario from recorded traffic, on stdout: the model mix, token distributions fitted per model, tag, tenant
 * and hourly shares and the stream share, swept from a tenth of the logged volume to a hundred times it; the
 * current config against a managed and a self-hosted option to fill in.
 */
export async function fromLog(options: FromLogOptions): Promise<number> {
  if (!existsSync(options.log)) throw new UsageError(`${options.log}: no such log`);
  const sinceMs = options.since === undefined ? undefined : parseSince(options.since, Date.now());
  const logged = await readLoggedTraffic(options.log, sinceMs).catch((err: Error) => {
    throw new UsageError(err.message);
  });
  const observed = logged.tokensPerDay;
  const scenario = {
    name: `Recorded traffic from ${options.log}`,
    description: `${logged.requests.toLocaleString('en-US')} requests${options.since ? ` in the last ${options.since}` : ''}, ≈${tokensLabel(observed)} tokens/day. Fill in the managed and self-hosted options, or replace the profile below with \`traffic: { from_log: ${resolve(options.log)} }\` to replay the recorded requests themselves.`,
    seed: 1,
    volume: {
      from: Math.max(1000, Math.round(observed / 10)),
      to: Math.round(observed * 100),
      points: 12,
      scale: 'log',
    },
    traffic: logged.traffic,
    options: [
      { id: 'current', label: 'the config the gateway runs now', config: resolve(options.config) },
      {
        id: 'managed',
        label: 'a managed aggregator for everything it may carry (fill in its fee and clearance)',
        config: {
          routes: [
            {
              id: 'aggregator',
              kind: 'aggregator',
              base_url: 'https://openrouter.ai/api/v1',
              clearance: 'internal',
              models: '*',
              pricing: { fee_percent: 5.5 },
            },
          ],
        },
      },
      {
        id: 'self-hosted',
        label: 'direct provider keys behind a self-hosted proxy (fill in your prices and costs)',
        config: {
          routes: [
            {
              id: 'direct',
              kind: 'direct',
              base_url: 'https://api.openai.com/v1',
              clearance: 'confidential',
              models: '*',
            },
          ],
        },
        fixed_per_day_usd: { infra: 3, ops: [1, 4] },
      },
    ],
  };
  process.stdout.write(
    `# Written by \`switchyard scenario from-log\`; run it with \`switchyard scenario run FILE\`.\n${stringify(scenario, { lineWidth: 120 })}`,
  );
  return 0;
}
