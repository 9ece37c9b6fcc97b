package io.quiver.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.client.QuiverClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One JDBC connection's link to a Quiver node: a Flight client, the allocator its streams use
 * (bounded by {@code maxMemory}), the threads that read endpoints, the table names and schemas the
 * node gave (reused for {@code metadataTtl}), and the scans still open.
 *
 * <p>Owns all of these; {@link #close()} cancels open scans, waits for their readers, then closes
 * the client and the allocator (which fails if a buffer leaked). Thread-safe.
 */
final class NodeConnection implements AutoCloseable {
  private static final AtomicInteger CONNECTIONS = new AtomicInteger();

  private final ConnectionOptions options;
  private final BufferAllocator allocator;
  private final QuiverClient client;
  private final ExecutorService readers;
  private final Set<ScanEnumerator> scans = ConcurrentHashMap.newKeySet();
  private final Map<String, Timed<FlightTable>> tables = new ConcurrentHashMap<>();
  private volatile Timed<List<String>> names;
  private volatile boolean closed;

  /** A value and when it was fetched ({@link System#nanoTime()}). */
  private record Timed<T>(T value, long fetchedAt) {}

  private NodeConnection(
      ConnectionOptions options, BufferAllocator allocator, QuiverClient client) {
    this.options = options;
    this.allocator = allocator;
    this.client = client;
    int id = CONNECTIONS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "quiver-jdbc-" + id + "-reader-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.readers = Executors.newCachedThreadPool(factory);
  }

  /** Opens a client to the node (no call is made yet). */
  static NodeConnection open(ConnectionOptions options) {
    BufferAllocator allocator = new RootAllocator(options.maxMemory());
    try {
      QuiverClient.Builder b =
          QuiverClient.builder().allocator(allocator).host(options.host()).port(options.port());
      ConnectionOptions.Credentials c = options.credentials();
      if (c.user() != null) {
        b.basicAuth(c.user(), c.password());
      } else if (c.token() != null) {
        b.bearerToken(c.token());
      }
      return new NodeConnection(options, allocator, b.build());
    } catch (RuntimeException | Error e) {
      allocator.close();
      throw e;
    }
  }

  ConnectionOptions options() {
    return options;
  }

  FlightClient flight() {
    return client.flight();
  }

  /** The thread pool scans read endpoints on; each scan uses at most {@code parallelism}. */
  ExecutorService readers() {
    return readers;
  }

  private boolean fresh(Timed<?> t) {
    return t != null && System.nanoTime() - t.fetchedAt() < options.metadataTtl().toNanos();
  }

  /**
   * The node's table names (dotted).
   *
   * @throws FlightRuntimeException if the node cannot be asked
   */
  List<String> tableNames() {
    Timed<List<String>> t = names;
    if (fresh(t)) {
      return t.value();
    }
    List<String> out = new ArrayList<>();
    for (JsonNode table : client.tables().path("tables")) {
      out.add(table.path("name").asText());
    }
    names = new Timed<>(List.copyOf(out), System.nanoTime());
    return names.value();
  }

  /**
   * The table named {@code name} (dotted) with its schema as the node gives it now, or null if the
   * node has no such table.
   */
  FlightTable table(String name) {
    Timed<FlightTable> t = tables.get(name);
    if (fresh(t)) {
      return t.value();
    }
    Schema schema;
    try {
      schema = client.flight().getSchema(FlightDescriptor.path(name.split("\\."))).getSchema();
    } catch (FlightRuntimeException e) {
      if (e.status().code() == FlightStatusCode.NOT_FOUND) {
        tables.remove(name);
        return null;
      }
      throw e;
    }
    FlightTable table = new FlightTable(name, schema, this);
    tables.put(name, new Timed<>(table, System.nanoTime()));
    return table;
  }

  /**
   * Records a scan that has started reading, so that closing the connection stops it.
   *
   * @throws IllegalStateException if the connection is closed
   */
  void opened(ScanEnumerator scan) {
    scans.add(scan);
    if (closed) {
      scans.remove(scan);
      throw new IllegalStateException("The connection is closed");
    }
  }

  void closed(ScanEnumerator scan) {
    scans.remove(scan);
  }

  /** Scans started and not yet closed. */
  int openScans() {
    return scans.size();
  }

  /**
   * Stops open scans and waits for their readers (each closes its Flight stream), then closes the
   * client and the allocator.
   *
   * @throws IllegalStateException if Arrow memory was not released (a leak), or the readers did not
   *     stop in time
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (ScanEnumerator scan : List.copyOf(scans)) {
      scan.close();
    }
    readers.shutdown();
    boolean stopped;
    try {
      stopped = readers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = false;
    }
    try {
      client.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!stopped) {
      // Streams may still hold buffers: closing the allocator now would report a false leak.
      throw new IllegalStateException("Quiver scan readers did not stop within 30 s");
    }
    allocator.close();
  }
}
