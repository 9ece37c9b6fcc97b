package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.testing.ColumnFiles;
import io.quiver.testing.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table created with declared columns ({@code create-table} with {@code schema}): scans read the
 * files against them, describe says so, and a file that cannot be read as declared is refused.
 */
class DeclaredSchemaFlightTest {
  @TempDir Path tmp;

  @Test
  void filesAreReadAgainstTheDeclaredColumns() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    ColumnFiles.file()
        .column("id", "int32", List.of(1, 2))
        .column("secret", "string", List.of("s1", "s2"))
        .write(lake.resolve("t/part=1/a.parquet"));
    ColumnFiles.file()
        .column("id", "int64", List.of(3L))
        .column("price", "float", Arrays.asList(2.5f))
        .write(lake.resolve("t/part=2/b.parquet"));
    try (TestNode node = TestNode.start(tmp.resolve("data"))) {
      node.mount("/lake", lake);
      JsonNode created =
          node.action(
              "create-table",
              Map.of(
                  "name", "t",
                  "path", "/lake/t",
                  "schema", "id int64, price double, note string"));
      assertEquals(2, created.path("files").asInt());

      FlightInfo info = node.plan(ScanCommand.table("t"));
      assertEquals(
          List.of("id", "price", "note", "part"),
          info.getSchema().getFields().stream().map(Field::getName).toList());
      assertEquals(new ArrowType.Int(64, true), info.getSchema().getFields().get(0).getType());
      assertEquals(
          new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE),
          info.getSchema().getFields().get(1).getType());
      Table t = node.read(info);
      assertEquals(List.of(1L, 2L, 3L), t.column("id"));
      assertEquals(Arrays.asList(null, null, 2.5), t.column("price"));
      assertEquals(Arrays.asList(null, null, null), t.column("note"));
      assertEquals(List.of(1L, 1L, 2L), t.column("part"));

      // A file column the table does not declare is not there to scan or filter on.
      FlightRuntimeException e =
          assertThrows(
              FlightRuntimeException.class,
              () -> node.plan(ScanCommand.table("t").withColumns(List.of("secret"))));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
      assertTrue(e.getMessage().contains("Unknown column 'secret'"), e.getMessage());
      Table filtered =
          node.read(
              node.plan(
                  ScanCommand.table("t")
                      .withColumns(List.of("id"))
                      .withFilter(new Filter.Compare("id", Filter.CompareOp.GE, 2))));
      assertEquals(List.of(2L, 3L), filtered.column("id"));

      JsonNode described = node.action("describe-table", Map.of("name", "t"));
      assertEquals("declared", described.path("schemaSource").asText());
      assertEquals(
          "id int64, price double, note string", described.path("declaredSchema").asText());
      node.createTable("inferred", "/lake/t");
      JsonNode inferred = node.action("describe-table", Map.of("name", "inferred"));
      assertEquals("inferred", inferred.path("schemaSource").asText());
      assertTrue(inferred.path("declaredSchema").isMissingNode(), inferred.toString());

      // A declared type a file's column does not widen to: refused, naming the file and types.
      FlightRuntimeException refused =
          assertThrows(
              FlightRuntimeException.class,
              () ->
                  node.action(
                      "create-table",
                      Map.of("name", "narrow", "path", "/lake/t", "schema", "id int32")));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, refused.status().code());
      assertTrue(refused.getMessage().contains("/lake/t/part=2/b.parquet"), refused.getMessage());
      assertTrue(refused.getMessage().contains("int64"), refused.getMessage());
      assertTrue(refused.getMessage().contains("int32"), refused.getMessage());

      FlightRuntimeException bad =
          assertThrows(
              FlightRuntimeException.class,
              () ->
                  node.action(
                      "create-table",
                      Map.of("name", "bad", "path", "/lake/t", "schema", "id integr")));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, bad.status().code());
      assertTrue(bad.getMessage().contains("Unknown type 'integr'"), bad.getMessage());
    }
  }
}
