package io.quiver.bench.cache;

import java.util.Arrays;
import java.util.Objects;

/**
 * A request trace for {@link PolicySimulator}: a named sequence of key ids, one per request, and
 * optionally the size of each key's chunk.
 *
 * <p>Key ids are non-negative ints; {@link CacheSimulation} turns each id into a {@link
 * io.quiver.cache.ColumnChunkKey}. A <em>sized</em> trace gives every key its chunk size in bytes
 * (column chunks range from a few KiB to tens of MiB); an unsized one lets the simulation give
 * every chunk the same size. Immutable once built: the arrays are not copied for speed, so builders
 * must hand over arrays they no longer touch, and {@link #keyAt} and {@link #sizeOf} are the only
 * read paths.
 */
public final class Trace {
  private final String name;
  private final String description;
  private final int[] keys;
  private final long[] sizes;
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
    this(name, description, keys, null);
  }

  /**
   * Wraps a sized trace.
   *
   * @param name short name, used as the table row label and in file names
   * @param description one line saying how the trace was made
   * @param keys the key id of each request; ownership passes to this trace
   * @param sizes the chunk size in bytes of each key id (index = id), or null for an unsized trace;
   *     ownership passes to this trace
   * @throws IllegalArgumentException if the trace is empty, an id is negative, or a requested key
   *     has no positive size
   */
  public Trace(String name, String description, int[] keys, long[] sizes) {
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
    this.sizes = sizes;
    if (sizes != null) {
      for (int key : keys) {
        if (key >= sizes.length || sizes[key] <= 0) {
          throw new IllegalArgumentException(
              "trace " + name + ": key " + key + " has no positive chunk size");
        }
      }
    }
  }

  /** This trace's requests with chunk sizes: {@code sizes[id]} bytes for key id {@code id}. */
  public Trace withSizes(long[] sizes, String sizeNote) {
    return new Trace(name, description + "; " + sizeNote, keys, sizes);
  }

  /** Whether every key has its own chunk size. */
  public boolean sized() {
    return sizes != null;
  }

  /**
   * The chunk size of key {@code id} in bytes.
   *
   * @throws IllegalStateException if the trace is not sized
   */
  public long sizeOf(int id) {
    if (sizes == null) {
      throw new IllegalStateException("trace " + name + " has no chunk sizes");
    }
    return sizes[id];
  }

  /** The total size of the distinct keys requested (sized traces only). */
  public long distinctBytes() {
    return Arrays.stream(keys).distinct().mapToLong(this::sizeOf).sum();
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
