/**
 * Every PostgreSQL version check lives here, so "what does this server
 * support" has one answer. Numbers are server_version_num (15.4 → 150004).
 */
export interface PgFeatures {
  versionNum: number;
  vacuum: {
    /** VACUUM (SKIP_LOCKED), (INDEX_CLEANUP), (TRUNCATE): 12. */
    skipLocked: boolean;
    indexCleanup: boolean;
    /** INDEX_CLEANUP AUTO: 14. */
    indexCleanupAuto: boolean;
    truncate: boolean;
    /** VACUUM (PARALLEL n): 13. */
    parallel: boolean;
    /** VACUUM (PROCESS_TOAST): 14. */
    processToast: boolean;
    /** DISABLE_PAGE_SKIPPING: 9.6. */
    disablePageSkipping: boolean;
  };
  /** REINDEX … CONCURRENTLY: 12. */
  reindexConcurrently: boolean;
  /** pg_stat_progress_* views: vacuum 9.6, create_index and cluster 12, analyze 13. */
  progress: { vacuum: boolean; createIndex: boolean; cluster: boolean; analyze: boolean };
  /** The pg_checkpoint role (CHECKPOINT without superuser): 15. */
  checkpointRole: boolean;
  /** pg_stat_user_tables.n_ins_since_vacuum: 13. */
  insertsSinceVacuum: boolean;
}

export function featuresFor(versionNum: number): PgFeatures {
  const atLeast = (v: number): boolean => versionNum >= v;
  return {
    versionNum,
    vacuum: {
      skipLocked: atLeast(120000),
      indexCleanup: atLeast(120000),
      indexCleanupAuto: atLeast(140000),
      truncate: atLeast(120000),
      parallel: atLeast(130000),
      processToast: atLeast(140000),
      disablePageSkipping: atLeast(90600),
    },
    reindexConcurrently: atLeast(120000),
    progress: { vacuum: atLeast(90600), createIndex: atLeast(120000), cluster: atLeast(120000), analyze: atLeast(130000) },
    checkpointRole: atLeast(150000),
    insertsSinceVacuum: atLeast(130000),
  };
}
