/**
 * Trace-replay simulation of the chunk cache's eviction policies: {@link
 * io.quiver.bench.cache.PolicySimulator} replays seeded synthetic traces (Zipf, Zipf with scans,
 * shifting Zipf, loop) or recorded ones against the real {@link io.quiver.cache.ChunkCache} and
 * reports hit ratios per policy next to Belady's optimum.
 *
 * <p>Run: {@code java --add-opens=java.base/java.nio=ALL-UNNAMED -cp bench/target/classes:$(cat
 * bench/target/quiver.classpath) io.quiver.bench.cache.PolicySimulator} from the repository root;
 * results go to {@code bench/results/cache-sim/}.
 */
package io.quiver.bench.cache;
