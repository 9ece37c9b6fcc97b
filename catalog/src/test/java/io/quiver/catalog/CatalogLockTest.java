package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.StorageProvider;
import io.quiver.storage.local.LocalStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slow store work (listing a huge table, a slow endpoint) does not hold the catalog up. */
class CatalogLockTest {
  @TempDir Path tmp;

  /** Local files whose listings below {@code slowDir} wait for {@code release}. */
  private static final class SlowListings implements StorageProvider {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final String slowDir;

    SlowListings(Path slowDir) {
      this.slowDir = slowDir.toString();
    }

    @Override
    public String scheme() {
      return "file";
    }

    @Override
    public Storage create(Map<String, String> options) {
      LocalStorage local = new LocalStorage();
      return new Storage() {
        @Override
        public Stream<FileEntry> list(Location prefix) throws IOException {
          if (prefix.path().startsWith(slowDir)) {
            entered.countDown();
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return local.list(prefix);
        }

        @Override
        public FileEntry stat(Location location) throws IOException {
          return local.stat(location);
        }

        @Override
        public boolean exists(Location location) {
          return local.exists(location);
        }

        @Override
        public StorageInput open(FileEntry entry) throws IOException {
          return local.open(entry);
        }

        @Override
        public void write(Location location, byte[] contents) throws IOException {
          local.write(location, contents);
        }

        @Override
        public void delete(Location location) throws IOException {
          local.delete(location);
        }

        @Override
        public void close() {}
      };
    }
  }

  @Test
  void aSlowTableDefinitionDoesNotBlockMountsPlansOrOtherTables() throws Exception {
    TestCatalogs.parquet(tmp.resolve("slow/t"), "p.parquet", 1);
    TestCatalogs.parquet(tmp.resolve("fast/t"), "p.parquet", 1);
    Files.createDirectories(tmp.resolve("other"));
    SlowListings slow = new SlowListings(tmp.resolve("slow"));
    try (Catalog catalog = TestCatalogs.catalog(new FileCatalogStore(tmp.resolve("data")), slow)) {
      catalog.mount(NamespacePath.of("/slow"), Location.ofLocalPath(tmp.resolve("slow")), Map.of());
      catalog.mount(NamespacePath.of("/fast"), Location.ofLocalPath(tmp.resolve("fast")), Map.of());
      CompletableFuture<TableDefinition> slowTable =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return catalog.createTable("s.t", NamespacePath.of("/slow/t"), "parquet");
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      assertTrue(slow.entered.await(30, TimeUnit.SECONDS), "the slow listing started");
      // While it lists: another table, a plan's resolution and a mount all go ahead.
      CompletableFuture<Void> others =
          CompletableFuture.runAsync(
              () -> {
                try {
                  catalog.createTable("f.t", NamespacePath.of("/fast/t"), "parquet");
                  catalog.tableDataset("f.t");
                  catalog.mount(
                      NamespacePath.of("/other"),
                      Location.ofLocalPath(tmp.resolve("other")),
                      Map.of());
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      others.get(30, TimeUnit.SECONDS);
      assertTrue(!slowTable.isDone(), "the slow definition is still listing");
      slow.release.countDown();
      assertEquals("s.t", slowTable.get(30, TimeUnit.SECONDS).name());
      assertEquals(
          List.of("f.t", "s.t"), catalog.tables().stream().map(TableDefinition::name).toList());
      assertEquals(3, catalog.mounts().size());
    } finally {
      slow.release.countDown();
    }
  }
}
