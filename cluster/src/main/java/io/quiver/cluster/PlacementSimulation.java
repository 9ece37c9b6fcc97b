package io.quiver.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Simulates rendezvous placement ({@link Rendezvous}) of many cache keys over a virtual membership
 * and measures what an operator plans with: how evenly the keys spread over the members, and how
 * many keys move when one member leaves or one joins. Nothing runs on the network: members are ids,
 * keys are strings shaped like the server's placement keys ({@link #key}).
 *
 * <p>Every figure comes from recomputing the placement of every key over the changed membership
 * from scratch, not from what rendezvous hashing promises: a key counted as moved on a leave really
 * has a different owner over the remaining members, and a key that moved anywhere but away from the
 * member that left is counted as a violation ({@link Figures#leaveMovedFromOthers}).
 *
 * <p>Runs on the common fork-join pool (keys are independent, split into chunks); the figures do
 * not depend on the number of threads. Stateless and thread-safe.
 */
public final class PlacementSimulation {
  /** Keys per chunk of parallel work. */
  private static final int CHUNK = 16_384;

  /** Units (row groups) per simulated file: keys {@code 8f .. 8f+7} are the units of file f. */
  static final int UNITS_PER_FILE = 8;

  private PlacementSimulation() {}

  /**
   * What one simulation measured.
   *
   * @param members members before the change
   * @param keys keys placed
   * @param replicas copies of each key (1: the owner only)
   * @param maxOverMean copies held by the most loaded member over the mean (1.0 is perfect)
   * @param minOverMean copies held by the least loaded member over the mean
   * @param leaverOwned keys the member that left owned before it left
   * @param movedOnLeave keys whose owner changed when that member left
   * @param leaveMovedFromOthers keys that changed owner on the leave although the leaver did not
   *     own them (rendezvous hashing promises 0)
   * @param movedOnJoin keys whose owner changed when one member joined
   * @param joinMovedToOthers keys that changed owner on the join to a member other than the joiner
   *     (rendezvous hashing promises 0)
   * @param replicaCollisions keys whose copies were not on distinct members (with replicas > 1;
   *     promised 0)
   * @param promotionsChecked keys whose owner left while they had a second copy: their new owner
   *     was checked to be the former second
   * @param promotionsFailed of those, keys whose new owner was not the former second (promised 0)
   * @param millis wall time of the simulation
   */
  public record Figures(
      int members,
      int keys,
      int replicas,
      double maxOverMean,
      double minOverMean,
      long leaverOwned,
      long movedOnLeave,
      long leaveMovedFromOthers,
      long movedOnJoin,
      long joinMovedToOthers,
      long replicaCollisions,
      long promotionsChecked,
      long promotionsFailed,
      long millis) {

    /** Fraction of all keys that moved when one member left. */
    public double leaveFraction() {
      return (double) movedOnLeave / keys;
    }

    /** What an even spread predicts for a leave: 1/N. */
    public double expectedLeaveFraction() {
      return 1.0 / members;
    }

    /** Fraction of all keys that moved when one member joined. */
    public double joinFraction() {
      return (double) movedOnJoin / keys;
    }

    /** What an even spread predicts for a join: 1/(N+1). */
    public double expectedJoinFraction() {
      return 1.0 / (members + 1);
    }

    /** One line for a log or a console. */
    public String summary() {
      return String.format(
          Locale.ROOT,
          "placement: %d members x %d keys x %d cop%s: max/mean %.4f, min/mean %.4f;"
              + " leave moved %.5f of keys (1/N = %.5f, %d from other members);"
              + " join moved %.5f (1/(N+1) = %.5f, %d to other members);"
              + " replica collisions %d, promotions %d checked / %d failed; %d ms",
          members,
          keys,
          replicas,
          replicas == 1 ? "y" : "ies",
          maxOverMean,
          minOverMean,
          leaveFraction(),
          expectedLeaveFraction(),
          leaveMovedFromOthers,
          joinFraction(),
          expectedJoinFraction(),
          joinMovedToOthers,
          replicaCollisions,
          promotionsChecked,
          promotionsFailed,
          millis);
    }
  }

  /**
   * The ids of {@code n} virtual members, shaped like advertised Flight locations of compute hosts
   * ({@code compute-0042.rack07.cluster.internal:47470}).
   */
  public static List<String> memberIds(int n) {
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(memberId(i));
    }
    return ids;
  }

  private static String memberId(int i) {
    return String.format(
        Locale.ROOT, "compute-%04d.rack%02d.cluster.internal:47470", i, i / 40 % 100);
  }

  /**
   * The {@code i}-th simulated placement key, in the server's form {@code "<file
   * location>\n<version token>\n<unit index>"}: unit {@code i % 8} of a Parquet file in a
   * date-partitioned table of an S3 warehouse, with an ETag-like version. A pure function of {@code
   * i}.
   */
  public static String key(long i) {
    long file = i / UNITS_PER_FILE;
    long unit = i % UNITS_PER_FILE;
    long a = Rendezvous.mix(file + 0x51ed2701L);
    long b = Rendezvous.mix(a ^ 0x2545f4914f6cdd1dL);
    StringBuilder s = new StringBuilder(160);
    s.append("s3://lake-prod/warehouse/db_")
        .append(Math.floorMod(a, 40))
        .append(".db/events_")
        .append(Math.floorMod(a >>> 8, 500))
        .append("/dt=2025-")
        .append(pad2(1 + Math.floorMod(file, 12)))
        .append('-')
        .append(pad2(1 + Math.floorMod(file / 12, 28)))
        .append("/part-")
        .append(file % 100_000)
        .append('-')
        .append(Long.toHexString(a))
        .append("-c000.zstd.parquet\n")
        .append(Long.toHexString(b))
        .append(Long.toHexString(Rendezvous.mix(b)));
    if ((a & 7) == 0) {
      s.append('-').append(1 + Math.floorMod(b, 64)); // a multipart upload's ETag
    }
    return s.append('\n').append(unit).toString();
  }

  private static String pad2(long v) {
    return v < 10 ? "0" + v : Long.toString(v);
  }

  /**
   * Places {@code keys} keys ({@link #key}) on {@code members} members ({@link #memberIds}) with
   * {@code replicas} copies each, then again without one member (the one at index {@code
   * members/3}) and again with one more, and compares.
   *
   * @throws IllegalArgumentException unless {@code members >= 2}, {@code keys >= 1} and {@code 1 <=
   *     replicas < members}
   */
  public static Figures run(int members, int keys, int replicas) {
    if (members < 2 || keys < 1 || replicas < 1 || replicas >= members) {
      throw new IllegalArgumentException(
          "need members >= 2, keys >= 1 and 1 <= replicas < members; got members="
              + members
              + ", keys="
              + keys
              + ", replicas="
              + replicas);
    }
    long start = System.nanoTime();
    List<String> ids = memberIds(members);
    int leaver = members / 3;
    List<String> without = new ArrayList<>(ids);
    without.remove(leaver);
    List<String> with = new ArrayList<>(ids);
    with.add(memberId(members));
    Rendezvous.Members before = new Rendezvous.Members(ids);
    Rendezvous.Members afterLeave = new Rendezvous.Members(without);
    Rendezvous.Members afterJoin = new Rendezvous.Members(with);
    int chunks = (keys + CHUNK - 1) / CHUNK;
    Tally total =
        IntStream.range(0, chunks)
            .parallel()
            .mapToObj(
                c ->
                    tally(
                        before,
                        afterLeave,
                        afterJoin,
                        leaver,
                        replicas,
                        (long) c * CHUNK,
                        Math.min(keys, (long) (c + 1) * CHUNK)))
            .reduce(Tally::plus)
            .orElseThrow();
    long max = 0;
    long min = Long.MAX_VALUE;
    for (long l : total.load) {
      max = Math.max(max, l);
      min = Math.min(min, l);
    }
    double mean = (double) keys * replicas / members;
    return new Figures(
        members,
        keys,
        replicas,
        max / mean,
        min / mean,
        total.leaverOwned,
        total.movedOnLeave,
        total.leaveMovedFromOthers,
        total.movedOnJoin,
        total.joinMovedToOthers,
        total.replicaCollisions,
        total.promotionsChecked,
        total.promotionsFailed,
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Counts of one chunk of keys; merged by {@link #plus}. Confined to one thread until merged. */
  private static final class Tally {
    final long[] load;
    long leaverOwned;
    long movedOnLeave;
    long leaveMovedFromOthers;
    long movedOnJoin;
    long joinMovedToOthers;
    long replicaCollisions;
    long promotionsChecked;
    long promotionsFailed;

    Tally(int members) {
      load = new long[members];
    }

    Tally plus(Tally o) {
      for (int i = 0; i < load.length; i++) {
        load[i] += o.load[i];
      }
      leaverOwned += o.leaverOwned;
      movedOnLeave += o.movedOnLeave;
      leaveMovedFromOthers += o.leaveMovedFromOthers;
      movedOnJoin += o.movedOnJoin;
      joinMovedToOthers += o.joinMovedToOthers;
      replicaCollisions += o.replicaCollisions;
      promotionsChecked += o.promotionsChecked;
      promotionsFailed += o.promotionsFailed;
      return this;
    }
  }

  private static Tally tally(
      Rendezvous.Members before,
      Rendezvous.Members afterLeave,
      Rendezvous.Members afterJoin,
      int leaver,
      int replicas,
      long from,
      long to) {
    int n = before.size();
    Tally t = new Tally(n);
    int[] ranked = new int[replicas];
    for (long i = from; i < to; i++) {
      long k = Rendezvous.hash(key(i));
      int owner;
      if (replicas == 1) {
        owner = before.ownerIndex(k);
        t.load[owner]++;
      } else {
        before.rankIndices(k, ranked);
        owner = ranked[0];
        for (int r = 0; r < replicas; r++) {
          t.load[ranked[r]]++;
          for (int q = 0; q < r; q++) {
            if (ranked[q] == ranked[r]) {
              t.replicaCollisions++;
            }
          }
        }
      }
      // Without the leaver, member j of afterLeave is member j (j < leaver) or j+1 of before.
      int left = afterLeave.ownerIndex(k);
      int leftAsBefore = left < leaver ? left : left + 1;
      if (owner == leaver) {
        t.leaverOwned++;
        if (replicas > 1) {
          t.promotionsChecked++;
          if (leftAsBefore != ranked[1]) {
            t.promotionsFailed++;
          }
        }
      }
      if (leftAsBefore != owner) {
        t.movedOnLeave++;
        if (owner != leaver) {
          t.leaveMovedFromOthers++;
        }
      }
      // With the joiner (the last member of afterJoin), the others keep their indices.
      int joined = afterJoin.ownerIndex(k);
      if (joined != owner) {
        t.movedOnJoin++;
        if (joined != n) {
          t.joinMovedToOthers++;
        }
      }
    }
    return t;
  }
}
