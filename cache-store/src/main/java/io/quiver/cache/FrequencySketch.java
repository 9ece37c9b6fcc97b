package io.quiver.cache;

/**
 * A count-min sketch of 4-bit counters estimating how often keys were requested recently, for
 * {@link EvictionPolicy#TINY_LFU} admission.
 *
 * <p>Four rows of {@code width} counters (a power of two), sixteen counters packed in a {@code
 * long}: {@code width / 2} bytes per row, so {@code 2 * width} bytes in all. A key increments one
 * counter per row, chosen by a differently seeded hash of its hash code; its estimate is the
 * smallest of those four counters, which over-estimates only when all four collide with other keys.
 * Counters saturate at 15: admission only needs to tell hot from cold.
 *
 * <p>Aging: after a sample period of ten increments per expected entry (at least {@code 10 * 16})
 * every counter is halved, so the sketch reflects recent popularity and a key that was hot long ago
 * fades out instead of being admitted forever.
 *
 * <p>Sizing is by <em>entries</em>, as in Caffeine: the width is four counters per expected cached
 * entry, rounded up to a power of two (Caffeine's density: sixteen counters per entry in all, four
 * per key, so the many keys requested but not cached rarely collide into a false "hot"), and the
 * sample period is ten increments per expected entry. Both must follow the entry count rather than
 * the bytes: a sketch too wide for its entries halves too rarely, so after a popularity shift the
 * formerly hot keys keep saturated counters for a long time and newly hot keys lose every admission
 * contest (with multi-MiB chunks a sketch sized at one counter per 64 KiB halved once per several
 * hundred cache-fulls). {@link #ensureCapacity} grows the sketch as the cache's entry count grows;
 * growing past the width starts from empty counters (as in Caffeine: they cannot be rehashed), into
 * which the caller may {@link #restore} the estimates of the keys it holds. The sketch never
 * shrinks.
 *
 * <p>Not thread-safe: the cache calls it under its lock.
 */
final class FrequencySketch {
  private static final long[] SEEDS = {
    0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L
  };
  private static final int ROWS = SEEDS.length;
  private static final long HALF_MASK = 0x7777_7777_7777_7777L;

  private static final int MIN_ENTRIES = 16;
  private static final int MAX_ENTRIES = 1 << 26;
  private static final int COUNTERS_PER_ENTRY = 4;

  private long[][] rows;
  private int mask;
  private int samplePeriod;
  private int additions;

  /**
   * Creates a sketch.
   *
   * @param expectedEntries the number of entries the cache is expected to hold (at least 16 are
   *     assumed): counters per row are four times this, rounded up to a power of two, and counters
   *     are halved after ten increments per expected entry
   */
  FrequencySketch(int expectedEntries) {
    allocate(expectedEntries);
  }

  /**
   * Grows the sketch for a cache of {@code entries} entries: if they exceed its {@link #capacity},
   * the sketch is reallocated at the new width with every counter at zero; otherwise only the
   * sample period grows (to ten increments per entry), keeping the counts. Never shrinks.
   */
  void ensureCapacity(int entries) {
    if (entries > capacity() && capacity() < MAX_ENTRIES) {
      allocate(entries);
    } else {
      samplePeriod = Math.max(samplePeriod, samplePeriodFor(entries));
    }
  }

  private void allocate(int expectedEntries) {
    int entries = Math.max(MIN_ENTRIES, Math.min(expectedEntries, MAX_ENTRIES));
    int w = Integer.highestOneBit(COUNTERS_PER_ENTRY * entries - 1) << 1;
    this.rows = new long[ROWS][w / 16];
    this.mask = w - 1;
    this.samplePeriod = samplePeriodFor(entries);
    this.additions = 0;
  }

  private static int samplePeriodFor(int entries) {
    return (int) Math.min(Integer.MAX_VALUE, 10L * Math.max(MIN_ENTRIES, entries));
  }

  /** The entries the current width is meant for: a quarter of the counters per row. */
  int capacity() {
    return width() / COUNTERS_PER_ENTRY;
  }

  /** Counters per row. */
  int width() {
    return mask + 1;
  }

  /** Increments after which every counter is halved. */
  int samplePeriod() {
    return samplePeriod;
  }

  /** Records one request for a key with this hash code. */
  void increment(int hash) {
    boolean added = false;
    for (int row = 0; row < ROWS; row++) {
      int index = index(hash, row);
      long word = rows[row][index >>> 4];
      int shift = (index & 15) << 2;
      if (((word >>> shift) & 0xF) < 15) {
        rows[row][index >>> 4] = word + (1L << shift);
        added = true;
      }
    }
    if (added && ++additions >= samplePeriod) {
      age();
    }
  }

  /** The estimated recent request count of a key with this hash code, 0 to 15. */
  int frequency(int hash) {
    int min = 15;
    for (int row = 0; row < ROWS; row++) {
      int index = index(hash, row);
      int count = (int) ((rows[row][index >>> 4] >>> ((index & 15) << 2)) & 0xF);
      min = Math.min(min, count);
    }
    return min;
  }

  /**
   * Raises the counters of a key with this hash code to at least {@code count} (at most 15), so
   * that its estimate is at least {@code count}: carries an estimate over into a reallocated
   * sketch. Does not count towards the sample period.
   */
  void restore(int hash, int count) {
    long value = Math.max(0, Math.min(15, count));
    for (int row = 0; row < ROWS; row++) {
      int index = index(hash, row);
      int shift = (index & 15) << 2;
      long word = rows[row][index >>> 4];
      if (((word >>> shift) & 0xF) < value) {
        rows[row][index >>> 4] = (word & ~(0xFL << shift)) | (value << shift);
      }
    }
  }

  /** Halves every counter. */
  void age() {
    for (long[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (row[i] >>> 1) & HALF_MASK;
      }
    }
    additions /= 2;
  }

  private int index(int hash, int row) {
    long h = (hash + SEEDS[row]) * SEEDS[(row + 1) % ROWS];
    h ^= h >>> 29;
    return (int) h & mask;
  }
}
