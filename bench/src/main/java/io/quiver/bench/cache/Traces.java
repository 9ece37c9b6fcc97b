package io.quiver.bench.cache;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

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
   * Reads a recorded trace: one request per line, either a key alone (any text, compared exactly
   * after trimming) or a key, a TAB and the size of its chunk in bytes (as {@link
   * io.quiver.cache.AccessTraceFile} writes it). Blank lines and lines starting with {@code #} are
   * skipped; a name ending in {@code .gz} is read through gzip. Distinct keys get ids in order of
   * first appearance; a key's size is the one of its first request.
   *
   * @throws IOException if the file cannot be read (the exception names it)
   * @throws IllegalArgumentException if the file holds no key, a size is not a positive number, or
   *     some lines have a size and others do not (the message names the file and line)
   */
  public static Trace fromFile(Path file) throws IOException {
    Map<String, Integer> ids = new HashMap<>();
    int[] keys = new int[1024];
    long[] sizes = new long[1024];
    int length = 0;
    Boolean sized = null;
    InputStream in = Files.newInputStream(file);
    if (file.getFileName().toString().endsWith(".gz")) {
      try {
        in = new GZIPInputStream(in);
      } catch (IOException e) {
        in.close();
        throw new IOException(file + " is not a gzip file: " + e.getMessage(), e);
      }
    }
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      int lineNumber = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNumber++;
        String key = line.trim();
        if (key.isEmpty() || key.startsWith("#")) {
          continue;
        }
        int tab = key.lastIndexOf('\t');
        long size = 0;
        if (tab >= 0) {
          try {
            size = Long.parseLong(key.substring(tab + 1).trim());
          } catch (NumberFormatException e) {
            size = -1;
          }
          if (size <= 0) {
            throw new IllegalArgumentException(
                file + " line " + lineNumber + ": the size after the TAB is not a positive number");
          }
          key = key.substring(0, tab).trim();
        }
        if (sized == null) {
          sized = tab >= 0;
        } else if (sized != (tab >= 0)) {
          throw new IllegalArgumentException(
              file + " line " + lineNumber + ": some lines have a chunk size and others do not");
        }
        if (length == keys.length) {
          keys = Arrays.copyOf(keys, keys.length * 2);
        }
        Integer id = ids.get(key);
        if (id == null) {
          id = ids.size();
          ids.put(key, id);
          if (id == sizes.length) {
            sizes = Arrays.copyOf(sizes, sizes.length * 2);
          }
          sizes[id] = size;
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
        Arrays.copyOf(keys, length),
        Boolean.TRUE.equals(sized) ? Arrays.copyOf(sizes, ids.size()) : null);
  }

  /**
   * Decoded bytes per row of the 16 lineitem columns as Quiver caches them (the bench's TPC-H-like
   * data): int64 keys, int32 line number, decimal128 amounts, short strings (bytes plus a 4-byte
   * offset), int32 dates, and the ~27-byte comment.
   */
  private static final int[] LINEITEM_ROW_BYTES = {
    8, 8, 8, 4, 16, 16, 16, 16, 5, 5, 4, 4, 4, 16, 8, 31
  };

  /**
   * {@code trace} with realistic chunk sizes: key id {@code i} is column {@code i % 16} of the
   * lineitem table in a row group of its own row count, drawn log-uniformly (per group of 16 ids)
   * between 1,000 and 1,000,000 rows, so chunks range from 4 KiB (1,000 dates) to about 30 MiB (a
   * million comments), a mean of a few MiB, as column chunks of small and large Parquet files do.
   * Deterministic for a given seed.
   */
  public static Trace withLineitemSizes(Trace trace, long seed) {
    long[] sizes = new long[trace.universe()];
    long[] rowsOfGroup = new long[(trace.universe() + 15) / 16];
    SplittableRandom random = new SplittableRandom(seed);
    for (int group = 0; group < rowsOfGroup.length; group++) {
      rowsOfGroup[group] = Math.round(Math.pow(10, 3 + 3 * random.nextDouble()));
    }
    for (int id = 0; id < sizes.length; id++) {
      sizes[id] = rowsOfGroup[id / 16] * LINEITEM_ROW_BYTES[id % 16];
    }
    return trace.withSizes(sizes, "lineitem-like chunk sizes, 4 KiB to 30 MiB");
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
