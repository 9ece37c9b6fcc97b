package io.quiver.server;

/**
 * How a stream overlaps loading (read and decode) with sending on a cache miss. Every mode returns
 * the same rows; they differ only in what runs at the same time, on the node's bounded pool of
 * decode threads ({@link QuiverServer.Config#decodeThreads()}).
 */
public enum ColdPipeline {
  /** A unit is loaded, its columns one group after the other, and only then sent (no pool). */
  SERIAL,

  /**
   * While a stream sends unit k, unit k+1 of the same file is loaded on the pool (at most one unit
   * ahead per stream, into the cache's memory; skipped when the cache has no room).
   */
  PREFETCH,

  /** {@link #PREFETCH}, and a unit's missing columns decoded in parallel groups on the pool. */
  PARALLEL;

  /** The mode named {@code name} (any case), for command lines and configuration files. */
  public static ColdPipeline parse(String name) {
    for (ColdPipeline p : values()) {
      if (p.name().equalsIgnoreCase(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "Unknown cold pipeline '" + name + "' (serial, prefetch or parallel)");
  }
}
