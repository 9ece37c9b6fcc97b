package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.VersionChangedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespace over slow stores: kept listings per sync policy (a warm plan makes no store call; a
 * changed file is never planned twice from a stale listing), metadata-only moves and renames (no
 * store write), and {@code ls}/{@code stat} pages.
 */
class CatalogNamespaceTest {
  @TempDir Path tmp;
  private Path lake;
  private CountingStores stores;
  private FileCatalogStore store;
  private Catalog catalog;
  private final TestCatalogs.FakeTicker ticker = new TestCatalogs.FakeTicker();

  @BeforeEach
  void open() throws Exception {
    lake = Files.createDirectories(tmp.resolve("lake"));
    stores = new CountingStores();
    store = new FileCatalogStore(tmp.resolve("data"));
    catalog = newCatalog();
  }

  private Catalog newCatalog() throws Exception {
    return TestCatalogs.catalog(store, stores, ticker);
  }

  @AfterEach
  void close() throws Exception {
    catalog.close();
    store.close();
    assertEquals(0, stores.open.get(), "a store client was left open");
  }

  private Path parquet(String dir, String name, long seed) throws Exception {
    return TestCatalogs.parquet(lake.resolve(dir), name, seed);
  }

  private void mountLake(String sync) throws Exception {
    catalog.mount(
        NamespacePath.of("/lake"),
        Location.ofLocalPath(lake),
        sync == null ? Map.of() : Map.of("sync", sync));
  }

  private int files(String table) throws Exception {
    return catalog.tableDataset(table).files().size();
  }

  @Test
  void aWarmPlanAndAWarmLsMakeNoStoreCall() throws Exception {
    parquet("t", "a.parquet", 1);
    parquet("t", "b.parquet", 2);
    mountLake(null);
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    NamespaceListing ls = new NamespaceListing(catalog);
    long before = stores.calls();
    for (int i = 0; i < 3; i++) {
      assertEquals(2, files("t"));
      assertEquals(
          1, catalog.dataset("p", NamespacePath.of("/lake/t/a.parquet"), null).files().size());
      assertEquals(2, ls.list(NamespacePath.of("/lake/t"), null, 100).entries().size());
      assertEquals(PathEntry.Kind.DIRECTORY, ls.stat(NamespacePath.of("/lake/t")).kind());
    }
    assertEquals(before, stores.calls(), "a warm plan asked the store");
    assertTrue(catalog.listings().hits() > 0);
  }

  @Test
  void syncAlwaysListsForEveryPlan() throws Exception {
    parquet("t", "a.parquet", 1);
    mountLake("always");
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    long before = stores.calls("list");
    files("t");
    files("t");
    assertEquals(before + 2, stores.calls("list"));
  }

  @Test
  void aNewFileAppearsWithinTheInterval() throws Exception {
    parquet("t", "a.parquet", 1);
    mountLake("interval=2s");
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    parquet("t", "b.parquet", 2);
    ticker.advance(java.time.Duration.ofMillis(1_999));
    assertEquals(1, files("t"), "the kept listing was not used within its interval");
    ticker.advance(java.time.Duration.ofMillis(1));
    assertEquals(2, files("t"), "the new file did not appear after the interval");
    // The new listing is kept for the next interval.
    parquet("t", "c.parquet", 3);
    assertEquals(2, files("t"));
  }

  @Test
  void neverKeepsListingsUntilRefreshed() throws Exception {
    parquet("t", "a.parquet", 1);
    mountLake("never");
    assertEquals(SyncPolicy.NEVER, catalog.syncPolicy(NamespacePath.of("/lake")));
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    parquet("t", "b.parquet", 2);
    ticker.advance(java.time.Duration.ofDays(365));
    assertEquals(1, files("t"));
    assertEquals(1, catalog.refresh(NamespacePath.of("/lake/t")));
    assertEquals(2, files("t"));
    // A refresh above the listed path drops it too.
    parquet("t", "c.parquet", 3);
    catalog.refresh(NamespacePath.of("/lake"));
    assertEquals(3, files("t"));
    assertThrows(NoSuchPathException.class, () -> catalog.refresh(NamespacePath.of("/nope")));
  }

  /**
   * A file replaced in the store: the kept listing still plans the old version, the read finds it
   * changed (never stale data), and that read drops the listing, so the next plan is right.
   */
  @Test
  void aChangedFileFoundByARefusedReadIsListedAgain() throws Exception {
    Path a = parquet("t", "a.parquet", 1);
    mountLake("never");
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    FileEntry planned = catalog.tableDataset("t").files().get(0).entry();
    Files.delete(a);
    parquet("t", "a.parquet", 99); // another version at the same name
    Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    assertEquals(planned, catalog.tableDataset("t").files().get(0).entry(), "kept listing");
    try (Catalog.PathLease lease = catalog.lease(NamespacePath.of("/lake/t/a.parquet"))) {
      assertThrows(VersionChangedException.class, () -> lease.path().storage().open(planned));
    }
    FileEntry now = catalog.tableDataset("t").files().get(0).entry();
    assertNotEquals(planned.version(), now.version());
    // A deleted file likewise.
    Files.delete(a);
    try (Catalog.PathLease lease = catalog.lease(NamespacePath.of("/lake/t/a.parquet"))) {
      assertThrows(java.io.FileNotFoundException.class, () -> lease.path().storage().open(now));
    }
    assertThrows(InvalidTableException.class, () -> catalog.tableDataset("t"));
  }

  @Test
  void aMalformedSyncOptionIsRefusedAtMount() {
    InvalidMountException e =
        assertThrows(InvalidMountException.class, () -> mountLake("sometimes"));
    assertTrue(e.getMessage().contains("sync=sometimes"), e.getMessage());
    assertTrue(e.getMessage().contains("interval=30s"), e.getMessage());
    assertTrue(catalog.mounts().isEmpty());
    assertEquals(SyncPolicy.parse("interval=90s").interval(), java.time.Duration.ofSeconds(90));
    assertEquals("interval=2m", SyncPolicy.parse("120s").toString());
    assertEquals(SyncPolicy.ALWAYS, SyncPolicy.parse("0s"));
  }

  @Test
  void movingADirectoryIsMetadataOnlyAndTablesFollow() throws Exception {
    parquet("raw/2024", "a.parquet", 1);
    parquet("raw/2024", "b.parquet", 2);
    parquet("raw/2025", "c.parquet", 3);
    mountLake(null);
    catalog.createTable("y2024", NamespacePath.of("/lake/raw/2024"), "parquet");
    catalog.createTable("raw", NamespacePath.of("/lake/raw"), "parquet");
    assertEquals(3, files("raw"));
    long writes = stores.writes();

    assertEquals(
        1, catalog.move(NamespacePath.of("/lake/raw/2024"), NamespacePath.of("/archive/2024")));
    assertEquals(writes, stores.writes(), "a move wrote to the store");
    assertTrue(Files.exists(lake.resolve("raw/2024/a.parquet")), "the store was changed");
    // The table followed its files; the old path is gone; its parent no longer holds them.
    assertEquals(NamespacePath.of("/archive/2024"), catalog.table("y2024").path());
    assertEquals(2, files("y2024"));
    assertThrows(
        NoSuchPathException.class,
        () -> catalog.resolve(NamespacePath.of("/lake/raw/2024/a.parquet")));
    assertEquals(1, files("raw"));
    NamespaceListing ls = new NamespaceListing(catalog);
    assertEquals(
        List.of("2025"), names(ls.list(NamespacePath.of("/lake/raw"), null, 100).entries()));
    assertEquals(
        List.of("archive", "lake"), names(ls.list(NamespacePath.ROOT, null, 100).entries()));
    assertEquals(
        List.of("a.parquet", "b.parquet"),
        names(ls.list(NamespacePath.of("/archive/2024"), null, 100).entries()));

    // A restart keeps it.
    catalog.close();
    catalog = newCatalog();
    assertEquals(2, files("y2024"));
    assertEquals(1, files("raw"));

    // Moving it back shows it where it was, merged into its mount again.
    catalog.move(NamespacePath.of("/archive/2024"), NamespacePath.of("/lake/raw/2024"));
    assertEquals(
        List.of(NamespacePath.of("/lake")), catalog.mounts().stream().map(Mount::path).toList());
    assertEquals(List.of(), store.load().state().hidden());
    assertEquals(3, files("raw"));
    assertEquals(NamespacePath.of("/lake/raw/2024"), catalog.table("y2024").path());
    assertEquals(writes, stores.writes());
  }

  @Test
  void movingAMountRenamesItWithItsTables() throws Exception {
    parquet("t", "a.parquet", 1);
    mountLake(null);
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    catalog.move(NamespacePath.of("/lake"), NamespacePath.of("/warehouse/lake"));
    assertEquals(
        List.of(NamespacePath.of("/warehouse/lake")),
        catalog.mounts().stream().map(Mount::path).toList());
    assertEquals(NamespacePath.of("/warehouse/lake/t"), catalog.table("t").path());
    assertEquals(1, files("t"));
    assertEquals(0, stores.writes());
    assertEquals(1, stores.open.get(), "the old mount's client was not closed");
  }

  @Test
  void movesThatCannotBeAreRefusedAndChangeNothing() throws Exception {
    parquet("a", "x.parquet", 1);
    parquet("b", "y.parquet", 2);
    mountLake(null);
    long revision = catalog.revision();
    assertThrows(
        AlreadyExistsException.class,
        () -> catalog.move(NamespacePath.of("/lake/a"), NamespacePath.of("/lake/b")));
    assertThrows(
        IllegalArgumentException.class,
        () -> catalog.move(NamespacePath.of("/lake/a"), NamespacePath.of("/lake/a/deeper")));
    assertThrows(
        NoSuchPathException.class,
        () -> catalog.move(NamespacePath.of("/lake/nothing"), NamespacePath.of("/lake/c")));
    assertThrows(
        NoSuchPathException.class,
        () -> catalog.move(NamespacePath.of("/elsewhere"), NamespacePath.of("/lake/c")));
    assertThrows(
        IllegalArgumentException.class,
        () -> catalog.move(NamespacePath.of("/lake"), NamespacePath.ROOT));
    assertEquals(revision, catalog.revision());
    assertEquals(0, stores.writes());
  }

  @Test
  void aForcedUnmountKeepsTablesDefinedAndUnreadableUntilMountedAgain() throws Exception {
    parquet("t", "a.parquet", 1);
    mountLake(null);
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    InvalidMountException refused =
        assertThrows(InvalidMountException.class, () -> catalog.unmount(NamespacePath.of("/lake")));
    assertTrue(refused.getMessage().contains("tables t use it"), refused.getMessage());
    catalog.unmount(NamespacePath.of("/lake"), true);
    assertEquals(List.of("t"), catalog.tables().stream().map(TableDefinition::name).toList());
    assertThrows(NoSuchPathException.class, () -> files("t"));
    mountLake(null);
    assertEquals(1, files("t"));
  }

  @Test
  void renamingATableKeepsItsDefinition() throws Exception {
    parquet("t", "a.parquet", 1);
    mountLake(null);
    catalog.createTable("t", NamespacePath.of("/lake/t"), "parquet");
    catalog.createTable("u", NamespacePath.of("/lake/t"), "parquet");
    TableDefinition renamed = catalog.renameTable("t", "sales.t");
    assertEquals(new TableDefinition("sales.t", NamespacePath.of("/lake/t"), "parquet"), renamed);
    assertTrue(catalog.findTable("t").isEmpty());
    assertEquals(1, files("sales.t"));
    assertThrows(AlreadyExistsException.class, () -> catalog.renameTable("sales.t", "u"));
    assertThrows(NoSuchTableException.class, () -> catalog.renameTable("t", "v"));
    assertThrows(IllegalArgumentException.class, () -> catalog.renameTable("u", "not a name"));
  }

  @Test
  void lsPagesThroughLargeDirectoriesAndSummarisesSubdirectories() throws Exception {
    Path dir = Files.createDirectories(lake.resolve("many"));
    for (int i = 0; i < 2_500; i++) {
      Files.writeString(dir.resolve(String.format("f%05d.parquet", i)), "x".repeat(i % 7));
    }
    Files.createDirectories(dir.resolve("sub/deeper"));
    Files.writeString(dir.resolve("sub/one.parquet"), "12345");
    Files.writeString(dir.resolve("sub/deeper/two.csv"), "123");
    mountLake(null);
    NamespaceListing ls = new NamespaceListing(catalog);
    List<PathEntry> all = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      NamespaceListing.Page page = ls.list(NamespacePath.of("/lake/many"), token, 1_000);
      all.addAll(page.entries());
      token = page.next();
      pages++;
    } while (token != null);
    assertEquals(3, pages);
    assertEquals(2_501, all.size());
    assertEquals("f00000.parquet", all.get(0).name());
    PathEntry sub = all.get(2_500);
    assertEquals("sub", sub.name());
    assertEquals(PathEntry.Kind.DIRECTORY, sub.kind());
    assertEquals(2, sub.files());
    assertEquals(8, sub.size());
    PathEntry f = all.get(3);
    assertEquals(PathEntry.Kind.FILE, f.kind());
    assertEquals(3, f.size());
    assertEquals("parquet", f.format());
    assertTrue(f.modifiedMillis() > 0);
    assertEquals(
        Files.getLastModifiedTime(dir.resolve("f00003.parquet")).toMillis(), f.modifiedMillis());
    // stat of a file, a directory and a mount point.
    PathEntry one = ls.stat(NamespacePath.of("/lake/many/sub/one.parquet"));
    assertEquals(PathEntry.Kind.FILE, one.kind());
    assertEquals("parquet", one.format());
    assertEquals(5, one.size());
    assertEquals(PathEntry.Kind.MOUNT, ls.stat(NamespacePath.of("/lake")).kind());
    assertEquals(2_502, ls.stat(NamespacePath.of("/lake")).files());
    assertThrows(NoSuchPathException.class, () -> ls.stat(NamespacePath.of("/lake/none")));
    assertThrows(NoSuchPathException.class, () -> ls.list(NamespacePath.of("/nope"), null, 10));
    assertThrows(IllegalArgumentException.class, () -> ls.list(NamespacePath.of("/lake"), null, 0));
  }

  /** Every page of {@code path}'s listing, 1,000 at a time. */
  private static List<String> allNames(NamespaceListing ls, String path) throws Exception {
    List<String> names = new ArrayList<>();
    String token = null;
    do {
      NamespaceListing.Page page = ls.list(NamespacePath.of(path), token, 1_000);
      names.addAll(names(page.entries()));
      token = page.next();
    } while (token != null);
    return names;
  }

  /**
   * The pages of a large directory are cut from one view built once from the kept listing; a
   * refreshed listing or a catalog change (a move) is seen by the next page listing.
   */
  @Test
  void lsPagesFollowARefreshedListingAndACatalogChange() throws Exception {
    Path dir = Files.createDirectories(lake.resolve("many"));
    for (int i = 0; i < 2_500; i++) {
      Files.writeString(dir.resolve(String.format("f%05d.parquet", i)), "x");
    }
    mountLake("never");
    NamespaceListing ls = new NamespaceListing(catalog);
    assertEquals(2_500, allNames(ls, "/lake/many").size());
    long calls = stores.calls();
    assertEquals(2_500, allNames(ls, "/lake/many").size());
    assertEquals(calls, stores.calls(), "pages of a kept listing asked the store");

    Files.writeString(dir.resolve("g.parquet"), "y");
    assertEquals(2_500, allNames(ls, "/lake/many").size(), "sync=never keeps the listing");
    catalog.refresh(NamespacePath.of("/lake/many"));
    List<String> refreshed = allNames(ls, "/lake/many");
    assertEquals(2_501, refreshed.size());
    assertEquals("g.parquet", refreshed.get(2_500));

    catalog.move(
        NamespacePath.of("/lake/many/f00000.parquet"), NamespacePath.of("/lake/moved.parquet"));
    List<String> moved = allNames(ls, "/lake/many");
    assertEquals(2_500, moved.size());
    assertEquals("f00001.parquet", moved.get(0));
  }

  private static List<String> names(List<PathEntry> entries) {
    return entries.stream().map(PathEntry::name).toList();
  }
}
