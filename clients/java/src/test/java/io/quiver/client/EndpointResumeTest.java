package io.quiver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.protocol.ScanCommand;
import io.quiver.server.ClusterTestData;
import io.quiver.server.TestNode;
import io.quiver.testing.Table;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An endpoint whose first location dies in the middle of its stream is finished at the next
 * location, every row once: the first location is a proxy in front of a real node that forwards one
 * and a half batches and then fails with {@code UNAVAILABLE}, as a killed cluster node does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointResumeTest {
  @TempDir static Path tmp;
  private TestNode node;
  private BufferAllocator allocator;
  private FlightServer proxy;
  private final AtomicInteger proxied = new AtomicInteger();
  private List<Path> files;

  /** Forwards the node's stream of a ticket, cut after one and a half batches. */
  private final class CuttingProxy extends NoOpFlightProducer {
    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
      proxied.incrementAndGet();
      try (FlightClient upstream =
              FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", node.port()))
                  .build();
          FlightStream in = upstream.getStream(ticket);
          VectorSchemaRoot out = VectorSchemaRoot.create(in.getSchema(), allocator)) {
        listener.start(out);
        VectorLoader loader = new VectorLoader(out);
        for (int batch = 0; batch < 2 && in.next(); batch++) {
          VectorSchemaRoot source = in.getRoot();
          int rows = batch == 0 ? source.getRowCount() : source.getRowCount() / 2 + 3;
          try (VectorSchemaRoot part = source.slice(0, rows);
              ArrowRecordBatch records = new VectorUnloader(part).getRecordBatch()) {
            loader.load(records);
          }
          listener.putNext();
        }
        listener.error(
            CallStatus.UNAVAILABLE.withDescription("the node went away").toRuntimeException());
      } catch (Exception e) {
        listener.error(CallStatus.INTERNAL.withCause(e).toRuntimeException());
      }
    }
  }

  @BeforeAll
  void start() throws Exception {
    files = ClusterTestData.write(tmp.resolve("lake/t"), 1, 20_000, 20_000);
    node =
        TestNode.start(tmp.resolve("node"), c -> c.withBatchRows(4096))
            .mount("/lake", tmp.resolve("lake"))
            .createTable("c.t", "/lake/t");
    allocator = new RootAllocator();
    proxy =
        FlightServer.builder(
                allocator, Location.forGrpcInsecure("127.0.0.1", 0), new CuttingProxy())
            .build()
            .start();
  }

  @AfterAll
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (node != null) {
      node.close();
    }
    if (allocator != null) {
      allocator.close();
    }
  }

  private FlightEndpoint viaProxy(Location... then) {
    FlightInfo info = node.plan(ScanCommand.table("c.t"));
    assertEquals(1, info.getEndpoints().size());
    Location[] locations = new Location[then.length + 1];
    locations[0] = proxy.getLocation();
    System.arraycopy(then, 0, locations, 1, then.length);
    return new FlightEndpoint(info.getEndpoints().get(0).getTicket(), locations);
  }

  private static Table drain(BatchStream stream) {
    Table.Builder rows = Table.builder(stream.schema());
    while (stream.hasNext()) {
      try (VectorSchemaRoot batch = stream.next()) {
        rows.append(batch);
      }
    }
    return rows.build();
  }

  @Test
  void aStreamCutMidwayIsFinishedAtTheNextLocationWithEveryRowOnce() throws Exception {
    try (BufferAllocator a = new RootAllocator();
        QuiverClient client =
            QuiverClient.builder().allocator(a).host("127.0.0.1").port(node.port()).build()) {
      int before = proxied.get();
      FlightEndpoint endpoint = viaProxy(Location.forGrpcInsecure("127.0.0.1", node.port()));
      Table rows;
      try (BatchStream stream = client.stream(endpoint)) {
        rows = drain(stream);
      }
      assertEquals(before + 1, proxied.get(), "the proxy served the start of the stream");
      assertEquals(20_000, rows.rowCount());
      // In order: the ids the node streams, each once, none skipped at the cut.
      List<Object> ids = rows.column("id");
      for (int i = 0; i < ids.size(); i++) {
        assertEquals((long) i, ((Number) ids.get(i)).longValue(), "row " + i);
      }
      assertEquals(ClusterTestData.expected(files), ClusterTestData.byId(rows));
    }
  }

  @Test
  void withNoLocationLeftTheCutIsTheReadersError() throws Exception {
    try (BufferAllocator a = new RootAllocator();
        QuiverClient client =
            QuiverClient.builder().allocator(a).host("127.0.0.1").port(node.port()).build();
        BatchStream stream = client.stream(viaProxy())) {
      FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> drain(stream));
      assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code());
      assertTrue(e.getMessage().contains("went away"), e.getMessage());
    }
  }
}
