// `iclockd keys …`: API keys, created, listed and revoked on the database directly.
import { type Command, Option } from 'commander';
import { ROLES, type Role } from '../../auth/apiKeys.js';
import { type CliContext, utcTime } from '../context.js';

export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('manage API keys');

  keys
    .command('create')
    .description('create an API key; prints KEY:SECRET once (only a hash of the secret is kept)')
    .requiredOption('--label <label>', 'who or what the key is for')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).default('ingest'))
    .option('--json', 'print the key as JSON')
    .action(async (opts: { label: string; role: Role; json?: boolean }) => {
      const created = await ctx.withServices((s) => s.apiKeys.create(opts.label, opts.role));
      if (opts.json) {
        ctx.out(JSON.stringify({ api_key: created.apiKey, api_secret: created.secret, label: created.label, role: created.role }));
        return;
      }
      ctx.out(`${created.apiKey}:${created.secret}`);
      ctx.err(`API key for "${created.label}" (role ${created.role}). The secret is shown only this once; send it as`);
      ctx.err(`  Authorization: token ${created.apiKey}:${created.secret}`);
    });

  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }) => {
      const { rows: all } = await ctx.withServices((s) => s.apiKeys.list());
      if (opts.json) {
        ctx.printJsonLines(all.map((k) => ({ api_key: k.apiKey, label: k.label, role: k.role, status: k.revokedAt ? 'revoked' : 'active' })));
        return;
      }
      if (all.length === 0) {
        ctx.out('no API keys; create one with: iclockd keys create --label NAME --role admin');
        return;
      }
      ctx.printTable([
        ['KEY', 'ROLE', 'STATUS', 'CREATED', 'LAST USED', 'LABEL'],
        ...all.map((k) => [k.apiKey, k.role, k.revokedAt ? 'revoked' : 'active', utcTime(k.createdAt), utcTime(k.lastUsedAt), k.label]),
      ]);
    });

  keys
    .command('revoke')
    .description('revoke an API key; requests with it are refused from then on')
    .argument('<key>', 'the API key (not the secret)')
    .action(async (key: string) => {
      await ctx.withServices((s) => s.apiKeys.revoke(key));
      ctx.out(`revoked ${key}`);
    });
}
