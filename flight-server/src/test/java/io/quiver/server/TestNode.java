package io.quiver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.protocol.ScanCommand;
import io.quiver.storage.Location;
import io.quiver.testing.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A Quiver node for tests, with a Flight client: starts on a free port with a small cache, mounts
 * local directories, defines tables, runs actions and scans. {@link #close()} closes the client and
 * the node, which fails if any off-heap memory leaked. Shared by test classes of this module and,
 * through the test-jar, of modules that need a real node (the JDBC driver).
 */
public final class TestNode implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final QuiverServer server;
  private final BufferAllocator allocator;
  private final FlightClient client;

  private TestNode(QuiverServer server) {
    this.server = server;
    this.allocator = new RootAllocator();
    this.client = FlightClient.builder(allocator, server.location()).build();
  }

  /** A node with 256 MiB of cache and 1,024-row batches, its data under {@code dataDir}. */
  public static TestNode start(Path dataDir) throws IOException {
    return start(dataDir, c -> c);
  }

  /** A node whose configuration {@code tune} adjusts after the test defaults. */
  public static TestNode start(Path dataDir, UnaryOperator<QuiverServer.Config> tune)
      throws IOException {
    QuiverServer.Config config =
        QuiverServer.Config.defaults()
            .withSecurity(
                io.quiver.server.security.SecurityConfig.none()
                    .withAllowLocal(
                        java.util.List.of(
                            java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
            .withPort(0)
            .withDataDir(dataDir)
            .withMemory(256L << 20)
            .withBatchRows(1024);
    return new TestNode(QuiverServer.start(tune.apply(config)));
  }

  public QuiverServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  /** The node's Flight client (owned by this fixture: do not close it). */
  public FlightClient client() {
    return client;
  }

  /** The client's allocator (owned by this fixture). */
  public BufferAllocator allocator() {
    return allocator;
  }

  /** Runs a DoAction and returns its last JSON result. */
  public JsonNode action(String type, Map<String, ?> body) {
    try {
      Iterator<Result> results = client.doAction(new Action(type, JSON.writeValueAsBytes(body)));
      JsonNode last = null;
      while (results.hasNext()) {
        last = JSON.readTree(results.next().getBody());
      }
      return last;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Mounts local directory {@code dir} at namespace path {@code path}. */
  public TestNode mount(String path, Path dir) {
    action(
        "mount",
        Map.of("path", path, "uri", Location.ofLocalPath(dir).toString(), "options", Map.of()));
    return this;
  }

  public TestNode createTable(String name, String path) {
    action("create-table", Map.of("name", name, "path", path));
    return this;
  }

  /** The {@code stats} action's result. */
  public JsonNode stats() {
    return action("stats", Map.of());
  }

  public FlightInfo plan(ScanCommand command) {
    return client.getInfo(FlightDescriptor.command(command.toBytes()));
  }

  /** Every endpoint's rows, one endpoint after the other. */
  public Table read(FlightInfo info) throws Exception {
    Table.Builder builder = Table.builder(info.getSchema());
    for (FlightEndpoint e : info.getEndpoints()) {
      try (FlightStream stream = client.getStream(e.getTicket())) {
        VectorSchemaRoot root = stream.getRoot();
        while (stream.next()) {
          builder.append(root);
        }
      }
    }
    return builder.build();
  }

  @Override
  public void close() throws Exception {
    client.close();
    server.close(); // fails on a leak
    allocator.close();
  }
}
