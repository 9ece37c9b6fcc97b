package io.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.cluster.ZooKeeperAddress;
import io.quiver.server.ClusterSettings;
import io.quiver.server.QuiverServer;
import io.quiver.storage.Location;
import io.quiver.testing.ParquetTestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against a cluster of two nodes (in this JVM, over Curator's test ZooKeeper): {@code
 * nodes} lists both, and {@code cache load|stats|pin|free} act on every node whichever one {@code
 * --server} names.
 */
class QuiverCliClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private TestingServer zk;
  private final List<QuiverServer> nodes = new ArrayList<>();

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer(true);
    ClusterSettings cluster =
        new ClusterSettings(
            ZooKeeperAddress.parse("zk://" + zk.getConnectString() + "/cli"), null, 0, null);
    for (int i = 0; i < 2; i++) {
      nodes.add(
          QuiverServer.start(
              QuiverServer.Config.defaults()
                  .withSecurity(
                      io.quiver.server.security.SecurityConfig.none().withAllowLocal(List.of(tmp)))
                  .withPort(0)
                  .withDataDir(tmp.resolve("node-" + i))
                  .withMemory(64L << 20)
                  .withRowGroupsPerEndpoint(1)
                  .withCluster(cluster)));
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (QuiverServer n : nodes) {
      n.close();
    }
    zk.close();
  }

  private Run quiver(int node, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--server";
    all[args.length + 1] = "127.0.0.1:" + nodes.get(node).port();
    int exit = QuiverCli.execute(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(exit, out.toString(), err.toString());
  }

  private JsonNode json(Run r) throws Exception {
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  @Test
  void nodesAndCacheCommandsActOnEveryNode() throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (json(quiver(0, "nodes", "--json")).path("nodes").size() < 2) {
      assertTrue(System.nanoTime() < deadline, "the nodes did not see each other");
      Thread.sleep(20);
    }
    Run nodesTable = quiver(1, "nodes");
    assertEquals(0, nodesTable.exit(), nodesTable.err());
    assertTrue(nodesTable.out().contains("Cluster zk://127.0.0.1:"), nodesTable.out());
    assertTrue(nodesTable.out().contains(":" + nodes.get(1).port() + " *"), nodesTable.out());

    java.nio.file.Files.createDirectories(tmp.resolve("lake/t"));
    for (int f = 0; f < 3; f++) {
      ParquetTestFiles.writeAllTypesWithParquetHadoop(
          tmp.resolve("lake/t"),
          "p" + f + ".parquet",
          CompressionCodecName.SNAPPY,
          true,
          ParquetProperties.WriterVersion.PARQUET_1_0,
          4_000,
          64 << 10,
          f);
    }
    Run mount = quiver(0, "mount", "/lake", Location.ofLocalPath(tmp.resolve("lake")).toString());
    assertEquals(0, mount.exit(), mount.err());
    Run create = quiver(0, "table", "create", "c.t", "/lake/t");
    assertEquals(0, create.exit(), create.err());
    while (json(quiver(1, "table", "ls", "--all", "--json")).path("tables").size() < 1) {
      assertTrue(System.nanoTime() < deadline, "the table did not reach node 1");
      Thread.sleep(20);
    }

    // Load through node 1: each node loads what it owns, together every unit once.
    JsonNode loaded = json(quiver(1, "cache", "load", "c.t", "--json"));
    assertEquals(2, loaded.path("nodes").size(), loaded.toString());
    long units = loaded.path("total").path("units").asLong();
    assertTrue(units > 2, loaded.toString());
    assertEquals(units, loaded.path("total").path("unitsDone").asLong());
    for (JsonNode n : loaded.path("nodes")) {
      long mine = n.path("result").path("unitsDone").asLong();
      assertTrue(mine > 0 && mine < units, "one node loaded " + mine + " of " + units);
    }
    JsonNode stats = json(quiver(0, "cache", "stats", "--json"));
    long entries = 0;
    for (JsonNode n : stats.path("nodes")) {
      entries += n.path("result").path("entries").asLong();
    }
    assertEquals(entries, stats.path("total").path("entries").asLong());
    assertTrue(entries > 0);
    assertEquals(
        nodes.get(0).cache().stats().entries() + nodes.get(1).cache().stats().entries(), entries);
    Run table = quiver(0, "cache", "stats");
    assertTrue(table.out().contains("total"), table.out());

    // A pin with a replica reaches both nodes; free empties both.
    Run pin = quiver(0, "cache", "pin", "c.t", "--replicas", "1");
    assertEquals(0, pin.exit(), pin.err());
    assertTrue(pin.out().contains("on 2 nodes"), pin.out());
    JsonNode both = json(quiver(1, "cache", "load", "c.t", "--json"));
    assertEquals(2 * units, both.path("total").path("unitsDone").asLong(), both.toString());
    assertEquals(0, quiver(1, "cache", "unpin", "c.t").exit());
    Run free = quiver(1, "cache", "free");
    assertEquals(0, free.exit(), free.err());
    assertTrue(free.out().contains("on 2 nodes"), free.out());
    assertEquals(
        0, nodes.get(0).cache().stats().entries() + nodes.get(1).cache().stats().entries());
  }
}
