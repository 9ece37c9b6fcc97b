package io.quiver.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Rendezvous (highest-random-weight) placement: every key ranks every member by a hash of the pair
 * and is owned by the highest-ranked members. Every node computes the same owners from the same
 * membership with no coordination; when a member leaves, only the keys it owned move (each to the
 * member ranked next for that key, which is why an endpoint's next location is also its next
 * owner); when one joins, it takes about 1/N of the keys from the others.
 *
 * <p>The hash is 64-bit FNV-1a over the UTF-8 bytes followed by a 64-bit finalizer (MurmurHash3's
 * {@code fmix64}) over the combination of the key's and the member's hashes: cheap (a key's hash is
 * computed once per ranking) and well mixed enough that 100 members × 1M keys load each member
 * within a few percent of the mean (see {@code RendezvousSimulationTest}).
 *
 * <p>Stateless and thread-safe.
 */
public final class Rendezvous {
  private Rendezvous() {}

  /** A 64-bit hash of {@code s} (FNV-1a over its UTF-8 bytes, then {@link #mix}). */
  public static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** The weight of member {@code memberHash} for key {@code keyHash}; higher ranks first. */
  public static long weight(long keyHash, long memberHash) {
    return mix(keyHash ^ Long.rotateLeft(memberHash, 29) ^ 0x9e3779b97f4a7c15L);
  }

  /**
   * The {@code count} highest-ranked of {@code members} for {@code key}, best first (fewer when
   * there are fewer members). Ties (astronomically unlikely) break by member id.
   */
  public static List<String> rank(String key, Collection<String> members, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0");
    }
    long k = hash(key);
    String[] ids = members.toArray(new String[0]);
    long[] weights = new long[ids.length];
    Integer[] order = new Integer[ids.length];
    for (int i = 0; i < ids.length; i++) {
      weights[i] = weight(k, hash(ids[i]));
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Long.compareUnsigned(weights[b], weights[a]);
          return c != 0 ? c : ids[a].compareTo(ids[b]);
        });
    List<String> ranked = new ArrayList<>(Math.min(count, ids.length));
    for (int i = 0; i < ids.length && i < count; i++) {
      ranked.add(ids[order[i]]);
    }
    return ranked;
  }

  /** The single owner of {@code key} among {@code members}, or null when there are none. */
  public static String owner(String key, Collection<String> members) {
    List<String> r = rank(key, members, 1);
    return r.isEmpty() ? null : r.get(0);
  }
}
