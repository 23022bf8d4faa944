import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import neo4j, { type Driver } from 'neo4j-driver';
import type { ServicesInfo } from '../services/index';
import { cypher } from '../support/neo4jCypher';
import {
  answerIfAsked, collapseViews, expandRow, contextMenu, openWorkbench, recordDialogs, requireServices, screenshot, screenshotOnFailure, signIn, settledWebviewFrame, treeItem, type Workbench,
} from './workbench';

const P = 'Lib';
const DOCS = path.resolve(__dirname, '../../../docs/images');
const XSS_LABEL = `${P} <img src=x onerror=alert(1)> shelf`;
const XSS_INDEX = 'loan <b>due</b>';

/**
 * The Neo4j schema report in the shared panel, opened from the database's
 * context menu: an index read by queries, two never read (one named with
 * HTML), a FAILED one, a constraint, lone nodes under a label named with HTML.
 */
describe('e2e: the Neo4j schema report panel, dark and light', function () {
  this.timeout(300_000);
  let wb: Workbench | undefined;
  let services: ServicesInfo;
  let driver: Driver | undefined;

  before(async function () {
    this.timeout(300_000);
    services = requireServices();
    driver = neo4j.driver(services.neo4j.url, neo4j.auth.basic(services.neo4j.user, services.neo4j.password));
    await cypher(driver, `UNWIND range(1, 120) AS i CREATE (b:${P}Book {isbn: 'isbn-' + i, title: 'Book ' + i})-[:${P}WRITTEN_BY]->(:${P}Author {name: 'Author ' + (i % 30)})`);
    await cypher(driver, `UNWIND range(1, 45) AS i MATCH (b:${P}Book {isbn: 'isbn-' + i}) CREATE (:${P}Member {no: i})-[:${P}BORROWED {due: date() + duration({days: i})}]->(b)`);
    await cypher(driver, `UNWIND range(1, 9) AS i CREATE (:\`${XSS_LABEL}\` {i: i})`);
    await cypher(driver, `CREATE (:${P}Note {body: reduce(s = '', i IN range(1, 5000) | s + 'abcdefghij')})`);
    await cypher(driver, `CREATE INDEX book_isbn FOR (n:${P}Book) ON (n.isbn)`);
    await cypher(driver, `CREATE INDEX book_title FOR (n:${P}Book) ON (n.title)`);
    await cypher(driver, `CREATE INDEX \`${XSS_INDEX}\` FOR ()-[r:${P}BORROWED]-() ON (r.due)`);
    await cypher(driver, `CREATE INDEX note_body FOR (n:${P}Note) ON (n.body)`);
    await cypher(driver, `CREATE CONSTRAINT member_no FOR (n:${P}Member) REQUIRE n.no IS UNIQUE`);
    await cypher(driver, 'CALL db.awaitIndexes(60)').catch(() => undefined);
    for (let i = 1; i <= 5; i++) await cypher(driver, `MATCH (b:${P}Book {isbn: 'isbn-${i}'}) RETURN b`);
    // Usage statistics are published every few seconds.
    await new Promise((r) => setTimeout(r, 15_000));
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    if (!driver) return;
    for (const ix of ['book_isbn', 'book_title', XSS_INDEX, 'note_body']) await cypher(driver, `DROP INDEX \`${ix}\` IF EXISTS`);
    await cypher(driver, 'DROP CONSTRAINT member_no IF EXISTS');
    for (const l of ['Book', 'Author', 'Member', 'Note']) await cypher(driver, `MATCH (n:${P}${l}) DETACH DELETE n`);
    await cypher(driver, `MATCH (n:\`${XSS_LABEL}\`) DELETE n`);
    await cypher(driver, 'CALL db.awaitIndexes(60)').catch(() => undefined);
    await driver.close();
    // Let the server settle (dropped indexes, freed pages) before the next suite builds its 300,000-node graph.
    await new Promise((r) => setTimeout(r, 20_000));
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`opens from the database's menu with the unused and failed indexes, names with HTML as text (${theme})`, async () => {
      await wb?.close();
      const n = services.neo4j;
      wb = await openWorkbench(`e2e-neo4j-report-${theme}`, {
        theme: theme === 'dark' ? 'Default Dark Modern' : 'Default Light Modern',
        settings: { 'upkeep.connections': [{ id: `e2e-neo4j-report-${theme}`, engine: 'neo4j', name: 'Library graph', host: n.host, port: n.port, user: n.user, scheme: 'bolt', tls: 'disable' }] },
      });
      const { page } = wb;
      const dialogs = recordDialogs(page);
      await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
      await collapseViews(page, ['PostgreSQL', 'Redis', 'Docker', 'RabbitMQ']);
      const conn = treeItem(page, 'Library graph');
      await conn.waitFor({ timeout: 30_000 });
      await signIn(page, conn, n.password);
      await expandRow(page, 'Library graph', 'neo4j', 'Refresh Neo4j View');
      await contextMenu(page, treeItem(page, 'neo4j').first(), 'Schema and Usage Report');
      await answerIfAsked(page, [['Which Neo4j connection?', 'Library graph'], ['Which database?', 'neo4j']]);
      const frame = await settledWebviewFrame(page, 'Indexes and their usage', '.report-section');
      const text = await frame.locator('#app').innerText();
      assert.match(text, /Neo4j \d+\.\d+/);
      assert.ok(text.includes('book_title'), 'the unused index');
      assert.match(text, /FAILED/);
      assert.ok(text.includes(XSS_INDEX), 'an index named with HTML is shown as text');
      assert.ok(text.includes(XSS_LABEL), 'a label named with HTML is shown as text');
      for (const f of page.frames()) {
        const injected = await f.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror]').length + Array.from(document.querySelectorAll('b')).filter((b) => b.textContent === 'due').length).catch(() => 0);
        assert.equal(injected, 0, `no injected element in ${f.url().slice(0, 80)}`);
      }
      assert.deepEqual(dialogs, [], 'no alert dialog was opened');
      await page.mouse.move(1000, 600);
      await page.waitForTimeout(800);
      const file = await screenshot(page, `neo4j-schema-${theme}`);
      fs.mkdirSync(DOCS, { recursive: true });
      fs.copyFileSync(file, path.join(DOCS, `neo4j-schema-${theme}.png`));
    });
  }
});
