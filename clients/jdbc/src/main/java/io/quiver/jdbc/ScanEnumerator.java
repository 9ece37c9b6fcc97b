package io.quiver.jdbc;

import io.quiver.protocol.ScanCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.calcite.linq4j.Enumerator;

/**
 * The rows of one table scan: plans the scan command on the node when first asked for a row, then
 * reads its endpoints on up to {@code parallelism} reader threads, each converting its batches to
 * rows ({@link ArrowValues}) and handing them over through a small bounded queue, so memory stays
 * bounded by a few batches whatever the table's size. Rows of different endpoints interleave.
 *
 * <p>Arrow buffers never leave a reader thread: each reader owns its Flight stream and closes it.
 * {@link #close()} (Calcite calls it when the result set closes, after a {@code LIMIT} is reached
 * for example) cancels the streams still open, so readers stop promptly and nothing keeps
 * streaming. Used by one consumer thread; {@code close()} may be called from any thread.
 */
final class ScanEnumerator implements Enumerator<Object[]> {
  private static final Object[][] END = new Object[0][];
  private static final Object[] NO_COLUMNS = new Object[0];

  private final NodeConnection node;
  private final String table;
  private final ScanCommand command;
  private final List<String> output;
  private final BlockingQueue<Object[][]> batches;
  private final Set<FlightStream> streams = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicInteger running = new AtomicInteger();
  private final Queue<FlightEndpoint> endpoints = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;
  private boolean started;
  private boolean done;
  private Object[][] batch = END;
  private int position;
  private Object[] current;

  /**
   * @param output the columns of each row, in order (empty: rows of no columns, counted from the
   *     command's one column)
   */
  ScanEnumerator(NodeConnection node, String table, ScanCommand command, List<String> output) {
    this.node = node;
    this.table = table;
    this.command = command;
    this.output = List.copyOf(output);
    this.batches = new ArrayBlockingQueue<>(2 * node.options().parallelism() + 1);
  }

  @Override
  public Object[] current() {
    return current;
  }

  @Override
  public boolean moveNext() {
    if (closed || done) {
      return false;
    }
    if (!started) {
      start();
    }
    while (position + 1 >= batch.length) {
      Object[][] next;
      try {
        // Not take(): the connection may close this scan from another thread.
        next = batches.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new ScanException("Interrupted while reading " + table, e);
      }
      if (next == null) {
        if (closed) {
          return false;
        }
        continue;
      }
      if (next == END) {
        done = true;
        Throwable failed = failure.get();
        close();
        if (failed != null) {
          throw failed(failed);
        }
        return false;
      }
      batch = next;
      position = -1;
    }
    current = batch[++position];
    return true;
  }

  private void start() {
    started = true;
    node.opened(this);
    FlightInfo info;
    try {
      info = node.flight().getInfo(FlightDescriptor.command(command.toBytes()));
    } catch (RuntimeException e) {
      close();
      throw failed(e);
    }
    endpoints.addAll(info.getEndpoints());
    int readers = Math.min(node.options().parallelism(), endpoints.size());
    if (readers == 0) {
      batches.add(END);
      return;
    }
    running.set(readers);
    for (int i = 0; i < readers; i++) {
      try {
        node.readers().execute(this::read);
      } catch (RejectedExecutionException e) {
        failure.compareAndSet(null, new ScanException("The connection is closed", e));
        finishReader();
      }
    }
  }

  /** A reader thread: takes endpoints until none is left, the scan fails or closes. */
  private void read() {
    try {
      FlightEndpoint endpoint;
      while (!stopping() && (endpoint = endpoints.poll()) != null) {
        readEndpoint(endpoint);
      }
    } catch (Throwable e) {
      if (!closed && failure.compareAndSet(null, e)) {
        cancelStreams("Another endpoint of the scan failed");
      }
      if (e instanceof VirtualMachineError vme) {
        throw vme;
      }
    } finally {
      finishReader();
    }
  }

  private void finishReader() {
    if (running.decrementAndGet() == 0) {
      hand(END);
    }
  }

  private boolean stopping() {
    return closed || failure.get() != null;
  }

  /** Reads one endpoint; closes its stream (which cancels and drains it if unfinished). */
  private void readEndpoint(FlightEndpoint endpoint) throws Exception {
    FlightStream stream = node.flight().getStream(endpoint.getTicket());
    streams.add(stream);
    try {
      if (stopping()) {
        stream.cancel("Scan closed", null);
        return;
      }
      VectorSchemaRoot root = stream.getRoot();
      List<ArrowValues.Column> columns = null;
      while (!stopping() && stream.next()) {
        if (columns == null) {
          columns = columns(root);
        }
        int rows = root.getRowCount();
        if (rows > 0 && !hand(rows(columns, rows))) {
          return;
        }
      }
    } finally {
      streams.remove(stream);
      stream.close();
    }
  }

  private List<ArrowValues.Column> columns(VectorSchemaRoot root) {
    List<ArrowValues.Column> columns = new ArrayList<>(output.size());
    for (String name : output) {
      FieldVector v = root.getVector(name);
      if (v == null) {
        throw new ScanException(
            "The node sent no column '"
                + name
                + "' for "
                + table
                + " (it sent "
                + root.getSchema()
                + ")",
            null);
      }
      columns.add(ArrowValues.column(v));
    }
    return columns;
  }

  private static Object[][] rows(List<ArrowValues.Column> columns, int count) {
    Object[][] rows = new Object[count][];
    int width = columns.size();
    for (int r = 0; r < count; r++) {
      rows[r] = width == 0 ? NO_COLUMNS : new Object[width];
    }
    for (int c = 0; c < width; c++) {
      ArrowValues.Column column = columns.get(c);
      for (int r = 0; r < count; r++) {
        rows[r][c] = column.get(r);
      }
    }
    return rows;
  }

  /** Hands rows (or END) to the consumer; false if the scan closed meanwhile. */
  private boolean hand(Object[][] rows) {
    try {
      while (!closed) {
        if (batches.offer(rows, 50, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private void cancelStreams(String why) {
    for (FlightStream s : List.copyOf(streams)) {
      s.cancel(why, null);
    }
  }

  private RuntimeException failed(Throwable e) {
    if (e instanceof ScanException s) {
      return s;
    }
    if (e instanceof FlightRuntimeException f) {
      return new ScanException(
          "Scan of "
              + table
              + " failed: "
              + f.status().code()
              + (f.status().description() == null ? "" : ": " + f.status().description()),
          f);
    }
    return new ScanException("Scan of " + table + " failed: " + e, e);
  }

  @Override
  public void reset() {
    throw new UnsupportedOperationException("A Quiver scan cannot be restarted");
  }

  /** Stops the readers (they close their streams) and forgets buffered rows. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    cancelStreams("Query closed");
    batches.clear();
    node.closed(this);
  }
}
