package io.quiver.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterJsonTest {

  private static ScanCommand roundTrip(ScanCommand command) {
    return ScanCommand.parse(command.toBytes());
  }

  private static IllegalArgumentException refused(String json) {
    return assertThrows(
        IllegalArgumentException.class,
        () -> ScanCommand.parse(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void everyOperatorSurvivesTheWire() {
    Filter filter =
        Filter.and(
            Filter.eq("a", 1),
            Filter.ne("b", "x"),
            Filter.or(Filter.lt("c", new BigDecimal("1.25")), Filter.le("c", 7L)),
            Filter.gt("d", LocalDate.of(2024, 1, 31)),
            Filter.ge("e", true),
            Filter.in("f", 1, 2, 3),
            Filter.between("g", "2024-01-01T00:00:00", "2024-12-31T23:59:59.999999"),
            Filter.not(Filter.isNull("h")),
            Filter.isNotNull("i"));
    ScanCommand command =
        ScanCommand.table("sales.orders").withColumns(List.of("a", "b")).withFilter(filter);
    ScanCommand back = roundTrip(command);
    assertEquals(command, back);
    assertTrue(back.exact());
    assertEquals(
        "2024-01-31", ((Filter.Compare) ((Filter.And) back.filter()).operands().get(3)).value());
    assertFalse(roundTrip(command.pruneOnly()).exact());
  }

  @Test
  void decimalsStayExactAndIntegersStayIntegers() {
    ScanCommand back =
        ScanCommand.parse(
            ("{\"table\":\"t\",\"filter\":{\"op\":\"and\",\"args\":["
                    + "{\"op\":\"=\",\"column\":\"a\",\"value\":0.1000000000000000055511151231257827},"
                    + "{\"op\":\"=\",\"column\":\"b\",\"value\":123456789012345678901234567890},"
                    + "{\"op\":\"=\",\"column\":\"c\",\"value\":-5}]}}")
                .getBytes(StandardCharsets.UTF_8));
    List<Filter> ops = ((Filter.And) back.filter()).operands();
    assertEquals(
        new BigDecimal("0.1000000000000000055511151231257827"),
        ((Filter.Compare) ops.get(0)).value());
    assertEquals(
        new BigDecimal("123456789012345678901234567890"), ((Filter.Compare) ops.get(1)).value());
    assertEquals(-5L, ((Filter.Compare) ops.get(2)).value());
  }

  @Test
  void commandsWithoutFilterKeepTheirOldShape() {
    ScanCommand c = ScanCommand.parse("{\"path\":\"/lake/x\"}".getBytes(StandardCharsets.UTF_8));
    assertEquals("/lake/x", c.path());
    assertNull(c.table());
    assertNull(c.columns());
    assertNull(c.filter());
    assertEquals("{\"path\":\"/lake/x\"}", new String(c.toBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void malformedFiltersAreRefusedWithAReason() {
    assertTrue(
        refused("{\"table\":\"t\",\"filter\":{\"op\":\"like\",\"column\":\"a\",\"value\":\"x%\"}}")
            .getMessage()
            .contains("Unknown filter operator 'like'"));
    assertTrue(
        refused("{\"table\":\"t\",\"filter\":{\"op\":\"=\",\"value\":1}}")
            .getMessage()
            .contains("needs a \"column\""));
    assertTrue(
        refused("{\"table\":\"t\",\"filter\":{\"op\":\"=\",\"column\":\"a\",\"value\":null}}")
            .getMessage()
            .contains("is_null"));
    assertTrue(
        refused("{\"table\":\"t\",\"filter\":{\"op\":\"=\",\"column\":\"a\",\"value\":[1]}}")
            .getMessage()
            .contains("number, string or boolean"));
    assertTrue(
        refused("{\"table\":\"t\",\"filter\":{\"op\":\"in\",\"column\":\"a\",\"values\":[]}}")
            .getMessage()
            .contains("non-empty"));
    assertTrue(
        refused("{\"table\":\"t\",\"filter\":{\"op\":\"and\",\"args\":[]}}")
            .getMessage()
            .contains("non-empty"));
    assertTrue(
        refused(
                "{\"table\":\"t\",\"filter\":{\"op\":\"=\",\"column\":\"a\",\"value\":1},"
                    + "\"filter_version\":2}")
            .getMessage()
            .contains("filter_version"));
    assertTrue(refused("{\"table\":\"t\",\"filtre\":{}}").getMessage().contains("filtre"));
    assertTrue(refused("{\"table\":\"t\",\"exact\":\"yes\"}").getMessage().contains("exact"));
    assertTrue(refused("{\"table\":\"t\",\"path\":\"/x\"}").getMessage().contains("both"));
    assertTrue(refused("[1]").getMessage().contains("JSON object"));
    assertTrue(refused("{\"table\":").getMessage().contains("not JSON"));
  }

  @Test
  void hostileNestingIsRefusedNotAStackOverflow() {
    StringBuilder deep = new StringBuilder();
    int depth = 100_000;
    for (int i = 0; i < depth; i++) {
      deep.append("{\"op\":\"not\",\"arg\":");
    }
    deep.append("{\"op\":\"is_null\",\"column\":\"a\"}");
    deep.append("}".repeat(depth));
    IllegalArgumentException e = refused("{\"table\":\"t\",\"filter\":" + deep + "}");
    assertTrue(
        e.getMessage().contains("deeper") || e.getMessage().contains("not JSON"), e.getMessage());

    StringBuilder wide = new StringBuilder("{\"op\":\"or\",\"args\":[");
    for (int i = 0; i < FilterJson.MAX_NODES + 1; i++) {
      wide.append(i == 0 ? "" : ",").append("{\"op\":\"is_null\",\"column\":\"a\"}");
    }
    wide.append("]}");
    assertTrue(refused("{\"table\":\"t\",\"filter\":" + wide + "}").getMessage().contains("nodes"));
  }

  @Test
  void javaLiteralsAreNormalized() {
    assertEquals(5L, ((Filter.Compare) Filter.eq("a", 5)).value());
    assertEquals(2.5, ((Filter.Compare) Filter.eq("a", 2.5f)).value());
    assertEquals(
        "2024-02-29", ((Filter.Compare) Filter.eq("a", LocalDate.of(2024, 2, 29))).value());
    assertThrows(IllegalArgumentException.class, () -> Filter.eq("a", null));
    assertThrows(IllegalArgumentException.class, () -> Filter.eq("a", Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Filter.eq("a", new Object()));
    assertThrows(IllegalArgumentException.class, () -> Filter.eq("", 1));
  }
}
