package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.Location;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CatalogStore} promises (the embedded file store today; a ZooKeeper store in a
 * cluster): an empty store loads {@link CatalogState#EMPTY}; a saved state reads back equal, with
 * every mount option and odd characters intact, also from a new instance over the same place (a
 * restart); a save replaces the whole state; concurrent saves leave exactly one of the saved
 * states, never a mix; damaged persisted state is an {@link IOException}, never a runtime failure
 * or a silently empty catalog.
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
            new TableDefinition("sales.orders", NamespacePath.of("/local/orders"), "orc")));
  }

  @Test
  void anEmptyStoreLoadsTheEmptyState() throws IOException {
    assertEquals(CatalogState.EMPTY, open().load());
  }

  @Test
  void aSavedStateReadsBackEqualAlsoAfterARestart() throws IOException {
    CatalogStore store = open();
    store.save(sample());
    assertEquals(sample(), store.load());
    CatalogState reopened = open().load();
    assertEquals(sample(), reopened);
    assertEquals(
        "http://127.0.0.1:9000/?a=b&c=%20d", reopened.mounts().get(0).options().get("endpoint"));
    assertEquals("quote \" and \\", reopened.mounts().get(2).options().get("note"));
  }

  @Test
  void aSaveReplacesTheWholeState() throws IOException {
    CatalogStore store = open();
    store.save(sample());
    CatalogState smaller =
        new CatalogState(List.of(sample().mounts().get(1)), List.of(/* all tables dropped */ ));
    store.save(smaller);
    assertEquals(smaller, open().load());
    store.save(CatalogState.EMPTY);
    assertEquals(CatalogState.EMPTY, open().load());
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
    open().save(big);
    assertEquals(big, open().load());
  }

  @Test
  void concurrentSavesLeaveOneOfTheStatesNeverAMix() throws Exception {
    int writers = 8;
    List<CatalogState> states = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      List<Mount> mounts = new ArrayList<>();
      List<TableDefinition> tables = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        mounts.add(mount("/w" + w + "m" + i, "file:///tmp/w" + w + "/" + i + "/", Map.of()));
        tables.add(new TableDefinition("w" + w + "t" + i, NamespacePath.of("/w" + w), "parquet"));
      }
      states.add(new CatalogState(mounts, tables));
    }
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> saves = new ArrayList<>();
      for (CatalogState s : states) {
        CatalogStore store = open(); // one instance per writer, as separate nodes would have
        saves.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int round = 0; round < 5; round++) {
                    store.save(s);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : saves) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    CatalogState last = open().load();
    assertTrue(states.contains(last), "a mix of saves was persisted: " + last);
  }

  @Test
  void damagedStateIsAnIoExceptionNotAnEmptyCatalog() throws IOException {
    open().save(sample());
    if (!damagePersistedState()) {
      return; // nothing outside the store can damage it
    }
    IOException e = assertThrows(IOException.class, () -> open().load());
    assertNotNull(e.getMessage());
  }
}
