import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { importLiteLlm } from '../config/import-litellm.js';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../engine/errors.js';
import { UsageError } from './cli-error.js';
import { createTable, renderTable } from './table.js';

export interface ImportOptions {
  out?: string;
}

/** A LiteLLM config is a page or two of YAML; anything past this is not one, and parsing it could take minutes. */
const MAX_IMPORT_BYTES = 4 * 1024 * 1024;

export async function importLiteLlmFile(file: string, options: ImportOptions): Promise<number> {
  let raw: unknown;
  try {
    const size = statSync(file).size;
    if (size > MAX_IMPORT_BYTES)
      throw new UsageError(
        `${file}: ${(size / 1024 / 1024).toFixed(1)} MB is more than a LiteLLM config holds (at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB)`,
      );
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not YAML (${(err as Error).message.split('\n')[0]})`}`,
    );
  }
  let result;
  try {
    result = importLiteLlm(
      raw,
      options.out ? `${basename(options.out).replace(/\.ya?ml$/, '')}.rules.json` : undefined,
    );
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  const header =
    `# Imported from ${basename(file)} by \`switchyard import litellm\`. Review each route's clearance: it says which\n` +
    `# sensitivity level the route may carry, and LiteLLM has no such notion. On-prem routes are priced\n# fixed_per_hour_usd: 0: set each server's real hourly cost.\n`;
  const text = header + stringify(result.config, { lineWidth: 120 });
  const table = createTable(['LiteLLM', 'mapped', 'what it became, or why not']);
  for (const n of result.notes) table.push([n.source, n.mapped ? 'yes' : 'no', n.note]);
  console.error(renderTable(table));
  if (!options.out) {
    if (result.tagRules)
      throw new UsageError('this config uses tag routing: give --out FILE so its rules file can be written beside it');
    process.stdout.write(text);
    return 0;
  }
  writeFileSync(options.out, text);
  if (result.tagRules)
    writeFileSync(
      join(dirname(options.out), (result.config.policies as string[])[0] as string),
      `${JSON.stringify(result.tagRules, null, 2)}\n`,
    );
  // The file is checked as it will load on the server: its shape with every variable it reads set to a
  // placeholder, so what this shell's environment holds (or lacks) decides nothing.
  const variables = [
    ...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] as string)),
  ].sort();
  try {
    await loadConfig(options.out, { env: placeholders(variables, result.config) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`switchyard: wrote ${options.out}, but it does not load: ${err.message}`);
    return 1;
  }
  if (variables.length > 0) {
    const unset = variables.filter((v) => !process.env[v]);
    console.error(
      `the config reads ${variables.join(', ')} from the environment${unset.length > 0 ? `; unset here: ${unset.join(', ')}` : ''}`,
    );
  }
  console.error(`wrote ${options.out}: it loads; try \`switchyard check -c ${options.out}\``);
  return 0;
}

/** A value for each variable that any field reading it accepts: a URL where a route's base_url reads it. */
function placeholders(variables: readonly string[], config: Record<string, unknown>): Record<string, string> {
  const inUrls = JSON.stringify((config.routes as { base_url?: unknown }[]).map((r) => r.base_url ?? ''));
  return Object.fromEntries(
    variables.map((v) => [v, inUrls.includes(`\${${v}}`) ? 'http://placeholder.invalid/v1' : 'placeholder-value']),
  );
}
