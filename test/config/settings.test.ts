// Each setting is declared once (src/config/settings.ts); parsing, `serve --help` and the
// operator's settings page are made from the declarations and must keep up with them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';
import { loadConfig, settingOrigin } from '../../src/config.js';
import { type SettingKey, settingDefault, settingEntries } from '../../src/config/settings.js';
import { SETTINGS_DOC_COMMAND, SETTINGS_DOC_PATH, settingsMarkdown } from '../../src/config/settingsDoc.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What a setting needs beside it to be valid at all: TLS settings come as a pair. */
function companions(key: SettingKey): NodeJS.ProcessEnv {
  return ['tlsCert', 'tlsKey', 'httpPort'].includes(key) ? { ICLOCKD_TLS_CERT: 'cert.pem', ICLOCKD_TLS_KEY: 'key.pem' } : {};
}

describe('settings', () => {
  for (const [key, declaration] of settingEntries()) {
    test(`${declaration.env}=${declaration.example} sets ${key} as its schema reads it`, () => {
      const config = loadConfig({ ...companions(key), [declaration.env]: declaration.example });
      assert.deepEqual(config[key], declaration.schema.parse(declaration.example));
      assert.notDeepEqual(config[key], settingDefault(key), 'the example differs from the default, so the variable is seen to have been read');
      assert.equal(settingOrigin(config, key), declaration.env);
    });
  }

  test('a config file sets each setting by its key as the variable does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iclockd-settings-'));
    try {
      const path = join(dir, 'config.json');
      writeFileSync(path, JSON.stringify(Object.fromEntries(settingEntries().map(([key, declaration]) => [key, declaration.example]))));
      const fromFile = loadConfig({}, path);
      const fromEnv = loadConfig(Object.fromEntries(settingEntries().map(([, declaration]) => [declaration.env, declaration.example])));
      assert.deepEqual(fromFile, fromEnv);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every setting has its own variable', () => {
    const names = settingEntries().map(([, declaration]) => declaration.env);
    assert.deepEqual([...new Set(names)], names);
  });

  test(`${SETTINGS_DOC_PATH} is what the declarations make (else run ${SETTINGS_DOC_COMMAND})`, () => {
    const written = readFileSync(join(root, SETTINGS_DOC_PATH), 'utf8');
    assert.ok(written === settingsMarkdown(), `${SETTINGS_DOC_PATH} is out of date with src/config/settings.ts: run ${SETTINGS_DOC_COMMAND}`);
  });

  test('iclockd serve --help lists every setting with its default', async () => {
    const out: string[] = [];
    const code = await runCli(['serve', '--help'], { out: (l) => out.push(l), err: (l) => out.push(l) }, {});
    assert.equal(code, 0);
    const help = out.join('\n');
    for (const [key, declaration] of settingEntries()) assert.match(help, new RegExp(`^  ${declaration.env} \\(${key}\\), default \\S`, 'm'), key);
  });
});
