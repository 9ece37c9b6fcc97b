package io.quiver.bench.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.cache.EvictionPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs the simulator on tiny traces against the real cache and checks what the policies do. */
@Timeout(60)
class PolicySimulatorTest {
  private static final int CAPACITY = 50;
  private static final int ROWS = 16;

  @Test
  void loopLargerThanTheCacheDefeatsLruButNotTinyLfu() {
    Trace loop = Traces.loop(CAPACITY + CAPACITY / 10, 20 * CAPACITY);
    PolicySimulator.TraceResult result = replay(loop);
    CacheSimulation.PolicyRun lru = result.run(EvictionPolicy.LRU);
    CacheSimulation.PolicyRun tinyLfu = result.run(EvictionPolicy.TINY_LFU);
    // LRU always evicts the key the loop asks for next.
    assertEquals(0, lru.hits(), lru.toString());
    assertEquals(loop.length(), lru.loads());
    // TinyLFU refuses candidates that are not requested more often than its victims, so most of
    // the loop stays cached; the optimum keeps capacity - 1 of the 55 keys per lap.
    assertTrue(tinyLfu.hitRatio() > 0.7, tinyLfu.toString());
    assertTrue(result.optimalHitRatio() >= tinyLfu.hitRatio(), result.toString());
  }

  @Test
  void tinyLfuBeatsLruOnScanPollutedZipf() {
    Trace trace = Traces.zipfWithScans(10 * CAPACITY, 0.9, 20_000, 2 * CAPACITY, 10 * CAPACITY, 7);
    PolicySimulator.TraceResult result = replay(trace);
    double lru = result.run(EvictionPolicy.LRU).hitRatio();
    double tinyLfu = result.run(EvictionPolicy.TINY_LFU).hitRatio();
    assertTrue(tinyLfu > lru + 0.03, "TinyLFU " + tinyLfu + " vs LRU " + lru);
    assertTrue(result.optimalHitRatio() >= tinyLfu, result.toString());
  }

  @Test
  void countsAgreeWithTheCacheStatsAndTheOptimumBoundsEveryPolicy() {
    for (Trace trace : PolicySimulator.syntheticTraces(CAPACITY, 10, 5_000, 11)) {
      PolicySimulator.TraceResult result = replay(trace);
      for (CacheSimulation.PolicyRun run : result.runs()) {
        String what = trace.name() + " " + run;
        assertEquals(trace.length(), run.requests(), what);
        assertEquals(run.requests(), run.hits() + run.loads(), what);
        // The simulator counts loads itself; the cache's counters must say the same.
        assertEquals(run.hits(), run.cacheHits(), what);
        assertEquals(run.loads(), run.cacheMisses(), what);
        assertTrue(run.peakBytes() <= run.capacityBytes(), what);
        assertTrue(run.hits() <= result.optimalHits(), what + " beat the optimum");
        // Every distinct key misses at least once; what cannot stay cached is evicted.
        assertTrue(run.loads() >= result.distinctKeys(), what);
        assertTrue(run.evictions() >= run.loads() - CAPACITY, what);
      }
    }
  }

  @Test
  void runsAreDeterministic() {
    Trace first = Traces.zipfWithScans(500, 0.9, 3_000, 100, 500, 3);
    Trace second = Traces.zipfWithScans(500, 0.9, 3_000, 100, 500, 3);
    assertArrayEquals(keys(first), keys(second));
    PolicySimulator.TraceResult a = replay(first);
    PolicySimulator.TraceResult b = replay(second);
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      assertEquals(a.run(policy).hits(), b.run(policy).hits(), policy.toString());
      assertEquals(a.run(policy).evictions(), b.run(policy).evictions(), policy.toString());
    }
    assertEquals(a.optimalHits(), b.optimalHits());
  }

  @Test
  void optimumOnAHandWorkedTrace() {
    // Capacity 2, a b c a b: c is never asked again, so the optimum does not admit it and hits
    // both a and b; LRU would have evicted a for c and then b for a.
    Trace trace = new Trace("hand", "a b c a b", new int[] {0, 1, 2, 0, 1});
    assertEquals(2, OptimalPolicy.hits(trace, 2));
    // Capacity 1: a stays (b, c are asked again later than a), so only the second a hits.
    assertEquals(1, OptimalPolicy.hits(trace, 1));
    assertEquals(2, OptimalPolicy.hits(trace, 3));
  }

  @Test
  void zipfSkewConcentratesRequests() {
    // Zipf(1.2) over 1000 keys gives its top key about 1/5.2 of the requests; uniform gives 1/1000.
    assertTrue(topKeyShare(Traces.zipf(1000, 1.2, 20_000, 5)) > 0.15);
    assertTrue(topKeyShare(Traces.zipf(1000, 0.0, 20_000, 5)) < 0.005);
  }

  private static double topKeyShare(Trace trace) {
    int[] counts = new int[trace.universe()];
    int top = 0;
    for (int i = 0; i < trace.length(); i++) {
      top = Math.max(top, ++counts[trace.keyAt(i)]);
    }
    return top / (double) trace.length();
  }

  @Test
  void traceFileKeysBecomeIdsInOrderOfFirstUse(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("trace.txt");
    Files.writeString(file, "# recorded\nalpha\n beta \n\nalpha\ngamma\nbeta\n");
    Trace trace = Traces.fromFile(file);
    assertArrayEquals(new int[] {0, 1, 0, 2, 1}, keys(trace));
    assertEquals("file:trace.txt", trace.name());
    assertEquals(3, trace.distinctKeys());

    Path empty = dir.resolve("empty.txt");
    Files.writeString(empty, "# nothing\n\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Traces.fromFile(empty));
    assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
  }

  @Test
  void commandWritesMarkdownAndJson(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("keys.txt");
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      lines.append("k").append(i % 30).append('\n');
    }
    Files.writeString(file, lines);
    Path out = dir.resolve("out");
    StringWriter printed = new StringWriter();
    CommandLine command = new CommandLine(new PolicySimulator());
    command.setOut(new PrintWriter(printed));
    int status =
        command.execute(
            "--capacity-chunks", "20",
            "--chunk-rows", "16",
            "--requests", "2000",
            "--trace-file", file.toString(),
            "--out", out.toString());
    assertEquals(0, status, printed.toString());
    assertTrue(printed.toString().contains("| loop |"), printed.toString());

    List<Path> written;
    try (Stream<Path> files = Files.list(out)) {
      written = files.sorted().toList();
    }
    assertEquals(2, written.size(), written.toString());
    JsonNode json = new ObjectMapper().readTree(written.get(0).toFile());
    assertEquals(6, json.get("traces").size());
    JsonNode recorded = json.get("traces").get(5);
    assertEquals("file:keys.txt", recorded.get("name").asText());
    assertEquals(400, recorded.get("requests").asLong());
    // Whatever the policy, every request is a hit or a load, as the cache counted it.
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      JsonNode run = recorded.get("policies").get(policy.name());
      assertEquals(400, run.get("hits").asLong() + run.get("loads").asLong());
      assertEquals(run.get("hits").asLong(), run.get("cacheStatsHits").asLong());
    }
    String markdown = Files.readString(written.get(1));
    assertTrue(markdown.contains("| file:keys.txt | 400 | 30 |"), markdown);
  }

  @Test
  void missingTraceFileIsAUsageError(@TempDir Path dir) {
    Path missing = dir.resolve("nope.txt");
    StringWriter errors = new StringWriter();
    CommandLine command = new CommandLine(new PolicySimulator());
    command.setErr(new PrintWriter(errors));
    int status = command.execute("--trace-file", missing.toString(), "--out", dir.toString());
    assertEquals(2, status); // picocli's usage-error status
    assertTrue(errors.toString().contains(missing + ": no such file"), errors.toString());
  }

  private static PolicySimulator.TraceResult replay(Trace trace) {
    CacheSimulation simulation = new CacheSimulation(CAPACITY, ROWS);
    // Closing the root fails the test if the simulation leaked a buffer.
    try (BufferAllocator root = PolicySimulator.newRoot(simulation)) {
      PolicySimulator.TraceResult result = PolicySimulator.replay(simulation, trace, root);
      assertEquals(0, root.getAllocatedMemory());
      return result;
    }
  }

  private static int[] keys(Trace trace) {
    int[] keys = new int[trace.length()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = trace.keyAt(i);
    }
    return keys;
  }
}
