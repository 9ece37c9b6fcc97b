package io.quiver.bench.cache;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Synthetic request traces for {@link PolicySimulator}, and a reader for recorded ones.
 *
 * <p>Every generator is deterministic: the same arguments (including the seed) give the same trace.
 * Zipf ranks are mapped to key ids through a seeded random permutation so that popularity is not
 * correlated with the key id (and so with the file or row group a key ends up in).
 */
public final class Traces {
  private Traces() {}

  /**
   * Independent requests drawn from a Zipf distribution over {@code universe} keys.
   *
   * @param universe the number of distinct keys that can be requested
   * @param skew the Zipf exponent: 0 is uniform, about 1 is typical of block and web caches
   * @param length the number of requests
   * @param seed the random seed
   */
  public static Trace zipf(int universe, double skew, int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    ZipfSampler zipf = new ZipfSampler(universe, skew);
    int[] ids = permutation(universe, random);
    int[] keys = new int[length];
    for (int i = 0; i < length; i++) {
      keys[i] = ids[zipf.next(random)];
    }
    return new Trace(
        "zipf-" + format(skew),
        String.format(
            Locale.ROOT, "Zipf(%s) over %,d keys, %,d requests", format(skew), universe, length),
        keys);
  }

  /**
   * Zipf requests interrupted, every {@code scanEvery} of them, by a one-off sequential scan of
   * {@code scanLength} keys that are never requested again (scan pollution: a large ad-hoc query
   * running next to a hot working set).
   *
   * @param universe the number of distinct keys of the Zipf part
   * @param skew the Zipf exponent
   * @param length the number of requests, scans included
   * @param scanLength the keys of each scan
   * @param scanEvery the Zipf requests between two scans
   * @param seed the random seed
   */
  public static Trace zipfWithScans(
      int universe, double skew, int length, int scanLength, int scanEvery, long seed) {
    if (scanLength <= 0 || scanEvery <= 0) {
      throw new IllegalArgumentException(
          "scanLength and scanEvery must be > 0: " + scanLength + ", " + scanEvery);
    }
    SplittableRandom random = new SplittableRandom(seed);
    ZipfSampler zipf = new ZipfSampler(universe, skew);
    int[] ids = permutation(universe, random);
    int[] keys = new int[length];
    int nextScanKey = universe; // scan keys lie above the Zipf universe: each is used once
    int scans = 0;
    int i = 0;
    while (i < length) {
      for (int z = 0; z < scanEvery && i < length; z++) {
        keys[i++] = ids[zipf.next(random)];
      }
      if (i < length) {
        scans++;
      }
      for (int s = 0; s < scanLength && i < length; s++) {
        keys[i++] = nextScanKey++;
      }
    }
    return new Trace(
        "zipf-" + format(skew) + "+scans",
        String.format(
            Locale.ROOT,
            "Zipf(%s) over %,d keys with a one-off scan of %,d new keys every %,d requests"
                + " (%d scans), %,d requests",
            format(skew),
            universe,
            scanLength,
            scanEvery,
            scans,
            length),
        keys);
  }

  /**
   * Keys {@code 0 .. loopSize-1} requested in order, over and over: a loop slightly larger than the
   * cache is the classic case where LRU always evicts the key needed next.
   *
   * @param loopSize the keys in the loop
   * @param length the number of requests
   */
  public static Trace loop(int loopSize, int length) {
    int[] keys = new int[length];
    for (int i = 0; i < length; i++) {
      keys[i] = i % loopSize;
    }
    return new Trace(
        "loop",
        String.format(
            Locale.ROOT, "keys 0..%,d in order, repeated; %,d requests", loopSize - 1, length),
        keys);
  }

  /**
   * Zipf requests whose popular keys change half way through (another permutation of ranks to
   * keys): a policy that remembers frequency must also forget it to follow the shift.
   *
   * @param universe the number of distinct keys
   * @param skew the Zipf exponent
   * @param length the number of requests
   * @param seed the random seed
   */
  public static Trace shiftingZipf(int universe, double skew, int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    ZipfSampler zipf = new ZipfSampler(universe, skew);
    int[] before = permutation(universe, random);
    int[] after = permutation(universe, random);
    int[] keys = new int[length];
    for (int i = 0; i < length; i++) {
      keys[i] = (i < length / 2 ? before : after)[zipf.next(random)];
    }
    return new Trace(
        "zipf-" + format(skew) + "-shift",
        String.format(
            Locale.ROOT,
            "Zipf(%s) over %,d keys, popular keys reshuffled half way; %,d requests",
            format(skew),
            universe,
            length),
        keys);
  }

  /**
   * Reads a recorded trace: one key per line (any text, compared exactly after trimming); blank
   * lines and lines starting with {@code #} are skipped. Distinct keys get ids in order of first
   * appearance.
   *
   * @throws IOException if the file cannot be read (the exception names it)
   * @throws IllegalArgumentException if the file holds no key
   */
  public static Trace fromFile(Path file) throws IOException {
    Map<String, Integer> ids = new HashMap<>();
    int[] keys = new int[1024];
    int length = 0;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        String key = line.trim();
        if (key.isEmpty() || key.startsWith("#")) {
          continue;
        }
        if (length == keys.length) {
          keys = Arrays.copyOf(keys, keys.length * 2);
        }
        Integer id = ids.get(key);
        if (id == null) {
          id = ids.size();
          ids.put(key, id);
        }
        keys[length++] = id;
      }
    }
    if (length == 0) {
      throw new IllegalArgumentException("trace file " + file + " holds no key");
    }
    String name = file.getFileName().toString();
    return new Trace(
        "file:" + name,
        String.format(Locale.ROOT, "%s: %,d requests, %,d distinct keys", file, length, ids.size()),
        Arrays.copyOf(keys, length));
  }

  private static int[] permutation(int n, SplittableRandom random) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = ids[i];
      ids[i] = ids[j];
      ids[j] = t;
    }
    return ids;
  }

  private static String format(double skew) {
    return String.format(Locale.ROOT, "%.2f", skew).replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}
