package io.quiver.bench.harness;

/**
 * One measured run, as stored in {@code results.json}. CPU fields are -1 where not measured.
 *
 * @param contender contender name
 * @param workload workload name
 * @param repetition 0-based repetition
 * @param wallNanos wall time of the run
 * @param rows rows delivered
 * @param arrowBytes Arrow bytes delivered
 * @param clientCpuNanos CPU of the client process during the run (the harness JVM, or the
 *     contender's own process for Alluxio)
 * @param serverCpuNanos CPU of the contender's server processes during the run
 * @param storageCpuNanos CPU of the object store process (S3Proxy and the shaping proxy)
 * @param storageBytesRead bytes read from the object store, -1 if unknown
 * @param latenciesNanos per-request latencies of a concurrent run
 */
public record Measurement(
    String contender,
    String workload,
    int repetition,
    long wallNanos,
    long rows,
    long arrowBytes,
    long clientCpuNanos,
    long serverCpuNanos,
    long storageCpuNanos,
    long storageBytesRead,
    long[] latenciesNanos) {}
