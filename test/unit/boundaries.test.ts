import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('layer boundaries', () => {
  it('src/core imports nothing from the editor', () => {
    const offenders = files(path.join(ROOT, 'src', 'core')).filter((f) => /from 'vscode'|require\('vscode'\)/.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('the lint rule rejects a vscode import in src/core', async function () {
    this.timeout(60_000);
    const eslint = new ESLint({ cwd: ROOT });
    const [result] = await eslint.lintText("import * as vscode from 'vscode';\nexport const v = vscode.version;\n", {
      filePath: path.join(ROOT, 'src', 'core', 'format.ts'),
    });
    const messages = result?.messages.map((m) => `${m.ruleId ?? ''}: ${m.message}`) ?? [];
    assert.ok(messages.some((m) => m.startsWith('no-restricted-imports')), messages.join('\n'));
  });

  it('the same import is allowed outside src/core', async function () {
    this.timeout(60_000);
    const eslint = new ESLint({ cwd: ROOT });
    const [result] = await eslint.lintText("import * as vscode from 'vscode';\nexport const v = vscode.version;\n", {
      filePath: path.join(ROOT, 'src', 'extension.ts'),
    });
    assert.ok(!result?.messages.some((m) => m.ruleId === 'no-restricted-imports'));
  });

  it('activation loads no database driver', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { activationEvents: string[] };
    assert.ok(!pkg.activationEvents.includes('*'), 'never activate on *');
    // The extension bundle and its lazily required chunks (dist/chunks/, one directory down).
    const chunks = fs.readdirSync(path.join(ROOT, 'dist', 'chunks')).filter((f) => f.endsWith('.js'));
    const bundles = [
      { file: 'extension.js', prefix: './', text: fs.readFileSync(path.join(ROOT, 'dist', 'extension.js'), 'utf8') },
      ...chunks.map((f) => ({ file: `chunks/${f}`, prefix: '../', text: fs.readFileSync(path.join(ROOT, 'dist', 'chunks', f), 'utf8') })),
    ];
    for (const driver of ['pg', 'neo4j-driver', 'ioredis', 'dockerode']) {
      assert.ok(bundles.some((b) => b.text.includes(`require("${b.prefix}drivers/${driver}.js")`)), `${driver} is required lazily from its own file`);
      assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'drivers', `${driver}.js`)), `dist/drivers/${driver}.js exists`);
    }
    for (const b of bundles) assert.ok(!/node_modules\/(pg|ioredis|dockerode|neo4j-driver)\//.test(b.text), `no driver code inside ${b.file}`);
  });
});

describe('what activation evaluates', () => {
  const dist = path.join(ROOT, 'dist');

  it('the extension bundle stays small: the parser, reports, runners and panels are chunks', () => {
    const bundle = fs.readFileSync(path.join(dist, 'extension.js'), 'utf8');
    // Unminified in tests (the .vsix is minified): a generous bound that still fails if a chunk is bundled in.
    assert.ok(bundle.length < 200_000, `dist/extension.js is ${bundle.length} bytes`);
    for (const chunk of ['pg-views', 'pg-commands', 'connection-commands', 'results-panel', 'query-commands', 'backup-commands', 'pg-backup', 'redis-backup', 'docker-backup']) {
      assert.ok(bundle.includes(`require("./chunks/${chunk}.js")`), `the extension requires chunks/${chunk}.js lazily`);
    }
    assert.ok(!bundle.includes('libpg-query'), 'PostgreSQL\'s parser is not in the extension bundle');
    for (const marker of ['pg_stat_progress_', 'pgstattuple', 'TERMINATE TRANSACTIONS', 'pg_export_snapshot', 'redis-check-rdb']) assert.ok(!bundle.includes(marker), `${marker}: maintenance, report, runner and backup code stay in chunks`);
  });

  it('every chunk a bundle requires exists, and the parser finds its WebAssembly next to it', () => {
    const files = ['extension.js', ...fs.readdirSync(path.join(dist, 'chunks')).filter((f) => f.endsWith('.js')).map((f) => `chunks/${f}`)];
    for (const file of files) {
      const text = fs.readFileSync(path.join(dist, file), 'utf8');
      for (const m of text.matchAll(/require\("(\.\.?\/[^"]+\.js)"\)/g)) {
        const target = path.resolve(path.dirname(path.join(dist, file)), m[1] ?? '');
        assert.ok(fs.existsSync(target), `${file} requires ${m[1] ?? ''}, which is missing`);
      }
    }
    assert.ok(fs.existsSync(path.join(dist, 'chunks', 'libpg-query.wasm')));
  });
});
