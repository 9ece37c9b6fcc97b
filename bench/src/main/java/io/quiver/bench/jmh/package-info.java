/**
 * JMH micro-benchmarks of the cached read path: the cost of a cache hit ({@link
 * io.quiver.bench.jmh.CacheHitBenchmark}) and of assembling record batches from cached chunks as
 * the server's DoGet does ({@link io.quiver.bench.jmh.BatchAssemblyBenchmark}).
 *
 * <p>Run: {@code java --add-opens=java.base/java.nio=ALL-UNNAMED -cp bench/target/classes:$(cat
 * bench/target/quiver.classpath) io.quiver.bench.jmh.JmhMain} from the repository root (after
 * {@code mvn -q -pl bench package -DskipTests}); JSON results go to {@code bench/results/jmh/}.
 */
package io.quiver.bench.jmh;
