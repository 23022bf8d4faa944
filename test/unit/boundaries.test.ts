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
    const bundle = fs.readFileSync(path.join(ROOT, 'dist', 'extension.js'), 'utf8');
    for (const driver of ['pg', 'neo4j-driver', 'ioredis', 'dockerode']) {
      assert.ok(bundle.includes(`require("./drivers/${driver}.js")`), `${driver} is required lazily from its own file`);
      assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'drivers', `${driver}.js`)), `dist/drivers/${driver}.js exists`);
    }
    assert.ok(!/node_modules\/(pg|ioredis|dockerode|neo4j-driver)\//.test(bundle), 'no driver code inside the extension bundle');
  });
});
