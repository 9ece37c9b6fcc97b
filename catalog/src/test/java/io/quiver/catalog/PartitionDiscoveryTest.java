package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.Location;
import io.quiver.testing.ColumnFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery with a partition filter lists and reads only the partitions it may match, and keeps
 * listings that stay right for every other plan.
 */
class PartitionDiscoveryTest {
  @TempDir Path tmp;
  private Path lake;
  private CountingStores stores;
  private FileCatalogStore store;
  private Catalog catalog;
  private final TestCatalogs.FakeTicker ticker = new TestCatalogs.FakeTicker();

  /** {@code column = value} (or any of values), recording what it was asked. */
  private static final class Equals implements PartitionFilter {
    final String column;
    final Set<Object> values;
    final List<Map<String, Object>> asked = new ArrayList<>();

    Equals(String column, Object... values) {
      this.column = column;
      this.values = Set.of(values);
    }

    @Override
    public Set<String> columns() {
      return Set.of(column);
    }

    @Override
    public synchronized boolean mayMatch(
        Map<String, PartitionType> types, Map<String, Object> known) {
      asked.add(known);
      return !known.containsKey(column) || values.contains(known.get(column));
    }
  }

  @BeforeEach
  void open() throws Exception {
    lake = Files.createDirectories(tmp.resolve("lake"));
    for (int year = 2020; year <= 2025; year++) {
      for (String region : List.of("eu", "us")) {
        ColumnFiles.file()
            .column("id", "int64", List.of((long) year, 1L))
            .write(lake.resolve("t/year=" + year + "/region=" + region + "/part-0.parquet"));
      }
    }
    // A column only some partitions have, widened in one of them.
    ColumnFiles.file()
        .column("id", "int32", List.of(7))
        .column("extra", "string", List.of("x"))
        .write(lake.resolve("t/year=2021/region=eu/part-1.parquet"));
    Files.createDirectories(lake.resolve("t/_temporary/year=2025"));
    Files.writeString(lake.resolve("t/_temporary/year=2025/junk.parquet"), "not parquet");
    stores = new CountingStores();
    store = new FileCatalogStore(tmp.resolve("data"));
    catalog = TestCatalogs.catalog(store, stores, ticker);
    catalog.mount(NamespacePath.of("/lake"), Location.ofLocalPath(lake), Map.of("sync", "never"));
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
  }

  @AfterEach
  void close() throws Exception {
    catalog.close();
    store.close();
  }

  /** A catalog over the same store with nothing kept: what a restarted node has. */
  private Catalog cold() throws Exception {
    catalog.close();
    catalog = TestCatalogs.catalog(store, stores, ticker);
    return catalog;
  }

  private static List<String> paths(Dataset d) {
    return d.files().stream().map(f -> f.path().toString()).toList();
  }

  @Test
  void aColdScanOfOnePartitionListsAndReadsOnlyIt() throws Exception {
    Catalog c = cold();
    long levels = stores.calls("listDirectory");
    long lists = stores.calls("list");
    long opens = stores.calls("open");
    Equals year2024 = new Equals("year", 2024L);
    Dataset d = c.tableDataset("t", year2024);
    assertEquals(
        List.of(
            "/lake/t/year=2024/region=eu/part-0.parquet",
            "/lake/t/year=2024/region=us/part-0.parquet"),
        paths(d));
    // The table's root level and year=2024's; then year=2024 as a whole (region is not filtered).
    assertEquals(2, stores.calls("listDirectory") - levels);
    assertEquals(1, stores.calls("list") - lists);
    assertEquals(2, stores.calls("open") - opens, "footers of year=2024's two files only");
    // Asked with typed values, before any file below was listed.
    assertTrue(year2024.asked.contains(Map.of("year", 2021L)), year2024.asked.toString());
    assertEquals(new ArrowType.Int(64, true), d.schema().findField("year").getType());
    assertEquals(List.of("id", "year", "region"), names(d));

    // Warm: no store call at all.
    long calls = stores.calls();
    assertEquals(paths(d), paths(c.tableDataset("t", new Equals("year", 2024L))));
    assertEquals(calls, stores.calls(), "a warm pruned plan called the store");

    // The kept listings are those of whole directories: the table's other plans see every file.
    Dataset all = c.tableDataset("t");
    assertEquals(13, all.files().size());
    assertEquals(List.of("id", "extra", "year", "region"), names(all));
  }

  @Test
  void aPrunedScanHasTheWholeTablesColumnsOnceKnown() throws Exception {
    Dataset all = catalog.tableDataset("t"); // as the table was resolved whole before
    long calls = stores.calls();
    Dataset d = catalog.tableDataset("t", new Equals("year", 2024L));
    assertEquals(calls, stores.calls(), "levels derived from the kept whole listing");
    assertEquals(2, d.files().size());
    assertEquals(all.schema(), d.schema());
    // Cold, the kept files' own columns.
    Dataset coldPruned = cold().tableDataset("t", new Equals("year", 2021L));
    assertEquals(3, coldPruned.files().size());
    assertEquals(List.of("id", "extra", "year", "region"), names(coldPruned));
    assertEquals(new ArrowType.Int(64, true), coldPruned.schema().findField("id").getType());
  }

  @Test
  void aKeyBelowAnUnfilteredOneIsPrunedBeforeFootersAreRead() throws Exception {
    Catalog c = cold();
    long levels = stores.calls("listDirectory");
    long lists = stores.calls("list");
    long opens = stores.calls("open");
    Equals us = new Equals("region", "us");
    Dataset d = c.tableDataset("t", us);
    assertEquals(6, d.files().size());
    assertTrue(d.files().stream().allMatch(f -> "us".equals(f.partitionValues().get("region"))));
    // year is not filtered: the root is listed as a whole once (rather than year by year).
    assertEquals(1, stores.calls("listDirectory") - levels);
    assertEquals(1, stores.calls("list") - lists);
    assertEquals(6, stores.calls("open") - opens, "footers of the us files only");
  }

  @Test
  void keptDirectoryLevelsFollowTheMountsSyncPolicy() throws Exception {
    Catalog c = cold();
    c.mount(NamespacePath.of("/fresh"), Location.ofLocalPath(lake), Map.of("sync", "interval=10s"));
    c.createTable("f", NamespacePath.of("/fresh/t"), "parquet");
    assertEquals(2, c.tableDataset("f", new Equals("year", 2024L)).files().size());
    ColumnFiles.file()
        .column("id", "int64", List.of(9L))
        .write(lake.resolve("t/year=2024/region=eu/part-9.parquet"));
    ColumnFiles.file()
        .column("id", "int64", List.of(10L))
        .write(lake.resolve("t/year=2026/region=eu/part-0.parquet"));
    long calls = stores.calls();
    ticker.advance(java.time.Duration.ofMillis(9_999));
    assertEquals(2, c.tableDataset("f", new Equals("year", 2024L)).files().size());
    assertEquals(
        13, c.tableDataset("f", new Equals("year", 2026L)).files().size(), "no 2026 yet: whole");
    assertEquals(calls, stores.calls(), "kept levels answered within the interval");
    ticker.advance(java.time.Duration.ofMillis(1));
    assertEquals(3, c.tableDataset("f", new Equals("year", 2024L)).files().size());
    assertEquals(
        List.of("/fresh/t/year=2026/region=eu/part-0.parquet"),
        paths(c.tableDataset("f", new Equals("year", 2026L))));
  }

  @Test
  void aPartitionMovedAwayIsNotListed() throws Exception {
    assertEquals(0, catalog.move(NamespacePath.of("/lake/t/year=2020"), NamespacePath.of("/old")));
    Catalog c = cold();
    assertEquals(11, c.tableDataset("t").files().size());
    assertEquals(3, c.tableDataset("t", new Equals("year", 2021L, 2020L)).files().size());
    Dataset gone = c.tableDataset("t", new Equals("year", 2020L));
    assertEquals(11, gone.files().size(), "nothing left for 2020: the whole table");
  }

  @Test
  void aFilterMatchingNoPartitionResolvesTheWholeTable() throws Exception {
    Dataset d = cold().tableDataset("t", new Equals("year", 1999L));
    assertEquals(13, d.files().size());
    assertEquals(List.of("id", "extra", "year", "region"), names(d));
  }

  @Test
  void aFilterOnOtherColumnsListsLikeNoFilter() throws Exception {
    Catalog c = cold();
    long levels = stores.calls("listDirectory");
    long lists = stores.calls("list");
    Dataset d = c.tableDataset("t", new Equals("id", 7L));
    assertEquals(13, d.files().size());
    // The root's level shows no filtered key: everything below is listed at once.
    assertEquals(1, stores.calls("listDirectory") - levels);
    assertEquals(1, stores.calls("list") - lists);
    assertEquals(List.of("id", "extra", "year", "region"), names(d));
  }

  private static List<String> names(Dataset d) {
    return d.schema().getFields().stream().map(Field::getName).toList();
  }
}
