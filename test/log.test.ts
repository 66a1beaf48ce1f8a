import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../src/log.js';

/** A logger at `level` writing into `lines`, one entry per line. */
function collected(level: 'info' | 'debug'): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger(level, sink), lines };
}

test('logs are JSON and never carry an Authorization header or a secret', async () => {
  const { log, lines } = collected('info');
  log.info({ req: { headers: { authorization: 'token k:s3cr3t-a', host: 'x' } } }, 'incoming');
  log.info({ headers: { authorization: 'token k:s3cr3t-b' } }, 'headers');
  log.info({ secret: 's3cr3t-c', key: { secret: 's3cr3t-d', api_secret: 's3cr3t-e' }, password: 's3cr3t-f' }, 'fields');
  log.debug('below the level');
  assert.equal(lines.length, 3);
  for (const line of lines) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.equal(parsed.name, 'iclockd');
    assert.doesNotMatch(line, /s3cr3t/);
  }
  assert.match(lines[0]!, /"authorization":"\[redacted\]"/);
  assert.match(lines[0]!, /"host":"x"/);
});

test('a failed statement is logged without its values, and no field makes a line of megabytes', async () => {
  const { openTestDatabase } = await import('./helpers/db.js');
  const t = await openTestDatabase();
  const { log, lines } = collected('debug');
  try {
    // A real failing insert (NOT NULL) whose values carry a template and a large body.
    const body = Buffer.concat([Buffer.from('FP PIN=1\tFID=0\tTMP=TemplateMarker0123456789abcdef'), Buffer.alloc(512 * 1024, 'A')]);
    const err = await t.db.knex('device_requests').insert({ device_serial: 'LOG1', method: null, path: '/iclock/cdata', query: 'SN=LOG1', body, received_at: '2026-12-03 08:00:00', outcome: 'processed' }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error, 'the insert failed');
    log.error({ err, device: 'LOG1' }, 'could not archive');
    log.info({ path: `/iclock/${'x'.repeat(4 * 1024 * 1024)}`, nested: { text: 'y'.repeat(100_000) } }, 'long fields');
  } finally {
    await t.cleanup();
  }
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.ok(line.length < 12_000, `a log line of ${line.length} characters`);
    assert.doesNotMatch(line, /TemplateMarker|AAAAAAAAAAAAAAAA|54656d706c6174654d61726b6572/i);
  }
  const logged = JSON.parse(lines[0]!) as { err: { message: string; code?: string; stack: string } };
  assert.match(logged.err.message, /insert into [`"]device_requests[`"]/, 'the statement is named, with placeholders');
  assert.ok(logged.err.stack.split('\n').length > 1, 'the stack is kept');
});
