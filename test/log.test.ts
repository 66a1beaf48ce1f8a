import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../src/log.js';

test('logs are JSON and never carry an Authorization header or a secret', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger('info', sink);
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
