/** PostgreSQL maintenance commands: each picks its target, builds operations, and hands them to the flow. */
import * as vscode from 'vscode';
import { featuresFor, type PgFeatures } from '../../core/postgres/features';
import {
  buildAnalyze, buildCancelBackend, buildCheckpoint, buildCluster, buildCreateIndexConcurrently, buildDropIndexConcurrently, buildReindex,
  buildTerminateBackend, buildVacuum, type MaintenanceOp, type OpTarget, type VacuumOptions, vacuumOptionsSupported,
} from '../../core/postgres/maintenance';
import { listAllTables } from '../../core/postgres/catalog';
import { canCheckpoint, listIndexes } from '../../core/postgres/objects';
import { displayName } from '../../core/postgres/identifiers';
import type { BatchOutcome } from '../../core/postgres/runner';
import type { Risk } from '../../core/operations/operation';
import type { ProfileStore } from '../../connections/profileStore';
import type { PgSessionNode } from '../../views/postgres/objectNodes';
import { nodeOfKind, rootOf } from '../../views/node';
import { Cancelled, UserFacingError } from '../../core/errors';
import { runOperationFlow, type FlowDeps, type FlowRequest } from '../../app/operationFlow';
import { resolveTarget, type PgTarget } from './pgTarget';

export interface VacuumArgs { options?: VacuumOptions }
export interface ReindexArgs { concurrently?: boolean }
export interface ClusterArgs { index?: string }
export interface CreateIndexArgs { columns?: string[]; name?: string; unique?: boolean }

export class PgMaintenanceCommands {
  constructor(private readonly deps: FlowDeps, private readonly profiles: ProfileStore) {}

  /** The shared flow; PostgreSQL's executor returns runner outcomes (SQL, rows, backend pid). */
  private run(req: FlowRequest<MaintenanceOp>): Promise<BatchOutcome | undefined> {
    return runOperationFlow(this.deps, req) as Promise<BatchOutcome | undefined>;
  }

  private target(node: unknown, kinds: PgTarget['kind'][]): Promise<PgTarget> {
    return resolveTarget(node, kinds, this.profiles, this.deps.connections);
  }

  private async features(t: PgTarget): Promise<PgFeatures> {
    const info = await (await this.deps.connections.postgres(t.profile)).serverInfo(t.database);
    return featuresFor(info.versionNum);
  }

  private opTarget(t: PgTarget): OpTarget {
    switch (t.kind) {
      case 'table':
        return { kind: 'table', database: t.database, schema: t.schema, name: t.table };
      case 'index':
        return { kind: 'index', database: t.database, schema: t.schema, name: t.index, table: t.table };
      case 'schema':
        return { kind: 'schema', database: t.database, schema: t.schema };
      default:
        return { kind: 'database', database: t.database };
    }
  }

  /**
   * A schema runs table by table; tables and databases are one statement. The
   * schema's batch is heavy (it reads every table) although each table's op is safe.
   */
  private async perTable(t: PgTarget, build: (target: OpTarget) => MaintenanceOp): Promise<{ ops: MaintenanceOp[]; title?: string; risk?: Risk }> {
    if (t.kind !== 'schema') return { ops: [build(this.opTarget(t))] };
    const conn = await this.deps.connections.postgres(t.profile);
    const tables = (await listAllTables(conn, t.database, t.schema ?? '')).filter((x) => x.kind !== 'partitioned');
    if (!tables.length) throw new UserFacingError(`Schema ${t.schema ?? ''} has no tables.`);
    const ops = tables.map((x) => build({ kind: 'table', database: t.database, schema: t.schema, name: x.name }));
    // The verb is the first op's title less its table's name (which may hold spaces: "Order items").
    const first = ops[0]?.title ?? '';
    const shown = displayName(t.schema, tables[0]?.name ?? '');
    const verb = first.endsWith(` ${shown}`) ? first.slice(0, first.length - shown.length - 1) : first;
    return { ops, title: `${verb} of ${ops.length} tables in schema ${displayName(undefined, t.schema ?? '')}`, risk: 'heavy' };
  }

  async vacuum(node?: unknown, args: VacuumArgs = {}): Promise<BatchOutcome | undefined> {
    const t = await this.target(node, ['table', 'schema', 'database']);
    const f = await this.features(t);
    const options = args.options ?? (await askVacuumOptions(f));
    const { ops, title, risk } = await this.perTable(t, (target) => buildVacuum(target, options, f));
    return this.run({ profile: t.profile, ops, title, risk, sizeOf: this.opTarget(t) });
  }

  async analyze(node?: unknown): Promise<BatchOutcome | undefined> {
    const t = await this.target(node, ['table', 'schema', 'database']);
    const f = await this.features(t);
    const { ops, title, risk } = await this.perTable(t, (target) => buildAnalyze(target, {}, f));
    return this.run({ profile: t.profile, ops, title, risk, sizeOf: this.opTarget(t) });
  }

  async reindex(node?: unknown, args: ReindexArgs = {}): Promise<BatchOutcome | undefined> {
    const t = await this.target(node, ['index', 'table', 'schema', 'database']);
    const f = await this.features(t);
    let concurrently = args.concurrently;
    if (concurrently === undefined) {
      if (!f.reindexConcurrently) concurrently = false;
      else {
        const choice = await vscode.window.showQuickPick(
          [
            { label: 'CONCURRENTLY', description: 'rebuilds beside the old index; reads and writes continue (it waits for older transactions first)', value: true },
            { label: 'Plain REINDEX', description: 'faster, but ACCESS EXCLUSIVE on the index: practically every query on the table waits, reads included', value: false },
          ],
          { placeHolder: 'How should the index be rebuilt?', ignoreFocusOut: true },
        );
        if (!choice) throw new Cancelled();
        concurrently = choice.value;
      }
    }
    const op = buildReindex(this.opTarget(t), { concurrently }, f);
    return this.run({ profile: t.profile, ops: [op] });
  }

  async cluster(node?: unknown, args: ClusterArgs = {}): Promise<BatchOutcome | undefined> {
    const t = await this.target(node, ['table']);
    const conn = await this.deps.connections.postgres(t.profile);
    let index = args.index;
    if (!index) {
      const candidates = (await listIndexes(conn, t.database, t.schema ?? '', t.table ?? '')).filter((i) => i.valid && i.method === 'btree' && !i.predicate);
      if (!candidates.length) throw new UserFacingError(`${t.table ?? 'This table'} has no valid B-tree index to cluster on.`);
      const choice = await vscode.window.showQuickPick(candidates.map((i) => ({ label: i.name, description: i.definition, value: i.name })), { placeHolder: 'Order the table by which index?', ignoreFocusOut: true });
      if (!choice) throw new Cancelled();
      index = choice.value;
    }
    return this.run({ profile: t.profile, ops: [buildCluster(this.opTarget(t), index, { verbose: true })] });
  }

  async checkpoint(node?: unknown): Promise<BatchOutcome | undefined> {
    const t = await this.target(node, ['connection', 'database']);
    const f = await this.features(t);
    const conn = await this.deps.connections.postgres(t.profile);
    if (!(await canCheckpoint(conn, t.database, f.checkpointRole))) {
      throw new UserFacingError(`CHECKPOINT needs a superuser${f.checkpointRole ? ' or a member of pg_checkpoint' : ''}; ${t.profile.user ?? 'this role'} is neither.`);
    }
    return this.run({ profile: t.profile, ops: [buildCheckpoint(t.database)] });
  }

  async createIndex(node?: unknown, args: CreateIndexArgs = {}): Promise<BatchOutcome | undefined> {
    const t = await this.target(node, ['table']);
    let columns = args.columns;
    if (!columns) {
      const text = await vscode.window.showInputBox({ prompt: `Columns of the new index on ${t.table ?? ''}, in order, separated by commas`, placeHolder: 'customer_id, created_at', ignoreFocusOut: true, validateInput: (v) => (v.split(',').some((c) => c.trim()) ? undefined : 'Name at least one column.') });
      if (text === undefined) throw new Cancelled();
      columns = text.split(',').map((c) => c.trim()).filter(Boolean);
    }
    const name = args.name ?? `${t.table ?? 't'}_${columns.join('_')}_idx`.slice(0, 63);
    const op = buildCreateIndexConcurrently(t.database, { schema: t.schema ?? 'public', table: t.table ?? '', name, columns, unique: args.unique });
    return this.run({ profile: t.profile, ops: [op] });
  }

  async dropIndex(node?: unknown): Promise<BatchOutcome | undefined> {
    const t = await this.target(node, ['index']);
    return this.run({ profile: t.profile, ops: [buildDropIndexConcurrently(this.opTarget(t))] });
  }

  async signalBackend(target: unknown, how: 'cancel' | 'terminate'): Promise<BatchOutcome | undefined> {
    const node = nodeOfKind<PgSessionNode>(target, 'pg-session');
    if (!node) throw new UserFacingError('Run this from a session in the Sessions folder of a database.');
    if (node.session.isUpkeep) throw new UserFacingError('That is Upkeep\'s own session.');
    const t = await this.target(rootOf(node), ['connection']);
    const build = how === 'cancel' ? buildCancelBackend : buildTerminateBackend;
    return this.run({ profile: t.profile, ops: [build(node.database, node.session.pid)] });
  }
}

async function askVacuumOptions(f: PgFeatures): Promise<VacuumOptions> {
  const supported = new Set(vacuumOptionsSupported(f));
  type Item = vscode.QuickPickItem & { apply: (o: VacuumOptions) => void; needs: keyof VacuumOptions };
  const items: Item[] = [
    { label: 'ANALYZE', description: 'also refresh planner statistics', picked: true, needs: 'analyze', apply: (o) => (o.analyze = true) },
    { label: 'FULL', description: 'rewrite the table to return space to the OS — ACCESS EXCLUSIVE lock', needs: 'full', apply: (o) => (o.full = true) },
    { label: 'FREEZE', description: 'freeze all rows now (wraparound care)', needs: 'freeze', apply: (o) => (o.freeze = true) },
    { label: 'VERBOSE', description: 'report per-table details to the log', needs: 'verbose', apply: (o) => (o.verbose = true) },
    { label: 'SKIP_LOCKED', description: 'skip tables that are locked instead of waiting', needs: 'skipLocked', apply: (o) => (o.skipLocked = true) },
    { label: 'INDEX_CLEANUP OFF', description: 'skip index vacuuming (faster; for wraparound emergencies)', needs: 'indexCleanup', apply: (o) => (o.indexCleanup = 'off') },
    { label: 'TRUNCATE FALSE', description: 'do not truncate empty pages at the end (avoids an exclusive lock at the end)', needs: 'truncate', apply: (o) => (o.truncate = false) },
    { label: 'PARALLEL 2', description: 'vacuum indexes with 2 parallel workers', needs: 'parallel', apply: (o) => (o.parallel = 2) },
    { label: 'DISABLE_PAGE_SKIPPING', description: 'visit every page, even all-visible ones', needs: 'disablePageSkipping', apply: (o) => (o.disablePageSkipping = true) },
  ];
  const chosen = await vscode.window.showQuickPick(items.filter((i) => supported.has(i.needs)), { canPickMany: true, placeHolder: 'VACUUM options (only those this server supports are listed)', ignoreFocusOut: true });
  if (!chosen) throw new Cancelled();
  const options: VacuumOptions = {};
  for (const c of chosen) c.apply(options);
  return options;
}
