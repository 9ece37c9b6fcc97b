package io.quiver.client;

import java.util.Iterator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The batches of a scan, as an iterator of {@link VectorSchemaRoot}s that the caller owns.
 *
 * <p><b>Ownership.</b> Every root returned by {@link #next()} belongs to the caller, who must
 * {@link VectorSchemaRoot#close() close} it (its buffers were transferred out of the Flight stream,
 * without copying, into the client's allocator); it stays valid after later calls to {@code next()}
 * and after this stream is closed. Roots still buffered inside the stream belong to the stream and
 * are released by {@link #close()}. Close every returned root before the client: the client's
 * allocator checks for leaks when it closes.
 *
 * <p><b>Order.</b> Batches of one endpoint arrive in the order the server sent them; endpoints read
 * in parallel interleave in no particular order.
 *
 * <p><b>Errors.</b> {@link #hasNext()} and {@link #next()} throw the first failure of any endpoint
 * as the {@link org.apache.arrow.flight.FlightRuntimeException} the server (or gRPC) reported, so
 * {@code e.status().code()} tells {@code NOT_FOUND}, {@code INVALID_ARGUMENT}, {@code UNAVAILABLE},
 * … apart; the other endpoints' streams are cancelled then.
 *
 * <p><b>Closing.</b> {@link #close()} cancels the streams still running, stops the reading threads
 * and releases every batch not yet handed out. Closing early (after a {@code LIMIT}, say) is how a
 * reader abandons a scan. Idempotent.
 *
 * <p>Not thread-safe: one thread consumes a stream (the parallel reading happens inside it).
 */
public interface BatchStream extends Iterator<VectorSchemaRoot>, AutoCloseable {

  /** The schema of every batch. */
  Schema schema();

  /**
   * Waits for the next batch, the end of the scan, or a failure.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException the first failure of the scan
   */
  @Override
  boolean hasNext();

  /**
   * The next batch, owned by the caller from now on (close it).
   *
   * @throws java.util.NoSuchElementException after the last batch
   * @throws org.apache.arrow.flight.FlightRuntimeException the first failure of the scan
   */
  @Override
  VectorSchemaRoot next();

  /** Cancels what is still running and releases the batches not handed out. */
  @Override
  void close();
}
