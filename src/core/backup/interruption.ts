/**
 * The question asked before a backup method that does more than read (a
 * format with `interrupts`: Neo4j's dump stops the server's container). It
 * is shown like any other operation: the steps it runs, what it does to
 * others, and — being 'blocking' — the connection's name typed on production.
 */
import type { ConnectionProfile } from '../connections/profile';
import type { Operation } from '../operations/operation';
import type { BackupFormat } from './model';

export function interruptionOperation(profile: ConnectionProfile, format: BackupFormat, steps: string): Operation | undefined {
  if (!format.interrupts) return undefined;
  return {
    engine: profile.engine,
    target: { kind: 'server' },
    kind: 'backup',
    title: `Back up with ${format.label}`,
    text: steps,
    language: 'shell',
    impact: format.interrupts,
    risk: 'blocking',
    confirmName: profile.name,
    cancelNote: 'Cancel stops the backup; the server is started again either way.',
  };
}
