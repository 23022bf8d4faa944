/** PostgreSQL: maintenance, its reports and their exports, the history (postgres-commands chunk). */
import type * as vscode from 'vscode';
import { REPORT_KINDS } from '../core/postgres/reports/model';
import { lazy } from '../app/lazy';
import type * as PostgresCommandsModule from '../commands/postgres/index';
import { kept, type Contribution } from './context';

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- the chunk loads the first time a command needs it */
const postgresCommandsModule = lazy(() => require('../commands/postgres/index') as typeof PostgresCommandsModule);

type PgCommands = PostgresCommandsModule.PostgresCommands;
type PgMaintenance = PgCommands['maintenance'];
export type PgReports = PgCommands['reportCommands'];
/** The export formats every engine's report commands take. */
export type ExportFormat = Parameters<PgReports['export']>[2];

export function registerPostgres(c: Contribution): void {
  const { register } = c;
  const pg = lazy(() => kept(c, new (postgresCommandsModule().PostgresCommands)({ flow: c.flow, profiles: c.profiles, reports: c.reports })));
  const pgm = (): PgMaintenance => pg().maintenance;
  register('upkeep.pg.vacuum', (node?: unknown, args?: Parameters<PgMaintenance['vacuum']>[1]) => pgm().vacuum(node, args));
  register('upkeep.pg.analyze', (node?: unknown) => pgm().analyze(node));
  register('upkeep.pg.reindex', (node?: unknown, args?: Parameters<PgMaintenance['reindex']>[1]) => pgm().reindex(node, args));
  register('upkeep.pg.cluster', (node?: unknown, args?: Parameters<PgMaintenance['cluster']>[1]) => pgm().cluster(node, args));
  register('upkeep.pg.checkpoint', (node?: unknown) => pgm().checkpoint(node));
  register('upkeep.pg.createIndex', (node?: unknown, args?: Parameters<PgMaintenance['createIndex']>[1]) => pgm().createIndex(node, args));
  register('upkeep.pg.dropIndex', (node?: unknown) => pgm().dropIndex(node));
  register('upkeep.pg.cancelBackend', (node?: unknown) => pgm().signalBackend(node, 'cancel'));
  register('upkeep.pg.terminateBackend', (node?: unknown) => pgm().signalBackend(node, 'terminate'));
  register('upkeep.pg.report', (node?: unknown, kind?: Parameters<PgReports['open']>[1]) => pg().reportCommands.open(node, kind));
  for (const kind of REPORT_KINDS) register(`upkeep.pg.report.${kind}`, (node?: unknown) => pg().reportCommands.open(node, kind));
  register('upkeep.pg.exportReport', (node?: unknown, kind?: Parameters<PgReports['export']>[1], format?: ExportFormat, target?: vscode.Uri) =>
    pg().reportCommands.export(node, kind, format, target),
  );
  register('upkeep.pg.showHistory', (node?: unknown) => pg().showHistory(node));
}
