package io.quiver.spark;

import io.quiver.client.BatchStream;
import io.quiver.client.QuiverClient;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Reads one endpoint into Spark's columnar batches: each Flight batch becomes a {@link
 * ColumnarBatch} of {@link ArrowColumnVector}s over the batch's own buffers (no copy, no rows);
 * only columns of types Spark cannot read are converted (see {@link ArrowToSpark}). The endpoint's
 * locations are tried in order, falling over on {@code UNAVAILABLE} before the first batch; an
 * endpoint without locations is read from the {@code server} node.
 *
 * <p>Memory: the task's own allocator, bounded by {@code maxTaskMemory}. The batch {@link #get()}
 * returns stays valid until the next {@link #next()} or {@link #close()}, which free it. Used by
 * one task thread.
 */
final class QuiverPartitionReader implements PartitionReader<ColumnarBatch> {
  private final QuiverOptions options;
  private final QuiverPartition partition;
  private final List<String> columns;
  private final BufferAllocator allocator;
  private final QuiverClient client;
  private BatchStream stream;
  private VectorSchemaRoot root;
  private final List<FieldVector> converted = new ArrayList<>();
  private ColumnarBatch batch;

  QuiverPartitionReader(QuiverOptions options, QuiverPartition partition, List<String> columns) {
    this.options = options;
    this.partition = partition;
    this.columns = columns;
    this.allocator =
        TaskMemory.allocator(
            "quiver-task-" + options.target() + "-" + partition.index(), options.maxTaskMemory());
    QuiverClient c;
    try {
      c = options.connect(allocator);
    } catch (RuntimeException e) {
      allocator.close();
      throw e;
    }
    this.client = c;
  }

  @Override
  public boolean next() throws QuiverReadException {
    releaseBatch();
    try {
      if (stream == null) {
        List<Location> locations = new ArrayList<>();
        for (String l : partition.locations()) {
          locations.add(new Location(java.net.URI.create(l)));
        }
        stream =
            client.stream(
                new FlightEndpoint(
                    new Ticket(partition.ticket()), locations.toArray(new Location[0])));
      }
      if (!stream.hasNext()) {
        return false;
      }
      root = stream.next();
    } catch (FlightRuntimeException e) {
      throw failure(describe(e), e.status().code(), e);
    } catch (OutOfMemoryException e) {
      throw failure(
          "a batch did not fit in maxTaskMemory ("
              + options.maxTaskMemory()
              + " bytes); raise the option: "
              + e.getMessage(),
          FlightStatusCode.RESOURCE_EXHAUSTED,
          e);
    }
    ColumnVector[] vectors = new ColumnVector[columns.size()];
    for (int i = 0; i < vectors.length; i++) {
      FieldVector v = root.getVector(columns.get(i));
      if (v == null) {
        throw new IllegalStateException(
            "The node sent no column '" + columns.get(i) + "' (got " + root.getSchema() + ")");
      }
      if (ArrowToSpark.readableField(v.getField()) != v.getField()) {
        v = ArrowToSpark.convert(v, allocator);
        converted.add(v);
      }
      vectors[i] = new ArrowColumnVector(v);
    }
    batch = new ColumnarBatch(vectors, root.getRowCount());
    return true;
  }

  /**
   * The status and message, with the root cause when gRPC's message says little ("io exception" for
   * a refused connection), and a hint when the node cannot be reached.
   */
  private static String describe(FlightRuntimeException e) {
    StringBuilder s =
        new StringBuilder().append(e.status().code()).append(": ").append(e.getMessage());
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null && !e.getMessage().contains(root.getMessage())) {
      s.append(" (").append(root.getMessage()).append(')');
    }
    if (e.status().code() == FlightStatusCode.UNAVAILABLE) {
      s.append(". Is the Quiver node running and reachable from this executor?");
    }
    return s.toString();
  }

  private QuiverReadException failure(String what, FlightStatusCode code, Throwable cause) {
    String where =
        partition.locations().length == 0
            ? options.server()
            : String.join(", ", partition.locations());
    return new QuiverReadException(
        "Quiver read of "
            + options.target()
            + " (endpoint "
            + (partition.index() + 1)
            + " of "
            + partition.count()
            + ", from "
            + where
            + ") failed: "
            + what,
        code,
        cause);
  }

  @Override
  public ColumnarBatch get() {
    return batch;
  }

  private void releaseBatch() {
    // ColumnarBatch.close() would close the vectors too; the root and the converted vectors are
    // closed here instead, once.
    batch = null;
    converted.forEach(FieldVector::close);
    converted.clear();
    if (root != null) {
      root.close();
      root = null;
    }
  }

  @Override
  public void close() {
    try {
      releaseBatch();
      if (stream != null) {
        stream.close();
      }
    } finally {
      try {
        client.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        allocator.close();
      }
    }
  }
}
