import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const DIST = path.join(ROOT, 'dist');

/** Every file dist/cli.js loads: itself, and the chunks and drivers it requires, transitively. */
function cliGraph(): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = fs.readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(/require\("(\.\.?\/[^"]+\.js)"\)/g)) visit(path.resolve(path.dirname(file), m[1] ?? ''));
  };
  visit(path.join(DIST, 'cli.js'));
  return seen;
}

describe('the upkeep CLI as built', () => {
  it('dist/cli.js is a Node script with a shebang, executable', () => {
    const file = path.join(DIST, 'cli.js');
    assert.ok(fs.readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n'));
    assert.ok((fs.statSync(file).mode & 0o111) !== 0, 'executable');
  });

  it('nothing it loads requires vscode, and every file it requires exists', () => {
    const graph = cliGraph();
    assert.ok([...graph.keys()].some((f) => f.includes(`${path.sep}chunks${path.sep}`)), 'the report code comes from the shared chunks');
    for (const [file, text] of graph) {
      assert.ok(!/require\(["']vscode["']\)|from ["']vscode["']/.test(text), `${path.relative(ROOT, file)} requires vscode`);
    }
  });

  it('its sources import only src/cli and src/core (the layer rule, on the source graph)', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!/(?:from|import\(|require\()\s*['"]vscode['"]/.test(text), `${file} imports vscode`);
      for (const m of text.matchAll(/(?:from|import\(|require\()\s*['"](\.\.?\/[^'"]+)['"]/g)) {
        const base = path.resolve(path.dirname(file), m[1] ?? '');
        const target = [`${base}.ts`, path.join(base, 'index.ts')].find((p) => fs.existsSync(p));
        if (!target) continue;
        const rel = path.relative(path.join(ROOT, 'src'), target).split(path.sep)[0];
        assert.ok(rel === 'cli' || rel === 'core', `${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`);
        visit(target);
      }
    };
    visit(path.join(ROOT, 'src', 'cli', 'main.ts'));
    assert.ok(seen.size > 10);
  });

  it('package.json names bin/upkeep, which runs the built file', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string>; version: string };
    assert.equal(pkg.bin?.['upkeep'], 'bin/upkeep');
    const bin = path.join(ROOT, 'bin', 'upkeep');
    assert.ok((fs.statSync(bin).mode & 0o111) !== 0, 'bin/upkeep is executable');
    assert.equal(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }), `upkeep ${pkg.version}\n`);
    assert.equal(execFileSync(process.execPath, [path.join(DIST, 'cli.js'), '--version'], { encoding: 'utf8' }), `upkeep ${pkg.version}\n`);
  });

  it('the .vsix keeps the CLI (bin/ and dist/cli.js are not ignored)', () => {
    const ignored = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    assert.ok(!ignored.some((p) => p === 'bin/**' || p === 'bin' || p === 'dist/**' || p === 'dist/cli.js'), ignored.join(', '));
  });
});
