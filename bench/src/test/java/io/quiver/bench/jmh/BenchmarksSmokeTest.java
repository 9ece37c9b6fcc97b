package io.quiver.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quiver.cache.EvictionPolicy;
import org.apache.arrow.vector.FieldVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Runs the benchmark methods a few times outside JMH: they work, measure what they claim (hits
 * only; batches that share the cached buffers) and leak nothing (tear-down closes the allocators,
 * which throw on a leak). Timing is JMH's business, not this test's.
 */
@Timeout(60)
class BenchmarksSmokeTest {
  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void cacheHitBenchmarksOnlyHit(EvictionPolicy policy) throws Exception {
    CacheHitBenchmark benchmark = new CacheHitBenchmark();
    benchmark.policy = policy;
    benchmark.setUp();
    try {
      for (int i = 0; i < 3 * CacheHitBenchmark.ROW_GROUPS * CacheHitBenchmark.COLUMNS; i++) {
        benchmark.getIfPresent(BLACKHOLE);
        benchmark.getAllOneKey(BLACKHOLE);
        benchmark.getAllRowGroup16(BLACKHOLE);
      }
    } finally {
      benchmark.tearDown(); // throws if any request missed or a buffer leaked
    }
  }

  @Test
  void batchesShareTheCachedBuffersAndHoldTheirValues() throws Exception {
    BatchAssemblyBenchmark benchmark = new BatchAssemblyBenchmark();
    benchmark.sliceRows = 1000;
    benchmark.setUp();
    try {
      for (int round = 0; round < 4; round++) {
        benchmark.assembleBatch(BLACKHOLE);
        int slice = round % BatchAssemblyBenchmark.SLICES;
        assertEquals(1000, benchmark.root.getRowCount());
        for (int c = 0; c < BatchAssemblyBenchmark.COLUMNS; c++) {
          FieldVector cached = benchmark.held.get(c).chunk().slices().get(slice);
          FieldVector sent = benchmark.root.getVector(c);
          // Zero copy: the root reads the cached data buffer itself.
          assertEquals(
              cached.getDataBuffer().memoryAddress(), sent.getDataBuffer().memoryAddress());
          assertEquals(cached.getNullCount(), sent.getNullCount());
          for (int row = 0; row < 1000; row++) {
            assertEquals(cached.getObject(row), sent.getObject(row), "column " + c + " row " + row);
          }
        }
      }
      benchmark.serveRowGroup(BLACKHOLE);
      assertEquals(1000, benchmark.root.getRowCount());
    } finally {
      benchmark.tearDown();
    }
  }

  @Test
  void tearDownReportsAMissedHit() throws Exception {
    CacheHitBenchmark benchmark = new CacheHitBenchmark();
    benchmark.policy = EvictionPolicy.LRU;
    benchmark.setUp();
    benchmark.missesAfterSetup--; // as if a request had missed
    assertThrows(IllegalStateException.class, benchmark::tearDown);
  }
}
