import type { SchemaProblem } from './schema-errors.js';

/**
 * The base of every error Switchyard throws on purpose, in fastify's way: a stable `code` that callers, the
 * CLI and tests match on, and a message for people. Anything else that reaches the top is a fault.
 */
export class SwitchyardError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

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
