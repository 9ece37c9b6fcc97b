package io.quiver.cache;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * The cumulative counters of a {@link ChunkCache} (the role of Caffeine's {@code StatsCounter}):
 * one named {@link LongAdder} per counter, and the loader latency histogram. {@link
 * ChunkCache#stats()} and {@link ChunkCache#metrics()} build their snapshots here from these
 * counters and the gauges the cache passes in (entries, bytes, pins, the disk tier's counters).
 *
 * <h2>Metrics</h2>
 *
 * {@link CacheStats} is the compact summary; {@link CacheMetrics} adds hits and misses per tier,
 * bytes and entries per tier, evictions by {@link EvictionCause}, demotions, promotions,
 * stream-through loads and loader latency percentiles (HdrHistogram, microseconds with 3
 * significant digits, reported in milliseconds).
 *
 * <p>Ownership: one instance per cache, created and owned by it; never handed out.
 *
 * <p>Thread-safety: every counter is thread-safe on its own ({@link LongAdder}, {@link
 * SynchronizedHistogram}). The cache increments the counters that describe its index under its lock
 * and reads them all under that lock, so a snapshot is consistent with the gauges read with it;
 * only {@link #demotionsRefused} and the latency histogram are updated without the cache's lock
 * (they describe I/O and loader calls that run outside it).
 */
final class CacheCounters {
  /** Keys served from memory. */
  final LongAdder hits = new LongAdder();

  /** Keys not in memory: loaded, joined to a load in progress, or absent on a lookup. */
  final LongAdder misses = new LongAdder();

  /** Entries evicted by the policy to make room ({@link EvictionCause#SIZE}). */
  final LongAdder evictions = new LongAdder();

  /** Entries dropped because they expired ({@link EvictionCause#EXPIRED}). */
  final LongAdder expirations = new LongAdder();

  /** Loads that failed, one per failed batch. */
  final LongAdder loadFailures = new LongAdder();

  /** Sizes of every loaded chunk, cached or not. */
  final LongAdder bytesLoaded = new LongAdder();

  /** Memory misses served from the disk tier. */
  final LongAdder diskHits = new LongAdder();

  /** Memory misses the disk tier could not serve. */
  final LongAdder diskMisses = new LongAdder();

  /** Disk hits cached in memory. */
  final LongAdder promotions = new LongAdder();

  /** Keys handed to their callers from the stream-through allocator. */
  final LongAdder streamedThrough = new LongAdder();

  /** Entries evicted to bring a quota group within its quota ({@link EvictionCause#QUOTA}). */
  final LongAdder quotaEvictions = new LongAdder();

  /** Cached entries invalidated ({@link EvictionCause#EXPLICIT}). */
  final LongAdder explicitEvictions = new LongAdder();

  /** Cached entries dropped for a newer version of their chunk ({@link EvictionCause#STALE}). */
  final LongAdder staleEvictions = new LongAdder();

  /** Demotions the disk tier did not take (too large for every directory, or an I/O error). */
  final LongAdder demotionsRefused = new LongAdder();

  /** Loader call latencies in microseconds; resizes itself, 3 significant digits. */
  private final SynchronizedHistogram loadLatency = new SynchronizedHistogram(3);

  /** Loader call latencies summed exactly, in nanoseconds (the histogram's buckets round). */
  private final LongAdder loadNanos = new LongAdder();

  /** Records one loader call that started at {@code startNanos} ({@link System#nanoTime()}). */
  void recordLoad(long startNanos) {
    long nanos = Math.max(0, System.nanoTime() - startNanos);
    loadNanos.add(nanos);
    loadLatency.recordValue(nanos / 1000);
  }

  /** The compact summary, with the cache's gauges. */
  CacheStats stats(
      long entries, long bytes, long capacityBytes, long pinnedEntries, long pinnedBytes) {
    return new CacheStats(
        entries,
        bytes,
        capacityBytes,
        hits.sum(),
        misses.sum(),
        evictions.sum(),
        loadFailures.sum(),
        bytesLoaded.sum(),
        pinnedEntries,
        pinnedBytes,
        expirations.sum());
  }

  /** A snapshot of the loader latency; taken on its own, without the cache's lock. */
  Latency latency() {
    synchronized (loadLatency) {
      return new Latency(
          loadLatency.getTotalCount(),
          loadLatency.getValueAtPercentile(50) / 1000.0,
          loadLatency.getValueAtPercentile(90) / 1000.0,
          loadLatency.getValueAtPercentile(99) / 1000.0,
          loadLatency.getMaxValue() / 1000.0,
          loadNanos.sum() / 1e6);
    }
  }

  /** The per-tier metrics, with the memory tier's gauges and the disk tier's counters. */
  CacheMetrics metrics(
      long memoryEntries,
      long memoryBytes,
      DiskTier.Counters disk,
      Map<EvictionCause, Long> diskEvictions,
      Latency latency) {
    Map<EvictionCause, Long> memory = new EnumMap<>(EvictionCause.class);
    memory.put(EvictionCause.SIZE, evictions.sum());
    memory.put(EvictionCause.EXPIRED, expirations.sum());
    memory.put(EvictionCause.QUOTA, quotaEvictions.sum());
    memory.put(EvictionCause.EXPLICIT, explicitEvictions.sum());
    memory.put(EvictionCause.CORRUPT, 0L);
    memory.put(EvictionCause.STALE, staleEvictions.sum());
    return new CacheMetrics(
        hits.sum(),
        misses.sum(),
        diskHits.sum(),
        diskMisses.sum(),
        memoryEntries,
        memoryBytes,
        disk.entries(),
        disk.bytes(),
        memory,
        diskEvictions,
        disk.writes(),
        demotionsRefused.sum(),
        promotions.sum(),
        streamedThrough.sum(),
        latency.calls(),
        latency.p50Millis(),
        latency.p90Millis(),
        latency.p99Millis(),
        latency.maxMillis(),
        latency.totalMillis());
  }

  /** Loader calls, their latency percentiles and their total time, in milliseconds. */
  record Latency(
      long calls,
      double p50Millis,
      double p90Millis,
      double p99Millis,
      double maxMillis,
      double totalMillis) {}
}
