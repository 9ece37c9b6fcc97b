package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.Location;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CatalogStore} promises (the embedded file store today; a ZooKeeper store in a
 * cluster): an empty store loads {@link CatalogState#EMPTY} at revision 0; an update reads back
 * equal, with every mount option and odd characters intact, also from a new instance over the same
 * place (a restart), and replaces the whole state; updates are compare-and-set on the revision, so
 * concurrent read-modify-writes through separate instances lose nothing; watchers of one instance
 * hear of changes made through another within the store's bound, in order; damaged persisted state
 * is an {@link IOException}, never a runtime failure or a silently empty catalog.
 *
 * <p>An implementation's test extends this class and says how to open its store. Packaged in the
 * catalog's test-jar for stores in other modules.
 */
public abstract class CatalogStoreContractTest {
  /** A store over this test's place; every call opens a new instance over the same place. */
  protected abstract CatalogStore open() throws IOException;

  /**
   * Damages what the store persisted (for example truncates its file), or returns false if the
   * implementation cannot be damaged from the outside.
   */
  protected abstract boolean damagePersistedState() throws IOException;

  private static Mount mount(String path, String target, Map<String, String> options) {
    return new Mount(NamespacePath.of(path), Location.of(target), options);
  }

  private static CatalogState sample() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("credentials", "lake-reader");
    options.put("roles", "analyst,admin");
    options.put("cache-quota", "10GiB");
    options.put("endpoint", "http://127.0.0.1:9000/?a=b&c=%20d");
    return new CatalogState(
        List.of(
            mount("/lake", "s3://bucket/warehouse/", options),
            mount("/local", "file:///tmp/data/", Map.of()),
            mount(
                "/ünïcode data", "file:///tmp/ünïcode%20dir/", Map.of("note", "quote \" and \\"))),
        List.of(
            new TableDefinition("lineitem", NamespacePath.of("/lake/lineitem"), "parquet"),
            new TableDefinition("sales.orders", NamespacePath.of("/local/orders"), "orc"),
            new TableDefinition(
                "web.events",
                NamespacePath.of("/lake/events"),
                "parquet",
                Map.of("day", PartitionType.DATE),
                DeclaredSchema.parse("id int64, \"odd \"\"name\"\"\" decimal(12,2)"))));
  }

  /** Commits {@code next} over whatever revision the store has now. */
  private static CatalogStore.Snapshot save(CatalogStore store, CatalogState next)
      throws IOException {
    return store.update(store.load().revision(), next);
  }

  @Test
  void anEmptyStoreLoadsTheEmptyStateAtRevisionZero() throws IOException {
    try (CatalogStore store = open()) {
      assertEquals(CatalogStore.Snapshot.EMPTY, store.load());
    }
  }

  @Test
  void aSavedStateReadsBackEqualAlsoAfterARestart() throws IOException {
    try (CatalogStore store = open()) {
      CatalogStore.Snapshot s = store.update(0, sample());
      assertEquals(new CatalogStore.Snapshot(1, sample()), s);
      assertEquals(s, store.load());
    }
    try (CatalogStore reopened = open()) {
      CatalogStore.Snapshot s = reopened.load();
      assertEquals(1, s.revision());
      assertEquals(sample(), s.state());
      assertEquals(
          "http://127.0.0.1:9000/?a=b&c=%20d", s.state().mounts().get(0).options().get("endpoint"));
      assertEquals("quote \" and \\", s.state().mounts().get(2).options().get("note"));
    }
  }

  @Test
  void anUpdateReplacesTheWholeStateAndCountsRevisions() throws IOException {
    try (CatalogStore store = open()) {
      store.update(0, sample());
      CatalogState smaller =
          new CatalogState(List.of(sample().mounts().get(1)), List.of(/* all tables dropped */ ));
      assertEquals(2, store.update(1, smaller).revision());
      try (CatalogStore other = open()) {
        assertEquals(new CatalogStore.Snapshot(2, smaller), other.load());
      }
      assertEquals(3, store.update(2, CatalogState.EMPTY).revision());
      try (CatalogStore other = open()) {
        assertEquals(new CatalogStore.Snapshot(3, CatalogState.EMPTY), other.load());
      }
    }
  }

  @Test
  void anUpdateOverAStaleRevisionIsAConflictAndChangesNothing() throws IOException {
    try (CatalogStore a = open();
        CatalogStore b = open()) {
      a.update(0, sample());
      // b read revision 0 before a's update: its change must not overwrite a's.
      CatalogConflictException e =
          assertThrows(CatalogConflictException.class, () -> b.update(0, CatalogState.EMPTY));
      assertEquals(0, e.expectedRevision());
      assertEquals(1, e.actualRevision());
      assertEquals(new CatalogStore.Snapshot(1, sample()), b.load());
      // Nor may a revision from the future be claimed.
      assertThrows(CatalogConflictException.class, () -> b.update(7, CatalogState.EMPTY));
      assertEquals(1, a.load().revision());
    }
  }

  @Test
  void aLargeStateRoundTrips() throws IOException {
    List<Mount> mounts = new ArrayList<>();
    List<TableDefinition> tables = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      mounts.add(mount("/m" + i, "file:///tmp/m" + i + "/", Map.of("k" + i, "v" + i)));
      tables.add(new TableDefinition("t" + i, NamespacePath.of("/m" + i + "/t"), "parquet"));
    }
    CatalogState big = new CatalogState(mounts, tables);
    try (CatalogStore store = open()) {
      save(store, big);
    }
    try (CatalogStore store = open()) {
      assertEquals(big, store.load().state());
    }
  }

  /**
   * Writers on separate instances (as separate nodes) each add tables by read-modify-write,
   * retrying on conflicts: every table of every writer is there at the end, and the revision counts
   * every commit — no update is lost.
   */
  @Test
  void concurrentReadModifyWritesLoseNoUpdate() throws Exception {
    int writers = 4;
    int perWriter = 15;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<CatalogStore> stores = new ArrayList<>();
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        CatalogStore store = open();
        stores.add(store);
        int writer = w;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  int conflicts = 0;
                  for (int i = 0; i < perWriter; i++) {
                    while (true) {
                      CatalogStore.Snapshot s = store.load();
                      List<TableDefinition> tables = new ArrayList<>(s.state().tables());
                      tables.add(
                          new TableDefinition(
                              "w" + writer + "t" + i, NamespacePath.of("/w/t"), "parquet"));
                      try {
                        store.update(s.revision(), new CatalogState(s.state().mounts(), tables));
                        break;
                      } catch (CatalogConflictException e) {
                        conflicts++;
                      }
                    }
                  }
                  return conflicts;
                }));
      }
      start.countDown();
      for (Future<Integer> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      for (CatalogStore s : stores) {
        s.close();
      }
    }
    try (CatalogStore store = open()) {
      CatalogStore.Snapshot last = store.load();
      assertEquals(writers * perWriter, last.state().tables().size());
      assertEquals(writers * perWriter, last.revision());
      for (int w = 0; w < writers; w++) {
        for (int i = 0; i < perWriter; i++) {
          String name = "w" + w + "t" + i;
          assertTrue(
              last.state().tables().stream().anyMatch(t -> t.name().equals(name)),
              name + " was lost");
        }
      }
    }
  }

  /** A change committed through one instance reaches the watchers of another within the bound. */
  @Test
  void watchersOfAnotherInstanceHearOfEveryChange() throws Exception {
    try (CatalogStore writer = open();
        CatalogStore watched = open()) {
      save(writer, sample());
      BlockingQueue<CatalogStore.Snapshot> heard = new LinkedBlockingQueue<>();
      CatalogStore.Watch watch = watched.watch(heard::add);
      // A watch reports later revisions only, not the one already there.
      assertNull(
          heard.poll(Math.min(3 * watched.watchDelayMillis(), 2_000), TimeUnit.MILLISECONDS));
      CatalogState next = new CatalogState(sample().mounts(), List.of());
      writer.update(1, next);
      long bound = 10 * watched.watchDelayMillis() + 5_000;
      CatalogStore.Snapshot s = heard.poll(bound, TimeUnit.MILLISECONDS);
      assertEquals(new CatalogStore.Snapshot(2, next), s, "no news within " + bound + " ms");
      // Its own changes too; none are reported twice or out of order.
      watched.update(2, CatalogState.EMPTY);
      assertEquals(
          new CatalogStore.Snapshot(3, CatalogState.EMPTY),
          heard.poll(bound, TimeUnit.MILLISECONDS));
      writer.update(3, sample());
      assertEquals(3 + 1, heard.poll(bound, TimeUnit.MILLISECONDS).revision());
      assertNull(
          heard.poll(Math.min(3 * watched.watchDelayMillis(), 2_000), TimeUnit.MILLISECONDS));
      // A closed watch hears nothing more.
      watch.close();
      writer.update(4, CatalogState.EMPTY);
      assertNull(
          heard.poll(Math.min(3 * watched.watchDelayMillis(), 2_000), TimeUnit.MILLISECONDS));
    }
  }

  @Test
  void damagedStateIsAnIoExceptionNotAnEmptyCatalog() throws IOException {
    try (CatalogStore store = open()) {
      save(store, sample());
    }
    if (!damagePersistedState()) {
      return; // nothing outside the store can damage it
    }
    try (CatalogStore store = open()) {
      IOException e = assertThrows(IOException.class, store::load);
      assertNotNull(e.getMessage());
      // Nor can a change be committed over it (it would replace state nobody could read).
      assertThrows(IOException.class, () -> store.update(1, CatalogState.EMPTY));
    }
  }
}
