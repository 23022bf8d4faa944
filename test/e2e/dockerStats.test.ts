import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { REPO_ROOT } from '../support/codeServer';
import { makeContainer, removeLabelled, runLabel } from '../support/dockerFixtures';
import { openWorkbench, recordDialogs, requireServices, runFromPalette, screenshot, screenshotOnFailure, settledWebviewFrame, waitForPrompt, type Workbench } from './workbench';

/** CPU in bursts, memory that grows and shrinks, and block writes: charts that move. */
const WORKLOAD = [
  'n=0',
  'while :; do',
  '  n=$(( (n + 1) % 6 ))',
  '  i=0; while [ $i -lt $(( 15000 * (n + 1) )) ]; do i=$((i+1)); done',
  '  x=$(busybox head -c $(( 400000 * (n + 1) )) /dev/zero | busybox tr "\\0" a)',
  '  dd if=/dev/zero of=/tmp/blob bs=64k count=$(( 8 * (n + 1) )) conv=fsync 2>/dev/null',
  '  sleep 0.5',
  'done',
].join('\n');

describe('e2e: Docker stats panel', function () {
  this.timeout(300_000);
  let wb: Workbench;
  let docker: Docker;
  const label = runLabel('e2e-stats');
  const project = 'shop';

  before(async () => {
    const services = requireServices();
    docker = new Docker({ socketPath: services.docker.socketPath });
    for (const service of ['api', 'worker']) {
      await makeContainer(docker, {
        image: services.docker.image,
        label,
        name: `${project}-${service}-1-${label}`,
        cmd: ['sh', '-c', WORKLOAD],
        labels: { 'com.docker.compose.project': `${project}-${label}`, 'com.docker.compose.service': service },
      });
    }
    wb = await openWorkbench('e2e-docker-stats', {
      settings: { 'upkeep.connections': [{ id: 'e2e-docker', engine: 'docker', name: 'Local Docker', socketPath: services.docker.socketPath, tls: 'disable' }] },
    });
    recordDialogs(wb.page);
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    if (docker) await removeLabelled(docker, label);
  });

  it('charts a Compose project’s containers, and the charts move', async () => {
    const { page } = wb;
    // The extension's commands reach the palette once its manifest is loaded: its activity icon says so.
    await page.locator('.activitybar [aria-label^="Upkeep"]').first().waitFor({ timeout: 60_000 });
    await runFromPalette(page, 'Upkeep Docker: Show Stats');
    await waitForPrompt(page, 'Which Compose project or container?');
    await page.locator('.quick-input-widget input.input').fill(`${project}-${label}`);
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Compose project' }).first();
    await row.waitFor({ timeout: 20_000 });
    await row.click();
    const frame = await settledWebviewFrame(page, `project ${project}`, 'svg.chart[data-metric="cpu"] polyline.line');
    assert.equal(await frame.locator('.card').count(), 2, 'one card per container');
    // Let the charts fill a little before the first picture.
    await page.waitForTimeout(20_000);
    const points = async (): Promise<string[]> => frame.locator('svg.chart polyline.line').evaluateAll((ls) => ls.map((l) => l.getAttribute('points') ?? ''));
    const before = await points();
    const first = await screenshot(page, 'docker-stats-1');
    await page.waitForTimeout(4_000);
    const after = await points();
    const second = await screenshot(page, 'docker-stats-2');
    assert.notDeepEqual(after, before, 'the chart lines changed between the two pictures');
    assert.ok(!fs.readFileSync(first).equals(fs.readFileSync(second)), 'the two screenshots differ');
    const cpu = await frame.locator('.card .value[data-metric="cpu"]').allInnerTexts();
    const mem = await frame.locator('.card .value[data-metric="mem"]').allInnerTexts();
    assert.ok(cpu.every((t) => /^\d+\.\d %$/.test(t)), cpu.join(' | '));
    assert.ok(mem.every((t) => / \/ /.test(t)), mem.join(' | '));
    assert.deepEqual(await frame.locator('.card .state').allInnerTexts(), ['live', 'live']);
    fs.mkdirSync(path.join(REPO_ROOT, 'docs', 'images'), { recursive: true });
    fs.copyFileSync(second, path.join(REPO_ROOT, 'docs', 'images', 'docker-stats.png'));
    console.log(`      CPU ${cpu.join(', ')}; memory ${mem.join(', ')}`);
  });
});
