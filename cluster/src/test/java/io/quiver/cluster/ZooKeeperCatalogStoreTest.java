package io.quiver.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.catalog.CatalogConflictException;
import io.quiver.catalog.CatalogState;
import io.quiver.catalog.CatalogStore;
import io.quiver.catalog.CatalogStoreContractTest;
import io.quiver.catalog.Mount;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.TableDefinition;
import io.quiver.storage.Location;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ZooKeeper catalog store passes the store contract over a real ZooKeeper (Curator's {@code
 * TestingServer}; every store opened on a client of its own, as on separate nodes), and keeps a
 * catalog larger than a znode can hold.
 */
class ZooKeeperCatalogStoreTest extends CatalogStoreContractTest {
  private static final AtomicInteger BASES = new AtomicInteger();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestingServer server;

  private final List<CuratorFramework> clients = new ArrayList<>();
  private final List<CatalogStore> stores = new ArrayList<>();
  private String base;

  @BeforeAll
  static void startZooKeeper() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stopZooKeeper() throws IOException {
    server.close();
  }

  @BeforeEach
  void ownBasePath() {
    base = "/quiver-test" + BASES.incrementAndGet();
  }

  @AfterEach
  void closeClients() throws IOException {
    for (CatalogStore s : stores) {
      s.close();
    }
    for (CuratorFramework c : clients) {
      c.close();
    }
  }

  private CuratorFramework client() throws IOException {
    try {
      CuratorFramework c = ZooKeeperTesting.connect(server.getConnectString());
      clients.add(c);
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  protected CatalogStore open() throws IOException {
    return new ZooKeeperCatalogStore(client(), base);
  }

  private ZooKeeperCatalogStore track(ZooKeeperCatalogStore s) {
    stores.add(s);
    return s;
  }

  /** Overwrites the first part of the current revision with bytes that are not a catalog. */
  @Override
  protected boolean damagePersistedState() throws IOException {
    try {
      CuratorFramework c = client();
      String part = parts(c).get(0);
      c.setData().forPath(base + "/catalog/" + part, "garbage".getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private List<String> parts(CuratorFramework c) throws Exception {
    return c.getChildren().forPath(base + "/catalog").stream().sorted().toList();
  }

  private JsonNode head(CuratorFramework c) throws Exception {
    return JSON.readTree(c.getData().forPath(base + "/catalog"));
  }

  /** {@code n} tables and as many mounts, about 100 bytes of JSON each. */
  private static CatalogState tables(String prefix, int n) {
    List<Mount> mounts = new ArrayList<>();
    List<TableDefinition> tables = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      mounts.add(
          new Mount(
              NamespacePath.of("/" + prefix + i),
              Location.of("file:///tmp/" + prefix + i + "/"),
              Map.of("sync", "never")));
      tables.add(
          new TableDefinition(
              prefix + "_table_" + i, NamespacePath.of("/" + prefix + i + "/t"), "parquet"));
    }
    return new CatalogState(mounts, tables);
  }

  @Test
  void aCatalogLargerThanAZnodeIsSplitIntoPartsAndReadsBackEqual() throws Exception {
    CatalogState big = tables("lake", 20_000);
    CuratorFramework c = client();
    try (ZooKeeperCatalogStore writer = new ZooKeeperCatalogStore(c, base)) {
      assertEquals(1, writer.update(0, big).revision());
    }
    JsonNode head = head(c);
    assertEquals(1, head.get("revision").asLong());
    assertTrue(head.get("bytes").asLong() > 1_048_576, "state of " + head.get("bytes") + " bytes");
    int parts = head.get("parts").asInt();
    System.out.println(
        "20,000 tables and mounts: " + head.get("bytes") + " bytes in " + parts + " parts");
    assertTrue(parts >= 3, parts + " parts");
    assertEquals(parts, parts(c).size());
    for (String part : parts(c)) {
      assertTrue(part.matches("r1-[0-9a-f]{16}-[0-9]+"), part);
      int size = c.getData().forPath(base + "/catalog/" + part).length;
      assertTrue(size <= ZooKeeperCatalogStore.PART_BYTES, part + " has " + size + " bytes");
    }
    // Another node reads it back whole.
    try (CatalogStore reader = open()) {
      assertEquals(new CatalogStore.Snapshot(1, big), reader.load());
      // A smaller state replaces it; the old parts are deleted after the commit.
      CatalogState small = tables("small", 3);
      reader.update(1, small);
      assertEquals(new CatalogStore.Snapshot(2, small), reader.load());
      List<String> left = parts(c);
      assertEquals(1, left.size(), left.toString());
      assertTrue(left.get(0).startsWith("r2-"), left.toString());
    }
  }

  @Test
  void aDamagedHeadOrPartNamesTheZnodeAndHowToRecover() throws Exception {
    CuratorFramework c = client();
    try (ZooKeeperCatalogStore store = new ZooKeeperCatalogStore(c, base)) {
      store.update(0, tables("a", 2));
      String part = base + "/catalog/" + parts(c).get(0);
      byte[] good = c.getData().forPath(part);
      // A part with other bytes: the checksum tells.
      byte[] flipped = good.clone();
      flipped[flipped.length / 2] ^= 1;
      c.setData().forPath(part, flipped);
      IOException e = assertThrows(IOException.class, store::load);
      assertTrue(e.getMessage().contains(base + "/catalog"), e.getMessage());
      assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
      assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
      assertTrue(e.getMessage().contains("deleteall " + base + "/catalog"), e.getMessage());
      assertTrue(e.getMessage().contains(server.getConnectString()), e.getMessage());
      c.setData().forPath(part, good);
      assertEquals(1, store.load().revision());

      // A head that is not JSON.
      byte[] head = c.getData().forPath(base + "/catalog");
      c.setData().forPath(base + "/catalog", "{not json".getBytes(StandardCharsets.UTF_8));
      e = assertThrows(IOException.class, store::load);
      assertTrue(e.getMessage().contains(base + "/catalog (ZooKeeper"), e.getMessage());
      assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
      assertThrows(IOException.class, () -> store.update(1, CatalogState.EMPTY));

      // A head whose part is gone.
      c.setData().forPath(base + "/catalog", head);
      c.delete().forPath(part);
      e = assertThrows(IOException.class, store::load);
      assertTrue(e.getMessage().contains(part), e.getMessage());
      assertTrue(e.getMessage().contains("is missing"), e.getMessage());
    }
  }

  @Test
  void partsLeftByCrashedOrLosingWritersAreDeletedByTheNextUpdate() throws Exception {
    CuratorFramework c = client();
    try (ZooKeeperCatalogStore store = new ZooKeeperCatalogStore(c, base)) {
      store.update(0, tables("a", 1));
      // A writer that crashed before committing revision 1 or 2, and one still staging revision 9.
      byte[] junk = "{}".getBytes(StandardCharsets.UTF_8);
      c.create().forPath(base + "/catalog/r1-00000000deadbeef-0", junk);
      c.create().forPath(base + "/catalog/r2-00000000deadbeef-0", junk);
      c.create().forPath(base + "/catalog/r9-00000000feedf00d-0", junk);
      c.create().forPath(base + "/catalog/notes", junk);
      store.update(1, tables("b", 1));
      List<String> left = parts(c);
      assertEquals(3, left.size(), left.toString());
      // Sorted: the unrelated znode, the current revision's part, the update in flight.
      assertEquals("notes", left.get(0));
      assertTrue(
          left.get(1).startsWith("r2-") && !left.get(1).contains("deadbeef"), left.toString());
      assertEquals("r9-00000000feedf00d-0", left.get(2));
      assertEquals(new CatalogStore.Snapshot(2, tables("b", 1)), store.load());
    }
  }

  /**
   * Another node commits between this update's reading the head and its commit: the commit loses
   * the compare-and-set, says which revision won, and the parts it had created are gone (the loser
   * deletes them, and so does the winner's collection).
   */
  @Test
  void anUpdateOvertakenBeforeItsCommitIsAConflictAndLeavesNoParts() throws Exception {
    CuratorFramework c = client();
    try (ZooKeeperCatalogStore loser = new ZooKeeperCatalogStore(c, base);
        CatalogStore winner = open()) {
      loser.update(0, tables("first", 1));
      List<String> partsBeforeCommit = new ArrayList<>();
      loser.beforeCommit(
          () -> {
            try {
              partsBeforeCommit.addAll(parts(c));
              winner.update(1, tables("winner", 1));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
      CatalogConflictException e =
          assertThrows(
              CatalogConflictException.class, () -> loser.update(1, tables("loser", 30_000)));
      assertEquals(1, e.expectedRevision());
      assertEquals(2, e.actualRevision());
      // The loser's parts (a state of several) had been created, and are gone.
      assertTrue(partsBeforeCommit.size() >= 4, partsBeforeCommit.toString());
      List<String> left = parts(c);
      assertEquals(1, left.size(), left.toString());
      assertTrue(left.get(0).startsWith("r2-"), left.toString());
      assertEquals(new CatalogStore.Snapshot(2, tables("winner", 1)), loser.load());
    }
  }

  /**
   * Two nodes commit multi-part states concurrently, retrying on conflicts: every commit of both is
   * a revision, a third node's watcher hears revisions in increasing order ending with the last,
   * and only the last revision's parts are left.
   */
  @Test
  void concurrentMultiPartUpdatesThroughTwoClientsLoseNothing() throws Exception {
    int perWriter = 4;
    ZooKeeperCatalogStore watched = track(new ZooKeeperCatalogStore(client(), base));
    BlockingQueue<CatalogStore.Snapshot> heard = new LinkedBlockingQueue<>();
    watched.watch(heard::add);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    AtomicInteger conflicts = new AtomicInteger();
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        ZooKeeperCatalogStore store = track(new ZooKeeperCatalogStore(client(), base));
        String writer = "w" + w;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perWriter; i++) {
                    while (true) {
                      CatalogStore.Snapshot s = store.load();
                      // ~700 KB: two parts each.
                      List<TableDefinition> tables =
                          new ArrayList<>(tables(writer + "x" + i, 3_500).tables());
                      tables.addAll(
                          s.state().tables().stream()
                              .filter(t -> t.name().startsWith("kept"))
                              .toList());
                      tables.add(
                          new TableDefinition(
                              "kept_" + writer + "_" + i, NamespacePath.of("/k/t"), "orc"));
                      try {
                        store.update(s.revision(), new CatalogState(List.of(), tables));
                        break;
                      } catch (CatalogConflictException e) {
                        conflicts.incrementAndGet();
                      }
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(180, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    CuratorFramework c = client();
    try (CatalogStore check = new ZooKeeperCatalogStore(c, base)) {
      CatalogStore.Snapshot last = check.load();
      assertEquals(2 * perWriter, last.revision());
      for (int w = 0; w < 2; w++) {
        for (int i = 0; i < perWriter; i++) {
          String name = "kept_w" + w + "_" + i;
          assertTrue(
              last.state().tables().stream().anyMatch(t -> t.name().equals(name)),
              name + " was lost (" + conflicts + " conflicts)");
        }
      }
      List<String> left = parts(c);
      assertEquals(head(c).get("parts").asInt(), left.size(), left.toString());
      assertTrue(
          left.stream().allMatch(p -> p.startsWith("r" + last.revision() + "-")), left.toString());
      long previous = 0;
      while (previous < last.revision()) {
        CatalogStore.Snapshot s = heard.poll(30, TimeUnit.SECONDS);
        assertTrue(s != null, "the watcher heard nothing after revision " + previous);
        assertTrue(s.revision() > previous, s.revision() + " after " + previous);
        previous = s.revision();
      }
      assertEquals(last, new CatalogStore.Snapshot(previous, last.state()));
    }
    System.out.println("concurrent multi-part updates: " + conflicts + " conflicts retried");
  }

  @Test
  void aBasePathMustBeAValidAbsoluteZnodePath() throws IOException {
    CuratorFramework c = client();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ZooKeeperCatalogStore(c, "quiver"));
    assertTrue(e.getMessage().contains("quiver"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> new ZooKeeperCatalogStore(c, "/quiver/"));
    assertTrue(e.getMessage().contains("base path /quiver/"), e.getMessage());
    try (ZooKeeperCatalogStore store = new ZooKeeperCatalogStore(c, "/a/b")) {
      assertEquals("/a/b/catalog", store.headPath());
    }
  }
}
