// The documentation: README.md and docs/**/*.md. Every relative link and image resolves (a
// #anchor to a heading of its page), the README stays short, and every command the CLI builds
// and every ICLOCKD_ setting the code names is documented somewhere.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildCli } from '../../src/cli/main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const README_MAX_BYTES = 15_360;

const filesUnder = (dir: string, ending: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), ending) : e.name.endsWith(ending) ? [join(dir, e.name)] : [],
  );
const pages = ['README.md', ...filesUnder('docs', '.md')];
const text = new Map(pages.map((p) => [p, readFileSync(join(root, p), 'utf8')]));
const allDocs = [...text.values()].join('\n');

/** The page without its fenced code blocks and inline code, where nothing is a link or a heading. */
function prose(markdown: string): string {
  let fenced = false;
  const lines = markdown.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
  return lines.join('\n').replace(/`[^`\n]*`/g, 'code');
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2, … */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

interface Link {
  page: string;
  target: string;
}

/** Every `[text](target)` and `![alt](target)` outside code, pointing inside the repository. */
function relativeLinks(page: string): Link[] {
  const links: Link[] = [];
  for (const m of prose(text.get(page)!).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    links.push({ page, target });
  }
  return links;
}

/** What is wrong with a link, or null when it resolves. */
function brokenReason({ page, target }: Link): string | null {
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? join(root, page) : resolve(root, dirname(page), decodeURIComponent(path));
  if (!file.startsWith(root)) return 'points outside the repository';
  if (!existsSync(file)) return `${relative(root, file)} does not exist`;
  if (anchor === undefined || anchor === '') return null;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return 'has an anchor but is not a Markdown page';
  const anchors = anchorsOf(readFileSync(file, 'utf8'));
  return anchors.has(decodeURIComponent(anchor)) ? null : `${relative(root, file)} has no heading #${anchor}`;
}

/** `keys create`, `devices show`, …: every command and subcommand under the program, walked. */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return [path, ...commandPaths(c, path)];
  });
}

const SETTING = /ICLOCKD_[A-Z0-9_]+/g;

describe('documentation', () => {
  test('README.md and docs/ are found', () => {
    assert.ok(pages.includes('README.md'));
    assert.ok(pages.length > 10, `only ${pages.join(', ')}`);
  });

  test('every relative link and image resolves, and every #anchor names a heading of its page', () => {
    const links = pages.flatMap(relativeLinks);
    assert.ok(links.length > 50, `only ${links.length} links found: is the link pattern still right?`);
    const broken = links.flatMap((l) => {
      const reason = brokenReason(l);
      return reason === null ? [] : [`${l.page}: (${l.target}) ${reason}`];
    });
    assert.deepEqual(broken, []);
  });

  test(`README.md is at most ${README_MAX_BYTES} bytes (the rest belongs in docs/)`, () => {
    const bytes = statSync(join(root, 'README.md')).size;
    assert.ok(bytes <= README_MAX_BYTES, `README.md is ${bytes} bytes`);
  });

  test('the README gives the two quick-start commands exactly', () => {
    const readme = text.get('README.md')!;
    assert.match(readme, /^npm ci && npm start$/m);
    assert.match(readme, /^npm ci && npm test$/m);
  });

  test('every command and subcommand of the CLI appears in the docs', () => {
    const paths = commandPaths(buildCli());
    assert.ok(paths.some((p) => p.length > 1), 'no subcommands found: is the program still built by buildCli?');
    const missing = paths.map((p) => `iclockd ${p.join(' ')}`).filter((c) => !allDocs.includes(c));
    assert.deepEqual(missing, []);
  });

  test('every ICLOCKD_ setting named in src/ appears in the docs', () => {
    const named = new Set(filesUnder('src', '.ts').flatMap((f) => readFileSync(join(root, f), 'utf8').match(SETTING) ?? []));
    assert.ok(named.size > 20, `only ${named.size} settings found in src/`);
    const documented = new Set(allDocs.match(SETTING) ?? []);
    // A name ending in `_` is a family (`ICLOCKD_PENDING_MAX_*`): one documented member will do.
    const missing = [...named].filter((name) => (name.endsWith('_') ? ![...documented].some((d) => d.startsWith(name)) : !documented.has(name)));
    assert.deepEqual(missing.sort(), []);
  });
});
