// `npm run docs:settings` (through tsx): writes docs/operator/settings.md from the setting declarations.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS_DOC_PATH, settingsMarkdown } from './settingsDoc.js';

const path = join(fileURLToPath(new URL('../..', import.meta.url)), SETTINGS_DOC_PATH);
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, settingsMarkdown());
console.log(`wrote ${SETTINGS_DOC_PATH}`);
