// deploy/: the systemd unit and the Dockerfile run what the package really builds, copy what
// exists, and the unit passes systemd's own check where systemd-analyze is installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; scripts: Record<string, string> };
const entry = pkg.bin.iclockd!; // dist/src/cli/main.js

test('the systemd unit runs the built CLI entry: migrate, then serve', () => {
  const unit = read('deploy/iclockd.service');
  assert.equal(pkg.scripts.start, `node ${entry} serve`);
  assert.match(unit, new RegExp(`^ExecStartPre=/usr/bin/node /opt/iclockd/${entry.replace(/\./g, '\\.')} migrate$`, 'm'));
  assert.match(unit, new RegExp(`^ExecStart=/usr/bin/node /opt/iclockd/${entry.replace(/\./g, '\\.')} serve$`, 'm'));
  assert.match(unit, /^EnvironmentFile=-\/etc\/iclockd\/iclockd\.env$/m);
  // Every variable the example env file sets is a real setting.
  const settings = read('docs/operator/settings.md');
  for (const line of read('deploy/iclockd.env').split('\n')) {
    const name = /^#?\s*([A-Z_]+)=/.exec(line)?.[1];
    if (name) assert.ok(settings.includes(`\`${name}\``), `${name} is not a documented setting`);
  }
});

test('the Dockerfile copies what exists and starts the same entry', () => {
  const docker = read('deploy/Dockerfile');
  for (const m of docker.matchAll(/^COPY (?!--from)(.+)$/gm)) {
    const sources = m[1]!.trim().split(/\s+/).slice(0, -1);
    for (const s of sources) assert.ok(existsSync(join(root, s)), `COPY ${s}: not in the repository`);
  }
  // What the build compiles and the running server loads (tests are not needed).
  const tsconfig = JSON.parse(read('tsconfig.json')) as { include: string[] };
  for (const dir of tsconfig.include.filter((d) => d !== 'test')) assert.match(docker, new RegExp(`^COPY ${dir} ${dir}$`, 'm'));
  assert.match(docker, new RegExp(`^CMD \\["node", "${entry.replace(/\./g, '\\.')}", "serve"\\]$`, 'm'));
  assert.match(docker, /\/readyz/);
});

test('systemd-analyze verify accepts the unit', { skip: !existsSync('/usr/bin/systemd-analyze') && 'systemd-analyze is not installed' }, () => {
  const r = spawnSync('systemd-analyze', ['verify', join(root, 'deploy/iclockd.service')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', r.stderr);
});
