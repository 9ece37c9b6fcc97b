package io.quiver.server;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.quiver.cache.CachedChunk;
import io.quiver.catalog.Catalog;
import java.io.IOException;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Serves one DoGet: for each row group of the ticket, gets the projected column chunks from the
 * cache (loading the missing ones in one pass over the file), and streams them as record batches
 * without copying: each batch is the cached slices' buffers loaded into the stream's root.
 *
 * <p>On a cache miss the {@link ScanCursor} loads the next row group on the decode pool while this
 * one is sent ({@link ColdPipeline}).
 *
 * <p>Ownership: the stream holds a {@link CachedChunk} reference for every chunk of the row group
 * it is sending (and of the next one while it is prefetched) and releases them when it moves on,
 * fails or is cancelled. Each batch's buffers are additionally retained by the root (and by gRPC
 * until written), so a chunk evicted meanwhile stays valid until the last of them lets go.
 */
final class ChunkStreamer {

  private final Catalog catalog;
  private final UnitLoader units;
  private final BufferAllocator streams;
  private final ScanMetrics metrics;

  private final Object activeLock = new Object();
  private volatile boolean stopping;

  @GuardedBy("activeLock")
  private int active;

  ChunkStreamer(Catalog catalog, UnitLoader loader, BufferAllocator streams, ScanMetrics metrics) {
    this.catalog = catalog;
    this.units = loader;
    this.streams = streams;
    this.metrics = metrics;
  }

  /**
   * Streams the ticket's row groups to {@code listener}; returns normally after {@code completed()}
   * or a cancellation, throws on failure (the caller reports it to the client). Either way the
   * stream's line goes to the scan log ({@link ScanLog}).
   *
   * @param user the caller's name for the scan log; empty for anonymous
   */
  void stream(ScanTicket ticket, String user, ServerStreamListener listener) throws IOException {
    synchronized (activeLock) {
      active++;
    }
    long start = System.nanoTime();
    StreamStats stats = new StreamStats();
    boolean completed = false;
    FlightRuntimeException failure = null;
    try {
      completed = streamTracked(ticket, stats, listener);
    } catch (IOException | RuntimeException | Error e) {
      failure = FlightErrors.toFlight(e);
      throw e;
    } finally {
      ScanLog.ended(ticket, user, stats, start, failure, failure == null && !completed);
      synchronized (activeLock) {
        active--;
        activeLock.notifyAll();
      }
    }
  }

  /** Makes every running stream end (UNAVAILABLE to its client) at its next batch boundary. */
  void stopAll() {
    stopping = true;
  }

  /**
   * Waits until no stream is running (they notice cancellation within about a second).
   *
   * @return false if streams were still running at the deadline
   */
  boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (activeLock) {
      while (active > 0) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          return false;
        }
        activeLock.wait(left);
      }
      return true;
    }
  }

  /** Returns true after {@code completed()}, false if the client cancelled. */
  private boolean streamTracked(ScanTicket ticket, StreamStats stats, ServerStreamListener listener)
      throws IOException {
    try (ScanCursor cursor = new ScanCursor(catalog, units, streams, metrics, stats, ticket)) {
      BackpressureStrategy backpressure = Backpressure.register(listener);
      // Zero-copy write: gRPC sends the cached buffers themselves and releases them once written,
      // possibly after this method returns. So the root lives in the shared streams allocator
      // (closed with the server, where a leak still fails) rather than a per-stream one closed
      // here.
      try (VectorSchemaRoot root = VectorSchemaRoot.create(cursor.schema(), streams)) {
        listener.setUseZeroCopy(true);
        listener.start(root);
        VectorLoader loader = new VectorLoader(root);
        while (true) {
          if (!Backpressure.awaitReady(listener, backpressure, () -> stopping)) {
            return false; // cancelled
          }
          if (!cursor.next(loader)) {
            break;
          }
          listener.putNext();
        }
        listener.completed();
        return true;
      }
    }
  }
}
