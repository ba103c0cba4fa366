import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.js';

// dist/cli/main.js and src/cli/main.ts both sit two levels below package.json.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('switchyard')
  .description('Policy-routed LLM gateway and cost scenario harness')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError(false)
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commander already printed its one-line message (unknown option, missing argument); help is not an error.
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else throw err;
}
