package io.quiver.server;

import static io.quiver.testing.ArrowAssertions.assertSameTableDeep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.protocol.ErrorCode;
import io.quiver.protocol.ScanCommand;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A table over a file with a column Quiver cannot decode (a LIST of INTERVAL): it is created and
 * its schema lists the column; scans and SQL queries of the other columns return what Arrow C++
 * reads; a scan or query that needs the column is refused at planning as {@code unsupported-file}
 * (UNIMPLEMENTED) naming it.
 */
class ColumnRefusalFlightTest {
  private static final List<String> DECODABLE = List.of("id", "tags", "ts96", "scores", "point");
  private static final String REASON =
      "Column 'tags_spans' has type FIXED_LEN_BYTE_ARRAY(12) INTERVAL at tags_spans.list.element,"
          + " which Quiver cannot decode yet";

  @TempDir Path tmp;

  private static void assertRefused(FlightRuntimeException e) {
    assertEquals(FlightStatusCode.UNIMPLEMENTED, e.status().code(), e.getMessage());
    assertEquals(ErrorCode.UNSUPPORTED_FILE, FlightErrors.codeOf(e).orElseThrow());
    assertTrue(e.getMessage().contains(REASON), e.getMessage());
  }

  @ParameterizedTest(name = "{0} decoder")
  @ValueSource(strings = {"java", "native"})
  void onlyTheUndecodableColumnIsRefused(String decoder) throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    Path file = ParquetTestFiles.writeUnsupportedTypesWithParquetHadoop(lake, "mixed.parquet");
    try (TestNode node = TestNode.start(tmp.resolve("data"), c -> c.withDecoder(decoder))) {
      node.mount("/lake", lake).createTable("mixed", "/lake/mixed.parquet");
      FlightDescriptor table = FlightDescriptor.path("mixed");

      // The schema lists every column, the refused one typed as Arrow C++ types it.
      Schema schema = node.client().getSchema(table).getSchema();
      assertEquals(
          ArrowOracle.readParquet(file).schema().getFields().stream().map(Field::getName).toList(),
          schema.getFields().stream().map(Field::getName).toList());

      // The whole table, the column by name, or a filter on it: refused when planned.
      assertRefused(assertThrows(FlightRuntimeException.class, () -> node.client().getInfo(table)));
      assertRefused(
          assertThrows(
              FlightRuntimeException.class,
              () ->
                  node.plan(ScanCommand.table("mixed").withColumns(List.of("id", "tags_spans")))));

      // The other columns scan, cold and warm, as Arrow C++ reads them.
      Table expected = ArrowOracle.readParquet(file, DECODABLE);
      FlightInfo info = node.plan(ScanCommand.table("mixed").withColumns(DECODABLE));
      assertSameTableDeep(expected, node.read(info));
      assertSameTableDeep(
          expected, node.read(node.plan(ScanCommand.table("mixed").withColumns(DECODABLE))));

      // cache-load of "all columns" loads the decodable ones; naming the refused one is refused.
      node.server().cache().invalidateAll(k -> true);
      assertEquals(3, node.action("cache-load", Map.of("table", "mixed")).get("rows").asLong());
      assertEquals(
          Set.copyOf(DECODABLE),
          node.server().cache().entries(k -> true).stream()
              .map(e -> e.key().column())
              .collect(java.util.stream.Collectors.toSet()));
      assertRefused(
          assertThrows(
              FlightRuntimeException.class,
              () ->
                  node.action(
                      "cache-load", Map.of("table", "mixed", "columns", List.of("tags_spans")))));

      // Flight SQL: the other columns work, the refused one is refused the same way.
      try (FlightSqlClient sql =
          new FlightSqlClient(
              FlightClient.builder(node.allocator(), node.server().location()).build())) {
        FlightInfo sum = sql.execute("select sum(id) as s, count(*) as n from mixed");
        try (FlightStream stream = sql.getStream(sum.getEndpoints().get(0).getTicket())) {
          assertTrue(stream.next());
          assertEquals(3, ((BigIntVector) stream.getRoot().getVector("n")).get(0));
          assertEquals(
              0 + 1 + 2, ((Number) stream.getRoot().getVector("s").getObject(0)).longValue());
        }
        FlightRuntimeException e =
            assertThrows(
                FlightRuntimeException.class,
                () -> {
                  FlightInfo all = sql.execute("select id, tags_spans from mixed");
                  try (FlightStream stream = sql.getStream(all.getEndpoints().get(0).getTicket())) {
                    while (stream.next()) {
                      // drain
                    }
                  }
                });
        assertRefused(e);
      }
    }
  }
}
