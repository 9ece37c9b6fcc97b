package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.cache.SharedMemory;
import io.quiver.cache.SharedMemoryOptions;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.protocol.action.Actions;
import io.quiver.protocol.action.ShortCircuitRequest;
import io.quiver.protocol.action.ShortCircuitResponse;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Result;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short-circuit reads on a real node ({@link ShortCircuit}): the files a lease names hold exactly
 * the rows a {@code DoGet} of the same ticket streams (and Arrow C++ reads from the Parquet file);
 * a lease keeps its chunks' files until it is closed or expires; what cannot be mapped falls back
 * with a reason; bad requests get clear errors; the directory is private and swept after a crash.
 * Every node's close fails on a leaked byte.
 */
class ShortCircuitTest {
  private static final int ROWS = 20_000;

  @TempDir static Path shared;
  private static Path lake;
  private static Table expected;

  @TempDir Path tmp;

  @BeforeAll
  static void writeTable() throws Exception {
    lake = Files.createDirectories(shared.resolve("lake"));
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            Files.createDirectories(lake.resolve("t")),
            "part-0.parquet",
            CompressionCodecName.SNAPPY,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            ROWS,
            1 << 20,
            7);
    expected = ArrowOracle.readParquet(file);
  }

  private TestNode start(Duration lease) throws Exception {
    Path parent = Files.createDirectories(tmp.resolve("shm"));
    TestNode node =
        TestNode.start(
            tmp.resolve("data"),
            c ->
                c.withShortCircuit(new SharedMemoryOptions(parent, null))
                    .withShortCircuitLease(lease)
                    .withRowGroupsPerEndpoint(2));
    node.mount("/lake", lake).createTable("t", "/lake/t");
    return node;
  }

  private static ShortCircuitResponse call(TestNode node, ShortCircuitRequest request) {
    Iterator<Result> results =
        node.client()
            .doAction(
                new Action(
                    Actions.SHORT_CIRCUIT.name(), Actions.SHORT_CIRCUIT.encodeRequest(request)));
    ShortCircuitResponse last = null;
    while (results.hasNext()) {
      last = Actions.SHORT_CIRCUIT.decodeResponse(results.next().getBody());
    }
    return last;
  }

  private static ShortCircuitResponse open(TestNode node, FlightEndpoint endpoint) {
    return call(
        node,
        ShortCircuitRequest.open(
            Base64.getEncoder().encodeToString(endpoint.getTicket().getBytes())));
  }

  /** Reads every endpoint through leases, as a client would; the files are read by Arrow Java. */
  private static Table readShortCircuit(TestNode node, FlightInfo info) throws Exception {
    Table.Builder rows = Table.builder(info.getSchema());
    for (FlightEndpoint endpoint : info.getEndpoints()) {
      ShortCircuitResponse r = open(node, endpoint);
      Path dir = Path.of(r.directory());
      assertEquals(r.token(), Files.readString(dir.resolve(SharedMemory.TOKEN_FILE)));
      Schema schema =
          MessageSerializer.deserializeSchema(
              new ReadChannel(
                  Channels.newChannel(
                      new ByteArrayInputStream(Base64.getDecoder().decode(r.schema())))));
      assertEquals(info.getSchema(), schema);
      while (!r.done()) {
        assertNull(r.fallback(), r.fallback());
        assertFalse(r.batches().isEmpty(), "a unit with rows has batches");
        appendUnit(dir, schema, r.batches(), rows);
        String lease = r.lease();
        boolean last = r.last();
        r = call(node, ShortCircuitRequest.next(lease));
        assertTrue(!last || r.done(), "after the unit marked last comes the end");
        assertTrue(r.done() || lease.equals(r.lease()), "one lease id throughout");
      }
      assertNull(r.lease(), "a finished lease is released");
    }
    return rows.build();
  }

  private static void appendUnit(
      Path dir, Schema schema, List<ShortCircuitResponse.Batch> batches, Table.Builder rows)
      throws Exception {
    Map<String, ArrowFileReader> readers = new HashMap<>();
    try {
      for (ShortCircuitResponse.Batch batch : batches) {
        List<FieldVector> columns = new ArrayList<>();
        for (ShortCircuitResponse.Column column : batch.columns()) {
          // Each column of a batch is read by its own reader: several columns may share a file
          // only if they were one chunk, which they are not.
          ArrowFileReader reader =
              readers.computeIfAbsent(
                  column.file() + "#" + columns.size(),
                  k -> {
                    try {
                      return new ArrowFileReader(
                          FileChannel.open(dir.resolve(column.file())), rowsAllocator);
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  });
          assertTrue(
              reader.loadRecordBatch(reader.getRecordBlocks().get(column.batch())),
              "record batch " + column.batch() + " of " + column.file());
          FieldVector v = reader.getVectorSchemaRoot().getVector(0);
          assertEquals(batch.rows(), v.getValueCount());
          columns.add(v);
        }
        // Borrowed vectors: the root only groups them, the readers own them.
        rows.append(new VectorSchemaRoot(schema.getFields(), columns, (int) batch.rows()));
      }
    } finally {
      for (ArrowFileReader reader : readers.values()) {
        reader.close();
      }
    }
  }

  private static org.apache.arrow.memory.BufferAllocator rowsAllocator;

  @Test
  void leasesNameFilesHoldingExactlyTheRowsOfDoGet() throws Exception {
    try (TestNode node = start(Duration.ofSeconds(30));
        org.apache.arrow.memory.RootAllocator allocator =
            new org.apache.arrow.memory.RootAllocator()) {
      rowsAllocator = allocator;
      FlightInfo info = node.client().getInfo(FlightDescriptor.path("t"));
      assertTrue(info.getEndpoints().size() >= 2, "several endpoints");
      // Cold: the lease loads the units (into shared memory) as a DoGet would.
      Table cold = readShortCircuit(node, info);
      ArrowAssertions.assertSameTable(expected, cold);
      // Warm, and the same rows in the same order as DoGet.
      ArrowAssertions.assertSameTable(node.read(info), readShortCircuit(node, info));
      // A projection.
      List<String> some = List.of(expected.columnNames().get(2), expected.columnNames().get(0));
      FlightInfo projected = node.plan(ScanCommand.table("t").withColumns(some));
      ArrowAssertions.assertSameTable(node.read(projected), readShortCircuit(node, projected));

      // Every cached chunk is in shared memory, counted at its file's size.
      var cache = node.server().cache();
      Path dir = cache.sharedMemory().directory();
      long fileBytes;
      try (Stream<Path> files = Files.list(dir)) {
        fileBytes =
            files
                .filter(p -> p.toString().endsWith(".arrow"))
                .mapToLong(p -> p.toFile().length())
                .sum();
      }
      assertEquals(cache.stats().entries(), countChunkFiles(dir));
      assertTrue(
          cache.allocator().getAllocatedMemory() >= fileBytes,
          cache.allocator().getAllocatedMemory() + " accounted vs " + fileBytes + " in files");
      assertEquals(0, cache.sharedMemory().fallbacks());
      rowsAllocator = null;
    }
  }

  @Test
  void aLeaseKeepsItsFilesUntilClosedAndTheDirectoryIsPrivate() throws Exception {
    try (TestNode node = start(Duration.ofSeconds(30))) {
      FlightInfo info = node.client().getInfo(FlightDescriptor.path("t"));
      ShortCircuitResponse r = open(node, info.getEndpoints().get(0));
      Path dir = Path.of(r.directory());
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
      Set<String> files = new java.util.HashSet<>();
      r.batches().forEach(b -> b.columns().forEach(c -> files.add(c.file())));
      for (String f : files) {
        assertEquals(
            "rw-------",
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))));
      }
      // Freeing the cache drops the cache's references; the lease's keep the files.
      node.action("cache-free", Map.of());
      for (String f : files) {
        assertTrue(Files.exists(dir.resolve(f)), f + " is leased");
      }
      call(node, ShortCircuitRequest.close(r.lease()));
      for (String f : files) {
        assertFalse(Files.exists(dir.resolve(f)), f + " is freed once the lease is closed");
      }
      // Closing again is not an error; advancing a closed lease is NOT_FOUND.
      call(node, ShortCircuitRequest.close(r.lease()));
      FlightRuntimeException gone =
          assertThrows(
              FlightRuntimeException.class, () -> call(node, ShortCircuitRequest.next(r.lease())));
      assertEquals(FlightStatusCode.NOT_FOUND, gone.status().code());
    }
  }

  @Test
  void anIdleLeaseExpires() throws Exception {
    try (TestNode node = start(Duration.ofMillis(200))) {
      FlightInfo info = node.client().getInfo(FlightDescriptor.path("t"));
      ShortCircuitResponse r = open(node, info.getEndpoints().get(0));
      assertEquals(200, r.leaseMillis());
      node.action("cache-free", Map.of());
      Path dir = Path.of(r.directory());
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (countChunkFiles(dir) > 0) {
        assertTrue(System.nanoTime() < deadline, "the expired lease released its chunks");
        Thread.sleep(50);
      }
      FlightRuntimeException expired =
          assertThrows(
              FlightRuntimeException.class, () -> call(node, ShortCircuitRequest.next(r.lease())));
      assertEquals(FlightStatusCode.NOT_FOUND, expired.status().code());
      assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
    }
  }

  @Test
  void whatCannotBeMappedFallsBackWithAReason() throws Exception {
    try (TestNode node = start(Duration.ofSeconds(30))) {
      String column = expected.columnNames().get(0);
      FlightInfo filtered = node.plan(ScanCommand.table("t").withFilter(Filter.isNotNull(column)));
      ShortCircuitResponse r = open(node, filtered.getEndpoints().get(0));
      assertNull(r.lease());
      assertFalse(r.done());
      assertNotNull(r.fallback());
      assertTrue(r.fallback().contains("filter"), r.fallback());
      assertTrue(r.batches().isEmpty());
    }
  }

  @Test
  void badRequestsGetClearErrors() throws Exception {
    try (TestNode node = start(Duration.ofSeconds(30))) {
      FlightRuntimeException two =
          assertThrows(
              FlightRuntimeException.class,
              () -> call(node, new ShortCircuitRequest("AAAA", "lease", null)));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, two.status().code());
      FlightRuntimeException notBase64 =
          assertThrows(
              FlightRuntimeException.class, () -> call(node, ShortCircuitRequest.open("%%%")));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, notBase64.status().code());
      FlightRuntimeException forged =
          assertThrows(
              FlightRuntimeException.class,
              () ->
                  call(
                      node,
                      ShortCircuitRequest.open(
                          Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}))));
      assertTrue(
          Set.of(FlightStatusCode.INVALID_ARGUMENT, FlightStatusCode.UNAUTHORIZED)
              .contains(forged.status().code()),
          forged.toString());
      FlightRuntimeException unknown =
          assertThrows(
              FlightRuntimeException.class,
              () -> call(node, ShortCircuitRequest.next("0123456789abcdef")));
      assertEquals(FlightStatusCode.NOT_FOUND, unknown.status().code());
    }
  }

  @Test
  void aNodeWithoutSharedMemoryRefuses() throws Exception {
    try (TestNode node = TestNode.start(tmp.resolve("plain"))) {
      node.mount("/lake", lake).createTable("t", "/lake/t");
      FlightInfo info = node.client().getInfo(FlightDescriptor.path("t"));
      FlightRuntimeException off =
          assertThrows(FlightRuntimeException.class, () -> open(node, info.getEndpoints().get(0)));
      assertEquals(FlightStatusCode.UNIMPLEMENTED, off.status().code());
      assertTrue(off.getMessage().contains("--short-circuit"), off.getMessage());
    }
  }

  @Test
  void directoriesOfCrashedNodesAreSweptAndTheNodesOwnIsRemovedOnClose() throws Exception {
    Path parent = Files.createDirectories(tmp.resolve("shm"));
    Path stale = Files.createDirectories(parent.resolve("quiver-00000000deadbeef"));
    Files.createFile(stale.resolve(".lock"));
    Files.write(stale.resolve("1.arrow"), new byte[1024]);
    Path own;
    try (TestNode node = start(Duration.ofSeconds(30))) {
      assertFalse(Files.exists(stale), "a directory nobody locks is deleted at start");
      own = node.server().cache().sharedMemory().directory();
      assertEquals(parent.toRealPath(), own.getParent().toRealPath());
      readShortCircuitOnce(node);
    }
    assertFalse(Files.exists(own), "the node's directory goes with it");
  }

  private static void readShortCircuitOnce(TestNode node) {
    FlightInfo info = node.client().getInfo(FlightDescriptor.path("t"));
    ShortCircuitResponse r = open(node, info.getEndpoints().get(0));
    call(node, ShortCircuitRequest.close(r.lease()));
  }

  private static long countChunkFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".arrow")).count();
    }
  }
}
