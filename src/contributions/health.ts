/** Health of every connection and endpoint: the monitor (status bar, interval) and the Health panel, each a chunk loaded at first use. */
import * as vscode from 'vscode';
import { lazy } from '../app/lazy';
import type * as HealthMonitorModule from '../app/health/monitor';
import type { ReportLinkArgs } from '../core/health/links';
import type { HealthRun } from '../core/health/model';
import type * as HealthPanelModule from '../webviews/healthPanel';
import { HEALTH_VIEW_TYPE } from '../webviews/healthProtocol';
import { kept, type Contribution } from './context';

/* eslint-disable @typescript-eslint/no-require-imports -- each chunk loads the first time it is needed */
const healthMonitorModule = lazy(() => require('../app/health/monitor') as typeof HealthMonitorModule);
const healthPanelModule = lazy(() => require('../webviews/healthPanel') as typeof HealthPanelModule);
/* eslint-enable @typescript-eslint/no-require-imports */

/** What the extension-host tests read of the health monitor and panel. */
export interface HealthApi {
  run(): Promise<HealthRun>;
  lastRun(): HealthRun | undefined;
  statusBar(): { text: string; tooltip: string; worst: string; visible: boolean };
  panel(): HealthPanelModule.HealthPanelSnapshot | undefined;
  /** The healthy → critical notifications the monitor has shown, their words, oldest first. */
  notified(): string[];
  /** What the Health panel's serializer does with a panel VS Code hands back after a reload. */
  restorePanel(panel: vscode.WebviewPanel): void;
}

export function registerHealth(c: Contribution): HealthApi {
  const { register, profiles } = c;
  const storageDir = c.context.globalStorageUri.fsPath;
  const monitor = lazy(() => kept(c, new (healthMonitorModule().HealthMonitor)({ profiles, connections: c.connections, log: c.log, storageDir })));
  let panelsMade = false;
  const panels = lazy(() => {
    const made = kept(c, new (healthPanelModule().HealthPanels)(c.context.extensionUri, monitor(), c.log));
    panelsMade = true;
    return made;
  });
  // Registered at activation so the Health panel comes back after a reload; its code loads only then.
  c.context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(HEALTH_VIEW_TYPE, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel) => {
        panels().restore(panel);
        return Promise.resolve();
      },
    }),
  );
  register('upkeep.health.run', () => monitor().run());
  register('upkeep.health.show', () => panels().show());
  register('upkeep.health.openReport', (args?: ReportLinkArgs) => {
    if (!args || typeof args.connectionId !== 'string' || typeof args.kind !== 'string' || typeof args.database !== 'string') return undefined;
    return c.reports().show(args.kind, args.connectionId, args.database);
  });
  register('upkeep.health.showConnection', async (args?: { connectionId?: string }) => {
    const profile = args?.connectionId ? profiles.get(args.connectionId)?.profile : undefined;
    if (!profile) return;
    await vscode.commands.executeCommand(`upkeep.${profile.engine}.focus`);
    const node = c.trees[profile.engine].connectionNodes().find((n) => n.profile.id === profile.id);
    if (node) await c.views[profile.engine].reveal(node, { select: true, focus: true, expand: true });
  });
  // The monitor starts after activation (its code is a chunk), only when its interval is on.
  const start = setTimeout(() => {
    if (vscode.workspace.getConfiguration('upkeep.health').get<number>('intervalSeconds', 300) > 0) monitor().start();
  }, 0);
  c.context.subscriptions.push({ dispose: () => clearTimeout(start) });
  return {
    run: () => monitor().run(),
    lastRun: () => monitor().lastRun,
    statusBar: () => monitor().shown(),
    panel: () => (panelsMade ? panels().snapshot() : undefined),
    notified: () => monitor().notified(),
    restorePanel: (panel) => panels().restore(panel),
  };
}
