package io.quiver.cache;

/**
 * A load could not allocate memory in the cache because everything the cache could evict was
 * already evicted: the rest is held by readers, pinned, or held by loads in progress (or the
 * request alone is larger than the capacity).
 *
 * <p>It is the cache's translation of Arrow's {@link org.apache.arrow.memory.OutOfMemoryException}
 * (kept as the cause). It is retryable once readers release references; the Flight layer maps it to
 * {@code RESOURCE_EXHAUSTED}.
 */
public final class CacheCapacityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long capacityBytes;
  private final long heldBytes;
  private final long requestedBytes;

  /**
   * Creates the exception.
   *
   * @param capacityBytes the cache capacity
   * @param heldBytes bytes of the cache's allocator that could not be evicted (held by readers or
   *     by loads in progress) when the failure was reported
   * @param requestedBytes the size of the refused allocation after Arrow's rounding, or -1 if
   *     unknown (the allocation was made on another thread than the one calling the cache)
   * @param cause the allocator's failure
   */
  public CacheCapacityException(
      long capacityBytes, long heldBytes, long requestedBytes, Throwable cause) {
    super(message(capacityBytes, heldBytes, requestedBytes), cause);
    this.capacityBytes = capacityBytes;
    this.heldBytes = heldBytes;
    this.requestedBytes = requestedBytes;
  }

  private static String message(long capacityBytes, long heldBytes, long requestedBytes) {
    String asked =
        requestedBytes >= 0
            ? "an allocation of " + requestedBytes + " bytes"
            : "an allocation of unknown size";
    return "chunk cache capacity of "
        + capacityBytes
        + " bytes is exhausted: "
        + heldBytes
        + " bytes are held by readers, pinned or loads in progress and cannot be evicted; "
        + asked
        + " was refused";
  }

  /** The cache capacity in bytes. */
  public long capacityBytes() {
    return capacityBytes;
  }

  /** Bytes that could not be evicted when the failure was reported. */
  public long heldBytes() {
    return heldBytes;
  }

  /** The refused allocation size after rounding, or -1 if unknown. */
  public long requestedBytes() {
    return requestedBytes;
  }
}
