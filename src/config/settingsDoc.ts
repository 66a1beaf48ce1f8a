// The settings as people read them: the operator's page (docs/operator/settings.md) and the
// list under `iclockd serve --help`, both made from the declarations in settings.ts.
import { CONFIG_FILE_VARIABLE, type SettingDeclaration, settingEntries } from './settings.js';
import type { z } from 'zod';

export const SETTINGS_DOC_PATH = 'docs/operator/settings.md';
export const SETTINGS_DOC_COMMAND = 'npm run docs:settings';

/** The default as the docs show it, in Markdown; the host-dependent ones say so in `shownDefault`. */
function shownDefault(declaration: SettingDeclaration<z.ZodType, unknown>): string {
  if (declaration.shownDefault !== undefined) return declaration.shownDefault;
  const value = declaration.default;
  if (value === null) return 'none';
  if (typeof value === 'boolean') return value ? '`1`' : '`0`';
  return `\`${String(value)}\``;
}

/** Markdown as plain text for a terminal: no backticks or emphasis. */
function plain(markdown: string): string {
  return markdown.replace(/[`*]/g, '');
}

function tableCell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

/** The whole of docs/operator/settings.md. */
export function settingsMarkdown(): string {
  const rows = settingEntries().map(
    ([key, declaration]) => `| \`${declaration.env}\` | \`${key}\` | ${tableCell(shownDefault(declaration))} | ${tableCell(declaration.doc)} |`,
  );
  return [
    `<!-- Generated from src/config/settings.ts by \`${SETTINGS_DOC_COMMAND}\`: edit the declarations there and run it again, not this file. -->`,
    '',
    '# Settings',
    '',
    `Set by environment variables, or by a JSON file named by \`${CONFIG_FILE_VARIABLE.env}\` (or \`iclockd`,
    '--config FILE`) whose keys are the variable names or the file keys below. A variable set in',
    'the environment wins over the file; an empty one counts as unset. An invalid value stops the',
    'start with one line naming the variable, e.g. `iclockd: invalid configuration: ICLOCKD_PORT',
    'must be a number (got "http")`, and exit code 2.',
    '',
    '| variable | file key | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    `| \`${CONFIG_FILE_VARIABLE.env}\` | — | none | ${tableCell(CONFIG_FILE_VARIABLE.doc)} |`,
    '',
    'Example file:',
    '',
    '```json',
    '{ "ICLOCKD_PORT": 8081, "DATABASE_URL": "mysql://iclockd:secret@db:3306/iclockd", "ICLOCKD_TZ": "Asia/Riyadh" }',
    '```',
    '',
  ].join('\n');
}

/** `text` broken into lines of at most `width` characters (a longer word stands alone), each indented. */
function wrap(text: string, indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** The settings under `iclockd serve --help`: each variable with its file key and default, then what it does. */
export function settingsHelp(width = 100): string {
  const lines = [
    'Settings: environment variables, or a JSON file (--config or ICLOCKD_CONFIG) keyed by the variable',
    `names or the keys in parentheses; the environment wins. Also in ${SETTINGS_DOC_PATH}.`,
  ];
  for (const [key, declaration] of settingEntries()) {
    lines.push('', `  ${declaration.env} (${key}), default ${plain(shownDefault(declaration))}`, ...wrap(plain(declaration.doc), '      ', width));
  }
  return lines.join('\n');
}
