/** Neo4j's statements from .cypher files: split by a small scanner, judged by keyword rules, streamed with backpressure. */
import type { RunMode, StatementJudgement, StatementPart, StatementStart, StatementSupport } from '../engine';
import type { Neo4jSession } from './connection';

export const neo4jStatements: StatementSupport = {
  languageId: 'cypher',
  explains: false,

  async split(text: string): Promise<StatementPart[]> {
    const { splitCypher } = await import('./splitCypher');
    return splitCypher(text).map((p) => ({ runnable: p.kind === 'cypher', text: p.text, start: p.start, end: p.end, ...(p.note ? { note: p.note } : {}) }));
  },

  async judge(text: string, mode: RunMode): Promise<StatementJudgement> {
    const { classifyCypher } = await import('./cypherRisk');
    const judgement: StatementJudgement = { ...classifyCypher(text), sent: text };
    if (mode !== 'run') judgement.refusal = 'Explain is offered for SQL statements.';
    return judgement;
  },

  async start(session, req: StatementStart) {
    const { startCypher, terminateTagged } = await import('./neo4jQuery');
    const { driver } = session as Neo4jSession;
    const db = req.database ? { database: req.database } : {};
    const opts = { statementTimeoutMs: req.statementTimeoutMs, readOnly: req.readOnly, tag: req.tag, ...db };
    // Until startCypher returns there is no stream to cancel: terminate the tagged transaction instead.
    const onAbort = (): void => void terminateTagged(driver, req.tag, db).catch(() => 0);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await startCypher(driver, req.text, opts);
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
    }
  },
};
