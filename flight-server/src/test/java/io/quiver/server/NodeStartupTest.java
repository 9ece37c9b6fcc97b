package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.security.SecurityConfig;
import io.quiver.storage.Location;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a node does at start-up: where it agrees to listen, and a catalog it cannot fully open. */
class NodeStartupTest {
  @TempDir Path tmp;

  @Test
  void withoutAuthenticationANodeRefusesToListenBeyondLoopbackUnlessInsecure() throws Exception {
    QuiverServer.Config open =
        QuiverServer.Config.defaults()
            .withHost("0.0.0.0")
            .withPort(0)
            .withDataDir(tmp.resolve("data"))
            .withMemory(16L << 20);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> QuiverServer.start(open));
    assertTrue(e.getMessage().contains("without authentication"), e.getMessage());
    assertTrue(e.getMessage().contains("--insecure"), e.getMessage());
    try (QuiverServer s = QuiverServer.start(open.withInsecure(true))) {
      assertTrue(s.port() > 0);
    }
  }

  @Test
  void aSecondNodeOnTheSameDataDirIsRefused() throws Exception {
    try (TestNode first = TestNode.start(tmp.resolve("data"))) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> TestNode.start(tmp.resolve("data")));
      assertTrue(e.getMessage().contains("Another Quiver node"), e.getMessage());
      assertTrue(first.port() > 0);
    }
    // Released at close.
    try (TestNode again = TestNode.start(tmp.resolve("data"))) {
      assertTrue(again.port() > 0);
    }
  }

  @Test
  void aNestedMountThatWouldRedirectTablesIsRefusedAndHostileSizesAreBounded() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake/orders"));
    FlightSqlTest.writeOrders(lake);
    Path other = Files.createDirectories(tmp.resolve("other/orders"));
    try (TestNode node = TestNode.start(tmp.resolve("data"))) {
      node.mount("/lake", tmp.resolve("lake")).createTable("t.orders", "/lake/orders");
      FlightRuntimeException e =
          assertThrows(FlightRuntimeException.class, () -> node.mount("/lake/orders", other));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
      assertTrue(e.getMessage().contains("t.orders"), e.getMessage());
      assertEquals(5_000, node.read(node.plan(ScanCommand.table("t.orders"))).rowCount());
      // A mount elsewhere below /lake, covering no table, is fine; forcing redirects the table.
      node.mount("/lake/elsewhere", other);
      Path empty = Files.createDirectories(tmp.resolve("empty"));
      node.action(
          "mount",
          Map.of(
              "path",
              "/lake/orders",
              "uri",
              io.quiver.storage.Location.ofLocalPath(empty).toString(),
              "options",
              Map.of(),
              "force",
              true));
      FlightRuntimeException redirected =
          assertThrows(
              FlightRuntimeException.class, () -> node.plan(ScanCommand.table("t.orders")));
      assertTrue(redirected.getMessage().contains("No "), redirected.getMessage());
      FlightRuntimeException longPath =
          assertThrows(
              FlightRuntimeException.class, () -> node.mount("/" + "x".repeat(5000), other));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, longPath.status().code());
      FlightRuntimeException bigBody =
          assertThrows(
              FlightRuntimeException.class,
              () -> node.action("tables", Map.of("pad", "y".repeat(100_000))));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, bigBody.status().code());
      assertTrue(bigBody.getMessage().contains("limit"), bigBody.getMessage());
    }
  }

  @Test
  void aMountThatNoLongerOpensIsUnavailableAndTheRestIsServed() throws Exception {
    Path good = Files.createDirectories(tmp.resolve("good/orders"));
    Path gone = Files.createDirectories(tmp.resolve("gone/orders"));
    FlightSqlTest.writeOrders(good);
    FlightSqlTest.writeOrders(gone);
    SecurityConfig both =
        SecurityConfig.none().withAllowLocal(List.of(tmp.resolve("good"), tmp.resolve("gone")));
    try (TestNode node = TestNode.start(tmp.resolve("data"), c -> c.withSecurity(both))) {
      node.mount("/good", tmp.resolve("good")).mount("/gone", tmp.resolve("gone"));
      node.createTable("t.good", "/good/orders").createTable("t.gone", "/gone/orders");
    }
    // The operator no longer allows /gone: the node starts anyway.
    SecurityConfig onlyGood = SecurityConfig.none().withAllowLocal(List.of(tmp.resolve("good")));
    try (TestNode node = TestNode.start(tmp.resolve("data"), c -> c.withSecurity(onlyGood))) {
      JsonNode mounts = node.action("mounts", Map.of()).path("mounts");
      assertEquals(2, mounts.size());
      JsonNode goneMount = mounts.get(0);
      assertEquals("/gone", goneMount.path("path").asText());
      assertEquals("unavailable", goneMount.path("status").asText());
      assertTrue(
          goneMount.path("reason").asText().contains("not inside a directory"),
          goneMount.toString());
      assertEquals("available", mounts.get(1).path("status").asText());
      assertEquals(5_000, node.read(node.plan(ScanCommand.table("t.good"))).rowCount());
      FlightRuntimeException e =
          assertThrows(FlightRuntimeException.class, () -> node.plan(ScanCommand.table("t.gone")));
      assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.getMessage());
      assertTrue(e.getMessage().contains("/gone is unavailable"), e.getMessage());
    }
    // Allowed again and mounted again over the same path: the table over it works as before.
    Path moved = Files.createDirectories(tmp.resolve("good/moved"));
    Files.move(gone, moved.resolve("orders"));
    try (TestNode node = TestNode.start(tmp.resolve("data"), c -> c.withSecurity(onlyGood))) {
      node.action(
          "mount",
          Map.of(
              "path", "/gone", "uri", Location.ofLocalPath(moved).toString(), "options", Map.of()));
      assertEquals(
          "available",
          node.action("mounts", Map.of()).path("mounts").get(0).path("status").asText());
      assertEquals(5_000, node.read(node.plan(ScanCommand.table("t.gone"))).rowCount());
    }
  }
}
