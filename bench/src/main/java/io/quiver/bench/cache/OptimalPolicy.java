package io.quiver.bench.cache;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Belady's clairvoyant policy, the upper bound a real policy can be measured against.
 *
 * <p>For entries of equal size and a cache of {@code capacity} entries: on a miss it evicts the
 * cached key whose next request is farthest in the future, and it does not admit the requested key
 * at all if that key's own next request is farther still (caches that may refuse admission, like
 * TinyLFU, are bounded by this variant). It knows the whole trace, so it is computed offline in
 * {@code O(n log capacity)}.
 *
 * <p>For a {@linkplain Trace#sized() sized} trace, {@link #sized} applies the same rule by bytes
 * (evict the farthest next use until the chunk fits; bypass if its own next use is farther than the
 * entry it would evict next). With unequal sizes that is a reference, not a strict bound: optimal
 * caching of variable-size items is NP-hard.
 */
final class OptimalPolicy {
  private OptimalPolicy() {}

  /** The number of hits of the optimal policy on {@code trace} with {@code capacity} entries. */
  static long hits(Trace trace, int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be > 0: " + capacity);
    }
    int n = trace.length();
    // nextUse[i]: the position of the next request for the key of request i; keys never requested
    // again get n + i, so every value is distinct and can key the ordered map below.
    int[] nextUse = new int[n];
    int[] lastSeen = new int[trace.universe()];
    Arrays.fill(lastSeen, -1);
    for (int i = n - 1; i >= 0; i--) {
      int key = trace.keyAt(i);
      nextUse[i] = lastSeen[key] >= 0 ? lastSeen[key] : n + i;
      lastSeen[key] = i;
    }
    Map<Integer, Integer> cachedNextUse = new HashMap<>();
    TreeMap<Integer, Integer> byNextUse = new TreeMap<>();
    long hits = 0;
    for (int i = 0; i < n; i++) {
      int key = trace.keyAt(i);
      Integer due = cachedNextUse.get(key);
      if (due != null) {
        hits++;
        byNextUse.remove(due);
      } else if (cachedNextUse.size() >= capacity) {
        int farthest = byNextUse.lastKey();
        if (nextUse[i] > farthest) {
          continue; // bypass: keeping what is cached serves more future hits
        }
        cachedNextUse.remove(byNextUse.remove(farthest));
      }
      cachedNextUse.put(key, nextUse[i]);
      byNextUse.put(nextUse[i], key);
    }
    return hits;
  }

  /** Hits and hit bytes of the size-aware rule. */
  record Outcome(long hits, long hitBytes) {}

  /** The size-aware rule on a sized trace with {@code capacityBytes}. */
  static Outcome sized(Trace trace, long capacityBytes) {
    int n = trace.length();
    int[] nextUse = new int[n];
    int[] lastSeen = new int[trace.universe()];
    Arrays.fill(lastSeen, -1);
    for (int i = n - 1; i >= 0; i--) {
      int key = trace.keyAt(i);
      nextUse[i] = lastSeen[key] >= 0 ? lastSeen[key] : n + i;
      lastSeen[key] = i;
    }
    Map<Integer, Integer> cachedNextUse = new HashMap<>();
    TreeMap<Integer, Integer> byNextUse = new TreeMap<>();
    long used = 0;
    long hits = 0;
    long hitBytes = 0;
    for (int i = 0; i < n; i++) {
      int key = trace.keyAt(i);
      long size = trace.sizeOf(key);
      Integer due = cachedNextUse.get(key);
      if (due != null) {
        hits++;
        hitBytes += size;
        byNextUse.remove(due);
        cachedNextUse.put(key, nextUse[i]);
        byNextUse.put(nextUse[i], key);
        continue;
      }
      if (size > capacityBytes) {
        continue;
      }
      boolean admit = true;
      while (used + size > capacityBytes) {
        int farthest = byNextUse.lastKey();
        if (nextUse[i] > farthest) {
          admit = false;
          break;
        }
        int victim = byNextUse.remove(farthest);
        cachedNextUse.remove(victim);
        used -= trace.sizeOf(victim);
      }
      if (admit) {
        cachedNextUse.put(key, nextUse[i]);
        byNextUse.put(nextUse[i], key);
        used += size;
      }
    }
    return new Outcome(hits, hitBytes);
  }
}
