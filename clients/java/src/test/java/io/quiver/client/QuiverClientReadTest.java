package io.quiver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.protocol.ErrorCode;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.TestNode;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.Table;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads through {@link QuiverClient} from a real node (one for the class: the cases only read):
 * table {@code c.t} is 3 Parquet files of 4 row groups of 1,000 rows each ({@code id} 0..11,999
 * sorted), one endpoint per row group. Every case uses its own allocator, closed at the end, so a
 * batch left open fails the case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuiverClientReadTest {
  private static final int FILES = 3;
  private static final int ROWS_PER_FILE = 4_000;
  private static final int ROWS_PER_GROUP = 1_000;
  private static final int ENDPOINTS = FILES * ROWS_PER_FILE / ROWS_PER_GROUP;

  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message t {"
              + " required int64 id;"
              + " optional int32 grp;"
              + " optional binary name (STRING);"
              + " optional int64 amount (DECIMAL(12,2));"
              + " optional group tags (LIST) { repeated group list { optional int32 element; } }"
              + "}");

  @TempDir static Path tmp;
  private TestNode node;
  private List<Path> files;

  @BeforeAll
  void setUp() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("lake/t"));
    files = new ArrayList<>();
    for (int f = 0; f < FILES; f++) {
      files.add(write(dir.resolve("part-" + f + ".parquet"), f * ROWS_PER_FILE, f));
    }
    node =
        TestNode.start(tmp.resolve("quiver-data"), c -> c.withRowGroupsPerEndpoint(1))
            .mount("/lake", tmp.resolve("lake"))
            .createTable("c.t", "/lake/t");
  }

  @AfterAll
  void tearDown() throws Exception {
    if (node != null) {
      node.close(); // fails on a server-side leak
    }
  }

  private static Path write(Path file, int firstId, long seed) throws IOException {
    Random r = new Random(seed);
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(SCHEMA)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupRowCountLimit(ROWS_PER_GROUP)
            .build()) {
      for (int i = 0; i < ROWS_PER_FILE; i++) {
        Group g = groups.newGroup();
        g.add("id", (long) (firstId + i));
        if (r.nextInt(8) > 0) {
          g.add("grp", r.nextInt(10));
        }
        if (r.nextInt(8) > 0) {
          g.add("name", Binary.fromString("n" + r.nextInt(1000)));
        }
        if (r.nextInt(8) > 0) {
          g.add("amount", (long) r.nextInt(1_000_000));
        }
        if (r.nextInt(8) > 0) {
          Group tags = g.addGroup("tags");
          for (int k = r.nextInt(3); k > 0; k--) {
            Group e = tags.addGroup("list");
            if (r.nextInt(4) > 0) {
              e.add("element", r.nextInt(100));
            }
          }
        }
        writer.write(g);
      }
    }
    return file;
  }

  private QuiverClient client(BufferAllocator allocator) {
    return QuiverClient.builder()
        .allocator(allocator)
        .host("127.0.0.1")
        .port(node.port())
        .parallelism(4)
        .build();
  }

  private Location live() {
    return Location.forGrpcInsecure("127.0.0.1", node.port());
  }

  /** A port nothing listens on (bound, then released). */
  private static Location deadLocation() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return Location.forGrpcInsecure("127.0.0.1", s.getLocalPort());
    }
  }

  /** Drains a stream into a table sorted by {@code id}, closing every batch. */
  private static Table drainSorted(BatchStream stream) {
    Table.Builder builder = Table.builder(stream.schema());
    while (stream.hasNext()) {
      try (VectorSchemaRoot batch = stream.next()) {
        builder.append(batch);
      }
    }
    return sortById(builder.build());
  }

  private static Table sortById(Table t) {
    List<Object> ids = t.column("id");
    List<Integer> order =
        IntStream.range(0, t.rowCount())
            .boxed()
            .sorted(Comparator.comparingLong(i -> (Long) ids.get(i)))
            .toList();
    return t.rows(order);
  }

  /** Asserts that {@code got} (sorted by id) holds the files' rows as Arrow C++ reads them. */
  private void assertSameAsFiles(List<String> columns, Table got) {
    List<Table> parts = new ArrayList<>();
    for (Path f : files) {
      parts.add(columns == null ? ArrowOracle.readParquet(f) : ArrowOracle.readParquet(f, columns));
    }
    assertEquals(parts.get(0).columnNames(), got.columnNames());
    for (String c : got.columnNames()) {
      List<Object> expected = new ArrayList<>();
      parts.forEach(p -> expected.addAll(p.column(c)));
      assertEquals(expected, got.column(c), "column " + c);
    }
  }

  @Test
  void parallelReadEqualsSequentialAndTheFiles() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      FlightInfo info = client.info(QuiverClient.command("c.t", null));
      assertEquals(ENDPOINTS, info.getEndpoints().size());
      Table sequential;
      try (BatchStream s = client.stream(info, 1)) {
        sequential = drainSorted(s);
      }
      Table parallel;
      try (BatchStream s = client.stream(info, 4)) {
        parallel = drainSorted(s);
      }
      assertEquals(FILES * ROWS_PER_FILE, parallel.rowCount());
      ArrowAssertions.assertSameTable(sequential, parallel);
      assertSameAsFiles(null, parallel);
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void readWithConsumerCountsAndNeverCallsItConcurrently() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      FlightInfo info = client.info(QuiverClient.command("c.t", List.of("id", "grp")));
      java.util.concurrent.atomic.AtomicInteger inside =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicLong sum = new java.util.concurrent.atomic.AtomicLong();
      QuiverClient.ScanSummary summary =
          client.read(
              info,
              3,
              batch -> {
                assertEquals(1, inside.incrementAndGet(), "consumer called concurrently");
                var ids = (org.apache.arrow.vector.BigIntVector) batch.getVector("id");
                for (int i = 0; i < batch.getRowCount(); i++) {
                  sum.addAndGet(ids.get(i));
                }
                inside.decrementAndGet();
              });
      long n = FILES * ROWS_PER_FILE;
      assertEquals(n, summary.rows());
      assertEquals(n * (n - 1) / 2, sum.get());
      assertEquals(ENDPOINTS, summary.endpoints());
      assertTrue(summary.bytes() > 0);
    }
  }

  @Test
  void readsAreBoundedByParallelism() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      FlightInfo info = client.info(QuiverClient.command("c.t", List.of("id")));
      int maxReaders = 0;
      try (BatchStream s = client.stream(info, 2)) {
        while (s.hasNext()) {
          try (VectorSchemaRoot batch = s.next()) {
            long readers =
                Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && t.getName().startsWith("quiver-read-"))
                    .count();
            maxReaders = (int) Math.max(maxReaders, readers);
          }
        }
      }
      assertTrue(maxReaders <= 2, "at most 2 reader threads, saw " + maxReaders);
    }
  }

  @Test
  void streamOfCommandAppliesProjectionAndFilter() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      JsonNode before = node.stats();
      ScanCommand command =
          QuiverClient.command("c.t", List.of("id", "name"))
              .withFilter(Filter.and(Filter.lt("id", 2_500), Filter.eq("grp", 3)));
      Table got;
      try (BatchStream s = client.stream(command)) {
        assertEquals(List.of("id", "name"), fieldNames(s));
        got = drainSorted(s);
      }
      JsonNode after = node.stats();
      // id < 2500 keeps row groups 0, 1 and 2 of the first file: 9 of 12 are pruned.
      assertEquals(
          ENDPOINTS, after.at("/scans/units").asLong() - before.at("/scans/units").asLong());
      assertEquals(
          9, after.at("/scans/unitsPruned").asLong() - before.at("/scans/unitsPruned").asLong());
      Table all = ArrowOracle.readParquet(files.get(0), List.of("id", "grp", "name"));
      List<Integer> keep = new ArrayList<>();
      for (int i = 0; i < all.rowCount(); i++) {
        Object grp = all.column("grp").get(i);
        if ((Long) all.column("id").get(i) < 2_500 && grp != null && (Integer) grp == 3) {
          keep.add(i);
        }
      }
      assertFalse(keep.isEmpty());
      assertEquals(all.rows(keep).column("id"), got.column("id"));
      assertEquals(all.rows(keep).column("name"), got.column("name"));
    }
  }

  private static List<String> fieldNames(BatchStream s) {
    return s.schema().getFields().stream().map(f -> f.getName()).toList();
  }

  /** An endpoint whose first location is dead is read from its second, live one. */
  @Test
  void failsOverToTheNextLocationWhenOneIsUnavailable() throws Exception {
    Location dead = deadLocation();
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      FlightInfo planned = client.info(QuiverClient.command("c.t", null));
      List<FlightEndpoint> moved = new ArrayList<>();
      for (FlightEndpoint e : planned.getEndpoints()) {
        assertTrue(e.getLocations().isEmpty(), "a single node plans endpoints without locations");
        moved.add(new FlightEndpoint(e.getTicket(), dead, live()));
      }
      FlightInfo info =
          new FlightInfo(
              planned.getSchema(),
              planned.getDescriptor(),
              moved,
              planned.getBytes(),
              planned.getRecords());
      try (EndpointStream one = (EndpointStream) client.stream(moved.get(0))) {
        assertEquals(live(), one.servedBy());
        int rows = 0;
        while (one.hasNext()) {
          try (VectorSchemaRoot b = one.next()) {
            rows += b.getRowCount();
          }
        }
        assertEquals(ROWS_PER_GROUP, rows);
      }
      Table got;
      try (BatchStream s = client.stream(info, 4)) {
        got = drainSorted(s);
      }
      assertSameAsFiles(null, got);
    }
  }

  /** The client's own node is down; the endpoints' locations name a live one. */
  @Test
  void readsFromTheEndpointsLocationsNotTheConnectedNode() throws Exception {
    Location dead = deadLocation();
    FlightInfo planned;
    try (QuiverClient planner = QuiverClient.connect("127.0.0.1", node.port())) {
      planned = planner.info(QuiverClient.command("c.t", List.of("id")));
    }
    List<FlightEndpoint> moved = new ArrayList<>();
    for (FlightEndpoint e : planned.getEndpoints()) {
      moved.add(new FlightEndpoint(e.getTicket(), live()));
    }
    FlightInfo info = new FlightInfo(planned.getSchema(), planned.getDescriptor(), moved, -1, -1);
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client =
            QuiverClient.builder()
                .allocator(allocator)
                .uri(dead.getUri().getHost() + ":" + dead.getUri().getPort())
                .build()) {
      QuiverClient.ScanSummary summary = client.read(info, 2, b -> {});
      assertEquals(FILES * ROWS_PER_FILE, summary.rows());
      // Without locations, the dead node itself is asked: UNAVAILABLE with the status kept.
      FlightRuntimeException e =
          assertThrows(FlightRuntimeException.class, () -> client.read(planned, 2, b -> {}));
      assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code());
    }
  }

  @Test
  void everyLocationUnavailableIsOneUnavailableNamingThem() throws Exception {
    Location dead1 = deadLocation();
    Location dead2 = deadLocation();
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      FlightEndpoint e =
          new FlightEndpoint(
              client.info(QuiverClient.command("c.t", null)).getEndpoints().get(0).getTicket(),
              dead1,
              dead2);
      FlightRuntimeException failure =
          assertThrows(FlightRuntimeException.class, () -> client.stream(e));
      assertEquals(FlightStatusCode.UNAVAILABLE, failure.status().code());
      assertTrue(failure.getMessage().contains(dead1.getUri().toString()), failure.getMessage());
      assertTrue(failure.getMessage().contains(dead2.getUri().toString()), failure.getMessage());
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  /** Failures other than UNAVAILABLE are not failed over: they are the answer. */
  @Test
  void errorsSurfaceWithTheirStatus() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      FlightRuntimeException unknownTable =
          assertThrows(
              FlightRuntimeException.class,
              () -> client.stream(QuiverClient.command("c.nope", null)));
      assertEquals(FlightStatusCode.NOT_FOUND, unknownTable.status().code());

      FlightRuntimeException unknownColumn =
          assertThrows(
              FlightRuntimeException.class,
              () -> client.schema(QuiverClient.command("c.t", List.of("nope"))));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, unknownColumn.status().code());
      assertTrue(unknownColumn.getMessage().contains("nope"), unknownColumn.getMessage());

      // A bad ticket among good endpoints, behind a live location and before a second live one:
      // INVALID_ARGUMENT from the first location is the answer (no fail-over), and the parallel
      // read stops with it, leaking nothing.
      FlightInfo planned = client.info(QuiverClient.command("c.t", null));
      List<FlightEndpoint> endpoints = new ArrayList<>(planned.getEndpoints());
      endpoints.add(
          5,
          new FlightEndpoint(
              new Ticket("not a ticket".getBytes(StandardCharsets.UTF_8)), live(), live()));
      FlightInfo info =
          new FlightInfo(planned.getSchema(), planned.getDescriptor(), endpoints, -1, -1);
      FlightRuntimeException badTicket =
          assertThrows(FlightRuntimeException.class, () -> client.read(info, 3, b -> {}));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, badTicket.status().code());
      assertEquals(0, allocator.getAllocatedMemory());

      // Every error carries a code a program can act on without parsing the message.
      assertEquals(ErrorCode.NOT_FOUND, QuiverClient.errorCode(unknownTable).orElseThrow());
      assertEquals(ErrorCode.INVALID_REQUEST, QuiverClient.errorCode(unknownColumn).orElseThrow());
      assertEquals(ErrorCode.INVALID_REQUEST, QuiverClient.errorCode(badTicket).orElseThrow());
      // A ticket this node did not sign (another node's, or from before a restart): plan again.
      byte[] forged = planned.getEndpoints().get(0).getTicket().getBytes().clone();
      forged[forged.length - 1] ^= 1;
      FlightRuntimeException stale =
          assertThrows(
              FlightRuntimeException.class,
              () -> {
                try (FlightStream s = client.flight().getStream(new Ticket(forged))) {
                  s.next();
                }
              });
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, stale.status().code());
      assertEquals(ErrorCode.STALE_TICKET, QuiverClient.errorCode(stale).orElseThrow());
      // Flight's convention for an action the server does not have.
      FlightRuntimeException unknownAction =
          assertThrows(
              FlightRuntimeException.class, () -> client.action("no-such-action", Map.of()));
      assertEquals(FlightStatusCode.UNIMPLEMENTED, unknownAction.status().code());
      assertEquals(ErrorCode.UNIMPLEMENTED, QuiverClient.errorCode(unknownAction).orElseThrow());
      assertTrue(unknownAction.getMessage().contains("known: "), unknownAction.getMessage());
    }
  }

  @Test
  void closingEarlyCancelsTheRestAndReleasesEverything() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      FlightInfo info = client.info(QuiverClient.command("c.t", null));
      VectorSchemaRoot kept;
      try (BatchStream s = client.stream(info, 4)) {
        assertTrue(s.hasNext());
        kept = s.next();
        assertTrue(s.hasNext()); // more are buffered or coming: closing must cancel them
      }
      // The batch handed out stays valid after its stream closed.
      // ...and holds what it held: consecutive ids of one row group of the table (0..11,999).
      var ids = (org.apache.arrow.vector.BigIntVector) kept.getVector("id");
      assertTrue(kept.getRowCount() > 0);
      long first = ids.get(0);
      assertTrue(first >= 0 && first + kept.getRowCount() <= 12_000, "first id " + first);
      for (int i = 0; i < kept.getRowCount(); i++) {
        assertEquals(first + i, ids.get(i), "row " + i);
      }
      kept.close();
      assertEquals(0, allocator.getAllocatedMemory());
      assertFalse(
          Thread.getAllStackTraces().keySet().stream()
              .anyMatch(t -> t.isAlive() && t.getName().startsWith("quiver-read-")),
          "reader threads end with their stream");
    }
  }

  @Test
  void anEmptyPlanIsAnEmptyStream() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        QuiverClient client = client(allocator)) {
      ScanCommand none = QuiverClient.command("c.t", null).withFilter(Filter.lt("id", -1));
      try (BatchStream s = client.stream(none)) {
        assertFalse(s.hasNext());
        assertEquals(5, s.schema().getFields().size());
      }
    }
  }

  @Test
  void credentialsAreIgnoredByTodaysNode() throws Exception {
    try (QuiverClient client =
        QuiverClient.builder()
            .uri("grpc://127.0.0.1:" + node.port())
            .bearerToken("not-checked-yet")
            .build()) {
      assertEquals(
          FILES * ROWS_PER_FILE,
          client.read(client.info(QuiverClient.command("c.t", List.of("id"))), b -> {}).rows());
    }
  }
}
