import { strict as assert } from 'node:assert';
import Docker from 'dockerode';
import type { ServicesInfo } from '../services/index';
import { collapseViews, contextMenu, openWorkbench, requireServices, screenshot, screenshotOnFailure, treeItem, waitForPrompt, type Workbench } from './workbench';

const LABEL = `e2e-${process.pid}-${Date.now().toString(36)}`;

describe('e2e: the Docker view in the workbench', function () {
  this.timeout(180_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let docker: Docker;

  const container = async (name: string, opts: Partial<Docker.ContainerCreateOptions>, start: boolean): Promise<Docker.Container> => {
    const c = await docker.createContainer({
      name, Image: services.docker.image, Cmd: ['sleep', '600'], ...opts,
      Labels: { 'upkeep.test': LABEL, ...(opts.Labels ?? {}) }, HostConfig: { NetworkMode: 'none', ...(opts.HostConfig ?? {}) },
    });
    if (start) await c.start();
    return c;
  };

  before(async () => {
    services = requireServices();
    docker = new Docker({ socketPath: services.docker.socketPath });
    await docker.getImage(services.docker.image).tag({ repo: 'postgres', tag: '15' });
    await docker.createVolume({ Name: 'shop_pgdata', Labels: { 'upkeep.test': LABEL } });
    await docker.createVolume({ Name: 'old_reports', Labels: { 'upkeep.test': LABEL } });
    const compose = (service: string): Record<string, string> => ({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': service });
    await container('shop-db-1', { Image: 'postgres:15', Env: ['POSTGRES_USER=shop', 'POSTGRES_DB=orders'], Labels: compose('db'), HostConfig: { NetworkMode: 'none', Binds: ['shop_pgdata:/data'] } }, true);
    await container('shop-web-1', { Labels: compose('web') }, true);
    await container('shop-worker-1', { Labels: compose('worker'), Cmd: ['true'] }, true);
    await container('nightly-export', { Cmd: ['sh', '-c', 'dd if=/dev/zero of=/tmp/export bs=1024 count=256'] }, true);
    await container('scratch', { Cmd: ['true'], Volumes: { '/cache': {} } }, true);
    for (const c of await docker.listContainers({ all: true, filters: { label: [`upkeep.test=${LABEL}`] } })) if (c.State !== 'running') await docker.getContainer(c.Id).wait();
    wb = await openWorkbench('docker', {
      settings: {
        'upkeep.connections': [{ id: 'e2e-docker', engine: 'docker', name: 'Local Docker', socketPath: services.docker.socketPath, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 10_000 }],
      },
    });
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    for (const c of await docker.listContainers({ all: true, filters: { label: [`upkeep.test=${LABEL}`] } })) await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const v of (await docker.listVolumes({ filters: { label: [`upkeep.test=${LABEL}`] } })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    await docker.getImage('postgres:15').remove().catch(() => undefined);
  });

  it('shows the engine: containers by Compose project with a database badge, and the disk usage expanded', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
    await collapseViews(page, ['PostgreSQL', 'Neo4j', 'Redis', 'RabbitMQ']);
    const conn = treeItem(page, 'Local Docker');
    await conn.waitFor({ timeout: 30_000 });
    // Expand once its first check has answered (the status icon settles): a refresh of the node
    // while the workbench is still fetching its first children could leave it drawn empty.
    await conn.locator('.codicon-server').waitFor({ timeout: 30_000 });
    // A wider side bar, so descriptions (state, image, ports, sizes) read in full.
    const box = await page.locator('.part.sidebar').boundingBox();
    if (box) {
      await page.mouse.move(box.x + box.width + 1, 400);
      await page.mouse.down();
      await page.mouse.move(760, 400, { steps: 5 });
      await page.mouse.up();
    }
    await conn.click();
    await treeItem(page, 'Containers').click();
    await treeItem(page, 'shop').waitFor({ timeout: 30_000 });
    await treeItem(page, 'shop').click();
    await treeItem(page, 'shop-db-1').waitFor({ timeout: 30_000 });
    await treeItem(page, 'Volumes').click();
    await treeItem(page, 'shop_pgdata').waitFor({ timeout: 30_000 });
    await treeItem(page, 'Disk usage').click();
    await treeItem(page, 'Build cache').waitFor({ timeout: 30_000 });
    await page.locator('.monaco-list-row[role="treeitem"]').filter({ hasText: /reclaimable/ }).first().waitFor();
    await page.mouse.move(1100, 700);
    await page.waitForTimeout(800);
    await screenshot(page, 'docker-tree');
    const text = await page.locator('.pane-body').filter({ hasText: 'Local Docker' }).first().innerText();
    assert.match(text, /PostgreSQL · running · postgres:15/);
    assert.match(text, /Compose · 2 of 3 running/);
    assert.match(text, /unused/);
  });

  it('prune: the preview names what goes and what it frees, before anything is removed', async () => {
    const { page } = wb;
    await contextMenu(page, treeItem(page, 'Disk usage'), 'Prune…');
    await waitForPrompt(page, 'What to prune');
    for (const choice of ['Stopped containers', 'Unused anonymous volumes', 'All unused volumes, named ones too']) {
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: choice }).first().click();
    }
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /docker container prune --force --filter until=/);
    assert.match(text, /nightly-export/);
    assert.match(text, /old_reports \(named\)/);
    assert.doesNotMatch(text, /shop_pgdata/, 'the volume the running database uses is not listed');
    assert.match(text, /Destructive/);
    await page.waitForTimeout(500);
    await screenshot(page, 'docker-prune-preview');
    await dialog.locator('.monaco-button').filter({ hasText: 'Cancel' }).first().click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const stillThere = await docker.listContainers({ all: true, filters: { label: [`upkeep.test=${LABEL}`], name: ['nightly-export'] } });
    assert.equal(stillThere.length, 1, 'cancelled: nothing was removed');
  });
});
