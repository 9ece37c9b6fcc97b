package io.quiver.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's store listings, kept for the mounts' {@link SyncPolicy sync policies}: bounded by the
 * number of entries they hold over all mounts (a listing larger than a tenth of the bound is not
 * kept). Each mount's {@link SyncedStorage} keys its listings by itself. Ages (of listings and of
 * confirmed versions) are measured with a {@link Ticker}: the system's, or a test's. Thread-safe.
 */
public final class ListingCache {
  /** The default bound: about 150 MB of heap at ~150 bytes per entry. */
  public static final long DEFAULT_MAX_ENTRIES = 1_000_000;

  /**
   * A kept listing's key: the mount's storage, the prefix, and whether it is one level ({@link
   * io.quiver.storage.Storage#listDirectory}) rather than everything below.
   */
  record Key(Object owner, Location prefix, boolean level) {
    Key(Object owner, Location prefix) {
      this(owner, prefix, false);
    }
  }

  /**
   * One listing: its entries sorted by location (for a level, the files directly below), the
   * directories of a level (empty otherwise), and when it was made.
   */
  static final class Listing {
    static final Comparator<FileEntry> ORDER = Comparator.comparing(e -> e.location().toString());
    final FileEntry[] entries;
    final java.util.List<Location> directories;
    final long madeNanos;

    Listing(FileEntry[] entries, long madeNanos) {
      this(entries, java.util.List.of(), madeNanos);
    }

    Listing(FileEntry[] entries, java.util.List<Location> directories, long madeNanos) {
      Arrays.sort(entries, ORDER);
      this.entries = entries;
      this.directories = java.util.List.copyOf(directories);
      this.madeNanos = madeNanos;
    }
  }

  private final Cache<Key, Listing> cache;

  /** File versions a read confirmed with the store, trusted for {@link #VERIFIED_FOR}. */
  private final Cache<Key, FileEntry> verified;

  /**
   * How long a version confirmed by the store is trusted by other reads: the parallel streams of
   * one scan share one store call per file, and a file changed after that is refused by the next
   * scan. As long as the window between a plan and its reads has always been.
   */
  public static final java.time.Duration VERIFIED_FOR = java.time.Duration.ofSeconds(1);

  private final long maxEntries;
  private final Ticker ticker;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  /** A cache of at most {@code maxEntries} listed entries, aged by the system's clock. */
  public ListingCache(long maxEntries) {
    this(maxEntries, Ticker.systemTicker());
  }

  /**
   * A cache of at most {@code maxEntries} listed entries whose listings and confirmed versions age
   * by {@code ticker} (tests advance a fake one instead of sleeping).
   */
  public ListingCache(long maxEntries, Ticker ticker) {
    this.ticker = java.util.Objects.requireNonNull(ticker, "ticker");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxEntries)
            .<Key, Listing>weigher(
                (k, l) ->
                    (int) Math.min(Integer.MAX_VALUE, l.entries.length + l.directories.size() + 1L))
            .build();
    this.verified =
        Caffeine.newBuilder()
            .ticker(ticker)
            .expireAfterWrite(VERIFIED_FOR)
            .maximumSize(100_000)
            .build();
  }

  /** The time source listings' ages are measured with, in nanoseconds. */
  Ticker ticker() {
    return ticker;
  }

  /** The most entries one listing may have to be kept. */
  long maxListing() {
    return Math.max(1, maxEntries / 10);
  }

  Listing get(Key key) {
    return cache.getIfPresent(key);
  }

  void put(Key key, Listing listing) {
    cache.put(key, listing);
  }

  FileEntry verified(Key key) {
    return verified.getIfPresent(key);
  }

  void verified(Key key, FileEntry entry) {
    verified.put(key, entry);
  }

  void invalidate(Key key) {
    cache.invalidate(key);
  }

  /** Drops every listing of {@code owner} for which {@code test} holds. */
  void invalidateIf(Object owner, java.util.function.Predicate<Location> test) {
    cache.asMap().keySet().removeIf(k -> k.owner() == owner && test.test(k.prefix()));
    verified.asMap().keySet().removeIf(k -> k.owner() == owner && test.test(k.prefix()));
  }

  void hit() {
    hits.increment();
  }

  void miss() {
    misses.increment();
  }

  /** Plans answered from kept listings. */
  public long hits() {
    return hits.sum();
  }

  /** Listings that had to ask the store. */
  public long misses() {
    return misses.sum();
  }

  /** How many entries the kept listings hold. */
  public long entries() {
    return cache.asMap().values().stream().mapToLong(l -> l.entries.length).sum();
  }
}
