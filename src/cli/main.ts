import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCheck } from './check-command.js';
import { registerExplain } from './explain-command.js';
import { registerHashKey } from './hash-key-command.js';
import { registerImport } from './import-command.js';
import { registerInit } from './init-command.js';
import { registerReport } from './report-command.js';
import { registerScenario } from './scenario-command.js';
import { registerServe } from './serve-command.js';
import { registerWhatIf } from './whatif-command.js';

// dist/cli/main.js and src/cli/main.ts both sit two levels below package.json.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('switchyard')
  .description('Policy-routed LLM gateway and cost scenario harness')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError(false)
  .exitOverride();

registerInit(program);
registerServe(program);
registerExplain(program);
registerCheck(program);
registerScenario(program);
registerReport(program);
registerWhatIf(program);
registerHashKey(program);
registerImport(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commander already printed its one-line message (unknown option, missing argument); help is not an error.
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else throw err;
}
