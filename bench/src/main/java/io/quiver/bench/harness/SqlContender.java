package io.quiver.bench.harness;

/**
 * A contender that runs SQL workloads ({@link Workload#isSql()}): it runs the workload's query over
 * its table and keeps the answer, which the harness checks against the reference answer after every
 * measured run — a wrong answer is a failure, not a win.
 */
interface SqlContender extends Contender {

  /** The answer of the last {@link #run}, or null before the first. */
  QueryResult lastResult();

  /**
   * What the last run's scans did on the server, for the report (e.g. "3 of 12 row groups read, 9
   * pruned"), or null when the contender has no server to ask.
   */
  default String lastScanFacts() {
    return null;
  }
}
