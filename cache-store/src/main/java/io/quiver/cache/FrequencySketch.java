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
 * <p>Aging: after {@code 10 * width} increments every counter is halved, so the sketch reflects
 * recent popularity and a key that was hot long ago fades out instead of being admitted forever.
 *
 * <p>Not thread-safe: the cache calls it under its lock.
 */
final class FrequencySketch {
  private static final long[] SEEDS = {
    0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L
  };
  private static final int ROWS = SEEDS.length;
  private static final long HALF_MASK = 0x7777_7777_7777_7777L;

  private final long[][] rows;
  private final int mask;
  private final int samplePeriod;
  private int additions;

  /**
   * Creates a sketch.
   *
   * @param width counters per row, rounded up to a power of two, at least 16
   */
  FrequencySketch(int width) {
    int w = Integer.highestOneBit(Math.max(16, Math.min(width, 1 << 28)) - 1) << 1;
    this.rows = new long[ROWS][w / 16];
    this.mask = w - 1;
    this.samplePeriod = 10 * w;
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
