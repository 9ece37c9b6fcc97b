package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dotted table names listed like directories. */
class SchemaListingTest {
  private static final List<String> NAMES =
      List.of("top", "sales.orders", "sales.eu.orders", "sales.eu.returns", "sales.us.x.y", "web");

  @Test
  void theTopLevelShowsTopLevelTablesAndSchemas() {
    SchemaListing root = SchemaListing.of(NAMES, "");
    assertEquals(List.of("top", "web"), root.tables());
    assertEquals(Map.of("sales", 4L), root.schemas());
  }

  @Test
  void aSchemaShowsItsTablesAndSubSchemas() {
    SchemaListing sales = SchemaListing.of(NAMES, "sales");
    assertEquals(List.of("sales.orders"), sales.tables());
    assertEquals(List.of("sales.eu", "sales.us"), List.copyOf(sales.schemas().keySet()));
    assertEquals(2L, sales.schemas().get("sales.eu"));
    assertEquals(
        List.of("sales.eu.orders", "sales.eu.returns"),
        SchemaListing.of(NAMES, "sales.eu").tables());
    assertEquals(Map.of("sales.us.x", 1L), SchemaListing.of(NAMES, "sales.us").schemas());
  }

  @Test
  void aSchemaWithNothingBelowIsNotFound() {
    NoSuchTableException none =
        assertThrows(NoSuchTableException.class, () -> SchemaListing.of(NAMES, "sale"));
    assertTrue(none.getMessage().contains("No schema sale"), none.getMessage());
    NoSuchTableException table =
        assertThrows(NoSuchTableException.class, () -> SchemaListing.of(NAMES, "sales.orders"));
    assertTrue(table.getMessage().contains("it is a table"), table.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SchemaListing.of(NAMES, "a..b"));
    assertEquals(List.of(), SchemaListing.of(List.of(), "").tables());
  }
}
