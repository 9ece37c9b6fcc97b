package io.quiver.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;

/**
 * The batches of one endpoint, read on the caller's thread, with fail-over: the endpoint's
 * locations are tried in order and the next one is tried when a location answers {@code
 * UNAVAILABLE} (a node that is down, unreachable or shutting down). A location that fails with
 * {@code UNAVAILABLE} after some batches is replaced by the next one too: a ticket streams the same
 * rows in the same order wherever it is read, so the rows already returned are skipped (a batch
 * straddling the cut is sliced) and the reader sees every row once. An endpoint without locations
 * is read from the client's own node.
 *
 * <p>Ownership as in {@link BatchStream}. Not thread-safe, except {@link #cancel()} (which cancels
 * the call serving at that moment).
 */
final class EndpointStream implements EndpointBatches {
  private final BufferAllocator allocator;
  private final FlightEndpoint endpoint;
  private final Function<Location, FlightClient> clientFor;
  private volatile FlightStream stream;
  private Location servedBy;

  /** Index in the endpoint's locations of the one serving now. */
  private int serving;

  /** Rows handed to the reader so far. */
  private long rowsReturned;

  /** Rows of a resumed stream still to be skipped (returned before the fail-over). */
  private long skip;

  /** Whether {@link #stream} was closed after a failure no later location replaced. */
  private boolean streamClosed;

  private boolean ready;
  private boolean done;
  private volatile boolean closed;

  private EndpointStream(
      BufferAllocator allocator,
      FlightEndpoint endpoint,
      Function<Location, FlightClient> clientFor,
      FlightStream stream,
      int serving,
      boolean ready) {
    this.allocator = allocator;
    this.endpoint = endpoint;
    this.clientFor = clientFor;
    this.stream = stream;
    this.serving = serving;
    this.servedBy = endpoint.getLocations().isEmpty() ? null : endpoint.getLocations().get(serving);
    this.ready = ready;
    this.done = !ready;
  }

  /**
   * Opens the endpoint's stream and waits for its schema and first batch (or its end), failing over
   * as described above.
   *
   * @param clientFor the client for a location; {@code null} asks for the client's own node
   * @param allocator where returned batches are transferred to
   * @throws FlightRuntimeException the error of the last location tried; with {@code UNAVAILABLE}
   *     from every location, an {@code UNAVAILABLE} naming each of them
   */
  static EndpointStream open(
      FlightEndpoint endpoint,
      Function<Location, FlightClient> clientFor,
      BufferAllocator allocator) {
    List<Location> candidates =
        endpoint.getLocations().isEmpty()
            ? Collections.singletonList(null)
            : endpoint.getLocations();
    Ticket ticket = endpoint.getTicket();
    List<String> unavailable = new ArrayList<>();
    List<FlightRuntimeException> failures = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      Location location = candidates.get(i);
      FlightStream stream = null;
      try {
        stream = clientFor.apply(location).getStream(ticket);
        boolean first = stream.next();
        return new EndpointStream(allocator, endpoint, clientFor, stream, i, first);
      } catch (FlightRuntimeException e) {
        closeAfterFailure(stream, e);
        if (e.status().code() != FlightStatusCode.UNAVAILABLE) {
          failures.forEach(e::addSuppressed);
          throw e;
        }
        failures.add(e);
        unavailable.add(
            (location == null ? "this client's node" : location.getUri().toString())
                + ": "
                + e.getMessage());
      } catch (RuntimeException | Error e) {
        // Not a call failure (memory limit, say): release the call and let it through.
        if (stream != null) {
          try {
            stream.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      }
    }
    if (failures.size() == 1) {
      throw failures.get(0);
    }
    FlightRuntimeException all =
        CallStatus.UNAVAILABLE
            .withDescription(
                "No location could serve the endpoint (tried "
                    + failures.size()
                    + "): "
                    + String.join("; ", unavailable))
            .withCause(failures.get(failures.size() - 1))
            .toRuntimeException();
    failures.forEach(all::addSuppressed);
    throw all;
  }

  /**
   * As {@link #open}, skipping the first {@code rows} rows of the endpoint (read another way
   * before: a short-circuit read that fell back to Flight).
   */
  static EndpointStream openSkipping(
      FlightEndpoint endpoint,
      Function<Location, FlightClient> clientFor,
      BufferAllocator allocator,
      long rows) {
    EndpointStream s = open(endpoint, clientFor, allocator);
    if (rows > 0) {
      s.rowsReturned = rows;
      s.skip = rows;
      if (s.ready) {
        int first = s.stream.getRoot().getRowCount();
        if (first <= s.skip) {
          s.skip -= first;
          s.ready = false;
        }
      }
    }
    return s;
  }

  private static void closeAfterFailure(FlightStream stream, FlightRuntimeException failure) {
    if (stream == null) {
      return;
    }
    try {
      stream.close();
    } catch (Exception e) {
      // The stream already failed; its close repeats the failure.
      if (e != failure && e.getCause() != failure) {
        failure.addSuppressed(e);
      }
    }
  }

  /** The location that serves this endpoint, or null for the client's own node. */
  Location servedBy() {
    return servedBy;
  }

  @Override
  public Schema schema() {
    return stream.getSchema();
  }

  @Override
  public boolean hasNext() {
    while (true) {
      if (ready) {
        return true;
      }
      if (done || closed) {
        return false;
      }
      try {
        ready = stream.next();
      } catch (FlightRuntimeException e) {
        if (!resume(e)) {
          throw e;
        }
        continue;
      }
      done = !ready;
      if (ready && skip > 0) {
        int rows = stream.getRoot().getRowCount();
        if (rows <= skip) {
          skip -= rows; // returned before the fail-over: drop it
          ready = false;
        }
      }
    }
  }

  /**
   * After {@code failure}, continues the stream at the endpoint's next location if the failure is
   * {@code UNAVAILABLE} and one is left, skipping the rows already returned.
   *
   * @return whether the stream continues; false leaves {@code failure} to be thrown
   */
  private boolean resume(FlightRuntimeException failure) {
    List<Location> locations = endpoint.getLocations();
    if (failure.status().code() != FlightStatusCode.UNAVAILABLE
        || closed
        || serving + 1 >= locations.size()) {
      return false; // thrown with the stream as it is: the caller closes it
    }
    closeAfterFailure(stream, failure);
    streamClosed = true;
    while (++serving < locations.size()) {
      Location next = locations.get(serving);
      FlightStream resumed = null;
      try {
        resumed = clientFor.apply(next).getStream(endpoint.getTicket());
        resumed.getSchema(); // the call is up
        stream = resumed;
        streamClosed = false;
        servedBy = next;
        skip = rowsReturned;
        return true;
      } catch (FlightRuntimeException e) {
        closeAfterFailure(resumed, e);
        failure.addSuppressed(e);
        if (e.status().code() != FlightStatusCode.UNAVAILABLE) {
          return false;
        }
      }
    }
    return false;
  }

  @Override
  public VectorSchemaRoot next() {
    if (!hasNext()) {
      throw new NoSuchElementException("The endpoint's stream has ended");
    }
    ready = false;
    VectorSchemaRoot batch = transfer(stream.getRoot(), allocator);
    if (skip > 0) {
      // The batch straddles the rows returned before a fail-over: keep its tail only.
      int from = (int) skip;
      skip = 0;
      try (VectorSchemaRoot whole = batch) {
        batch = whole.slice(from, whole.getRowCount() - from);
      }
    }
    rowsReturned += batch.getRowCount();
    return batch;
  }

  /**
   * Moves the buffers of {@code root} into a new root in {@code allocator}, without copying; {@code
   * root} is left empty and stays owned by its owner, the new root is the caller's.
   */
  static VectorSchemaRoot transfer(VectorSchemaRoot root, BufferAllocator allocator) {
    List<FieldVector> vectors = new ArrayList<>(root.getFieldVectors().size());
    for (FieldVector v : root.getFieldVectors()) {
      TransferPair pair = v.getTransferPair(allocator);
      pair.transfer();
      vectors.add((FieldVector) pair.getTo());
    }
    return new VectorSchemaRoot(root.getSchema().getFields(), vectors, root.getRowCount());
  }

  /** Cancels the call; a thread blocked in {@link #hasNext()} gets {@code CANCELLED}. */
  @Override
  public void cancel() {
    stream.cancel("The reader closed the scan", null);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (streamClosed) {
      return; // closed when it failed; no other location took over
    }
    try {
      stream.close();
    } catch (FlightRuntimeException e) {
      // Closing a stream that is still running cancels it; the cancellation is what we asked for.
      if (e.status().code() != FlightStatusCode.CANCELLED) {
        throw e;
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw CallStatus.INTERNAL
          .withDescription("Could not close a Flight stream: " + e)
          .withCause(e)
          .toRuntimeException();
    }
  }
}
