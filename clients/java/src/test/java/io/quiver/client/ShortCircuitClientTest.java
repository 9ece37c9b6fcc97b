package io.quiver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.cache.SharedMemoryOptions;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.TestNode;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client's short-circuit reads against a real node started with shared memory: the rows
 * are Arrow C++'s and Flight's, value by value (flat and nested types, projections, cold and warm);
 * the client really maps the node's files; what cannot be mapped (a filter, a node without the
 * feature, a directory the client cannot verify, a lease that expired mid-read) falls back to
 * Flight with every row exactly once; leases are released on early close. The client's allocator
 * and the node fail on any leak.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShortCircuitClientTest {
  @TempDir static Path tmp;
  private TestNode node;
  private Path shm;
  private Table flat;
  private Table nested;

  @BeforeAll
  void setUp() throws Exception {
    Path lake = tmp.resolve("lake");
    Path flatFile =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            Files.createDirectories(lake.resolve("flat")),
            "part-0.parquet",
            CompressionCodecName.SNAPPY,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            12_000,
            256 << 10,
            3);
    Path nestedFile =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            Files.createDirectories(lake.resolve("nested")),
            "part-0.parquet",
            CompressionCodecName.SNAPPY,
            false,
            ParquetProperties.WriterVersion.PARQUET_2_0,
            6_000,
            128 << 10,
            5);
    flat = ArrowOracle.readParquet(flatFile);
    nested = ArrowOracle.readParquet(nestedFile);
    shm = Files.createDirectories(tmp.resolve("shm"));
    node =
        TestNode.start(
                tmp.resolve("data"),
                c ->
                    c.withShortCircuit(new SharedMemoryOptions(shm, null))
                        .withShortCircuitLease(Duration.ofMillis(300))
                        .withRowGroupsPerEndpoint(2))
            .mount("/lake", lake)
            .createTable("flat", "/lake/flat")
            .createTable("nested", "/lake/nested");
  }

  @AfterAll
  void tearDown() throws Exception {
    if (node != null) {
      node.close(); // fails on a server-side leak
    }
  }

  private QuiverClient client(boolean shortCircuit, RootAllocator allocator) {
    return QuiverClient.builder()
        .host("127.0.0.1")
        .port(node.port())
        .allocator(allocator)
        .parallelism(1) // endpoints in order: rows compare row by row
        .shortCircuit(shortCircuit)
        .build();
  }

  private static Table readAll(QuiverClient client, ScanCommand command) {
    try (BatchStream stream = client.stream(command)) {
      List<VectorSchemaRoot> batches = new ArrayList<>();
      try {
        while (stream.hasNext()) {
          batches.add(stream.next());
        }
        return Table.fromBatches(batches);
      } finally {
        batches.forEach(VectorSchemaRoot::close);
      }
    }
  }

  private long rowsMapped() {
    return node.stats().path("scans").path("rowsMapped").asLong(-1);
  }

  /** How many times this process maps files of the node's shared-memory directory. */
  private long mappingsOfSharedFiles() throws Exception {
    Path dir = node.server().cache().sharedMemory().directory();
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines.filter(l -> l.contains(dir.toString()) && l.contains(".arrow")).count();
    }
  }

  @Test
  void readsMapTheNodesFilesAndReturnArrowCppsRows() throws Exception {
    try (RootAllocator allocator = new RootAllocator();
        QuiverClient mapped = client(true, allocator);
        QuiverClient flight = client(false, allocator)) {
      for (String table : List.of("flat", "nested")) {
        Table expected = table.equals("flat") ? flat : nested;
        node.server().cache().invalidateAll(k -> true);
        // Cold: the lease loads what is missing, into shared memory.
        ArrowAssertions.assertSameTableDeep(expected, readAll(mapped, ScanCommand.table(table)));
        // Warm, and the same as Flight.
        ArrowAssertions.assertSameTableDeep(
            readAll(flight, ScanCommand.table(table)), readAll(mapped, ScanCommand.table(table)));
      }
      // The node counts the rows clients mapped: all of a mapped read, none of a Flight read.
      long mappedBefore = rowsMapped();
      readAll(mapped, ScanCommand.table("flat"));
      assertEquals(flat.rowCount(), rowsMapped() - mappedBefore);
      readAll(flight, ScanCommand.table("flat"));
      assertEquals(flat.rowCount(), rowsMapped() - mappedBefore);
      List<String> some = List.of(flat.columnNames().get(3), flat.columnNames().get(1));
      ArrowAssertions.assertSameTable(
          readAll(flight, ScanCommand.table("flat").withColumns(some)),
          readAll(mapped, ScanCommand.table("flat").withColumns(some)));

      // The client maps the node's files itself: while it holds a batch, each of its columns'
      // files is mapped twice in this process (the node's mapping and the client's). Without a
      // mapping cache, closing the batch unmaps them. A Flight read maps nothing.
      readAll(flight, ScanCommand.table("flat")); // every chunk cached (and mapped by the node)
      long nodeOnly = mappingsOfSharedFiles();
      try (QuiverClient uncached =
          QuiverClient.builder()
              .host("127.0.0.1")
              .port(node.port())
              .allocator(allocator)
              .shortCircuitCache(0)
              .build()) {
        FlightEndpoint first = uncached.info(ScanCommand.table("flat")).getEndpoints().get(0);
        try (BatchStream stream = uncached.stream(first)) {
          assertTrue(stream.hasNext());
          try (VectorSchemaRoot batch = stream.next()) {
            assertTrue(batch.getRowCount() > 0);
            assertTrue(
                mappingsOfSharedFiles() >= nodeOnly + batch.getFieldVectors().size(),
                "the client mapped the columns' files: "
                    + mappingsOfSharedFiles()
                    + " vs "
                    + nodeOnly);
          }
        }
        assertEquals(nodeOnly, mappingsOfSharedFiles(), "the client unmapped them on close");
      }
      readAll(flight, ScanCommand.table("flat"));
      assertEquals(nodeOnly, mappingsOfSharedFiles());

      // With the mapping cache (the default), a second read maps nothing new, and closing the
      // client unmaps everything it kept.
      try (QuiverClient caching = client(true, allocator)) {
        ArrowAssertions.assertSameTable(flat, readAll(caching, ScanCommand.table("flat")));
        long kept = mappingsOfSharedFiles();
        assertTrue(kept > nodeOnly, "mappings kept after the read");
        ArrowAssertions.assertSameTable(flat, readAll(caching, ScanCommand.table("flat")));
        assertEquals(kept, mappingsOfSharedFiles(), "the second read reused them");
      }
      assertEquals(nodeOnly, mappingsOfSharedFiles(), "closing the client unmapped them");
    }
  }

  @Test
  void whatCannotBeMappedIsReadOverFlightExactly() throws Exception {
    try (RootAllocator allocator = new RootAllocator();
        QuiverClient mapped = client(true, allocator);
        QuiverClient flight = client(false, allocator)) {
      ScanCommand filtered =
          ScanCommand.table("flat").withFilter(Filter.isNotNull(flat.columnNames().get(2)));
      Table viaFlight = readAll(flight, filtered);
      assertTrue(viaFlight.rowCount() > 0 && viaFlight.rowCount() < flat.rowCount());
      ArrowAssertions.assertSameTable(viaFlight, readAll(mapped, filtered));
    }
    // A node without shared memory: the client asks once, then reads over Flight.
    try (TestNode plain = TestNode.start(tmp.resolve("plain"));
        RootAllocator allocator = new RootAllocator();
        QuiverClient client =
            QuiverClient.builder()
                .host("127.0.0.1")
                .port(plain.port())
                .allocator(allocator)
                .parallelism(1)
                .build()) {
      plain.mount("/lake", tmp.resolve("lake")).createTable("flat", "/lake/flat");
      ArrowAssertions.assertSameTable(flat, readAll(client, ScanCommand.table("flat")));
      ArrowAssertions.assertSameTable(flat, readAll(client, ScanCommand.table("flat")));
    }
  }

  @Test
  void aDirectoryTheClientCannotVerifyIsNotMapped() throws Exception {
    Path token = node.server().cache().sharedMemory().directory().resolve(".quiver-token");
    String real = Files.readString(token);
    Files.writeString(token, "0".repeat(real.length()));
    try (RootAllocator allocator = new RootAllocator();
        QuiverClient client = client(true, allocator)) {
      long before = mappingsOfSharedFiles();
      try (BatchStream stream = client.stream(ScanCommand.table("flat"))) {
        assertTrue(stream.hasNext());
        try (VectorSchemaRoot batch = stream.next()) {
          assertEquals(before, mappingsOfSharedFiles(), "nothing mapped after a token mismatch");
        }
      }
      ArrowAssertions.assertSameTable(flat, readAll(client, ScanCommand.table("flat")));
    } finally {
      Files.writeString(token, real);
    }
  }

  @Test
  void anExpiredLeaseFallsBackAndSkipsTheRowsAlreadyRead() throws Exception {
    Path dir = node.server().cache().sharedMemory().directory();
    try (RootAllocator allocator = new RootAllocator();
        QuiverClient mapped = client(true, allocator);
        QuiverClient flight = client(false, allocator)) {
      // One endpoint on this thread: nothing reads ahead behind the test's back.
      org.apache.arrow.flight.FlightEndpoint endpoint =
          mapped.info(ScanCommand.table("flat")).getEndpoints().get(0);
      Table expected;
      List<VectorSchemaRoot> batches = new ArrayList<>();
      try (BatchStream stream = flight.stream(endpoint)) {
        while (stream.hasNext()) {
          batches.add(stream.next());
        }
        expected = Table.fromBatches(batches);
      } finally {
        batches.forEach(VectorSchemaRoot::close);
        batches.clear();
      }
      assertTrue(expected.rowCount() > 1024, "an endpoint of several batches");
      try (BatchStream stream = mapped.stream(endpoint)) {
        assertTrue(stream.hasNext());
        batches.add(stream.next());
        // Only the lease keeps chunks now; once it expires (300 ms idle) their files go too.
        node.action("cache-free", Map.of());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (chunkFiles(dir) > 0) {
          assertTrue(System.nanoTime() < deadline, "the idle lease expired");
          Thread.sleep(50);
        }
        while (stream.hasNext()) {
          batches.add(stream.next());
        }
        ArrowAssertions.assertSameTable(expected, Table.fromBatches(batches));
      } finally {
        batches.forEach(VectorSchemaRoot::close);
      }
    }
  }

  @Test
  void closingEarlyReleasesTheLease() throws Exception {
    Path dir = node.server().cache().sharedMemory().directory();
    try (RootAllocator allocator = new RootAllocator()) {
      try (QuiverClient warm = client(true, allocator)) {
        readAll(warm, ScanCommand.table("flat"));
      } // closing a client sends the releases it queued (last units' leases)
      QuiverClient client = client(true, allocator);
      try (client;
          BatchStream stream = client.stream(ScanCommand.table("flat"))) {
        assertTrue(stream.hasNext());
        stream.next().close();
      }
      // The leases are closed at once (not after 300 ms): freeing the cache frees every file.
      node.action("cache-free", Map.of());
      assertEquals(0, chunkFiles(dir));
    }
  }

  private static long chunkFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".arrow")).count();
    }
  }
}
