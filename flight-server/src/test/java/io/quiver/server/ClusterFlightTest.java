package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.cluster.ZooKeeperAddress;
import io.quiver.protocol.ScanCommand;
import io.quiver.testing.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes of one cluster in this JVM, over a ZooKeeper from Curator's {@link TestingServer}: a
 * shared catalog, endpoints routed to the owners of their units, each unit cached on one node only,
 * any node serving any ticket. The same with separate processes and a killed node is {@code
 * ClusterProcessTest} in the Java client's tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterFlightTest {
  private static final int FILES = 3;
  private static final int ROWS_PER_FILE = 8_000;
  private static final int ROWS_PER_GROUP = 1_000;
  private static final int UNITS = FILES * ROWS_PER_FILE / ROWS_PER_GROUP;

  @TempDir static Path tmp;
  private TestingServer zk;
  private final List<TestNode> nodes = new ArrayList<>();
  private List<Path> files;
  private BufferAllocator allocator;

  @BeforeAll
  void start() throws Exception {
    zk = new TestingServer(true);
    files = ClusterTestData.write(tmp.resolve("lake/t"), FILES, ROWS_PER_FILE, ROWS_PER_GROUP);
    ClusterSettings cluster =
        new ClusterSettings(
            ZooKeeperAddress.parse("zk://" + zk.getConnectString() + "/flight-test"),
            null,
            0,
            null);
    for (int i = 0; i < 3; i++) {
      nodes.add(
          TestNode.start(
              tmp.resolve("node-" + i), c -> c.withCluster(cluster).withRowGroupsPerEndpoint(2)));
    }
    allocator = new RootAllocator();
    awaitMembers(3);
  }

  @AfterAll
  void stop() throws Exception {
    for (TestNode n : nodes) {
      n.close();
    }
    if (allocator != null) {
      allocator.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  private void awaitMembers(int count) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (TestNode n : nodes) {
      while (n.action("nodes", Map.of()).path("nodes").size() != count) {
        assertTrue(System.nanoTime() < deadline, "the nodes did not see each other in 10 s");
        Thread.sleep(20);
      }
    }
  }

  /** Waits until {@code node} lists table {@code name}, at most the store's watch bound. */
  private static long awaitTable(TestNode node, String name) throws InterruptedException {
    long start = System.nanoTime();
    while (true) {
      for (JsonNode t : node.action("tables", Map.of()).path("tables")) {
        if (t.path("name").asText().equals(name)) {
          return (System.nanoTime() - start) / 1_000_000;
        }
      }
      assertTrue(
          System.nanoTime() - start < 5_000_000_000L, name + " did not reach the node in 5 s");
      Thread.sleep(10);
    }
  }

  private synchronized void defineTable() throws InterruptedException {
    if (nodes.get(0).action("tables", Map.of()).path("tables").size() > 0) {
      return;
    }
    nodes.get(0).mount("/lake", tmp.resolve("lake")).createTable("c.t", "/lake/t");
    for (TestNode n : nodes) {
      awaitTable(n, "c.t");
    }
  }

  private Table read(FlightEndpoint endpoint, Location at) throws Exception {
    try (FlightClient client = FlightClient.builder(allocator, at).build();
        FlightStream stream = client.getStream(endpoint.getTicket())) {
      Table.Builder rows = Table.builder(stream.getSchema());
      while (stream.next()) {
        rows.append(stream.getRoot());
      }
      return rows.build();
    }
  }

  private static long sum(List<TestNode> nodes, String field) {
    return nodes.stream().mapToLong(n -> n.stats().path(field).asLong()).sum();
  }

  @Test
  void aCatalogChangeOnOneNodeReachesTheOthers() throws Exception {
    defineTable();
    nodes.get(1).action("create-table", Map.of("name", "c.t2", "path", "/lake/t"));
    for (TestNode n : nodes) {
      long millis = awaitTable(n, "c.t2");
      assertTrue(millis < 5_000, "took " + millis + " ms");
    }
    nodes.get(2).action("drop-table", Map.of("name", "c.t2"));
  }

  @Test
  void endpointsAreRoutedToOwnersAndEachUnitIsCachedOnce() throws Exception {
    defineTable();
    nodes.forEach(n -> n.action("cache-free", Map.of()));
    long missesBefore = sum(nodes, "misses");
    FlightInfo info = nodes.get(1).plan(ScanCommand.table("c.t"));
    Map<Long, List<Object>> rows = new HashMap<>();
    Set<Location> primaries = new HashSet<>();
    for (FlightEndpoint e : info.getEndpoints()) {
      // Owner, then the two others (the fall-backs), each node once.
      assertEquals(3, e.getLocations().size(), e.toString());
      assertEquals(3, new HashSet<>(e.getLocations()).size());
      primaries.add(e.getLocations().get(0));
      rows.putAll(ClusterTestData.byId(read(e, e.getLocations().get(0))));
    }
    assertEquals(ClusterTestData.expected(files), rows);
    assertEquals(3, primaries.size(), "24 units left a node without any: " + primaries);
    long chunks = (long) UNITS * ClusterTestData.COLUMNS.size();
    assertEquals(chunks, sum(nodes, "misses") - missesBefore, "each chunk loaded once");
    assertEquals(chunks, sum(nodes, "entries"), "each chunk cached on one node");
    // Planned again through another node: the same owners, all warm.
    FlightInfo again = nodes.get(2).plan(ScanCommand.table("c.t"));
    for (FlightEndpoint e : again.getEndpoints()) {
      read(e, e.getLocations().get(0));
    }
    assertEquals(chunks, sum(nodes, "misses") - missesBefore, "a second scan loads nothing");
  }

  @Test
  void aNonOwnerServesATicketAnyNodePlanned() throws Exception {
    defineTable();
    FlightInfo info = nodes.get(0).plan(ScanCommand.table("c.t"));
    Map<Long, List<Object>> rows = new HashMap<>();
    for (FlightEndpoint e : info.getEndpoints()) {
      Location fallback = e.getLocations().get(2);
      assertNotEquals(e.getLocations().get(0), fallback);
      rows.putAll(ClusterTestData.byId(read(e, fallback)));
    }
    assertEquals(ClusterTestData.expected(files), rows);
  }

  @Test
  void cacheLoadOnEveryNodeLoadsEachUnitOnceWhereItIsOwned() throws Exception {
    defineTable();
    nodes.forEach(n -> n.action("cache-free", Map.of()));
    long units = 0;
    for (TestNode n : nodes) {
      JsonNode done = n.action("cache-load", Map.of("table", "c.t"));
      assertEquals(done.path("units").asLong(), done.path("unitsDone").asLong());
      assertTrue(done.path("units").asLong() < UNITS, "a node loaded every unit: " + done);
      units += done.path("unitsDone").asLong();
    }
    assertEquals(UNITS, units);
    assertEquals((long) UNITS * ClusterTestData.COLUMNS.size(), sum(nodes, "entries"));
  }

  @Test
  void aCacheQuotaSetThroughOneNodeBoundsTheOthers() throws Exception {
    TestNode first = nodes.get(0);
    TestNode other = nodes.get(2);
    first.action(
        "mount",
        Map.of(
            "path",
            "/quota",
            "uri",
            io.quiver.storage.Location.ofLocalPath(tmp.resolve("lake")).toString(),
            "options",
            Map.of("cache-quota", "64k")));
    first.createTable("c.q", "/quota/t");
    awaitTable(other, "c.q");
    // Every endpoint read at the other node: it caches what it serves, within the quota.
    FlightInfo info = other.plan(ScanCommand.table("c.q"));
    Location at = other.server().location();
    for (FlightEndpoint e : info.getEndpoints()) {
      read(e, at);
    }
    assertTrue(other.server().cache().quotaGroupBytes("/quota") <= 64 << 10);
    assertTrue(other.stats().path("memory").path("evictedQuota").asLong() > 0);
  }

  @Test
  void aPinWithReplicasCachesItsUnitsOnMoreNodes() throws Exception {
    defineTable();
    for (TestNode n : nodes) {
      n.action("pin", Map.of("table", "c.t", "replicas", 1));
    }
    try {
      FlightInfo info = nodes.get(1).plan(ScanCommand.table("c.t"));
      for (FlightEndpoint e : info.getEndpoints()) {
        // Two owners then the remaining node, each node once.
        assertEquals(3, new HashSet<>(e.getLocations()).size(), e.toString());
      }
      nodes.forEach(n -> n.action("cache-free", Map.of()));
      long units = 0;
      for (TestNode n : nodes) {
        units += n.action("cache-load", Map.of("table", "c.t")).path("unitsDone").asLong();
      }
      assertEquals(2L * UNITS, units, "each unit loaded on two nodes");
    } finally {
      for (TestNode n : nodes) {
        n.action("unpin", Map.of("table", "c.t"));
      }
    }
    nodes.forEach(n -> n.action("cache-free", Map.of()));
    long units = 0;
    for (TestNode n : nodes) {
      units += n.action("cache-load", Map.of("table", "c.t")).path("unitsDone").asLong();
    }
    assertEquals(UNITS, units, "unpinned: one copy again");
  }

  @Test
  void replicasOnASingleNodeAreRefused() throws Exception {
    try (TestNode alone = TestNode.start(tmp.resolve("alone"))) {
      alone.mount("/lake", tmp.resolve("lake")).createTable("c.t", "/lake/t");
      org.apache.arrow.flight.FlightRuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              org.apache.arrow.flight.FlightRuntimeException.class,
              () -> alone.action("pin", Map.of("table", "c.t", "replicas", 1)));
      assertEquals(org.apache.arrow.flight.FlightStatusCode.INVALID_ARGUMENT, e.status().code());
      assertTrue(e.getMessage().contains("replicas applies to a cluster"), e.getMessage());
    }
  }

  @Test
  void nodesListsEveryMemberWithItsLocation() {
    JsonNode r = nodes.get(0).action("nodes", Map.of());
    assertTrue(r.path("cluster").asText().startsWith("zk://127.0.0.1:"), r.toString());
    Set<String> locations = new HashSet<>();
    int self = 0;
    for (JsonNode n : r.path("nodes")) {
      locations.add(n.path("location").asText());
      self += n.path("self").asBoolean() ? 1 : 0;
      assertEquals(256L << 20, n.path("capacity").asLong());
    }
    assertEquals(1, self);
    Set<String> expected = new HashSet<>();
    nodes.forEach(n -> expected.add(n.server().location().getUri().toString()));
    assertEquals(expected, locations);
  }
}
