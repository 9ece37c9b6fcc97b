package io.quiver.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.protocol.ScanCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A Java client of a Quiver node: catalog actions (mount, tables, stats) and scans.
 *
 * <p>Failures arrive as {@link org.apache.arrow.flight.FlightRuntimeException} carrying the
 * server's status and message. Owns its {@link FlightClient} and, when created with {@link
 * #connect}, its allocator; {@link #close()} releases both. Thread-safe: calls may run
 * concurrently, each scan using its own streams.
 */
public final class QuiverClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BufferAllocator allocator;
  private final boolean ownsAllocator;
  private final FlightClient flight;

  private QuiverClient(BufferAllocator allocator, boolean ownsAllocator, Location location) {
    this.allocator = allocator;
    this.ownsAllocator = ownsAllocator;
    this.flight = FlightClient.builder(allocator, location).build();
  }

  /** Connects to {@code host:port} with a client-owned allocator. */
  public static QuiverClient connect(String host, int port) {
    return new QuiverClient(new RootAllocator(), true, Location.forGrpcInsecure(host, port));
  }

  /** Connects using a caller-owned allocator (the caller closes it after this client). */
  public static QuiverClient connect(BufferAllocator allocator, String host, int port) {
    return new QuiverClient(allocator, false, Location.forGrpcInsecure(host, port));
  }

  public FlightClient flight() {
    return flight;
  }

  /** Runs DoAction {@code type} with a JSON body and returns its (last) JSON result. */
  public JsonNode action(String type, Map<String, ?> body) {
    return action(type, body, r -> {});
  }

  /**
   * Runs DoAction {@code type}, passing every JSON result to {@code each} as it arrives (actions
   * such as {@code cache-load} stream progress), and returns the last one.
   */
  public JsonNode action(
      String type, Map<String, ?> body, java.util.function.Consumer<JsonNode> each) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Iterator<Result> results = flight.doAction(new Action(type, bytes));
    JsonNode last = JSON.createObjectNode();
    while (results.hasNext()) {
      try {
        last = JSON.readTree(results.next().getBody());
      } catch (IOException e) {
        throw new UncheckedIOException("Server sent a result that is not JSON", e);
      }
      each.accept(last);
    }
    return last;
  }

  public JsonNode mount(String path, String uri, Map<String, String> options) {
    return action("mount", Map.of("path", path, "uri", uri, "options", options));
  }

  public JsonNode unmount(String path) {
    return action("unmount", Map.of("path", path));
  }

  public JsonNode mounts() {
    return action("mounts", Map.of());
  }

  /**
   * Defines a table.
   *
   * @param format {@code parquet}, {@code orc}, or null to take it from the files' extension
   */
  public JsonNode createTable(String name, String path, String format) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("name", name);
    body.put("path", path);
    if (format != null) {
      body.put("format", format);
    }
    return action("create-table", body);
  }

  public JsonNode dropTable(String name) {
    return action("drop-table", Map.of("name", name));
  }

  public JsonNode tables() {
    return action("tables", Map.of());
  }

  public JsonNode stats() {
    return action("stats", Map.of());
  }

  /**
   * Loads a table's (dotted name) or namespace path's chunks into the cache.
   *
   * @param columns columns to load, or null/empty for all
   * @param progress receives {@code {"state":"loading","units":n,"unitsDone":i,...}} as the server
   *     goes, and the final {@code {"state":"done",...}}
   * @return the final result
   */
  public JsonNode load(
      String tableOrPath, List<String> columns, java.util.function.Consumer<JsonNode> progress) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put(tableOrPath.startsWith("/") ? "path" : "table", tableOrPath);
    if (columns != null && !columns.isEmpty()) {
      body.put("columns", columns);
    }
    return action("cache-load", body, progress);
  }

  /**
   * The scan command for a table (dotted name) or namespace path (starting with {@code /}), with an
   * optional projection; add a filter with {@link ScanCommand#withFilter}.
   *
   * @param columns columns to read, or null/empty for all
   */
  public static ScanCommand command(String tableOrPath, List<String> columns) {
    ScanCommand command =
        tableOrPath.startsWith("/")
            ? ScanCommand.path(tableOrPath)
            : ScanCommand.table(tableOrPath);
    return columns == null || columns.isEmpty() ? command : command.withColumns(columns);
  }

  /** The command descriptor carrying {@code command}. */
  public static FlightDescriptor descriptor(ScanCommand command) {
    return FlightDescriptor.command(command.toBytes());
  }

  /**
   * A descriptor for a table (dotted name) or namespace path, with an optional projection.
   *
   * @param columns columns to read, or null/empty for all
   */
  public static FlightDescriptor descriptor(String tableOrPath, List<String> columns) {
    return descriptor(command(tableOrPath, columns));
  }

  public FlightInfo info(String tableOrPath, List<String> columns) {
    return flight.getInfo(descriptor(tableOrPath, columns));
  }

  /**
   * Plans a scan command. With a filter, the endpoints cover only the units (row groups, stripes)
   * whose statistics do not rule out a match, and {@link FlightInfo#getRecords()} / {@link
   * FlightInfo#getBytes()} are the rows and decoded bytes of those units (before rows are
   * filtered).
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException {@code INVALID_ARGUMENT} naming the
   *     column or operator if the server refuses the filter, {@code NOT_FOUND} for an unknown table
   */
  public FlightInfo info(ScanCommand command) {
    return flight.getInfo(descriptor(command));
  }

  /** Receives each batch of a scan; the root is only valid during the call. */
  @FunctionalInterface
  public interface BatchConsumer {
    void accept(VectorSchemaRoot batch);
  }

  /** Totals of a scan. */
  public record ScanSummary(long rows, long batches, long bytes, int endpoints) {}

  /**
   * Plans and reads a whole table or path, endpoint after endpoint, handing every batch to {@code
   * consumer}.
   */
  public ScanSummary scan(String tableOrPath, List<String> columns, BatchConsumer consumer) {
    return read(info(tableOrPath, columns), consumer);
  }

  /**
   * Like {@link #scan(String, List, BatchConsumer)}, reading up to {@code parallelism} endpoints at
   * once. {@code consumer} is never called concurrently.
   */
  public ScanSummary scan(
      String tableOrPath, List<String> columns, int parallelism, BatchConsumer consumer) {
    return read(info(tableOrPath, columns), parallelism, consumer);
  }

  /**
   * Plans and reads a scan command, endpoint after endpoint, handing every batch to {@code
   * consumer}. With an exact filter (the default) the batches hold only the rows the filter keeps;
   * with {@link ScanCommand#pruneOnly()} they hold every row of the units that may match, and the
   * caller filters. Each batch is owned by the stream and valid only during the call: the consumer
   * copies what it keeps and closes nothing.
   */
  public ScanSummary scan(ScanCommand command, BatchConsumer consumer) {
    return read(info(command), consumer);
  }

  /** Reads every endpoint of {@code info} from this server, one after the other. */
  public ScanSummary read(FlightInfo info, BatchConsumer consumer) {
    return read(info, 1, consumer);
  }

  /**
   * Reads every endpoint of {@code info} from this server, up to {@code parallelism} at once;
   * {@code consumer} is never called concurrently. The first failure is rethrown after the other
   * streams are cancelled.
   */
  public ScanSummary read(FlightInfo info, int parallelism, BatchConsumer consumer) {
    List<FlightEndpoint> endpoints = info.getEndpoints();
    AtomicLong rows = new AtomicLong();
    AtomicLong batches = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    Object consumerLock = new Object();
    int threads = Math.max(1, Math.min(parallelism, endpoints.size()));
    if (threads == 1) {
      for (FlightEndpoint e : endpoints) {
        readEndpoint(e, rows, batches, bytes, consumerLock, consumer);
      }
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (FlightEndpoint e : endpoints) {
          futures.add(
              pool.submit(() -> readEndpoint(e, rows, batches, bytes, consumerLock, consumer)));
        }
        for (Future<?> f : futures) {
          try {
            f.get();
          } catch (ExecutionException ex) {
            futures.forEach(other -> other.cancel(true));
            if (ex.getCause() instanceof RuntimeException re) {
              throw re;
            }
            throw new IllegalStateException("Scan failed", ex.getCause());
          } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while scanning", ex);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
    return new ScanSummary(rows.get(), batches.get(), bytes.get(), endpoints.size());
  }

  private void readEndpoint(
      FlightEndpoint endpoint,
      AtomicLong rows,
      AtomicLong batches,
      AtomicLong bytes,
      Object consumerLock,
      BatchConsumer consumer) {
    try (FlightStream stream = flight.getStream(endpoint.getTicket())) {
      VectorSchemaRoot root = stream.getRoot();
      while (stream.next()) {
        rows.addAndGet(root.getRowCount());
        batches.incrementAndGet();
        long size = 0;
        for (var v : root.getFieldVectors()) {
          size += v.getBufferSize();
        }
        bytes.addAndGet(size);
        synchronized (consumerLock) {
          consumer.accept(root);
        }
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("Failed to close a Flight stream", e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    flight.close();
    if (ownsAllocator) {
      allocator.close();
    }
  }
}
