package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.Location;
import io.quiver.testing.ColumnFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A table's declared columns: their text form, and files read against them. */
class DeclaredSchemaTest {
  @TempDir Path tmp;

  private static List<ArrowType> types(Schema s) {
    return s.getFields().stream().map(Field::getType).toList();
  }

  @Test
  void theTextFormReadsArrowTypesByPyarrowsNamesAndCommonAliases() {
    Schema s =
        DeclaredSchema.parse(
            "id int64, name string, ts timestamp[us], d date32, price decimal(12,2),"
                + " \"odd, name\" double, at TIMESTAMP[ms, tz=Europe/Paris], ok boolean,"
                + " t time64[us], small int, f float32, b binary");
    assertEquals(
        List.of(
            new ArrowType.Int(64, true),
            ArrowType.Utf8.INSTANCE,
            new ArrowType.Timestamp(TimeUnit.MICROSECOND, null),
            new ArrowType.Date(DateUnit.DAY),
            new ArrowType.Decimal(12, 2, 128),
            new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE),
            new ArrowType.Timestamp(TimeUnit.MILLISECOND, "Europe/Paris"),
            ArrowType.Bool.INSTANCE,
            new ArrowType.Time(TimeUnit.MICROSECOND, 64),
            new ArrowType.Int(32, true),
            new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE),
            ArrowType.Binary.INSTANCE),
        types(s));
    assertEquals("odd, name", s.getFields().get(5).getName());
    assertTrue(s.getFields().stream().allMatch(Field::isNullable));
    String text = DeclaredSchema.format(s);
    assertEquals(
        "id int64, name string, ts timestamp[us], d date32, price decimal128(12, 2),"
            + " \"odd, name\" double, at timestamp[ms, tz=Europe/Paris], ok bool, t time64[us],"
            + " small int32, f float, b binary",
        text);
    assertEquals(s, DeclaredSchema.parse(text));
  }

  @Test
  void mistakesAreNamed() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DeclaredSchema.parse("id"))
            .getMessage()
            .contains("Column 'id' has no type"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DeclaredSchema.parse("id integr"));
    assertTrue(e.getMessage().startsWith("Column 'id': Unknown type 'integr'"), e.getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DeclaredSchema.parse("a int, a int"))
            .getMessage()
            .contains("declared twice"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DeclaredSchema.parse("p decimal(40,2)"))
            .getMessage()
            .contains("precision"));
    assertThrows(IllegalArgumentException.class, () -> DeclaredSchema.parse(" "));
    assertThrows(IllegalArgumentException.class, () -> DeclaredSchema.parse("my-col int64"));
  }

  @Test
  void filesAreReadAgainstTheDeclaredColumns() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    ColumnFiles.file()
        .column("id", "int32", List.of(1, 2))
        .column("secret", "string", List.of("a", "b"))
        .write(lake.resolve("t/day=1/a.parquet"));
    ColumnFiles.file()
        .column("id", "int64", List.of(3L))
        .column("price", "float", Arrays.asList(1.5f))
        .write(lake.resolve("t/day=2/b.parquet"));
    try (FileCatalogStore store = new FileCatalogStore(tmp.resolve("data"));
        Catalog catalog = TestCatalogs.catalog(store, new CountingStores())) {
      catalog.mount(NamespacePath.of("/lake"), Location.ofLocalPath(lake), Map.of());
      Schema declared = DeclaredSchema.parse("id int64, price double, note string");
      catalog.createTable(
          new TableDefinition("t", NamespacePath.of("/lake/t"), "parquet", Map.of(), declared));
      Dataset d = catalog.tableDataset("t");
      // The declared columns (widened, or null where missing), not 'secret'; then the partition.
      assertEquals(
          List.of("id", "price", "note", "day"),
          d.schema().getFields().stream().map(Field::getName).toList());
      assertEquals(new ArrowType.Int(64, true), d.schema().findField("id").getType());
      assertEquals(
          new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE),
          d.schema().findField("price").getType());
      assertEquals(declared, catalog.table("t").schema());

      // Kept across a restart, in the catalog's JSON.
      assertTrue(Files.readString(tmp.resolve("data/catalog.json")).contains("note string"));

      // A file column that does not widen to the declared type is refused, naming both.
      InvalidTableException e =
          assertThrows(
              InvalidTableException.class,
              () ->
                  catalog.createTable(
                      new TableDefinition(
                          "narrow",
                          NamespacePath.of("/lake/t"),
                          "parquet",
                          Map.of(),
                          DeclaredSchema.parse("id int32"))));
      assertTrue(e.getMessage().contains("/lake/t/day=2/b.parquet"), e.getMessage());
      assertTrue(e.getMessage().contains("of type int64"), e.getMessage());
      assertTrue(e.getMessage().contains("declared type int32"), e.getMessage());
      assertTrue(catalog.findTable("narrow").isEmpty());

      // An inferred table over the same files has every column.
      catalog.createTable("inferred", NamespacePath.of("/lake/t"), "parquet");
      assertNull(catalog.table("inferred").schema());
      assertEquals(
          List.of("id", "secret", "price", "day"),
          catalog.tableDataset("inferred").schema().getFields().stream()
              .map(Field::getName)
              .toList());
    }
    // Loaded again from the store.
    try (FileCatalogStore store = new FileCatalogStore(tmp.resolve("data"));
        Catalog catalog = TestCatalogs.catalog(store, new CountingStores())) {
      assertEquals(
          DeclaredSchema.parse("id int64, price double, note string"), catalog.table("t").schema());
    }
  }

  @Test
  void aDeclaredColumnCannotAlsoBeADeclaredPartition() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new TableDefinition(
                    "t",
                    NamespacePath.of("/lake/t"),
                    "parquet",
                    Map.of("day", PartitionType.DATE),
                    DeclaredSchema.parse("day date32")));
    assertTrue(e.getMessage().contains("'day'"), e.getMessage());
  }
}
