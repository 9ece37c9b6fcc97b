package io.quiver.bench.harness;

import java.util.List;

/**
 * One way of getting the table's columns into a client's Arrow memory — Quiver, or what users do
 * without it. The harness calls {@link #prepare} (unmeasured: free or prime a cache), then {@link
 * #run} (measured: wall time, client CPU of the harness JVM, CPU of {@link #servers()}),
 * round-robin with the other contenders.
 *
 * <p>A new contender is a small class implementing this; it owns whatever it starts (processes,
 * clients, allocators) and releases it in {@link #close()}. Called from one thread at a time.
 */
public interface Contender extends AutoCloseable {

  /** Unique name in results, e.g. {@code quiver-warm} or {@code direct-java@s3-shaped}. */
  String name();

  /** Whether this contender can run {@code workload} (e.g. cold runs have no concurrent mode). */
  boolean supports(Workload workload);

  /** Unmeasured set-up before each measured run: empty a cache for a cold run, prime a warm one. */
  default void prepare(Workload workload) throws Exception {}

  /** One measured run of {@code workload}. */
  RunResult run(Workload workload) throws Exception;

  /**
   * Unmeasured follow-up of a run, after the clock stopped: e.g. ask a server how many bytes it
   * read from storage.
   */
  default RunResult complete(Workload workload, RunResult result) throws Exception {
    return result;
  }

  /** Processes whose CPU counts as this contender's server CPU (none for a client-only reader). */
  default List<ChildProcess> servers() {
    return List.of();
  }

  @Override
  default void close() throws Exception {}
}
