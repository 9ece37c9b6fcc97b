package io.quiver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.protocol.action.Actions;
import io.quiver.protocol.action.CreateTableRequest;
import io.quiver.protocol.action.Empty;
import io.quiver.server.ClusterTestData;
import io.quiver.server.ServerMain;
import io.quiver.testing.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster as it runs in production: ZooKeeper (Curator's {@link TestingServer}) and three Quiver
 * nodes, each its own {@code quiver serve --cluster} process, read through {@link QuiverClient}.
 * One scenario, in order: a catalog change on one node reaches the others; a scan through any node
 * returns Arrow C++'s rows, each column chunk loaded once cluster-wide; a node killed with SIGKILL
 * in the middle of a scan's endpoint is failed over without losing or repeating a row; with
 * ZooKeeper down nodes keep serving and refuse catalog changes with UNAVAILABLE; after ZooKeeper
 * restarts, no catalog entry is lost and changes work again.
 */
class ClusterProcessTest {
  private static final int FILES = 4;
  private static final int ROWS_PER_FILE = 60_000;
  private static final int ROWS_PER_GROUP = 10_000;
  private static final int UNITS = FILES * ROWS_PER_FILE / ROWS_PER_GROUP;

  @TempDir Path tmp;
  private TestingServer zk;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  /** A node process and where it logs. */
  private record NodeProcess(Process process, Path log, int index) {
    String location() throws Exception {
      long deadline = System.nanoTime() + 60_000_000_000L;
      java.util.regex.Pattern joined =
          java.util.regex.Pattern.compile("Joined cluster \\S+ as \\S+ \\((grpc\\+tcp://[^)]+)\\)");
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new AssertionError("node " + index + " exited:\n" + Files.readString(log));
        }
        java.util.regex.Matcher m = joined.matcher(Files.readString(log));
        if (m.find()) {
          return m.group(1);
        }
        Thread.sleep(50);
      }
      throw new AssertionError(
          "node " + index + " did not join in 60 s:\n" + Files.readString(log));
    }
  }

  private NodeProcess start(int index) throws IOException {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path log = tmp.resolve("node-" + index + ".log");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx384m",
            "-cp",
            classpath,
            ServerMain.class.getName(),
            "--port",
            "0",
            "--http-port",
            "0",
            "--memory",
            "128m",
            "--batch-rows",
            "2048",
            "--data-dir",
            tmp.resolve("node-" + index).toString(),
            "--allow-local",
            tmp.resolve("lake").toString(),
            "--cluster",
            "zk://" + zk.getConnectString() + "/it");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    NodeProcess node = new NodeProcess(p, log, index);
    nodes.add(node);
    return node;
  }

  @AfterEach
  void stop() throws Exception {
    for (NodeProcess n : nodes) {
      n.process().destroy(); // SIGTERM: a clean shutdown
    }
    for (NodeProcess n : nodes) {
      if (!n.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        n.process().destroyForcibly();
      }
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  private QuiverClient client(BufferAllocator allocator, String location) {
    QuiverClient c =
        QuiverClient.builder().allocator(allocator).uri(location).parallelism(3).build();
    closeables.add(c);
    return c;
  }

  private static boolean hasTable(QuiverClient c, String name) {
    for (JsonNode t : c.tables().path("tables")) {
      if (t.path("name").asText().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static void awaitTable(QuiverClient c, String name) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!hasTable(c, name)) {
      assertTrue(System.nanoTime() < deadline, name + " did not reach " + c.location() + " in 5 s");
      Thread.sleep(20);
    }
  }

  private static long sum(List<QuiverClient> clients, String field) {
    return clients.stream().mapToLong(c -> c.stats().path(field).asLong()).sum();
  }

  private static Map<Long, List<Object>> scan(QuiverClient c, FlightInfo info) {
    Table.Builder rows = Table.builder(info.getSchema());
    c.read(info, rows::append);
    return ClusterTestData.byId(rows.build());
  }

  @Test
  void aClusterOfThreeProcessesServesFailsOverAndSurvivesAZooKeeperRestart() throws Exception {
    zk = new TestingServer(true);
    List<Path> files =
        ClusterTestData.write(tmp.resolve("lake/t"), FILES, ROWS_PER_FILE, ROWS_PER_GROUP);
    Map<Long, List<Object>> expected = ClusterTestData.expected(files);
    for (int i = 0; i < 3; i++) {
      start(i);
    }
    List<String> locations = new ArrayList<>();
    for (NodeProcess n : nodes) {
      locations.add(n.location());
    }
    BufferAllocator allocator = new RootAllocator();
    closeables.add(allocator);
    List<QuiverClient> clients = new ArrayList<>();
    for (String l : locations) {
      clients.add(client(allocator, l));
    }
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (clients.get(0).nodes().path("nodes").size() < 3) {
      assertTrue(System.nanoTime() < deadline, "the nodes did not see each other");
      Thread.sleep(50);
    }

    // A catalog change through node 0 reaches nodes 1 and 2.
    clients.get(0).mount("/lake", tmp.resolve("lake").toUri().toString(), Map.of());
    clients.get(0).createTable("c.t", "/lake/t", "parquet");
    awaitTable(clients.get(1), "c.t");
    awaitTable(clients.get(2), "c.t");

    // A scan through node 1: Arrow C++'s rows, every chunk loaded once across the cluster.
    FlightInfo info = clients.get(1).info("c.t", null);
    assertEquals(expected, scan(clients.get(1), info));
    long chunks = (long) UNITS * ClusterTestData.COLUMNS.size();
    assertEquals(chunks, sum(clients, "misses"), "chunks loaded across the cluster");
    assertEquals(chunks, sum(clients, "entries"), "chunks cached across the cluster");
    for (QuiverClient c : clients) {
      assertTrue(c.stats().path("entries").asLong() > 0, c.location() + " caches nothing");
    }
    // Through node 2: the same owners, nothing loaded again.
    assertEquals(expected, scan(clients.get(2), clients.get(2).info("c.t", null)));
    assertEquals(chunks, sum(clients, "misses"), "a second scan loaded chunks again");

    // SIGKILL the owner of an endpoint after its first batch: the scan completes exactly.
    info = clients.get(0).info("c.t", null);
    int victimEndpoint = info.getEndpoints().size() / 2;
    Location victimLocation = info.getEndpoints().get(victimEndpoint).getLocations().get(0);
    NodeProcess victim = nodes.get(locations.indexOf(victimLocation.getUri().toString()));
    QuiverClient reader = clients.get((victim.index() + 1) % 3);
    Table.Builder rows = Table.builder(info.getSchema());
    for (int e = 0; e < info.getEndpoints().size(); e++) {
      FlightEndpoint endpoint = info.getEndpoints().get(e);
      try (BatchStream stream = reader.stream(endpoint)) {
        boolean first = true;
        while (stream.hasNext()) {
          try (VectorSchemaRoot batch = stream.next()) {
            rows.append(batch);
          }
          if (first && e == victimEndpoint) {
            victim.process().destroyForcibly().waitFor();
          }
          first = false;
        }
      }
    }
    assertEquals(expected, ClusterTestData.byId(rows.build()), "rows after the fail-over");
    List<QuiverClient> live = new ArrayList<>(clients);
    live.remove(victim.index());

    // ZooKeeper down: scans go on, catalog changes are refused with UNAVAILABLE.
    zk.stop();
    QuiverClient survivor = live.get(0);
    FlightRuntimeException refused =
        assertThrows(
            FlightRuntimeException.class,
            () ->
                survivor.call(
                    Actions.CREATE_TABLE,
                    new CreateTableRequest("c.down", "/lake/t", "parquet", null)));
    assertEquals(FlightStatusCode.UNAVAILABLE, refused.status().code(), refused.getMessage());
    assertEquals(expected, scan(survivor, survivor.info("c.t", null)));

    // ZooKeeper back: nothing lost, changes work again and reach the other node.
    zk.restart();
    deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        survivor.createTable("c.after", "/lake/t", "parquet");
        break;
      } catch (FlightRuntimeException e) {
        assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.getMessage());
        assertTrue(
            System.nanoTime() < deadline, "no catalog change 30 s after ZooKeeper came back");
        Thread.sleep(200);
      }
    }
    awaitTable(live.get(1), "c.after");
    for (QuiverClient c : live) {
      assertTrue(hasTable(c, "c.t"), "c.t lost on " + c.location());
      assertEquals(1, c.mounts().path("mounts").size());
    }
    // The killed node's session expires: it leaves the membership (its units move to the others).
    deadline = System.nanoTime() + 60_000_000_000L;
    while (live.get(0).call(Actions.NODES, Empty.INSTANCE).nodes().size() != 2) {
      assertTrue(System.nanoTime() < deadline, "the killed node is still a member after 60 s");
      Thread.sleep(200);
    }
    for (FlightEndpoint e : live.get(1).info("c.t", null).getEndpoints()) {
      assertTrue(
          !e.getLocations().contains(victimLocation), "an endpoint still routes to the dead node");
    }
  }
}
