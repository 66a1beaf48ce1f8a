// The `iclockd` CLI, in process, against a fresh database of this run's dialect.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiKeyService } from '../../src/auth/apiKeys.js';
import { systemClock } from '../../src/clock.js';
import { runCli } from '../../src/cli/main.js';
import { migrations } from '../../migrations/index.js';
import { closeDatabase, openDatabase } from '../../src/store/db.js';
import { type TestDatabaseUrl, freshDatabaseUrl, testDialect } from '../helpers/db.js';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

describe(`iclockd CLI on ${testDialect()}`, () => {
  let fresh: TestDatabaseUrl;
  let env: NodeJS.ProcessEnv;
  before(() => {
    fresh = freshDatabaseUrl();
    env = { DATABASE_URL: fresh.url, ICLOCKD_TZ: 'UTC' };
  });
  after(async () => {
    await fresh.drop();
  });

  async function cli(...argv: string[]): Promise<Run> {
    const run: Run = { code: 0, out: [], err: [] };
    run.code = await runCli(argv, { out: (l) => run.out.push(l), err: (l) => run.err.push(l) }, env);
    return run;
  }

  test('migrate creates the schema, then reports it up to date', async () => {
    const first = await cli('migrate');
    assert.equal(first.code, 0);
    assert.deepEqual(first.out, [`applied ${migrations.length} migration(s): ${migrations.map((m) => m.name).join(', ')}`]);
    const second = await cli('migrate');
    assert.deepEqual(second.out, ['database schema is up to date']);
  });

  test('keys create prints KEY:SECRET once, and that pair authenticates', async () => {
    const run = await cli('keys', 'create', '--label', 'x');
    assert.equal(run.code, 0);
    assert.equal(run.out.length, 1);
    const [apiKey, secret] = run.out[0]!.split(':');
    assert.match(apiKey!, /^[0-9a-f]{16}$/);
    assert.match(run.err.join('\n'), /shown only this once/);
    const db = await openDatabase(fresh.url);
    try {
      const principal = await new ApiKeyService({ knex: db.knex, clock: systemClock }).authenticate(`token ${apiKey}:${secret}`);
      assert.deepEqual(principal, { apiKey, label: 'x', role: 'ingest' });
    } finally {
      await closeDatabase(db);
    }
  });

  test('keys create --role admin --json; list shows it without the secret; revoke', async () => {
    const created = JSON.parse((await cli('keys', 'create', '--label', 'ops team', '--role', 'admin', '--json')).out[0]!) as {
      api_key: string;
      api_secret: string;
      role: string;
    };
    assert.equal(created.role, 'admin');
    const list = await cli('keys', 'list');
    assert.equal(list.code, 0);
    assert.match(list.out[0]!, /^KEY\s+ROLE\s+STATUS\s+CREATED\s+LAST USED\s+LABEL$/);
    const line = list.out.find((l) => l.startsWith(created.api_key));
    assert.match(line!, /admin\s+active\s+.*ops team$/);
    assert.ok(!list.out.join('\n').includes(created.api_secret));

    assert.deepEqual((await cli('keys', 'revoke', created.api_key)).out, [`revoked ${created.api_key}`]);
    const json = (await cli('keys', 'list', '--json')).out.map((l) => JSON.parse(l) as { api_key: string; status: string });
    assert.equal(json.find((k) => k.api_key === created.api_key)?.status, 'revoked');

    const again = await cli('keys', 'revoke', created.api_key);
    assert.equal(again.code, 1);
    assert.deepEqual(again.err, [`iclockd: no active API key ${created.api_key}`]);
  });

  test('a bad role is refused by the parser', async () => {
    const run = await cli('keys', 'create', '--label', 'x', '--role', 'root');
    assert.notEqual(run.code, 0);
    assert.match(run.err.join('\n'), /Allowed choices are ingest, admin/);
  });

  test('--help on every command', async () => {
    for (const argv of [[], ['serve'], ['migrate'], ['keys'], ['keys', 'create'], ['keys', 'list'], ['keys', 'revoke']]) {
      const run = await cli(...argv, '--help');
      assert.equal(run.code, 0, argv.join(' '));
      assert.match(run.out.join('\n'), /^Usage: iclockd/m, argv.join(' '));
    }
  });

  test('invalid configuration is one line naming the variable, exit code 2', async () => {
    const run: Run = { code: 0, out: [], err: [] };
    run.code = await runCli(['migrate'], { out: (l) => run.out.push(l), err: (l) => run.err.push(l) }, { ...env, ICLOCKD_TZ: 'Nowhere/Land' });
    assert.equal(run.code, 2);
    assert.equal(run.err.length, 1);
    assert.match(run.err[0]!, /^iclockd: invalid configuration: ICLOCKD_TZ must be an IANA time zone name/);
  });
});
