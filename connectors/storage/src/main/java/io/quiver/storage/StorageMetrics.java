package io.quiver.storage;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of storage traffic: how many calls of each kind and how many bytes were read. Shared by
 * every {@link MeteredStorage} of a server so that "bytes read from storage" is one number.
 *
 * <p>Thread-safe.
 */
public final class StorageMetrics {
  private final LongAdder reads = new LongAdder();
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder stats = new LongAdder();
  private final LongAdder lists = new LongAdder();
  private final LongAdder opens = new LongAdder();

  void recordRead(long bytes) {
    reads.increment();
    bytesRead.add(bytes);
  }

  void recordStat() {
    stats.increment();
  }

  void recordList() {
    lists.increment();
  }

  void recordOpen() {
    opens.increment();
  }

  /** Positional reads issued. */
  public long reads() {
    return reads.sum();
  }

  /** Bytes returned by positional reads. */
  public long bytesRead() {
    return bytesRead.sum();
  }

  public long stats() {
    return stats.sum();
  }

  public long lists() {
    return lists.sum();
  }

  public long opens() {
    return opens.sum();
  }
}
