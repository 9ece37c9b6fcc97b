package io.quiver.storage;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of storage traffic: how many calls of each kind and how many bytes were read. A server
 * has one node-wide instance, so that "bytes read from storage" is one number, and one child per
 * mount ({@link #forMount}) for its {@link MeteredStorage}: a child adds to its own counters and to
 * the node's.
 *
 * <p>Thread-safe.
 */
public final class StorageMetrics {
  /** What a child counts for: a mount path and its store's scheme ({@code s3}, {@code hdfs}, …). */
  public record Source(String mount, String store) implements Comparable<Source> {
    public Source {
      Objects.requireNonNull(mount, "mount");
      Objects.requireNonNull(store, "store");
    }

    @Override
    public int compareTo(Source o) {
      int c = mount.compareTo(o.mount);
      return c != 0 ? c : store.compareTo(o.store);
    }
  }

  private final LongAdder reads = new LongAdder();
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder stats = new LongAdder();
  private final LongAdder lists = new LongAdder();
  private final LongAdder opens = new LongAdder();

  /** The node-wide instance of a child; null for the node-wide one itself. */
  private final StorageMetrics parent;

  private final Source source;

  /** The node-wide instance's children; empty in a child. Updated only through compute. */
  private final ConcurrentMap<Source, StorageMetrics> children = new ConcurrentHashMap<>();

  /** Storages counting into this child; changed only inside the parent's map compute. */
  private int users;

  /** A node-wide instance. */
  public StorageMetrics() {
    this(null, null);
  }

  private StorageMetrics(StorageMetrics parent, Source source) {
    this.parent = parent;
    this.source = source;
  }

  /**
   * The counters of one mount, shared by every storage of that mount and store until each has
   * {@linkplain #release() released} it; the node-wide counters include them.
   *
   * @throws IllegalStateException on a child
   */
  public StorageMetrics forMount(String mount, String store) {
    if (parent != null) {
      throw new IllegalStateException("a mount's counters have no children");
    }
    return children.compute(
        new Source(mount, store),
        (k, child) -> {
          StorageMetrics c = child == null ? new StorageMetrics(this, k) : child;
          c.users++;
          return c;
        });
  }

  /**
   * Says a storage no longer counts into this child: when none does, the mount's counters leave
   * {@link #byMount()} (its series end). No-op on the node-wide instance.
   */
  public void release() {
    if (parent == null) {
      return;
    }
    parent.children.computeIfPresent(
        source,
        (k, child) -> {
          if (child != this) {
            return child;
          }
          return --child.users > 0 ? child : null;
        });
  }

  /** The live mounts' counters, by mount and store (a snapshot; empty on a child). */
  public Map<Source, StorageMetrics> byMount() {
    return new TreeMap<>(children);
  }

  void recordRead(long bytes) {
    reads.increment();
    bytesRead.add(bytes);
    if (parent != null) {
      parent.recordRead(bytes);
    }
  }

  void recordStat() {
    stats.increment();
    if (parent != null) {
      parent.recordStat();
    }
  }

  void recordList() {
    lists.increment();
    if (parent != null) {
      parent.recordList();
    }
  }

  void recordOpen() {
    opens.increment();
    if (parent != null) {
      parent.recordOpen();
    }
  }

  /** Positional reads issued. */
  public long reads() {
    return reads.sum();
  }

  /** Bytes returned by positional reads. */
  public long bytesRead() {
    return bytesRead.sum();
  }

  /** Metadata look-ups ({@code stat}, {@code exists}). */
  public long stats() {
    return stats.sum();
  }

  /** Listings. */
  public long lists() {
    return lists.sum();
  }

  /** Files opened for reading. */
  public long opens() {
    return opens.sum();
  }
}
