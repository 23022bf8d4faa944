import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import neo4j, { type Driver } from 'neo4j-driver';
import type { ServicesInfo } from '../services/index';
import { cypher } from '../support/neo4jCypher';
import { collapseViews, expandRow, openWorkbench, requireServices, screenshot, screenshotOnFailure, signIn, treeItem, type Workbench } from './workbench';

const P = 'Shop';
const DOCS = path.resolve(__dirname, '../../../docs/images');

/**
 * The Neo4j tree in the workbench with indexes in every state: ONLINE and
 * read, unused, FAILED (a value too large for a RANGE key) and POPULATING (a
 * 300,000-node index created just before the folder is opened).
 */
describe('e2e: the Neo4j view with index states, dark and light', function () {
  this.timeout(300_000);
  let wb: Workbench | undefined;
  let services: ServicesInfo;
  let driver: Driver | undefined;

  before(async function () {
    this.timeout(300_000);
    services = requireServices();
    driver = neo4j.driver(services.neo4j.url, neo4j.auth.basic(services.neo4j.user, services.neo4j.password));
    await cypher(driver, `UNWIND range(1, 40) AS i CREATE (c:${P}Customer {email: 'c' + i + '@example.com'})-[:PLACED]->(:${P}Order {no: i})`);
    await cypher(driver, `UNWIND range(1, 6) AS i CREATE (:${P}Draft {i: i})`);
    await cypher(driver, `CREATE (:\`${P} <b>odd</b> label\`)`);
    await cypher(driver, `UNWIND range(1, 300000) AS i CALL (i) { CREATE (:${P}Event {at: i, tag: 'event-' + i + '-with-some-padding'}) } IN TRANSACTIONS OF 50000 ROWS`);
    await cypher(driver, `CREATE INDEX customer_email FOR (n:${P}Customer) ON (n.email)`);
    await cypher(driver, `CREATE INDEX order_no FOR (n:${P}Order) ON (n.no)`);
    await cypher(driver, `CREATE CONSTRAINT order_unique FOR (n:${P}Order) REQUIRE n.ref IS UNIQUE`);
    await cypher(driver, `CREATE (:${P}Note {body: reduce(s = '', i IN range(1, 5000) | s + 'abcdefghij')})`);
    await cypher(driver, `CREATE INDEX note_body FOR (n:${P}Note) ON (n.body)`);
    await cypher(driver, 'CALL db.awaitIndexes(60)').catch(() => undefined);
    for (let i = 1; i <= 5; i++) await cypher(driver, `MATCH (c:${P}Customer {email: 'c${i}@example.com'}) RETURN c`);
    // Usage statistics are published every few seconds.
    await new Promise((r) => setTimeout(r, 15_000));
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    if (!driver) return;
    for (const ix of ['customer_email', 'order_no', 'note_body', 'event_tag']) await cypher(driver, `DROP INDEX ${ix} IF EXISTS`);
    await cypher(driver, 'DROP CONSTRAINT order_unique IF EXISTS');
    for (const l of ['Customer', 'Order', 'Draft', 'Note']) await cypher(driver, `MATCH (n:${P}${l}) DETACH DELETE n`);
    await cypher(driver, `MATCH (n:\`${P} <b>odd</b> label\`) DELETE n`);
    await cypher(driver, `MATCH (n:${P}Event) CALL (n) { DELETE n } IN TRANSACTIONS OF 50000 ROWS`);
    await driver.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`shows labels with counts and indexes with their states (${theme})`, async () => {
      await wb?.close();
      const n = services.neo4j;
      wb = await openWorkbench(`e2e-neo4j-${theme}`, {
        theme: theme === 'dark' ? 'Default Dark Modern' : 'Default Light Modern',
        settings: { 'upkeep.connections': [{ id: `e2e-neo4j-${theme}`, engine: 'neo4j', name: 'Graph (staging)', host: n.host, port: n.port, user: n.user, scheme: 'bolt', tls: 'disable' }] },
      });
      const { page } = wb;
      await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
      await collapseViews(page, ['PostgreSQL', 'Redis', 'Docker', 'RabbitMQ']);
      const conn = treeItem(page, 'Graph (staging)');
      await conn.waitFor({ timeout: 30_000 });
      await signIn(page, conn, n.password);
      await expandRow(page, 'Graph (staging)', 'neo4j', 'Refresh Neo4j View');
      await expandRow(page, 'neo4j', 'Labels', 'Refresh Neo4j View');
      await expandRow(page, 'Labels', `${P}Customer`, 'Refresh Neo4j View');
      // A fresh index on 300,000 nodes: still populating when the folder opens.
      await cypher(driver, 'DROP INDEX event_tag IF EXISTS');
      await cypher(driver, `CREATE TEXT INDEX event_tag FOR (n:${P}Event) ON (n.tag)`);
      await expandRow(page, 'Indexes', 'note_body', 'Refresh Neo4j View');
      const box = await page.locator('.part.sidebar').boundingBox();
      if (box) {
        await page.mouse.move(box.x + box.width + 1, 400);
        await page.mouse.down();
        await page.mouse.move(640, 400, { steps: 5 });
        await page.mouse.up();
      }
      await page.mouse.move(1000, 600);
      await page.waitForTimeout(500);
      const text = await page.locator('.pane-body').filter({ hasText: 'Graph (staging)' }).first().innerText();
      assert.match(text, /40 nodes/);
      assert.match(text, /FAILED/);
      assert.match(text, new RegExp(`${P} <b>odd</b> label`), 'a hostile label is shown as text');
      const file = await screenshot(page, `neo4j-tree-${theme}`);
      fs.mkdirSync(DOCS, { recursive: true });
      fs.copyFileSync(file, path.join(DOCS, `neo4j-tree-${theme}.png`));
    });
  }
});
