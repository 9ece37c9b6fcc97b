package io.quiver.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Connecting, the shared ticket key, membership and the {@code zk://} address form. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTest {
  @TempDir static Path tmp;
  private TestingServer zk;

  @BeforeAll
  void start() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterAll
  void stop() throws IOException {
    zk.close();
  }

  private ZooKeeperAddress address(String base) {
    return ZooKeeperAddress.parse("zk://" + zk.getConnectString() + base);
  }

  @Test
  void addressesParseAndBadOnesSayWhatIsExpected() {
    ZooKeeperAddress a = ZooKeeperAddress.parse("zk://zk1:2181,zk2:2182/prod/quiver/");
    assertEquals("zk1:2181,zk2:2182", a.connectString());
    assertEquals("/prod/quiver", a.basePath());
    assertEquals("/quiver", ZooKeeperAddress.parse("zk://zk1:2181").basePath());
    assertEquals("zk://zk1:2181/quiver", ZooKeeperAddress.parse("zk://zk1:2181/").toString());
    for (String bad : List.of("zk1:2181", "zk://", "zk://zk1/q", "zk://zk1:x/q", "zk://:2181")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ZooKeeperAddress.parse(bad), bad);
      assertTrue(e.getMessage().contains("zk://host:2181"), e.getMessage());
    }
  }

  @Test
  void connectGivesUpNamingTheEnsemble() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ZooKeeperAddress nowhere =
          ZooKeeperAddress.parse("zk://127.0.0.1:" + silent.getLocalPort() + "/q");
      IOException e = assertThrows(IOException.class, () -> Cluster.connect(nowhere, 500));
      assertTrue(e.getMessage().contains("127.0.0.1:" + silent.getLocalPort()), e.getMessage());
    }
  }

  @Test
  void everyNodeGetsTheSameTicketKeyFromZooKeeperOrTheSecretFile() throws IOException {
    try (Cluster a = Cluster.connect(address("/keys"), 10_000);
        Cluster b = Cluster.connect(address("/keys"), 10_000);
        Cluster other = Cluster.connect(address("/other"), 10_000)) {
      byte[] key = a.ticketKey(null);
      assertEquals(Cluster.MIN_SECRET_BYTES, key.length);
      assertArrayEquals(key, b.ticketKey(null));
      assertTrue(!java.util.Arrays.equals(key, other.ticketKey(null)), "clusters share a key");
      Path secret = Files.write(tmp.resolve("secret"), new byte[48]);
      assertArrayEquals(new byte[48], a.ticketKey(secret));
      Path tooShort = Files.write(tmp.resolve("short"), new byte[8]);
      IOException e = assertThrows(IOException.class, () -> a.ticketKey(tooShort));
      assertTrue(e.getMessage().contains("at least 32"), e.getMessage());
    }
  }

  @Test
  void membersSeeEachOtherJoinAndLeave() throws Exception {
    try (Cluster c1 = Cluster.connect(address("/members"), 10_000);
        Cluster c2 = Cluster.connect(address("/members"), 10_000)) {
      Member m1 = new Member("h1:1", "grpc+tcp://h1:1", 100, 1, "test");
      Member m2 = new Member("h2:2", "grpc+tcp://h2:2", 200, 2, "test");
      try (Membership one = new Membership(c1.client(), "/members", m1)) {
        assertTrue(one.awaitAnnounced(10_000));
        List<List<Member>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        one.onChange(seen::add);
        try (Membership two = new Membership(c2.client(), "/members", m2)) {
          assertTrue(two.awaitAnnounced(10_000));
          await(() -> one.members().equals(List.of(m1, m2)) && two.members().size() == 2);
          assertEquals(List.of("h1:1", "h2:2"), two.memberIds());
        }
        await(() -> one.members().equals(List.of(m1)));
        assertTrue(seen.contains(List.of(m1, m2)), seen.toString());
      }
    }
  }

  private static void await(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within 10 s");
      Thread.sleep(10);
    }
  }
}
