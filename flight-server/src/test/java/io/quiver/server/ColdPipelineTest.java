package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.cache.CachedChunk;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.cache.EntryInfo;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.ResolvedPath;
import io.quiver.format.FileMetadata;
import io.quiver.protocol.ScanCommand;
import io.quiver.storage.FileEntry;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold path's pipeline ({@link ColdPipeline}): prefetching the next unit and decoding a unit's
 * columns in parallel return exactly the rows of the serial path, release everything when a stream
 * is cancelled mid-way, and stay within the cache when it cannot hold two units. Each node's close
 * fails on any leaked off-heap byte.
 */
class ColdPipelineTest {
  /** Row groups of about 1 MiB stored: several per endpoint, each large enough to split. */
  private static final int ROWS = 24_000;

  @TempDir static Path shared;
  private static Path lake;
  private static Path file;
  private static Table expected;

  @TempDir Path tmp;

  @BeforeAll
  static void writeTable() throws Exception {
    lake = Files.createDirectories(shared.resolve("lake"));
    file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            Files.createDirectories(lake.resolve("t")),
            "part-0.parquet",
            CompressionCodecName.UNCOMPRESSED,
            false,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            ROWS,
            1 << 20,
            131);
    expected = ArrowOracle.readParquet(file);
  }

  private TestNode start(ColdPipeline pipeline, String decoder, long memory) throws Exception {
    TestNode node =
        TestNode.start(
            tmp.resolve("data-" + pipeline + "-" + decoder + "-" + memory),
            c ->
                c.withColdPipeline(pipeline)
                    .withDecodeThreads(3)
                    .withDecoder(decoder)
                    .withMemory(memory));
    node.mount("/lake", lake).createTable("t", "/lake/t");
    return node;
  }

  @Test
  void everyPipelineAndDecoderServesTheRowsArrowCppReads() throws Exception {
    List<String> names = expected.columnNames();
    // Three columns far apart in the file: three separate runs of column chunks.
    List<String> some =
        List.of(names.get(1), names.get(names.size() / 2), names.get(names.size() - 2));
    Table projectedExpected = ArrowOracle.readParquet(file, some);
    for (String decoder : List.of("java", "native")) {
      Table serial = null;
      for (ColdPipeline pipeline : ColdPipeline.values()) {
        try (TestNode node = start(pipeline, decoder, 256L << 20)) {
          FlightInfo info = node.client().getInfo(FlightDescriptor.path("t"));
          assertTrue(
              info.getEndpoints().size() * 2 <= unitCount(),
              "endpoints of several units each: " + info.getEndpoints().size());
          Table all = node.read(info);
          ArrowAssertions.assertSameTable(expected, all);
          if (serial == null) {
            serial = all;
          } else {
            ArrowAssertions.assertSameTable(serial, all);
          }
          // A projection, cold again.
          node.server().cache().invalidateAll(k -> true);
          Table projected = node.read(node.plan(ScanCommand.table("t").withColumns(some)));
          ArrowAssertions.assertSameTable(projectedExpected, projected);
          // Warm: the same rows again from the cache.
          ArrowAssertions.assertSameTable(expected, node.read(info));
        }
      }
    }
  }

  @Test
  void cancellingMidStreamLeavesNothingAllocated() throws Exception {
    try (TestNode node = start(ColdPipeline.PARALLEL, "native", 256L << 20)) {
      FlightInfo info = node.client().getInfo(FlightDescriptor.path("t"));
      FlightEndpoint first = info.getEndpoints().get(0);
      for (int batches : new int[] {1, 2, 3}) {
        node.server().cache().invalidateAll(k -> true);
        try (FlightStream stream = node.client().getStream(first.getTicket())) {
          for (int i = 0; i < batches; i++) {
            assertTrue(stream.next(), "an endpoint of several units has " + batches + " batches");
          }
          stream.cancel("test cancels", null);
        }
      }
      // The cache still serves every row afterwards; the node's close fails on any leak
      // (a prefetch still holding a unit, a column group never released).
      ArrowAssertions.assertSameTable(expected, node.read(info));
    }
  }

  @Test
  void aCacheTooSmallForTwoUnitsStillStreamsEveryRowWithinIt() throws Exception {
    long capacity;
    long largestUnit;
    try (TestNode node = start(ColdPipeline.SERIAL, "native", 256L << 20)) {
      node.read(node.client().getInfo(FlightDescriptor.path("t")));
      Map<Integer, Long> byUnit = new HashMap<>();
      for (EntryInfo e : node.server().cache().entries(k -> true)) {
        byUnit.merge(e.key().rowGroup(), e.bytes(), Long::sum);
      }
      largestUnit = byUnit.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      // Less than any two adjacent units: a stream holding unit k leaves no room for k + 1.
      long pairs = Long.MAX_VALUE;
      for (int u = 0; u + 1 < byUnit.size(); u++) {
        pairs = Math.min(pairs, byUnit.get(u) + byUnit.get(u + 1));
      }
      capacity = pairs - (64 << 10);
    }
    assertTrue(capacity > largestUnit + largestUnit / 10, "fixture: units of similar sizes");
    try (TestNode node = start(ColdPipeline.PARALLEL, "native", capacity)) {
      ArrowAssertions.assertSameTable(
          expected, node.read(node.client().getInfo(FlightDescriptor.path("t"))));
      var cache = node.server().cache();
      assertTrue(cache.allocator().getPeakMemoryAllocation() <= capacity);
      // No prefetch took the stream-through budget: every unit was cached by a load.
      assertEquals(0, cache.metrics().streamedThrough(), cache.metrics().toString());

      // Deterministically: while unit 0 is held, the prefetch of unit 1 is refused (not
      // streamed through, not failed), and once unit 0 is released unit 1 loads.
      cache.invalidateAll(k -> true);
      ResolvedPath resolved =
          node.server().catalog().resolve(NamespacePath.of("/lake/t/part-0.parquet"));
      FileEntry entry = resolved.storage().stat(resolved.location());
      FileMetadata metadata =
          node.server()
              .catalog()
              .metadata(resolved.storage(), entry, "parquet", resolved.mount().readOptions());
      List<String> columns = expected.columnNames();
      try (DecodePool pool = new DecodePool(3)) {
        UnitLoader loader =
            new UnitLoader(
                node.server().catalog(), cache, 1024, "native", pool, ColdPipeline.PARALLEL);
        StreamStats stats = new StreamStats();
        Map<ColumnChunkKey, CachedChunk> unit0 =
            loader.acquire(resolved, entry, metadata, 0, columns, stats);
        long failuresBefore = cache.stats().loadFailures();
        try (UnitLoader.Prefetch ahead = loader.prefetch(resolved, entry, metadata, 1, columns)) {
          assertNull(ahead.take(stats), "no room for unit 1 while unit 0 is held");
        } finally {
          unit0.values().forEach(CachedChunk::close);
        }
        // Declined, not failed: the operators' load-failure count is for real failures.
        assertEquals(failuresBefore, cache.stats().loadFailures());
        assertEquals(0, cache.metrics().streamedThrough(), cache.metrics().toString());
        Map<ColumnChunkKey, CachedChunk> unit1 =
            loader.acquire(resolved, entry, metadata, 1, columns, stats);
        try {
          assertEquals(columns.size(), unit1.size());
          assertEquals(metadata.unitRows(1), unit1.values().iterator().next().chunk().rowCount());
        } finally {
          unit1.values().forEach(CachedChunk::close);
        }
        // With room, a prefetch hands over the whole unit.
        try (UnitLoader.Prefetch ahead = loader.prefetch(resolved, entry, metadata, 2, columns)) {
          Map<ColumnChunkKey, CachedChunk> unit2 = ahead.take(stats);
          try {
            assertEquals(columns.size(), unit2.size());
            assertEquals(metadata.unitRows(2), unit2.values().iterator().next().chunk().rowCount());
          } finally {
            unit2.values().forEach(CachedChunk::close);
          }
        }
        // A prefetch nobody takes is released when dropped.
        loader.prefetch(resolved, entry, metadata, 3, columns).close();
        // The fixture's units are split into parallel column groups.
        long stored = 0;
        for (String c : columns) {
          stored += metadata.columnBytes(0, c);
        }
        assertTrue(stored >= UnitLoader.MIN_PARALLEL_BYTES, "unit 0 stores " + stored);
      }
      try (DecodePool pool = new DecodePool(1)) {
        assertNull(
            new UnitLoader(
                    node.server().catalog(), cache, 1024, "native", pool, ColdPipeline.SERIAL)
                .prefetch(resolved, entry, metadata, 1, columns),
            "serial: no prefetch");
      }
      assertTrue(cache.allocator().getPeakMemoryAllocation() <= capacity);
    }
  }

  @Test
  void splitKeepsColumnOrderAndBalancesBytes() {
    List<String> c = List.of("a", "b", "c", "d", "e");
    assertEquals(
        List.of(List.of("a", "b"), List.of("c", "d", "e")),
        UnitLoader.split(c, new long[] {10, 10, 5, 5, 10}, 2));
    // A column far larger than the rest still leaves every group non-empty.
    assertEquals(
        List.of(List.of("a"), List.of("b"), List.of("c", "d", "e")),
        UnitLoader.split(c, new long[] {1000, 1, 1, 1, 1}, 3));
    assertEquals(List.of(c), UnitLoader.split(c, new long[] {1, 1, 1, 1, 1}, 1));
    assertEquals(
        List.of(List.of("a"), List.of("b")),
        UnitLoader.split(List.of("a", "b"), new long[] {0, 0}, 4));
  }

  private static int unitCount() throws Exception {
    try (var reader =
        org.apache.parquet.hadoop.ParquetFileReader.open(
            new org.apache.parquet.io.LocalInputFile(file))) {
      return reader.getFooter().getBlocks().size();
    }
  }
}
