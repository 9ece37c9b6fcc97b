package io.quiver.bench.cache;

import java.util.Arrays;
import java.util.Objects;

/**
 * A request trace for {@link PolicySimulator}: a named sequence of key ids, one per request.
 *
 * <p>Key ids are non-negative ints; {@link CacheSimulation} turns each id into a {@link
 * io.quiver.cache.ColumnChunkKey}. Immutable once built: the array is not copied for speed, so
 * builders must hand over an array they no longer touch, and {@link #keyAt} is the only read path.
 */
public final class Trace {
  private final String name;
  private final String description;
  private final int[] keys;
  private final int universe;

  /**
   * Wraps a trace.
   *
   * @param name short name, used as the table row label and in file names
   * @param description one line saying how the trace was made
   * @param keys the key id of each request; ownership passes to this trace
   * @throws IllegalArgumentException if the trace is empty or an id is negative
   */
  public Trace(String name, String description, int[] keys) {
    this.name = Objects.requireNonNull(name, "name");
    this.description = Objects.requireNonNull(description, "description");
    this.keys = Objects.requireNonNull(keys, "keys");
    if (keys.length == 0) {
      throw new IllegalArgumentException("trace " + name + " has no requests");
    }
    int max = -1;
    for (int key : keys) {
      if (key < 0) {
        throw new IllegalArgumentException("trace " + name + " has a negative key id: " + key);
      }
      max = Math.max(max, key);
    }
    this.universe = max + 1;
  }

  /** The trace's name. */
  public String name() {
    return name;
  }

  /** How the trace was made. */
  public String description() {
    return description;
  }

  /** The number of requests. */
  public int length() {
    return keys.length;
  }

  /** The key id of request {@code i}. */
  public int keyAt(int i) {
    return keys[i];
  }

  /** One more than the largest key id: ids are in {@code [0, universe())}. */
  public int universe() {
    return universe;
  }

  /** The number of distinct keys requested. */
  public int distinctKeys() {
    return (int) Arrays.stream(keys).distinct().count();
  }
}
