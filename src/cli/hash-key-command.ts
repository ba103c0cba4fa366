import type { Command } from 'commander';
import { hashApiKey } from '../config/tenant-keys.js';
import { runAction, UsageError } from './cli-error.js';

export function registerHashKey(program: Command): void {
  program
    .command('hash-key')
    .description("print the sha256:<hex> form of a tenant API key, for a tenant's api_keys")
    .argument('<key>', 'the key a client will send as Bearer token')
    .action((key: string) =>
      runAction(async () => {
        if (key.length < 16) throw new UsageError('a tenant key should be at least 16 characters');
        console.log(`sha256:${hashApiKey(key)}`);
      }),
    );
}
