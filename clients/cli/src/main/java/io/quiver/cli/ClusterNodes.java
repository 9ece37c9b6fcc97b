package io.quiver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.client.QuiverClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Location;

/**
 * The nodes a CLI command acts on: the one it is connected to, or, when that node is in a cluster,
 * every live member (cluster-wide {@code cache load|free|pin|unpin|stats} and {@code nodes}).
 */
final class ClusterNodes {
  /** One node to act on; {@code location} null means the connected node itself. */
  record Node(String id, Location location, JsonNode info) {}

  /** What acting on one node gave: its JSON result, or the error it answered with. */
  record Outcome(Node node, JsonNode result, FlightRuntimeException error) {}

  /** What runs on one node. */
  @FunctionalInterface
  interface NodeCall {
    JsonNode call(Node node) throws FlightRuntimeException;
  }

  private ClusterNodes() {}

  /** The cluster's ZooKeeper address, or null when {@code nodes} describes a single node. */
  static String cluster(JsonNode nodes) {
    JsonNode c = nodes.path("cluster");
    return c.isTextual() ? c.asText() : null;
  }

  /**
   * The nodes to act on: every member of the connected node's cluster (itself as {@code location
   * null}), or just the connected node.
   */
  static List<Node> of(JsonNode nodes) {
    List<Node> out = new ArrayList<>();
    boolean cluster = cluster(nodes) != null;
    for (JsonNode n : nodes.path("nodes")) {
      boolean self = n.path("self").asBoolean();
      if (!cluster && !self) {
        continue;
      }
      out.add(
          new Node(
              n.path("id").asText(),
              self ? null : new Location(URI.create(n.path("location").asText())),
              n));
    }
    return out;
  }

  /** Runs {@code call} on every node at once and returns the outcomes in the nodes' order. */
  static List<Outcome> onEach(List<Node> nodes, NodeCall call) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(nodes.size(), 8)));
    try {
      List<Future<Outcome>> futures = new ArrayList<>();
      for (Node n : nodes) {
        futures.add(
            pool.submit(
                () -> {
                  try {
                    return new Outcome(n, call.call(n), null);
                  } catch (FlightRuntimeException e) {
                    return new Outcome(n, null, e);
                  }
                }));
      }
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> f : futures) {
        try {
          outcomes.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
      }
      return outcomes;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Runs a typed action on {@code node} through {@code client}. */
  static <Req> JsonNode action(
      QuiverClient client,
      Node node,
      io.quiver.protocol.action.ActionType<Req, ?> type,
      Req request,
      java.util.function.Consumer<JsonNode> each) {
    return node.location() == null
        ? client.action(type, request, each)
        : client.actionAt(node.location(), type, request, each);
  }

  /** {@code {"nodes": [{"id", "result"|"error"}...], "total": sum of numeric fields}}. */
  static ObjectNode summary(List<Outcome> outcomes, List<String> summed) {
    ObjectNode root = QuiverCli.JSON.createObjectNode();
    ObjectNode total = root.putObject("total");
    summed.forEach(k -> total.put(k, 0L));
    var list = root.putArray("nodes");
    for (Outcome o : outcomes) {
      ObjectNode n = list.addObject();
      n.put("id", o.node().id());
      if (o.error() != null) {
        n.put("error", o.error().status().code() + ": " + o.error().status().description());
        continue;
      }
      n.set("result", o.result());
      for (String k : summed) {
        total.put(k, total.path(k).asLong() + o.result().path(k).asLong());
      }
    }
    return root;
  }

  /** Whether any node failed. */
  static boolean anyFailed(List<Outcome> outcomes) {
    return outcomes.stream().anyMatch(o -> o.error() != null);
  }
}
