package io.quiver.server;

import io.quiver.protocol.ErrorCode;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;

/**
 * Waiting for a DoGet client to take the next batch, the same way for every stream (scans and SQL
 * results). Stateless; thread-safe.
 */
public final class Backpressure {
  private static final long READY_POLL_MILLIS = 1_000;

  /** A client that takes nothing for this long fails its stream with TIMED_OUT. */
  public static final long IDLE_LIMIT_MILLIS = 10 * 60_000;

  private Backpressure() {}

  /** A strategy registered with {@code listener}. */
  public static BackpressureStrategy register(ServerStreamListener listener) {
    BackpressureStrategy strategy = new BackpressureStrategy.CallbackBackpressureStrategy();
    strategy.register(listener);
    return strategy;
  }

  /**
   * Waits until the client can take another batch. Returns false if the call was cancelled; a
   * client that takes nothing for {@link #IDLE_LIMIT_MILLIS} fails the stream with TIMED_OUT so
   * that what the stream holds is not held forever.
   */
  public static boolean awaitReady(
      ServerStreamListener listener, BackpressureStrategy backpressure) {
    return awaitReady(listener, backpressure, () -> false);
  }

  /**
   * Like {@link #awaitReady(ServerStreamListener, BackpressureStrategy)}; once {@code stopping}
   * says so (the node is shutting down) the stream fails with UNAVAILABLE within about a second, so
   * that a client that stopped reading cannot hold the node's shutdown or its memory.
   */
  public static boolean awaitReady(
      ServerStreamListener listener,
      BackpressureStrategy backpressure,
      java.util.function.BooleanSupplier stopping) {
    long deadline = System.nanoTime() + IDLE_LIMIT_MILLIS * 1_000_000;
    while (true) {
      if (listener.isCancelled()) {
        return false;
      }
      if (stopping.getAsBoolean()) {
        throw FlightErrors.error(
            ErrorCode.NODE_UNAVAILABLE,
            "The node is shutting down; read again from another node or later");
      }
      switch (backpressure.waitForListener(READY_POLL_MILLIS)) {
        case READY:
          return true;
        case CANCELLED:
          return false;
        case TIMEOUT:
          if (System.nanoTime() > deadline) {
            throw FlightErrors.error(
                ErrorCode.TIMED_OUT,
                "The client read nothing for " + IDLE_LIMIT_MILLIS / 1000 + " s");
          }
          continue;
        default:
          throw FlightErrors.error(ErrorCode.INTERNAL, "stream listener failed");
      }
    }
  }
}
