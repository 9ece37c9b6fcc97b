package io.quiver.client;

/**
 * The batches of one endpoint, read on the caller's thread: over Flight ({@link EndpointStream}) or
 * mapped from the node's shared memory ({@link ShortCircuitStream}). Ownership as in {@link
 * BatchStream}. Not thread-safe, except {@link #cancel()}.
 */
interface EndpointBatches extends BatchStream {
  /** Stops the read; a thread blocked in {@link #hasNext()} gets {@code CANCELLED} or the end. */
  void cancel();
}
