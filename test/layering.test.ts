// The layers of the code and what each may import, checked over the import graph of src/,
// protocol/ and migrations/ (every `import`, `export … from` and `import()`, types included: a
// type that points up is a dependency that points up).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Lowest first. A file may import its own layer and the layers before it in this table, never
 * one after it, nor a layer its `never` names. A path is in the layer of its longest match.
 */
const LAYERS: { layer: string; holds: string[]; what: string; never?: string[] }[] = [
  { layer: 'protocol', holds: ['protocol/'], what: 'the ADMS codec: pure functions and types (see its own test below)' },
  {
    layer: 'base',
    holds: ['src/errors.ts', 'src/limits.ts', 'src/validation.ts', 'src/version.ts', 'src/clock.ts', 'src/pipeline/time.ts'],
    what: 'AppError, input limits, validation, the version, the Clock every service reads the time from, and the time-zone rules (pipeline/time.ts is pure; the settings check zones with it)',
  },
  { layer: 'settings', holds: ['src/config.ts', 'src/config/', 'src/log.ts'], what: 'the typed settings, and the logger they configure' },
  { layer: 'store', holds: ['src/store/', 'migrations/'], what: 'knex, the schema and every SQL statement; one module per aggregate' },
  {
    layer: 'domain',
    holds: ['src/pipeline/', 'src/devices/', 'src/poller/', 'src/employees/', 'src/attendance/', 'src/outbox/', 'src/auth/', 'src/metrics.ts', 'src/health.ts', 'src/retention.ts'],
    what: 'the services and the rules they keep (they may import one another, without cycles), and the views both fronts print (devices/view.ts, attendance/view.ts)',
  },
  { layer: 'http', holds: ['src/http/'], what: 'Koa routes and middleware: parse, call a service, format' },
  { layer: 'server', holds: ['src/app.ts', 'src/main.ts'], what: 'the composition root and the serving process' },
  { layer: 'tools', holds: ['src/bench/', 'src/replay/', 'src/simulator/'], what: 'the bench (boots the app), replay and the simulator (talk HTTP to a server)' },
  { layer: 'cli', holds: ['src/cli/'], what: 'the iclockd command: a front beside http/, so it prints with the views the domain keeps, never with those of http/', never: ['http'] },
];
/** Packages protocol/ may use: pure computation, no I/O. */
const PURE_PACKAGES = ['iconv-lite'];
/** Where SQL may be written: the store, its migrations, and the bench (it measures statements on purpose). */
const SQL_FILES = ['src/store/', 'migrations/', 'src/bench/'];

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
const files = ['src', 'protocol', 'migrations'].flatMap(sourceFiles);

const rank = (path: string) => {
  const matches = LAYERS.flatMap((l, i) => l.holds.filter((h) => path === h || (h.endsWith('/') && path.startsWith(h))).map((h) => ({ i, length: h.length })));
  return matches.sort((a, b) => b.length - a.length)[0]?.i ?? -1;
};

interface Import {
  from: string;
  /** A project file (`.ts`), or a package name. */
  to: string;
  typeOnly: boolean;
}
const parsed = new Map(files.map((f) => [f, ts.createSourceFile(f, readFileSync(join(root, f), 'utf8'), ts.ScriptTarget.Latest, true)]));

function importsOf(file: string): Import[] {
  const found: Import[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const s = specifier.text;
    const to = s.startsWith('.') ? relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts') : s;
    found.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      add(node.moduleSpecifier, Boolean(clause?.isTypeOnly || (clause && !clause.name && named?.length && named.every((e) => e.isTypeOnly))));
    } else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    ts.forEachChild(node, visit);
  };
  visit(parsed.get(file)!);
  return found;
}
const imports = files.flatMap(importsOf);
const projectImports = imports.filter((i) => i.to.endsWith('.ts'));
const layerOf = (path: string) => LAYERS[rank(path)]?.layer ?? '(none)';

describe('layering', () => {
  test('every source file belongs to a layer', () => {
    assert.deepEqual(files.filter((f) => rank(f) < 0), [], 'add these to LAYERS');
  });

  test('protocol/ imports nothing of the project outside protocol/ and no I/O', () => {
    const outside = imports.filter((i) => i.from.startsWith('protocol/') && !(i.to.startsWith('protocol/') || PURE_PACKAGES.includes(i.to)));
    assert.deepEqual(outside.map((i) => `${i.from} → ${i.to}`), []);
  });

  test('no import reaches up a layer, nor into a layer its own rules out', () => {
    const upward = projectImports.filter((i) => rank(i.to) > rank(i.from) || LAYERS[rank(i.from)]?.never?.includes(layerOf(i.to)));
    assert.deepEqual(upward.map((i) => `${i.from} (${layerOf(i.from)}) → ${i.to} (${layerOf(i.to)})`), []);
  });

  test('SQL is written only in store/ (and bench/, on purpose)', () => {
    const slips: string[] = [];
    for (const file of files.filter((f) => !SQL_FILES.some((p) => f.startsWith(p)))) {
      const where = (node: ts.Node) => `${file}:${parsed.get(file)!.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      for (const i of imports.filter((i) => i.from === file && i.to === 'knex' && !i.typeOnly)) slips.push(`${i.from} imports knex (only its types may be)`);
      // `.raw(…)`, or a knex handle called with a table name: `knex('devices')`, `trx('punches')`, `db.knex('…')`.
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node)) {
          const callee = node.expression;
          const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
          if (name === 'raw') slips.push(`${where(node)} calls .raw()`);
          else if (['knex', 'trx', 'db'].includes(name) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) slips.push(`${where(node)} queries ${node.arguments[0].text}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(parsed.get(file)!);
    }
    assert.deepEqual(slips, []);
  });

  test('no import cycles', () => {
    const next = new Map<string, string[]>();
    for (const i of projectImports) next.set(i.from, [...(next.get(i.from) ?? []), i.to]);
    const cycles: string[] = [];
    const done = new Set<string>();
    // Depth first; a file met again while on the path closes a cycle.
    const walk = (file: string, path: string[]): void => {
      const at = path.indexOf(file);
      if (at >= 0) return void cycles.push([...path.slice(at), file].join(' → '));
      if (done.has(file)) return;
      for (const to of next.get(file) ?? []) walk(to, [...path, file]);
      done.add(file);
    };
    for (const file of files) walk(file, []);
    assert.deepEqual(cycles, []);
  });
});
