package io.quiver.server.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.catalog.PartitionType;
import io.quiver.protocol.Filter;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A scan filter asked about partition values: false only when no row under them can match. */
class PartitionPrunerTest {
  private static final Map<String, PartitionType> YEAR = Map.of("year", PartitionType.INT64);

  private static boolean mayMatch(Filter f, Object year) {
    Map<String, Object> values = new HashMap<>();
    values.put("year", year);
    return new PartitionPruner(f).mayMatch(YEAR, values);
  }

  @Test
  void aConjunctOnAKeyPrunesWhateverTheOtherColumnsSay() {
    Filter f = Filter.and(Filter.eq("year", 2024), Filter.gt("price", 10));
    assertEquals(Set.of("year", "price"), new PartitionPruner(f).columns());
    assertTrue(mayMatch(f, 2024L));
    assertFalse(mayMatch(f, 2025L));
    assertFalse(mayMatch(f, null), "a NULL year is not 2024");
    assertTrue(mayMatch(Filter.isNull("year"), null));
    assertFalse(mayMatch(Filter.isNull("year"), 2024L));
  }

  @Test
  void anOrOrNotOverAnotherColumnPrunesNothing() {
    assertTrue(mayMatch(Filter.or(Filter.eq("year", 2024), Filter.gt("price", 10)), 2025L));
    assertTrue(mayMatch(Filter.not(Filter.and(Filter.eq("year", 2025), Filter.gt("p", 1))), 2025L));
    assertFalse(mayMatch(Filter.not(Filter.eq("year", 2025)), 2025L));
    assertFalse(mayMatch(Filter.or(Filter.eq("year", 2023), Filter.eq("year", 2024)), 2025L));
    assertNull(PartitionPruner.project(Filter.gt("price", 1), Set.of("year")));
  }

  @Test
  void aLiteralOfAnotherTypeOrAnUnknownKeyPrunesNothing() {
    assertTrue(mayMatch(Filter.eq("year", "not a number"), 2025L));
    assertTrue(
        new PartitionPruner(Filter.eq("region", "eu")).mayMatch(YEAR, Map.of("year", 2025L)));
  }
}
