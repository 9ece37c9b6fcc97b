package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.FormatRegistry;
import io.quiver.storage.Location;
import io.quiver.storage.StorageMetrics;
import io.quiver.storage.StorageRegistry;
import io.quiver.testing.ColumnFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hive-style partition columns and schema unification by column name, through a real catalog. */
class PartitionedDatasetTest {
  @TempDir Path tmp;
  private Path lake;
  private Catalog catalog;

  @BeforeEach
  void open() throws Exception {
    lake = Files.createDirectories(tmp.resolve("lake"));
    catalog = newCatalog();
    catalog.mount(NamespacePath.of("/lake"), Location.ofLocalPath(lake), Map.of());
  }

  private Catalog newCatalog() throws Exception {
    return new Catalog(
        new FileCatalogStore(tmp.resolve("data")),
        StorageRegistry.loadInstalled(),
        FormatRegistry.loadInstalled(),
        new StorageMetrics(),
        new MetadataCache(16L << 20));
  }

  @AfterEach
  void close() throws Exception {
    catalog.close();
  }

  private static ColumnFiles ids(long... ids) {
    List<Long> values = new ArrayList<>();
    Arrays.stream(ids).forEach(values::add);
    return ColumnFiles.file().column("id", "int64", values);
  }

  @Test
  void keyValueDirectoriesBecomeTypedPartitionColumns() throws Exception {
    ids(1, 2).write(lake.resolve("t/year=2024/day=2024-01-05/region=eu%2Fwest/a.parquet"));
    ids(3).write(lake.resolve("t/year=2025/day=2025-02-28/region=us/b.parquet"));
    ids(4)
        .write(
            lake.resolve(
                "t/year=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__/region=7/c.parquet"));
    TableDefinition def = catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    Dataset d = catalog.tableDataset(def.name());

    List<Field> fields = d.schema().getFields();
    assertEquals(
        List.of("id", "year", "day", "region"), fields.stream().map(Field::getName).toList());
    assertEquals(new ArrowType.Int(64, true), fields.get(1).getType());
    assertEquals(new ArrowType.Date(DateUnit.DAY), fields.get(2).getType());
    // "eu/west", "us" and "7": not every value is an integer, so string.
    assertEquals(ArrowType.Utf8.INSTANCE, fields.get(3).getType());
    assertEquals(
        Map.of(
            "year", PartitionType.INT64, "day", PartitionType.DATE, "region", PartitionType.STRING),
        d.partitions());
    assertTrue(d.isPartitionColumn("year"));
    assertFalse(d.isPartitionColumn("id"));

    DataFile a = d.files().get(0);
    assertEquals(2024L, a.partitionValues().get("year"));
    assertEquals(LocalDate.of(2024, 1, 5).toEpochDay(), a.partitionValues().get("day"));
    assertEquals("eu/west", a.partitionValues().get("region"), "%2F is decoded as Hive does");
    DataFile c =
        d.files().stream().filter(f -> f.path().toString().endsWith("c.parquet")).findFirst().get();
    assertTrue(c.partitionValues().containsKey("year"));
    assertNull(c.partitionValues().get("year"), "__HIVE_DEFAULT_PARTITION__ is null");
    assertNull(c.partitionValues().get("day"));
    assertEquals("7", c.partitionValues().get("region"));
  }

  @Test
  void declaredTypesAreCheckedAgainstEveryDirectoryAndPersisted() throws Exception {
    ids(1).write(lake.resolve("t/code=10/a.parquet"));
    ids(2).write(lake.resolve("t/code=x1/b.parquet"));
    InvalidTableException e =
        assertThrows(
            InvalidTableException.class,
            () ->
                catalog.createTable(
                    new TableDefinition(
                        "t",
                        NamespacePath.of("/lake/t"),
                        "parquet",
                        Map.of("code", PartitionType.INT64))));
    assertTrue(e.getMessage().contains("/lake/t/code=x1/b.parquet"), e.getMessage());
    assertTrue(e.getMessage().contains("declared int64"), e.getMessage());

    Files.delete(lake.resolve("t/code=x1/b.parquet"));
    catalog.createTable(
        new TableDefinition(
            "t", NamespacePath.of("/lake/t"), "parquet", Map.of("code", PartitionType.STRING)));
    assertEquals(
        ArrowType.Utf8.INSTANCE,
        catalog.tableDataset("t").schema().findField("code").getType(),
        "declared string wins over the inferred int64");
    catalog.close();
    catalog = newCatalog();
    assertEquals(Map.of("code", PartitionType.STRING), catalog.table("t").partitionTypes());
    assertEquals("10", catalog.tableDataset("t").files().get(0).partitionValues().get("code"));

    assertThrows(
        InvalidTableException.class,
        () ->
            catalog.createTable(
                new TableDefinition(
                    "u",
                    NamespacePath.of("/lake/t"),
                    "parquet",
                    Map.of("nope", PartitionType.DATE))));
  }

  @Test
  void inconsistentPartitionDirectoriesAreRefusedNamingBothFiles() throws Exception {
    ids(1).write(lake.resolve("t/a=1/b=2/x.parquet"));
    ids(2).write(lake.resolve("t/a=1/y.parquet"));
    InvalidTableException e =
        assertThrows(
            InvalidTableException.class,
            () -> catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet"));
    assertTrue(e.getMessage().contains("/lake/t/a=1/b=2/x.parquet"), e.getMessage());
    assertTrue(e.getMessage().contains("/lake/t/a=1/y.parquet"), e.getMessage());

    ids(3).write(lake.resolve("u/id=1/x.parquet"));
    InvalidTableException clash =
        assertThrows(
            InvalidTableException.class,
            () -> catalog.createTable("u", NamespacePath.of("/lake/u"), "parquet"));
    assertTrue(clash.getMessage().contains("'id'"), clash.getMessage());
  }

  @Test
  void schemasUnifyByNameWideningAndFillingMissingColumns() throws Exception {
    ColumnFiles.file()
        .column("id", "int32", List.of(1, 2))
        .column("price", "float", List.of(1.5f, 2.5f))
        .write(lake.resolve("t/a.parquet"));
    ColumnFiles.file()
        .column("note", "string", List.of("x"))
        .column("id", "int64", List.of(3L))
        .column("price", "double", List.of(3.25))
        .write(lake.resolve("t/b.parquet"));
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    List<Field> fields = catalog.tableDataset("t").schema().getFields();
    assertEquals(List.of("id", "price", "note"), fields.stream().map(Field::getName).toList());
    assertEquals(new ArrowType.Int(64, true), fields.get(0).getType());
    assertEquals(
        new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), fields.get(1).getType());
    assertEquals(ArrowType.Utf8.INSTANCE, fields.get(2).getType());
    assertTrue(fields.get(2).isNullable(), "a column missing from a file reads as nulls");
  }

  @Test
  void anIncompatibleTypeIsRefusedNamingTheColumnAndBothFiles() throws Exception {
    ColumnFiles.file().column("id", "int64", List.of(1L)).write(lake.resolve("t/a.parquet"));
    ColumnFiles.file().column("id", "string", List.of("1")).write(lake.resolve("t/b.parquet"));
    InvalidTableException e =
        assertThrows(
            InvalidTableException.class,
            () -> catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet"));
    assertTrue(e.getMessage().contains("'id'"), e.getMessage());
    assertTrue(e.getMessage().contains("/lake/t/a.parquet"), e.getMessage());
    assertTrue(e.getMessage().contains("/lake/t/b.parquet"), e.getMessage());
    assertTrue(e.getMessage().contains("Utf8"), e.getMessage());
    // A narrowing (double then float) is a widening of the later file: allowed either way round.
    ColumnFiles.file().column("v", "double", List.of(1.0)).write(lake.resolve("w/a.parquet"));
    ColumnFiles.file().column("v", "float", List.of(2f)).write(lake.resolve("w/b.parquet"));
    catalog.createTable("w", NamespacePath.of("/lake/w"), "parquet");
    assertEquals(
        new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE),
        catalog.tableDataset("w").schema().findField("v").getType());
  }

  @Test
  void unescapeDecodesUtf8PercentEscapesOnly() {
    assertEquals("a/b c", PartitionType.unescape("a%2Fb%20c"));
    assertEquals("é", PartitionType.unescape("%C3%A9"));
    assertEquals("100%", PartitionType.unescape("100%"));
    assertEquals("a+b", PartitionType.unescape("a+b"));
  }
}
