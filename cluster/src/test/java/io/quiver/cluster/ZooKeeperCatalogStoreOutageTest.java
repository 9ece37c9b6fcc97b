package io.quiver.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.catalog.CatalogState;
import io.quiver.catalog.CatalogStore;
import io.quiver.catalog.CatalogUnavailableException;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.TableDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ZooKeeper goes away and comes back (Curator's {@code TestingServer} stopped and restarted over
 * the same data directory): calls fail fast as unavailable meanwhile, and afterwards the store
 * works again, with every committed revision, and watches keep working.
 */
class ZooKeeperCatalogStoreOutageTest {
  /** How long a call may take to report ZooKeeper unreachable: 3 s of waiting, plus slack. */
  private static final long FAIL_FAST_MILLIS = 8_000;

  private TestingServer server;
  private final List<CuratorFramework> clients = new ArrayList<>();

  @BeforeEach
  void startZooKeeper() throws Exception {
    server = new TestingServer(true);
  }

  @AfterEach
  void stopZooKeeper() throws Exception {
    for (CuratorFramework c : clients) {
      c.close();
    }
    server.close();
  }

  private CuratorFramework client() throws InterruptedException {
    CuratorFramework c = ZooKeeperTesting.connect(server.getConnectString());
    clients.add(c);
    return c;
  }

  private static CatalogState tables(int n) {
    List<TableDefinition> tables = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tables.add(new TableDefinition("t" + i, NamespacePath.of("/lake/t" + i), "parquet"));
    }
    return new CatalogState(List.of(), tables);
  }

  @Test
  void whileZooKeeperIsDownCallsFailFastAndAfterItsRestartNothingCommittedIsLost()
      throws Exception {
    CuratorFramework c = client();
    try (CatalogStore store = new ZooKeeperCatalogStore(c, "/quiver")) {
      for (int r = 0; r < 3; r++) {
        store.update(r, tables(r + 1));
      }
      server.stop();
      // The bound is for a client that knows it has no connection (it learns at once when the
      // server closes the socket); one that has not noticed yet is bounded by its own timeouts.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (c.getZookeeperClient().isConnected()) {
        assertTrue(System.nanoTime() < deadline, "the client did not notice the server stopped");
        Thread.sleep(20);
      }

      long start = System.nanoTime();
      CatalogUnavailableException e =
          assertThrows(CatalogUnavailableException.class, () -> store.update(3, tables(9)));
      long updateMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(updateMillis < FAIL_FAST_MILLIS, "update took " + updateMillis + " ms");
      assertTrue(e.getMessage().contains(server.getConnectString()), e.getMessage());
      assertTrue(e.getMessage().contains("unreachable"), e.getMessage());

      start = System.nanoTime();
      assertThrows(CatalogUnavailableException.class, store::load);
      long loadMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(loadMillis < FAIL_FAST_MILLIS, "load took " + loadMillis + " ms");
      System.out.println(
          "ZooKeeper down: update refused in "
              + updateMillis
              + " ms, load in "
              + loadMillis
              + " ms");

      server.restart();
      assertTrue(c.blockUntilConnected(30, TimeUnit.SECONDS), "no reconnection");
      // Every committed revision is there, and the refused change was not made.
      assertEquals(new CatalogStore.Snapshot(3, tables(3)), store.load());
      assertEquals(4, store.update(3, tables(4)).revision());
    }
    try (CatalogStore other = new ZooKeeperCatalogStore(client(), "/quiver")) {
      assertEquals(new CatalogStore.Snapshot(4, tables(4)), other.load());
    }
  }

  @Test
  void aWatchKeepsWorkingAcrossAZooKeeperRestart() throws Exception {
    CuratorFramework watcherClient = client();
    CuratorFramework writerClient = client();
    try (CatalogStore watched = new ZooKeeperCatalogStore(watcherClient, "/quiver");
        CatalogStore writer = new ZooKeeperCatalogStore(writerClient, "/quiver")) {
      writer.update(0, tables(1));
      BlockingQueue<CatalogStore.Snapshot> heard = new LinkedBlockingQueue<>();
      watched.watch(heard::add);
      writer.update(1, tables(2));
      assertEquals(2, poll(heard, watched).revision());

      server.stop();
      // Restart only once both clients have seen the outage (what the test is about).
      long down = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (watcherClient.getZookeeperClient().isConnected()
          || writerClient.getZookeeperClient().isConnected()) {
        assertTrue(System.nanoTime() < down, "the clients did not notice the server stopped");
        Thread.sleep(20);
      }
      server.restart();
      assertTrue(writerClient.blockUntilConnected(30, TimeUnit.SECONDS), "no reconnection");
      writer.update(2, tables(3));
      // Heard within the bound once reconnected (the reconnection itself takes a few seconds).
      assertTrue(watcherClient.blockUntilConnected(30, TimeUnit.SECONDS), "no reconnection");
      assertEquals(new CatalogStore.Snapshot(3, tables(3)), poll(heard, watched));
      writer.update(3, tables(4));
      assertEquals(new CatalogStore.Snapshot(4, tables(4)), poll(heard, watched));
    }
  }

  /** A node cut off long enough to lose its session gets a new one, and its watch with it. */
  @Test
  void aWatchKeepsWorkingAfterTheSessionExpires() throws Exception {
    CuratorFramework watcherClient = client();
    try (CatalogStore watched = new ZooKeeperCatalogStore(watcherClient, "/quiver");
        CatalogStore writer = new ZooKeeperCatalogStore(client(), "/quiver")) {
      writer.update(0, tables(1));
      BlockingQueue<CatalogStore.Snapshot> heard = new LinkedBlockingQueue<>();
      watched.watch(heard::add);
      long session = watcherClient.getZookeeperClient().getZooKeeper().getSessionId();
      KillSession.kill(watcherClient.getZookeeperClient().getZooKeeper());
      writer.update(1, tables(2));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (watcherClient.getZookeeperClient().getZooKeeper().getSessionId() == session
          || !watcherClient.getZookeeperClient().isConnected()) {
        assertTrue(System.nanoTime() < deadline, "no new session");
        Thread.sleep(50);
      }
      // The change made while it had no session, then one made after.
      assertEquals(new CatalogStore.Snapshot(2, tables(2)), poll(heard, watched));
      writer.update(2, tables(3));
      assertEquals(new CatalogStore.Snapshot(3, tables(3)), poll(heard, watched));
    }
  }

  private static CatalogStore.Snapshot poll(
      BlockingQueue<CatalogStore.Snapshot> heard, CatalogStore watched)
      throws InterruptedException {
    long bound = 10 * watched.watchDelayMillis();
    CatalogStore.Snapshot s = heard.poll(bound, TimeUnit.MILLISECONDS);
    assertNotNull(s, "no news within " + bound + " ms");
    return s;
  }
}
