/**
 * PostgreSQL's parser and scanner (libpg-query, WebAssembly) behind one module,
 * so the bundle loads them as one lazily required chunk (scripts/build.mjs).
 * Import it with `import()` only.
 */
export { loadSqlScanner, splitSql, type SqlStatement } from './splitSql';
export { classifySql, loadSqlParser, type SqlAnalysis } from './sqlRisk';
