import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENGINE_IDS } from '../../src/core/engine';
import { ENGINE_MODULES, engineForScheme, engineModule } from '../../src/core/engines';
import { parseConnectionUrl } from '../../src/core/connections/url';

const ROOT = path.resolve(__dirname, '../../..');
const SRC = path.join(ROOT, 'src');

/**
 * Where an engine may be named in code: its own folders, the one list of
 * engines (core/engine.ts for the ids, core/engines.ts for the modules) and
 * the editor's list of engine trees (views/registry.ts).
 */
function mayName(rel: string): boolean {
  if (['src/core/engine.ts', 'src/core/engines.ts', 'src/views/registry.ts'].includes(rel)) return true;
  return ENGINE_IDS.some((id) => rel.startsWith(`src/core/${id}/`) || rel.startsWith(`src/views/${id}/`) || rel.startsWith(`src/commands/${id}/`));
}

const NAMES = [...ENGINE_IDS, 'rabbitmq'].join('|');
const SWITCHES = [
  // profile.engine === 'postgres', engine !== 'docker', 'redis' === x.engine
  new RegExp(`\\b\\w*engine\\b\\s*[!=]==?\\s*['"](${NAMES})['"]`, 'i'),
  new RegExp(`['"](${NAMES})['"]\\s*[!=]==?\\s*[\\w.?]*engine\\b`, 'i'),
  // switch (profile.engine) { case 'postgres': … }
  /switch\s*\([^)]*engine[^)]*\)/i,
  new RegExp(`\\bcase\\s+['"](${NAMES})['"]\\s*:`),
];

/** Lines of a source that switch on an engine's name, as `file:line: text`. */
export function engineSwitches(rel: string, source: string): string[] {
  return source.split('\n').flatMap((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    return SWITCHES.some((re) => re.test(code)) ? [`${rel}:${i + 1}: ${line.trim()}`] : [];
  });
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Shared backup code: no import of an engine's folder, no engine's node kind ('pg-database') or setting name (pgBinDir). */
const BACKUP_SHARED = ['src/core/backup', 'src/commands/backup'];
const PREFIXES = ['pg', 'postgres', 'redis', 'neo4j', 'docker', 'rabbitmq'];
const ENGINE_SPECIFIC = [
  new RegExp(`from\\s+['"][./]*(core|views|commands)/(${ENGINE_IDS.join('|')})/`),
  new RegExp(`import\\(\\s*['"][./]*(core|views|commands)/(${ENGINE_IDS.join('|')})/`),
  new RegExp(`['"](${PREFIXES.join('|')})-[a-z]`),
  new RegExp(`\\b(${PREFIXES.join('|')})[A-Z]\\w*`),
];

export function engineSpecific(rel: string, source: string): string[] {
  return source.split('\n').flatMap((line, i) => {
    const code = line.replace(/\/\/.*$/, '').replace(/\/\*.*?(\*\/|$)/g, '').replace(/^\s*\*.*$/, '');
    return ENGINE_SPECIFIC.some((re) => re.test(code)) ? [`${rel}:${i + 1}: ${line.trim()}`] : [];
  });
}

describe('engines: shared code asks the module', () => {
  it('shared backup code (core/backup, commands/backup) names no engine\'s node kinds, settings or folders', () => {
    const found = BACKUP_SHARED.flatMap((dir) => tsFiles(path.join(ROOT, dir))).flatMap((f) => {
      const rel = path.relative(ROOT, f).split(path.sep).join('/');
      return engineSpecific(rel, fs.readFileSync(f, 'utf8'));
    });
    assert.deepEqual(found, [], `engine-specific names in shared backup code; let the engine's BackupSupport or its nodes say it:\n${found.join('\n')}`);
    const sample = [
      "import type { PgDatabaseNode } from '../../views/postgres/nodes';",
      "const db = nodeOfKind(node, 'pg-database');",
      "const dir = c.get('pgBinDir');",
      "const x = await import('../../core/redis/backup');",
      "const t = backupTargetOf(node); // 'pg-database' in a comment is fine",
    ].join('\n');
    assert.deepEqual(engineSpecific('x.ts', sample).map((l) => Number(l.split(':')[1])), [1, 2, 3, 4]);
  });

  it('no engine-name switch outside core/engines.ts and the engines\' own folders', () => {
    const found = tsFiles(SRC).flatMap((f) => {
      const rel = path.relative(ROOT, f).split(path.sep).join('/');
      return mayName(rel) ? [] : engineSwitches(rel, fs.readFileSync(f, 'utf8'));
    });
    assert.deepEqual(found, [], `switch on an engine's name in shared code; ask engineModule(id) instead:\n${found.join('\n')}`);
  });

  it('the check finds the shapes it is meant to find', () => {
    const sample = [
      "if (profile.engine === 'postgres') go();",
      "const x = engine !== 'docker';",
      "if ('redis' === p.engine) go();",
      'switch (profile.engine) {',
      "  case 'neo4j':",
      "const y = profiles.byEngine(engine); // engine === 'postgres' in a comment is fine",
      'if (a.engine === b.engine) go();',
    ].join('\n');
    assert.deepEqual(engineSwitches('x.ts', sample).map((l) => Number(l.split(':')[1])), [1, 2, 3, 4, 5]);
    assert.ok(mayName('src/core/postgres/engine.ts') && mayName('src/views/postgres/nodes.ts') && !mayName('src/views/treeProvider.ts'));
  });

  it('one module per engine id, each complete enough for the shared code', () => {
    assert.deepEqual(ENGINE_MODULES.map((m) => m.id), [...ENGINE_IDS]);
    for (const m of ENGINE_MODULES) {
      assert.equal(engineModule(m.id), m);
      assert.ok(m.label && m.defaultPort > 0 && m.urlExample, m.id);
      // A scheme two engines claim (http: is Docker's and RabbitMQ's management API) goes to the first, unless the caller names the engine.
      for (const scheme of Object.keys(m.urlSchemes)) assert.equal(engineForScheme(scheme), ENGINE_MODULES.find((x) => Object.hasOwn(x.urlSchemes, scheme)), `${scheme} resolves to its first claimant`);
      assert.equal(typeof m.probe, 'function');
    }
    const schemes = ENGINE_MODULES.flatMap((m) => Object.keys(m.urlSchemes));
    const shared = [...new Set(schemes.filter((s, i) => schemes.indexOf(s) !== i))].sort();
    assert.deepEqual(shared, ['http:', 'https:'], 'only http(s) is claimed twice (Docker, RabbitMQ), and the wizard names its engine');
    assert.equal(parseConnectionUrl('http://broker:15672', {}, 'rabbitmq').fields.engine, 'rabbitmq');
    assert.equal(parseConnectionUrl('http://docker:2375').fields.engine, 'docker');
  });
});
