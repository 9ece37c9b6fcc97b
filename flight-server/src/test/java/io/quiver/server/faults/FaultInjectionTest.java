package io.quiver.server.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.protocol.ErrorCode;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.FlightErrors;
import io.quiver.server.TestNode;
import io.quiver.server.security.SecurityConfig;
import io.quiver.testing.ParquetTestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.BigIntVector;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that fails, stalls, truncates and changes objects under the node (a fault-injecting
 * wrapper of real local files): every scan returns the right rows or a clear error — never a
 * partial result, never a cache entry that serves bad data later — and the node keeps serving other
 * mounts meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultInjectionTest {
  @TempDir static Path tmp;
  private TestNode node;
  private long expectedSum;
  private long expectedRows;

  @BeforeAll
  void setUp() throws Exception {
    for (String d : List.of("faulty/t", "lake/t")) {
      ParquetTestFiles.writeAllTypesWithParquetHadoop(
          Files.createDirectories(tmp.resolve(d)),
          "p.parquet",
          CompressionCodecName.SNAPPY,
          true,
          ParquetProperties.WriterVersion.PARQUET_1_0,
          20_000,
          64 << 10,
          3);
    }
    node =
        TestNode.start(
            tmp.resolve("data"),
            c ->
                c.withSecurity(SecurityConfig.none().withAllowLocal(List.of(tmp.resolve("lake")))));
    node.action(
        "mount",
        Map.of("path", "/faulty", "uri", "faulty://" + tmp.resolve("faulty"), "options", Map.of()));
    node.mount("/lake", tmp.resolve("lake"));
    node.createTable("f.t", "/faulty/t").createTable("l.t", "/lake/t");
    long[] reference = scan("l.t");
    expectedRows = reference[0];
    expectedSum = reference[1];
    assertTrue(expectedRows == 20_000, "reference rows " + expectedRows);
  }

  @AfterEach
  void noFaults() {
    FaultyStorageProvider.plan.reset();
  }

  @AfterAll
  void tearDown() throws Exception {
    FaultyStorageProvider.plan.reset();
    node.close(); // fails on a leak
  }

  /** Rows and the sum of the first int64 column, reading every endpoint. */
  private long[] scan(String table) throws Exception {
    FlightInfo info =
        node.client()
            .getInfo(
                FlightDescriptor.command(
                    ScanCommand.table(table).withColumns(List.of("i64_req")).toBytes()));
    long rows = 0;
    long sum = 0;
    for (var e : info.getEndpoints()) {
      try (FlightStream s = node.client().getStream(e.getTicket())) {
        while (s.next()) {
          BigIntVector v = (BigIntVector) s.getRoot().getVector(0);
          for (int i = 0; i < v.getValueCount(); i++) {
            sum += v.isNull(i) ? 0 : v.get(i);
          }
          rows += v.getValueCount();
        }
      }
    }
    return new long[] {rows, sum};
  }

  private void freeCache() {
    node.action("cache-free", Map.of());
  }

  /** The failure has the expected kind and names the object (mount path or store URI). */
  private static void clearError(FlightRuntimeException e, ErrorCode expected) {
    assertEquals(expected, FlightErrors.codeOf(e).orElse(null), e.toString());
    assertTrue(e.getMessage().contains("faulty") || e.getMessage().contains("/f"), e.getMessage());
  }

  @Test
  void failingReadsGiveRightRowsOrAClearErrorAndPoisonNothing() throws Exception {
    FaultyStorageProvider.plan.readFailureRate = 0.3;
    int ok = 0;
    int failed = 0;
    for (int i = 0; i < 12; i++) {
      freeCache();
      try {
        long[] r = scan("f.t");
        assertEquals(expectedRows, r[0], "never a partial result");
        assertEquals(expectedSum, r[1]);
        ok++;
      } catch (FlightRuntimeException e) {
        clearError(e, ErrorCode.STORAGE_UNAVAILABLE);
        failed++;
      }
    }
    assertTrue(failed > 0, "the faults were hit");
    FaultyStorageProvider.plan.reset();
    long[] after = scan("f.t"); // what was cached between failures must be right
    assertEquals(expectedRows, after[0]);
    assertEquals(expectedSum, after[1]);
    assertEquals(12, ok + failed);
  }

  @Test
  void truncatedObjectsAndVersionChangesMidReadAreClearErrors() throws Exception {
    freeCache();
    FaultyStorageProvider.plan.truncateAfter = 1_000;
    FlightRuntimeException cut = assertThrows(FlightRuntimeException.class, () -> scan("f.t"));
    clearError(cut, ErrorCode.STORAGE_UNAVAILABLE); // a short read is the store's, not a bad file
    FaultyStorageProvider.plan.reset();

    freeCache();
    FaultyStorageProvider.plan.versionChangeAfter = 2;
    FlightRuntimeException changed = assertThrows(FlightRuntimeException.class, () -> scan("f.t"));
    clearError(changed, ErrorCode.VERSION_CHANGED);
    assertTrue(changed.getMessage().contains("chang"), changed.getMessage());
    FaultyStorageProvider.plan.reset();

    long[] after = scan("f.t");
    assertEquals(expectedRows, after[0]);
    assertEquals(expectedSum, after[1]);
  }

  @Test
  void aStalledStoreDoesNotHoldOtherMountsUp() throws Exception {
    freeCache();
    CountDownLatch gate = new CountDownLatch(1);
    FaultyStorageProvider.plan.gate = gate;
    CompletableFuture<long[]> stuck =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return scan("f.t");
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (FaultyStorageProvider.plan.gated.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(FaultyStorageProvider.plan.gated.get() > 0, "the faulty scan reached the store");
    // While it waits: the other mount scans, plans and answers actions.
    long[] other = scan("l.t");
    assertEquals(expectedRows, other[0]);
    assertEquals(expectedSum, other[1]);
    assertEquals("ok", node.action("health", Map.of()).path("status").asText());
    assertFalse(stuck.isDone());
    gate.countDown();
    long[] released = stuck.get(60, TimeUnit.SECONDS);
    assertEquals(expectedRows, released[0]);
    assertEquals(expectedSum, released[1]);
  }
}
