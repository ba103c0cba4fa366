import type { Command } from 'commander';
import { runAction } from '../cli-error.js';
import type { KeyCreateOptions, KeyListOptions, KeyRotateOptions } from './keys-command.js';
import type { TenantSpecOptions } from './tenants-command.js';

const URL_HELP =
  'the gateway (default: SWITCHYARD_URL, else http://127.0.0.1:4000); admin key from SWITCHYARD_ADMIN_KEY';
type Simple = { url?: string; json?: boolean };

/** Flags every tenant write takes: the fields of a config file's tenant, or all of them from `--spec`. */
function tenantFields(command: Command): Command {
  return command
    .option('--spec <file>', "a YAML or JSON file with the tenant's fields, as in the config file (no api_keys)")
    .option('--models <list>', 'comma-separated models it may use')
    .option('--tags <list>', 'comma-separated default tags')
    .option('--daily-usd <usd>', 'daily budget')
    .option('--monthly-usd <usd>', 'monthly budget')
    .option('--on-exceed <what>', 'deny, downgrade or cheapest')
    .option('--slo-ms <ms>', 'default latency SLO')
    .option('--auto-tag', 'scan every request for sensitive content')
    .option('--url <url>', URL_HELP)
    .option('--json', 'print JSON');
}

/** `switchyard keys …` and `switchyard tenants …`: a running gateway's admin API from the command line. */
export function registerAdminCommands(program: Command): void {
  const keys = program.command('keys').description("virtual keys, through a running gateway's admin API");
  const load = () => import('./keys-command.js');
  keys
    .command('create')
    .description('create a key (shown once)')
    .requiredOption('--tenant <id>', 'the tenant it belongs to')
    .option('--name <name>', 'a name to tell it by')
    .option('--models <list>', "comma-separated models it may use (within its tenant's)")
    .option('--tags <list>', "comma-separated tags added to its requests (to its tenant's)")
    .option('--daily-usd <usd>', 'its own daily budget (held as well as its tenant’s)')
    .option('--monthly-usd <usd>', 'its own monthly budget')
    .option('--rpm <n>', 'requests per minute')
    .option('--tpm <n>', 'tokens per minute')
    .option('--concurrent <n>', 'requests in flight')
    .option('--expires-in <time>', 'when it stops working: 90s, 45m, 12h, 30d')
    .option('--url <url>', URL_HELP)
    .option('--json', 'print JSON')
    .action((o: KeyCreateOptions) => runAction(async () => (await load()).createKey(o)));
  keys
    .command('list')
    .description('list keys with their spend today and this month')
    .option('--tenant <id>', "only this tenant's")
    .option('--url <url>', URL_HELP)
    .option('--json', 'print JSON')
    .action((o: KeyListOptions) => runAction(async () => (await load()).listKeys(o)));
  keys
    .command('revoke')
    .description('revoke a key: every instance refuses it within a second')
    .argument('<id>', 'the key id (key_…)')
    .option('--url <url>', URL_HELP)
    .option('--json', 'print JSON')
    .action((id: string, o: Simple) => runAction(async () => (await load()).revokeKey(id, o)));
  keys
    .command('rotate')
    .description('a new key in place of one; the old one works for --grace-seconds')
    .argument('<id>', 'the key id (key_…)')
    .option('--grace-seconds <n>', 'how long the old key keeps working', '0')
    .option('--url <url>', URL_HELP)
    .option('--json', 'print JSON')
    .action((id: string, o: KeyRotateOptions) => runAction(async () => (await load()).rotateKey(id, o)));

  const tenants = program.command('tenants').description("tenants in the store, through a running gateway's admin API");
  const loadTenants = () => import('./tenants-command.js');
  tenantFields(tenants.command('create').description('add a tenant').argument('<id>', 'its id')).action(
    (id: string, o: TenantSpecOptions) => runAction(async () => (await loadTenants()).createTenant(id, o)),
  );
  tenantFields(
    tenants.command('update').description("change a store tenant's fields").argument('<id>', 'its id'),
  ).action((id: string, o: TenantSpecOptions) => runAction(async () => (await loadTenants()).updateTenant(id, o)));
  tenants
    .command('list')
    .description("list tenants: the config file's and the store's")
    .option('--url <url>', URL_HELP)
    .option('--json', 'print JSON')
    .action((o: Simple) => runAction(async () => (await loadTenants()).listTenants(o)));
  tenants
    .command('delete')
    .description('delete a store tenant (refused while any of its keys works)')
    .argument('<id>', 'its id')
    .option('--url <url>', URL_HELP)
    .option('--json', 'print JSON')
    .action((id: string, o: Simple) => runAction(async () => (await loadTenants()).deleteTenant(id, o)));
}
