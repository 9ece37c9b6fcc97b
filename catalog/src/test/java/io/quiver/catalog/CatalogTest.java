package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.FormatRegistry;
import io.quiver.storage.Location;
import io.quiver.storage.StorageMetrics;
import io.quiver.storage.StorageRegistry;
import io.quiver.testing.ParquetTestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {
  @TempDir Path tmp;
  private Path lake;
  private StorageMetrics metrics;
  private Catalog catalog;

  @BeforeEach
  void open() throws Exception {
    lake = Files.createDirectories(tmp.resolve("lake"));
    metrics = new StorageMetrics();
    catalog = newCatalog();
  }

  private Catalog newCatalog() throws Exception {
    return new Catalog(
        new FileCatalogStore(tmp.resolve("data")),
        StorageRegistry.loadInstalled(),
        FormatRegistry.loadInstalled(),
        metrics,
        new MetadataCache(16L << 20));
  }

  @AfterEach
  void close() throws Exception {
    catalog.close();
  }

  private Path parquet(String dir, String name, long seed) throws Exception {
    return ParquetTestFiles.writeAllTypesWithParquetHadoop(
        Files.createDirectories(lake.resolve(dir)),
        name,
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        500,
        1 << 20,
        seed);
  }

  private Location lakeLocation() {
    return Location.ofLocalPath(lake);
  }

  @Test
  void nestedMountsResolveToTheDeepest() throws Exception {
    Files.createDirectories(lake.resolve("inner"));
    catalog.mount(NamespacePath.of("/a"), lakeLocation(), Map.of());
    catalog.mount(NamespacePath.of("/a/b"), Location.ofLocalPath(lake.resolve("inner")), Map.of());
    assertEquals(
        lakeLocation().resolve("x/y"), catalog.resolve(NamespacePath.of("/a/x/y")).location());
    assertEquals(
        Location.ofLocalPath(lake.resolve("inner")).resolve("z"),
        catalog.resolve(NamespacePath.of("/a/b/z")).location());
    assertThrows(NoSuchPathException.class, () -> catalog.resolve(NamespacePath.of("/other")));
    assertThrows(
        AlreadyExistsException.class,
        () -> catalog.mount(NamespacePath.of("/a"), lakeLocation(), Map.of()));
  }

  @Test
  void mountIsValidated() {
    InvalidMountException e =
        assertThrows(
            InvalidMountException.class,
            () ->
                catalog.mount(
                    NamespacePath.of("/m"),
                    Location.ofLocalPath(tmp.resolve("missing")),
                    Map.of()));
    assertTrue(e.getMessage().contains("nothing exists"), e.getMessage());
    assertThrows(
        InvalidMountException.class,
        () -> catalog.mount(NamespacePath.of("/m"), lakeLocation(), Map.of("region", "x")));
    assertThrows(
        InvalidMountException.class,
        () -> catalog.mount(NamespacePath.of("/m"), Location.of("gopher://x/y"), Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> catalog.mount(NamespacePath.ROOT, lakeLocation(), Map.of()));
    assertTrue(catalog.mounts().isEmpty(), "a refused mount leaves nothing behind");
  }

  @Test
  void tablesPersistAcrossRestartAndListSkipsHiddenFiles() throws Exception {
    parquet("t", "a.parquet", 1);
    parquet("t", "b.parquet", 2);
    Files.writeString(lake.resolve("t/_SUCCESS"), "");
    Files.writeString(lake.resolve("t/.a.parquet.crc"), "x");
    Files.createDirectories(lake.resolve("t/_tmp"));
    Files.writeString(lake.resolve("t/_tmp/c.parquet"), "half written");
    catalog.mount(NamespacePath.of("/lake"), lakeLocation(), Map.of());
    catalog.createTable("sales.t", NamespacePath.of("/lake/t"), "parquet");
    Dataset d = catalog.tableDataset("sales.t");
    assertEquals(
        List.of("/lake/t/a.parquet", "/lake/t/b.parquet"),
        d.files().stream().map(f -> f.path().toString()).toList());
    assertEquals(1000, d.rowCount());

    catalog.close();
    catalog = newCatalog();
    assertEquals(List.of("sales.t"), catalog.tables().stream().map(TableDefinition::name).toList());
    assertEquals(1000, catalog.tableDataset("sales.t").rowCount());
    assertThrows(InvalidMountException.class, () -> catalog.unmount(NamespacePath.of("/lake")));
    catalog.dropTable("sales.t");
    catalog.unmount(NamespacePath.of("/lake"));
    assertThrows(NoSuchTableException.class, () -> catalog.table("sales.t"));
  }

  @Test
  void footersAreReadOncePerVersion() throws Exception {
    parquet("f", "a.parquet", 1);
    catalog.mount(NamespacePath.of("/lake"), lakeLocation(), Map.of());
    catalog.dataset("f", NamespacePath.of("/lake/f"), null);
    long reads = metrics.bytesRead();
    catalog.dataset("f", NamespacePath.of("/lake/f"), null);
    assertEquals(reads, metrics.bytesRead(), "second plan reads no footer bytes");
  }

  @Test
  void tableValidation() throws Exception {
    catalog.mount(NamespacePath.of("/lake"), lakeLocation(), Map.of());
    Files.createDirectories(lake.resolve("empty"));
    assertThrows(
        InvalidTableException.class,
        () -> catalog.createTable("e", NamespacePath.of("/lake/empty"), "parquet"));
    assertThrows(
        NoSuchPathException.class,
        () -> catalog.createTable("m", NamespacePath.of("/lake/missing"), "parquet"));
    assertThrows(
        IllegalArgumentException.class,
        () -> catalog.createTable("bad name", NamespacePath.of("/lake"), "parquet"));
    assertThrows(
        IllegalArgumentException.class,
        () -> catalog.createTable("x", NamespacePath.of("/lake"), "csv"));

    // Files with different columns make one table (schemas unified by name), and a column the
    // decoder cannot read (b.parquet's list of INTERVAL) refuses only itself, at projection.
    parquet("mixed", "a.parquet", 1);
    ParquetTestFiles.writeUnsupportedTypesWithParquetHadoop(lake.resolve("mixed"), "b.parquet");
    catalog.createTable("mixed", NamespacePath.of("/lake/mixed"), "parquet");
    Dataset mixed = catalog.tableDataset("mixed");
    assertTrue(mixed.schema().findField("int64_req") != null, mixed.schema().toString());
    assertTrue(mixed.schema().findField("tags_spans") != null, mixed.schema().toString());
    DataFile b = mixed.files().get(1);
    assertTrue(b.path().toString().endsWith("b.parquet"), b.path().toString());
    assertTrue(b.metadata().unsupportedColumns().containsKey("tags_spans"));
    assertEquals(List.of("mixed"), catalog.tables().stream().map(TableDefinition::name).toList());
  }

  @Test
  void decoderOptionIsCheckedAndNotPassedToTheStore() throws Exception {
    InvalidMountException e =
        assertThrows(
            InvalidMountException.class,
            () ->
                catalog.mount(
                    NamespacePath.of("/lake"), lakeLocation(), Map.of("decoder", "turbo")));
    assertTrue(e.getMessage().contains("turbo") && e.getMessage().contains("java"), e.getMessage());
    Mount m = catalog.mount(NamespacePath.of("/lake"), lakeLocation(), Map.of("decoder", "java"));
    assertEquals("java", m.decoder());
    assertEquals(Map.of(), m.storageOptions());
  }

  @Test
  void int96TimestampUnitIsCheckedAndNotPassedToTheStore() throws Exception {
    InvalidMountException e =
        assertThrows(
            InvalidMountException.class,
            () ->
                catalog.mount(
                    NamespacePath.of("/lake"),
                    lakeLocation(),
                    Map.of("int96-timestamp-unit", "nanos")));
    assertTrue(
        e.getMessage().contains("'nanos'") && e.getMessage().contains("allowed: ns, us, ms, s"),
        e.getMessage());
    assertTrue(catalog.mounts().isEmpty());
    Mount m =
        catalog.mount(
            NamespacePath.of("/lake"), lakeLocation(), Map.of("int96-timestamp-unit", "us"));
    assertEquals(
        new io.quiver.format.ReadOptions(org.apache.arrow.vector.types.TimeUnit.MICROSECOND),
        m.readOptions());
    assertEquals(Map.of(), m.storageOptions());
  }

  @Test
  void secretsAreMasked() {
    Mount m =
        new Mount(
            NamespacePath.of("/s"),
            Location.of("s3://b/p"),
            Map.of("secret-key", "hunter2", "secret-key-env", "AWS_SECRET", "region", "eu-west-1"));
    assertEquals("****", m.maskedOptions().get("secret-key"));
    assertEquals("AWS_SECRET", m.maskedOptions().get("secret-key-env"));
    assertEquals("eu-west-1", m.maskedOptions().get("region"));
  }
}
