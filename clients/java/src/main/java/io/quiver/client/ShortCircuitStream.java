package io.quiver.client;

import io.quiver.protocol.action.ShortCircuitRequest;
import io.quiver.protocol.action.ShortCircuitResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The batches of one endpoint read by mapping the node's shared memory: a short-circuit read for a
 * client on the node's host (the node runs with {@code --short-circuit}). The {@code short-circuit}
 * action opens a lease on the endpoint's ticket and names, unit after unit, the Arrow IPC files and
 * record batches that hold each column of each batch; this stream maps them ({@link MappedIpcFile})
 * and hands out roots whose buffers are the mapped memory: no copy, no socket. The rows, their
 * order and the schema are exactly a {@code DoGet}'s.
 *
 * <p>Fallback: whatever cannot be read this way is read over Flight ({@link EndpointStream}),
 * transparently. Before the first unit: the node is on another host, refuses ({@code
 * UNIMPLEMENTED}), or this process cannot see its directory (another mount namespace or user: the
 * directory's token differs). Later (the node answers {@code fallback}, or the lease expired): the
 * rest of the ticket, skipping the rows already returned.
 *
 * <p>Ownership as in {@link BatchStream}: each root returned is the caller's; its vectors keep
 * their mapping alive (and accounted to the client's allocator) until closed, even after the node
 * deleted the file. The lease is released as soon as the next unit is asked for, and on {@link
 * #close()}. Not thread-safe, except {@link #cancel()}.
 */
final class ShortCircuitStream implements EndpointBatches {
  private final FlightEndpoint endpoint;
  private final Function<Location, FlightClient> clientFor;
  private final BufferAllocator allocator;
  private final FlightClient client;
  private final ShortCircuits known;
  private final Schema schema;
  private final Path directory;
  private final Map<String, MappedIpcFile> files = new HashMap<>();

  private String lease;
  private List<ShortCircuitResponse.Batch> unit;
  private int index;
  private boolean done;

  /** Whether the current unit is the ticket's last: the lease is closed once it is consumed. */
  private boolean last;

  private long rowsReturned;

  /** The Flight stream that took over; null while mapping. */
  private EndpointStream flight;

  private volatile boolean closed;

  private ShortCircuitStream(
      FlightEndpoint endpoint,
      Function<Location, FlightClient> clientFor,
      BufferAllocator allocator,
      FlightClient client,
      ShortCircuits known,
      Schema schema,
      ShortCircuitResponse first) {
    this.known = known;
    this.endpoint = endpoint;
    this.clientFor = clientFor;
    this.allocator = allocator;
    this.client = client;
    this.schema = schema;
    this.directory = Path.of(first.directory());
    accept(first);
  }

  /**
   * Reads {@code endpoint} by mapping if its node is on this host and lets it, else over Flight
   * ({@link EndpointStream#open}, with its fail-over).
   */
  static EndpointBatches open(
      FlightEndpoint endpoint,
      ShortCircuits known,
      Function<Location, FlightClient> clientFor,
      BufferAllocator allocator) {
    Location target = known.target(endpoint.getLocations());
    if (target == null || !known.worthTrying(target)) {
      return EndpointStream.open(endpoint, clientFor, allocator);
    }
    FlightClient client = clientFor.apply(target);
    ShortCircuitResponse first;
    try {
      first =
          ShortCircuits.call(
              client,
              ShortCircuitRequest.open(
                  Base64.getEncoder().encodeToString(endpoint.getTicket().getBytes())));
    } catch (FlightRuntimeException e) {
      if (e.status().code() == org.apache.arrow.flight.FlightStatusCode.UNIMPLEMENTED) {
        known.giveUp(target); // a node without --short-circuit (or an older one)
      }
      // Any other failure is the ticket's or the node's: Flight reports it (or fails over).
      return EndpointStream.open(endpoint, clientFor, allocator);
    }
    if (first.fallback() != null) {
      return EndpointStream.open(endpoint, clientFor, allocator);
    }
    if (!known.seesDirectory(first.directory(), first.token())) {
      known.giveUp(target);
      closeLease(client, first.lease());
      return EndpointStream.open(endpoint, clientFor, allocator);
    }
    Schema schema;
    try {
      schema =
          MessageSerializer.deserializeSchema(
              new ReadChannel(
                  Channels.newChannel(
                      new ByteArrayInputStream(Base64.getDecoder().decode(first.schema())))));
    } catch (IOException | RuntimeException e) {
      closeLease(client, first.lease());
      throw CallStatus.INTERNAL
          .withDescription("The node sent an unreadable schema for a short-circuit read: " + e)
          .withCause(e)
          .toRuntimeException();
    }
    return new ShortCircuitStream(endpoint, clientFor, allocator, client, known, schema, first);
  }

  private void accept(ShortCircuitResponse r) {
    unit = r.batches();
    index = 0;
    last = r.last();
    if (r.done()) {
      done = true;
      lease = null;
    } else if (r.fallback() != null) {
      lease = null;
      fallBack();
    } else {
      lease = r.lease();
    }
  }

  /** Reads the rest of the ticket over Flight, skipping the rows returned so far. */
  private void fallBack() {
    unit = List.of();
    releaseFiles();
    flight = EndpointStream.openSkipping(endpoint, clientFor, allocator, rowsReturned);
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public boolean hasNext() {
    while (true) {
      if (flight != null) {
        return flight.hasNext();
      }
      if (closed) {
        return false;
      }
      if (index < unit.size()) {
        return true;
      }
      if (done) {
        releaseFiles();
        return false;
      }
      if (last) {
        // Every batch of the last unit is mapped: release the lease without waiting for the
        // node's answer (one round trip less per endpoint).
        done = true;
        releaseFiles();
        known.closeLater(client, lease);
        lease = null;
        return false;
      }
      // The unit is consumed: release it (and its mappings) and take the next.
      releaseFiles();
      ShortCircuitResponse next;
      try {
        next = ShortCircuits.call(client, ShortCircuitRequest.next(lease));
      } catch (FlightRuntimeException e) {
        // The lease expired or the node went away: Flight takes over (with fail-over).
        lease = null;
        fallBack();
        continue;
      }
      accept(next);
    }
  }

  @Override
  public VectorSchemaRoot next() {
    if (!hasNext()) {
      throw new NoSuchElementException("The endpoint's stream has ended");
    }
    if (flight != null) {
      return flight.next();
    }
    ShortCircuitResponse.Batch batch = unit.get(index);
    VectorSchemaRoot root;
    try {
      root = load(batch);
    } catch (IOException | OutOfMemoryException e) {
      // A file went missing (freed after an expired lease) or the client's memory limit: read
      // this batch and the rest over Flight.
      closeLease(client, lease);
      lease = null;
      fallBack();
      return next();
    }
    index++;
    rowsReturned += batch.rows();
    return root;
  }

  /** A root over the mapped record batches of {@code batch}'s columns. */
  private VectorSchemaRoot load(ShortCircuitResponse.Batch batch) throws IOException {
    if (batch.columns().size() != schema.getFields().size()) {
      throw new IOException(
          "The node described " + batch.columns().size() + " columns for a batch of " + schema);
    }
    List<ArrowRecordBatch> parts = new ArrayList<>(batch.columns().size());
    VectorSchemaRoot root = null;
    try {
      List<ArrowFieldNode> nodes = new ArrayList<>();
      List<ArrowBuf> buffers = new ArrayList<>();
      for (ShortCircuitResponse.Column column : batch.columns()) {
        String name = column.file();
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
          throw new IOException("The node named a file outside its directory: " + name);
        }
        MappedIpcFile file = files.get(name);
        if (file == null) {
          file = known.map(directory.resolve(name), allocator);
          files.put(name, file);
        }
        ArrowRecordBatch part = file.recordBatch(column.batch());
        parts.add(part);
        if (part.getLength() != batch.rows()) {
          throw new IOException(
              name
                  + " batch "
                  + column.batch()
                  + " has "
                  + part.getLength()
                  + " rows, not "
                  + batch.rows());
        }
        nodes.addAll(part.getNodes());
        buffers.addAll(part.getBuffers());
      }
      root = VectorSchemaRoot.create(schema, allocator);
      try (ArrowRecordBatch whole = new ArrowRecordBatch((int) batch.rows(), nodes, buffers)) {
        new VectorLoader(root).load(whole);
      }
      return root;
    } catch (IOException | RuntimeException | Error e) {
      if (root != null) {
        root.close();
      }
      throw e;
    } finally {
      try {
        AutoCloseables.close(parts);
      } catch (Exception e) {
        throw new IllegalStateException("Releasing mapped record batches failed", e);
      }
    }
  }

  private void releaseFiles() {
    files.values().forEach(MappedIpcFile::close);
    files.clear();
  }

  private static void closeLease(FlightClient client, String lease) {
    if (lease == null) {
      return;
    }
    try {
      ShortCircuits.call(client, ShortCircuitRequest.close(lease));
    } catch (RuntimeException e) {
      // The node releases it when it expires.
    }
  }

  @Override
  public void cancel() {
    closed = true;
    EndpointStream f = flight;
    if (f != null) {
      f.cancel();
    }
  }

  @Override
  public void close() {
    closed = true;
    releaseFiles();
    String held = lease;
    lease = null;
    closeLease(client, held);
    if (flight != null) {
      flight.close();
    }
  }
}
