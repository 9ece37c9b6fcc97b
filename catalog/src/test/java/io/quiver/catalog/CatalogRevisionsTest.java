package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.StorageProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog as revisions of its store: catalogs over one store (nodes sharing a catalog) follow
 * each other's changes, and a mount's store client outlives its unmount while a lease holds it.
 */
class CatalogRevisionsTest {
  @TempDir Path tmp;

  private static Catalog catalog(CatalogStore store, StorageProvider provider) throws IOException {
    return TestCatalogs.catalog(store, provider);
  }

  private static Path parquet(Path dir) throws Exception {
    return TestCatalogs.parquet(dir, "p.parquet", 1);
  }

  private static void eventually(long millis, String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what + " within " + millis + " ms");
      Thread.sleep(10);
    }
  }

  @Test
  void catalogsOverOneStoreFollowEachOthersChanges() throws Exception {
    parquet(tmp.resolve("lake/t"));
    Location lake = Location.ofLocalPath(tmp.resolve("lake"));
    CountingStores clientsA = new CountingStores();
    CountingStores clientsB = new CountingStores();
    try (FileCatalogStore storeA = new FileCatalogStore(tmp.resolve("data"), 20);
        FileCatalogStore storeB = new FileCatalogStore(tmp.resolve("data"), 20);
        Catalog a = catalog(storeA, clientsA);
        Catalog b = catalog(storeB, clientsB)) {
      long bound = 20L * storeB.watchDelayMillis() + 5_000;
      a.mount(NamespacePath.of("/lake"), lake, Map.of());
      a.createTable("t", NamespacePath.of("/lake/t"), "parquet");
      eventually(bound, "b sees a's table", () -> b.findTable("t").isPresent());
      assertEquals(a.revision(), b.revision());
      // b opened a client of its own for the mount and can plan the table.
      assertEquals(1, clientsB.open.get());
      assertEquals(1, b.tableDataset("t").files().size());
      // A change through b, based on the revision a made, reaches a.
      b.dropTable("t");
      eventually(bound, "a sees b's drop", () -> a.findTable("t").isEmpty());
      // An unmount through a closes b's client too.
      a.unmount(NamespacePath.of("/lake"));
      eventually(bound, "b sees the unmount", () -> b.mounts().isEmpty());
      eventually(bound, "b's client closed", () -> clientsB.open.get() == 0);
      assertEquals(0, clientsA.open.get());
      assertThrows(NoSuchPathException.class, () -> b.resolve(NamespacePath.of("/lake/t")));
      // Both went through the same revisions: nothing was lost to a conflict.
      assertEquals(4, a.revision());
      assertEquals(4, b.revision());
    }
  }

  /**
   * A change prepared over a stale revision (another node committed first) is retried over the new
   * one, validated again: the table b creates after a's mount keeps a's mount.
   */
  @Test
  void aChangeOverAStaleRevisionIsRetriedNotLost() throws Exception {
    parquet(tmp.resolve("one/t"));
    Files.createDirectories(tmp.resolve("two"));
    // Watches so slow that b cannot have heard of a's change when it commits its own.
    try (FileCatalogStore storeA = new FileCatalogStore(tmp.resolve("data"), 60_000);
        FileCatalogStore storeB = new FileCatalogStore(tmp.resolve("data"), 60_000);
        Catalog a = catalog(storeA, new CountingStores());
        Catalog b = catalog(storeB, new CountingStores())) {
      b.mount(NamespacePath.of("/one"), Location.ofLocalPath(tmp.resolve("one")), Map.of());
      a.mount(NamespacePath.of("/two"), Location.ofLocalPath(tmp.resolve("two")), Map.of());
      // b is at revision 1 and a at 2; b's next change conflicts and is retried over 2.
      assertEquals(1, b.revision());
      b.createTable("t", NamespacePath.of("/one/t"), "parquet");
      assertEquals(3, b.revision());
      try (FileCatalogStore check = new FileCatalogStore(tmp.resolve("data"))) {
        CatalogState s = check.load().state();
        assertEquals(2, s.mounts().size(), s.toString());
        assertEquals(1, s.tables().size());
      }
      // And the retry validated again: a mount a made meanwhile at the same path is refused.
      a.mount(NamespacePath.of("/three"), Location.ofLocalPath(tmp.resolve("two")), Map.of());
      assertThrows(
          AlreadyExistsException.class,
          () ->
              b.mount(
                  NamespacePath.of("/three"), Location.ofLocalPath(tmp.resolve("two")), Map.of()));
    }
  }

  @Test
  void unmountWaitsForLeasesBeforeClosingTheStoreClient() throws Exception {
    Path file = parquet(tmp.resolve("lake/t"));
    CountingStores clients = new CountingStores();
    try (FileCatalogStore store = new FileCatalogStore(tmp.resolve("data"));
        Catalog catalog = catalog(store, clients)) {
      catalog.mount(NamespacePath.of("/lake"), Location.ofLocalPath(tmp.resolve("lake")), Map.of());
      Catalog.PathLease lease = catalog.lease(NamespacePath.of("/lake/t/p.parquet"));
      catalog.unmount(NamespacePath.of("/lake"));
      // The mount is gone for new readers ...
      assertThrows(NoSuchPathException.class, () -> catalog.resolve(NamespacePath.of("/lake/t")));
      assertThrows(NoSuchPathException.class, () -> catalog.lease(NamespacePath.of("/lake/t")));
      // ... but the stream holding the lease still reads through an open client.
      assertEquals(1, clients.open.get());
      FileEntry entry = lease.path().storage().stat(lease.path().location());
      assertEquals(Files.size(file), entry.length());
      lease.close();
      assertEquals(0, clients.open.get(), "the last lease closes the client");
      lease.close(); // idempotent
      assertEquals(0, clients.open.get());
    }
  }

  @Test
  void closingTheCatalogClosesEveryClientOnceLeasesEnd() throws Exception {
    parquet(tmp.resolve("lake/t"));
    CountingStores clients = new CountingStores();
    Catalog.PathLease lease;
    try (FileCatalogStore store = new FileCatalogStore(tmp.resolve("data"));
        Catalog catalog = catalog(store, clients)) {
      catalog.mount(NamespacePath.of("/lake"), Location.ofLocalPath(tmp.resolve("lake")), Map.of());
      catalog.mount(
          NamespacePath.of("/again"), Location.ofLocalPath(tmp.resolve("lake")), Map.of());
      assertEquals(2, clients.open.get());
      lease = catalog.lease(NamespacePath.of("/again/t"));
    }
    assertEquals(1, clients.open.get());
    assertFalse(lease.path().storage().list(lease.path().location()).toList().isEmpty());
    lease.close();
    assertEquals(0, clients.open.get());
  }
}
