/** PostgreSQL's statements from .sql files: split by the server's scanner, judged by its parser, run through pg-cursor. */
import type { RunMode, StatementJudgement, StatementPart, StatementStart, StatementSupport } from '../engine';
import type { PostgresConnection } from './connection';
import type { SqlAnalysis } from './sqlRisk';

export const postgresStatements: StatementSupport = {
  languageId: 'sql',
  explains: true,

  async split(text: string): Promise<StatementPart[]> {
    const { loadSqlScanner, splitSql } = await import('./sqlParser');
    await loadSqlScanner();
    return splitSql(text).map((p) => ({ runnable: p.kind === 'sql', text: p.text, start: p.start, end: p.end, ...(p.note ? { note: p.note } : {}) }));
  },

  async judge(text: string, mode: RunMode): Promise<StatementJudgement> {
    const [{ classifySql, loadSqlParser }, { pgStatementFor }] = await Promise.all([import('./sqlParser'), import('./pgQuery')]);
    await loadSqlParser();
    const analysis = classifySql(text);
    const judgement: StatementJudgement = { ...analysis, sent: pgStatementFor(text, mode), analysis };
    if (analysis.transactionControl) {
      judgement.refusal = 'Upkeep runs each statement on its own connection in autocommit, so BEGIN / COMMIT / ROLLBACK have nothing to act on. Run the statements one by one, or the whole script with psql.';
    } else if (mode !== 'run' && !analysis.explainable) {
      judgement.refusal = 'EXPLAIN applies to SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, EXECUTE and CREATE TABLE AS only.';
    }
    return judgement;
  },

  async start(session, req: StatementStart) {
    const { startPgQuery } = await import('./pgQuery');
    const { statementTimeoutMs, lockTimeoutMs, readOnly, tag, mode, signal } = req;
    const opts = { statementTimeoutMs, readOnly, tag, analysis: req.judgement.analysis as SqlAnalysis, mode, ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}) };
    return startPgQuery(session as PostgresConnection, req.database ?? 'postgres', req.text, signal ? { ...opts, signal } : opts);
  },
};
