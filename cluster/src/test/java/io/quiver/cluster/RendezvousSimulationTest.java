package io.quiver.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Placement at the scale of the issue: 100 virtual members × 1,000,000 keys through {@link
 * PlacementSimulation} (spread, keys moved on a leave and on a join), plus checks of {@link
 * Rendezvous}'s public API on a sample against a reference ranking written here, so the
 * simulation's fast path is not the only witness.
 */
class RendezvousSimulationTest {
  private static final int MEMBERS = 100;
  private static final int KEYS = 1_000_000;

  @Test
  void hundredMembersMillionKeysSpreadEvenlyAndMoveOnlyWhatTheyMust() {
    PlacementSimulation.Figures f = PlacementSimulation.run(MEMBERS, KEYS, 1);
    System.out.println(f.summary());

    assertTrue(f.maxOverMean() <= 1.1, "max/mean load above 1.1: " + f.summary());
    assertTrue(f.minOverMean() >= 0.9, "min/mean load below 0.9: " + f.summary());
    // A leave moves exactly the keys the leaver owned, every one of them, and nothing else.
    assertEquals(0, f.leaveMovedFromOthers(), "keys moved on a leave from other members");
    assertEquals(f.leaverOwned(), f.movedOnLeave(), "keys moved on a leave vs keys it owned");
    assertBetween(f.leaveFraction(), 0.8 / MEMBERS, 1.2 / MEMBERS, "fraction moved on a leave");
    // A join moves about 1/(N+1) of the keys, all to the new member.
    assertEquals(0, f.joinMovedToOthers(), "keys moved on a join to old members");
    assertBetween(
        f.joinFraction(), 0.8 / (MEMBERS + 1), 1.2 / (MEMBERS + 1), "fraction moved on a join");
    assertEquals(0, f.replicaCollisions());
  }

  @Test
  void withTwoCopiesTheSecondTakesOverWhenThePrimaryLeaves() {
    PlacementSimulation.Figures f = PlacementSimulation.run(MEMBERS, 100_000, 2);
    System.out.println(f.summary());

    assertEquals(0, f.replicaCollisions(), "keys with both copies on one member");
    assertTrue(f.promotionsChecked() > 500, "too few keys whose primary left: " + f.summary());
    assertEquals(0, f.promotionsFailed(), "keys whose new primary was not the former second");
    assertTrue(f.maxOverMean() <= 1.1, "max/mean copies above 1.1: " + f.summary());
  }

  @Test
  void publicApiAgreesWithAReferenceRankingAndFailsOverToTheSecond() {
    List<String> ids = PlacementSimulation.memberIds(MEMBERS);
    Rendezvous.Members members = new Rendezvous.Members(ids);
    for (int i = 0; i < 2_000; i++) {
      String key = PlacementSimulation.key(i * 7919L);
      List<String> reference = referenceRank(key, ids);

      List<String> top3 = Rendezvous.rank(key, ids, 3);
      assertEquals(reference.subList(0, 3), top3, key);
      assertEquals(top3, members.rank(key, 3));
      assertEquals(reference.get(0), Rendezvous.owner(key, ids));
      assertEquals(reference.get(0), members.owner(key));
      assertEquals(reference.get(0), members.id(members.ownerIndex(Rendezvous.hash(key))));
      assertNotEquals(top3.get(0), top3.get(1));

      // The primary leaves: the former second owns the key now.
      List<String> withoutPrimary = new ArrayList<>(ids);
      withoutPrimary.remove(top3.get(0));
      assertEquals(top3.get(1), Rendezvous.owner(key, withoutPrimary), key);
      // Someone else leaves: the owner stays.
      List<String> withoutOther = new ArrayList<>(ids);
      withoutOther.remove(top3.get(2));
      assertEquals(top3.get(0), Rendezvous.owner(key, withoutOther), key);
    }
  }

  @Test
  void rankingEdgeCases() {
    List<String> ids = List.of("a:1", "b:2", "c:3");
    List<String> all = Rendezvous.rank("k", ids, 10);
    assertEquals(3, all.size());
    assertEquals(new HashSet<>(ids), new HashSet<>(all));
    assertTrue(Rendezvous.rank("k", ids, 0).isEmpty());
    assertNull(Rendezvous.owner("k", List.of()));
    assertEquals(-1, new Rendezvous.Members(List.of()).ownerIndex(42));
    assertThrows(IllegalArgumentException.class, () -> Rendezvous.rank("k", ids, -1));
    assertThrows(IllegalArgumentException.class, () -> PlacementSimulation.run(1, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> PlacementSimulation.run(3, 10, 3));
  }

  @Test
  void simulatedKeysHaveTheServersShape() {
    String key = PlacementSimulation.key(12_345);
    String[] parts = key.split("\n", -1);
    assertEquals(3, parts.length, key);
    assertTrue(parts[0].startsWith("s3://lake-prod/warehouse/"), parts[0]);
    assertTrue(parts[0].endsWith(".parquet"), parts[0]);
    assertTrue(parts[1].matches("[0-9a-f]+(-[0-9]+)?"), parts[1]);
    assertEquals(Long.toString(12_345 % PlacementSimulation.UNITS_PER_FILE), parts[2]);
    assertEquals(key, PlacementSimulation.key(12_345));
    assertNotEquals(key, PlacementSimulation.key(12_346));
  }

  private static void assertBetween(double value, double low, double high, String what) {
    assertTrue(
        value >= low && value <= high,
        what + " = " + value + ", not in [" + low + ", " + high + "]");
  }

  /** Every member sorted by weight for {@code key}, highest first, ties by id: the definition. */
  private static List<String> referenceRank(String key, List<String> ids) {
    long k = Rendezvous.hash(key);
    Comparator<String> byWeight =
        (a, b) ->
            Long.compareUnsigned(
                Rendezvous.weight(k, Rendezvous.hash(b)), Rendezvous.weight(k, Rendezvous.hash(a)));
    List<String> sorted = new ArrayList<>(ids);
    sorted.sort(byWeight.thenComparing(Comparator.naturalOrder()));
    return sorted;
  }
}
