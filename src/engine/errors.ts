import type { SchemaProblem } from './schema-errors.js';
import { SwitchyardError } from './switchyard-error.js';

/** A config (or scenario) that cannot be used, with every problem found and where. */
export class ConfigError extends SwitchyardError {
  constructor(
    readonly source: string,
    readonly problems: readonly SchemaProblem[],
  ) {
    super(
      'invalid_config',
      problems.length === 1
        ? `${source}: ${problems[0]?.path === '(file)' ? '' : `${problems[0]?.path}: `}${problems[0]?.message}`
        : `${source}: ${problems.length} problems\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
}
