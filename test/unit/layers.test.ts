import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = path.resolve(__dirname, '../../..');
const SRC = path.join(ROOT, 'src');
const RULE = 'upkeep/layers';

// ---------------------------------------------------------------------------
// The lint rule: imports between the folders of src/ only go down.
// ---------------------------------------------------------------------------

describe('layers: imports only go down', function () {
  this.timeout(120_000);
  let eslint: ESLint;

  before(() => {
    // The project's own config, minus type information: the snippets below are linted as files
    // that do not exist, which the TypeScript project service would refuse to parse.
    eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });
  });

  /** The messages of the layer rule for `code` linted as if it were the file at `file` (relative to the repository). */
  async function layerMessages(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, ...file.split('/')) });
    assert.ok(result, `no lint result for ${file}`);
    const fatal = result.messages.filter((m) => m.fatal);
    assert.deepEqual(fatal.map((m) => m.message), [], `${file} did not parse`);
    return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
  }

  async function fires(file: string, code: string): Promise<string[]> {
    const messages = await layerMessages(file, code);
    assert.ok(messages.length > 0, `expected ${RULE} to report\n  ${code.trim()}\nin ${file}`);
    return messages;
  }

  async function passes(file: string, code: string): Promise<void> {
    assert.deepEqual(await layerMessages(file, code), [], `expected ${RULE} to allow\n  ${code.trim()}\nin ${file}`);
  }

  it('reports a view importing a command, and says why', async () => {
    const [message] = await fires('src/views/foo.ts', "import { x } from '../commands/register';\nexport const y = x;\n");
    assert.match(message ?? '', /^src\/views may not import src\/commands \(imports only go down/);
    assert.match(message ?? '', /Move the shared code down or pass it in\./);
  });

  it('reports upward imports between the other layers', async () => {
    await fires('src/webviews/x.ts', "import { x } from '../commands/postgres/maintenanceFlow';\nexport const y = x;\n");
    await fires('src/connections/wizard.ts', "import { x } from '../app/errors';\nexport const y = x;\n");
    await fires('src/core/postgres/x.ts', "import { x } from '../../views/node';\nexport const y = x;\n");
    await fires('src/app/x.ts', "import { x } from '../views/node';\nexport const y = x;\n");
    await fires('src/cli/x.ts', "import { x } from '../connections/profileStore';\nexport const y = x;\n");
    await fires('src/chunks/x.ts', "import { x } from '../extension';\nexport const y = x;\n");
    await fires('src/commands/x.ts', "import { x } from '../editor/codeLens';\nexport const y = x;\n");
  });

  it('resolves a relative import against the importing file: src/core/postgres → ../connections is src/core/connections', async () => {
    await passes('src/core/postgres/x.ts', "import { x } from '../connections/errors';\nexport const y = x;\n");
  });

  it('checks dynamic import(), require(), re-exports and type-only imports', async () => {
    await fires('src/core/a/b.ts', "export async function f(): Promise<unknown> {\n  return import('../../commands/x');\n}\n");
    await fires('src/core/a/b.ts', "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const m: unknown = require('../../views/node');\n");
    await fires('src/core/a.ts', "export { x } from '../app/x';\n");
    await fires('src/core/a.ts', "export * from '../app/x';\n");
    await fires('src/views/a.ts', "import type { X } from '../commands/register';\nexport type Y = X;\n");
    await fires('src/views/a.ts', "import { type X } from '../commands/register';\nexport type Y = X;\n");
    await fires('src/views/a.ts', "export type { X } from '../commands/register';\n");
  });

  it('allows imports that go down or stay in the layer', async () => {
    await passes('src/commands/x.ts', "import { x } from '../views/node';\nexport const y = x;\n");
    await passes('src/extension.ts', "import { x } from './commands/x';\nexport const y = x;\n");
    await passes('src/editor/x.ts', "import { x } from '../webviews/resultsPanel';\nexport const y = x;\n");
    await passes('src/views/postgres/nodes.ts', "import { x } from '../node';\nimport { y } from '../../app/prompter';\nexport const z = [x, y];\n");
    await passes('src/chunks/x.ts', "export * from '../commands/register';\nexport * from '../editor/codeLens';\n");
    await passes('src/cli/x.ts', "import { x } from '../core/format';\nexport const y = x;\n");
    await passes('src/core/x.ts', "import * as fs from 'node:fs';\nimport { Client } from 'pg';\nexport const y = [fs, Client];\n");
  });

  it('reports a folder that is not in the layer table, on either side of the import', async () => {
    const [message] = await fires('src/zzz/a.ts', "import { x } from '../core/format';\nexport const y = x;\n");
    assert.match(message ?? '', /src\/zzz is not in the layer table/);
    const [target] = await fires('src/views/a.ts', "import { x } from '../zzz/b';\nexport const y = x;\n");
    assert.match(target ?? '', /src\/zzz is not in the layer table/);
  });

  it('reports src/ importing from test/, scripts/ or media/', async () => {
    await fires('src/core/x.ts', "import { x } from '../../test/support/pg';\nexport const y = x;\n");
    await fires('src/extension.ts', "import { x } from '../scripts/bench';\nexport const y = x;\n");
    await fires('src/webviews/x.ts', "import { x } from '../../media/shared/dom';\nexport const y = x;\n");
  });
});

// ---------------------------------------------------------------------------
// No import cycles between the modules of src/.
// ---------------------------------------------------------------------------

function tsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []));
}

/**
 * The relative specifiers of a module's runtime imports: `import … from`, `export … from`,
 * side-effect `import '…'` and `require('…')`; `import('…')` is lazy and not an edge. Type-only imports
 * (`import type`, `export type`, `import { type A, type B }`, `typeof import('…')`) create
 * no runtime edge and are skipped.
 */
function runtimeImports(source: string): string[] {
  // Drop comment lines so that an import quoted in a comment is not an edge.
  const code = source
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .join('\n');
  const specs: string[] = [];
  const staticImport = /^[ \t]*(import|export)\s+(type\s+)?(?:([^'";]*?)\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(staticImport)) {
    const [, , typeOnly, clause, spec] = m;
    if (typeOnly || spec === undefined) continue;
    const named = clause?.trim().match(/^\{([^}]*)\}$/);
    const specifiers = named?.[1]?.split(',').map((s) => s.trim()).filter((s) => s !== '') ?? [];
    if (specifiers.length > 0 && specifiers.every((s) => s.startsWith('type '))) continue;
    specs.push(spec);
  }
  // import('…') is not an edge: it runs when called, after every module has been evaluated,
  // so it cannot close a cycle at load time (engine modules load their code this way).
  for (const m of code.matchAll(/(typeof\s+)?\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (!m[1] && m[2] !== undefined) specs.push(m[2]);
  }
  return specs.filter((s) => s.startsWith('./') || s.startsWith('../') || s === '.' || s === '..');
}

function resolveModule(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec.replace(/\.js$/, ''));
  return [base, `${base}.ts`, path.join(base, 'index.ts')].find((p) => p.endsWith('.ts') && fs.existsSync(p) && fs.statSync(p).isFile());
}

/** The module graph of src/: each file (relative to the repository, with /) → the files it imports at run time. */
function importGraph(): Map<string, string[]> {
  const key = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(SRC).sort()) {
    const targets = runtimeImports(fs.readFileSync(file, 'utf8'))
      .map((spec) => resolveModule(file, spec))
      .filter((t): t is string => t !== undefined)
      .map(key);
    graph.set(key(file), [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * The cycles a depth-first search finds: one per back edge, each as the chain of
 * modules from the first back to itself (`[a, b, a]`), rotated to start at its
 * smallest name so that the same cycle is listed once.
 */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const found = new Map<string, string[]>();

  const visit = (node: string): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'visiting') {
        const loop = stack.slice(stack.indexOf(next));
        const start = loop.indexOf([...loop].sort()[0] ?? next);
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        const chain = [...rotated, rotated[0] ?? next];
        found.set(chain.join('\u0000'), chain);
      } else if (s === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };

  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return [...found.values()];
}

describe('layers: no import cycles in src/', () => {
  it('the cycle finder reports a cycle (self-check)', () => {
    const graph = new Map([
      ['d.ts', ['a.ts']],
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'e.ts']],
      ['c.ts', ['a.ts']],
      ['e.ts', []],
      ['f.ts', ['f.ts']],
    ]);
    assert.deepEqual(findCycles(graph), [
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['f.ts', 'f.ts'],
    ]);
    assert.deepEqual(findCycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', []]])), []);
  });

  it('the import scanner keeps runtime imports and skips type-only ones', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "import { type C, type D } from './c';",
      "import { type E, e } from './e';",
      'import {',
      '  f,',
      '  g,',
      "} from '../f';",
      "export { h } from './h';",
      "export type { I } from './i';",
      "export * from './j';",
      "import './k';",
      "const l = await import('./l');",
      "type M = typeof import('./m');",
      "// import { n } from './n';",
      "import * as vscode from 'vscode';",
    ].join('\n');
    assert.deepEqual(runtimeImports(source), ['./a', './e', '../f', './h', './j', './k']);
  });

  it('src/ has no import cycles', () => {
    const graph = importGraph();
    assert.ok(graph.size > 0, 'found no modules under src/');
    const cycles = findCycles(graph).map((chain) => chain.join(' → '));
    assert.deepEqual(cycles, [], `import cycles in src/:\n  ${cycles.join('\n  ')}`);
  });
});
