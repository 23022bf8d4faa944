import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import neo4j from 'neo4j-driver';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { Report } from '../../../src/core/reports/model';
import type { ReportPanel } from '../../../src/webviews/reportPanel';
import type { UpkeepNode } from '../../../src/views/node';
import { eventually, label, report, services, upkeep } from './helpers';

const P = `UpkR${process.pid}`;
/** An index nothing reads, whose name needs quoting and carries HTML. */
const UNUSED = `${P} unused <i>`;
const USED = `${P}_used`;

async function cypher(text: string): Promise<void> {
  const s = services().neo4j;
  const driver = neo4j.driver(s.url, neo4j.auth.basic(s.user, s.password));
  try {
    const session = driver.session({ database: 'neo4j' });
    try {
      await session.run(text);
    } finally {
      await session.close();
    }
  } finally {
    await driver.close();
  }
}

describe('Neo4j schema report panel', function () {
  this.timeout(180_000);
  let added: AddConnectionResult;
  let dbNode: UpkeepNode;

  before(async () => {
    await cypher(`UNWIND range(1, 20) AS i CREATE (:\`${P}Person\` {id: i, email: 'p' + i})-[:\`${P}KNOWS\`]->(:\`${P}Person\` {id: 100 + i})`);
    await cypher(`CREATE INDEX \`${USED}\` FOR (n:\`${P}Person\`) ON (n.id)`);
    await cypher(`CREATE INDEX \`${UNUSED.replace(/`/g, '``')}\` FOR (n:\`${P}Person\`) ON (n.email)`);
    await cypher('CALL db.awaitIndexes(30)');
    await cypher(`MATCH (n:\`${P}Person\`) WHERE n.id = 3 RETURN n`);
    const s = services().neo4j;
    added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `bolt://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}`, name: 'Report Neo4j' });
    const tree = (await upkeep()).trees.neo4j;
    const conn = await eventually('connection listed', async () => (await tree.getChildren()).find((n) => n.id === `conn:${added.profile.id}`));
    assert.match(String(conn.toTreeItem().contextValue), /\bengine-neo4j\b/, 'the connection menus\' when clause matches');
    dbNode = await eventually('database listed', async () => (await tree.getChildren(conn)).find((n) => label(n) === 'neo4j'), 60_000);
    assert.match(String(dbNode.toTreeItem().contextValue), /^upkeep\.neo4j\.database\b.*\bonline\b/, 'the database menus\' when clause matches');
  });

  after(async () => {
    const api = await upkeep();
    api.setPrompter(undefined);
    for (const p of api.reports.panels()) p.panel.dispose();
    if (added?.profile) await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
    for (const name of [USED, UNUSED]) await cypher(`DROP INDEX \`${name.replace(/`/g, '``')}\` IF EXISTS`);
    await cypher(`MATCH (n:\`${P}Person\`) DETACH DELETE n`);
  });

  /** Opens the panel on the database node; read counts are published every few seconds, so it is refreshed until the unused index shows. */
  async function open(): Promise<{ panel: ReportPanel; report: Report }> {
    const panel = await vscode.commands.executeCommand<ReportPanel>('upkeep.neo4j.report.schema', dbNode);
    assert.ok(panel, 'the command returns the panel');
    let r = await eventually('report computed', () => panel.lastReport, 60_000);
    const deadline = Date.now() + 90_000;
    while (!r.findings.some((f) => f.id === `neo4j-schema:unused:${UNUSED}`) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      r = (await panel.compute()) ?? r;
    }
    return { panel, report: r };
  }

  it('opens the schema report on the database through the command, with its sections and the unused index', async () => {
    const { panel, report: r } = await open();
    assert.equal(r.kind, 'neo4j-schema');
    assert.equal(r.database, 'neo4j');
    assert.match(r.serverVersion, /^Neo4j \d+\.\d+/);
    assert.match(panel.panel.title, /Schema — neo4j/);
    assert.ok(panel.panel.webview.html.includes("default-src 'none'"), 'strict CSP');
    assert.deepEqual(r.sections.map((s) => s.id), ['indexes', 'unused', 'failed', 'populating', 'constraints', 'labels', 'types', 'orphans', 'missing']);
    const unused = r.findings.find((f) => f.id === `neo4j-schema:unused:${UNUSED}`);
    assert.ok(unused, r.findings.map((f) => f.id).join('\n'));
    assert.ok(r.sections.find((s) => s.id === 'unused')?.rows.some((row) => row['name'] === UNUSED && row['trackedSince']), 'the unused row says since when');
    assert.ok(!r.findings.some((f) => f.id === `neo4j-schema:unused:${USED}`), 'the index a query read is not unused');
    assert.equal(r.sections.find((s) => s.id === 'labels')?.rows.find((row) => row['name'] === `${P}Person`)?.['count'], 40);
    assert.equal(r.sections.find((s) => s.id === 'types')?.rows.find((row) => row['name'] === `${P}KNOWS`)?.['count'], 20);
    report(`neo4j schema: ${r.sections.length} sections, ${r.findings.length} findings, computed in ${r.durationMs} ms`);
  });

  it('opens on the connection node for the profile\'s database, and exports Markdown with the HTML name as text', async () => {
    const tree = (await upkeep()).trees.neo4j;
    const conn = (await tree.getChildren()).find((n) => n.id === `conn:${added.profile.id}`);
    const panel = await vscode.commands.executeCommand<ReportPanel>('upkeep.neo4j.report.schema', conn);
    assert.equal(panel.state.database, 'neo4j', 'no database in the profile: "neo4j"');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-neo4j-report-'));
    try {
      const md = vscode.Uri.file(path.join(dir, 'schema.md'));
      assert.equal((await vscode.commands.executeCommand<vscode.Uri | undefined>('upkeep.neo4j.exportReport', dbNode, 'markdown', md))?.fsPath, md.fsPath);
      const text = fs.readFileSync(md.fsPath, 'utf8');
      assert.match(text, /^# Neo4j schema and usage — neo4j$/m);
      assert.match(text, /Indexes and their usage/);
      assert.match(text, /Nodes per label/);
      assert.ok(text.includes(`${P}Person`));
      assert.ok(!text.includes('<i>'), 'HTML in an index name is escaped in Markdown');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a Cypher fix script with the name backtick-quoted, and Run drops the index through the operation flow', async () => {
    const { panel, report: r } = await open();
    const unused = r.findings.find((f) => f.id === `neo4j-schema:unused:${UNUSED}`);
    assert.ok(unused);
    const doc = await panel.openFixScript([unused.id]);
    assert.ok(doc);
    assert.equal(doc.languageId, 'cypher');
    const text = doc.getText();
    assert.equal(text.split('\n')[0], '// Upkeep fix script');
    assert.ok(text.includes(`DROP INDEX \`${UNUSED}\`;`), text);
    assert.ok(text.split('\n').filter((l) => l && !l.startsWith('//')).every((l) => l === `DROP INDEX \`${UNUSED}\`;`), 'only the selected fix');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    const api = await upkeep();
    const previews: string[] = [];
    api.setPrompter({
      confirmOperation: (p) => {
        previews.push(...p.ops.map((op) => op.text));
        return Promise.resolve(true);
      },
      showOutcome: () => Promise.resolve(undefined),
    });
    const settled = new Promise<unknown>((resolve) => panel.onDidSettle(resolve));
    await panel.handle({ type: 'runFix', findingId: unused.id, fixIndex: 0 });
    await settled;
    assert.deepEqual(previews, [`DROP INDEX \`${UNUSED}\``], 'the same preview and confirmation as the tree');
    assert.ok(!panel.lastReport?.sections.find((s) => s.id === 'indexes')?.rows.some((row) => row['name'] === UNUSED), 'recomputed without the dropped index');
  });
});
