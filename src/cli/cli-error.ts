import { LogNotFoundError } from '../duckdb/log-not-found.js';
import { ConfigError, SwitchyardError } from '../engine/errors.js';

/** Bad input on the command line: one line on stderr, exit code 2. */
export class UsageError extends SwitchyardError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** A command that ran and failed for a reason it names in one line (a gateway's refusal), with its exit code. */
export class CommandFailed extends SwitchyardError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super('command_failed', message);
  }
}

/**
 * Runs a command's action and turns what it throws into the CLI's contract: a config problem lists every
 * problem, other bad input (a bad flag, a missing request file or log) is one line, both exit 2; anything
 * unexpected is one line and exit 1. Never a stack trace unless SWITCHYARD_DEBUG is set.
 */
export async function runAction(action: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await action()) ?? 0;
  } catch (err) {
    if (process.env.SWITCHYARD_DEBUG) console.error(err);
    if (err instanceof ConfigError) {
      console.error(`switchyard: ${err.message}`);
      process.exitCode = 2;
    } else if (err instanceof CommandFailed) {
      console.error(`switchyard: ${err.message}`);
      process.exitCode = err.exitCode;
    } else if (err instanceof UsageError || err instanceof LogNotFoundError) {
      console.error(`switchyard: ${err.message}`);
      process.exitCode = 2;
    } else {
      console.error(`switchyard: unexpected error: ${(err as Error).message ?? String(err)}`);
      process.exitCode = 1;
    }
  }
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, not '${value}'`);
  return n;
}
