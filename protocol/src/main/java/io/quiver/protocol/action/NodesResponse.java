package io.quiver.protocol.action;

import java.util.List;

/**
 * {@code nodes}: the nodes serving this namespace as the answering node sees them.
 *
 * @param cluster the cluster's ZooKeeper address ({@code zk://host:2181/quiver}), or null for a
 *     single node
 * @param nodes the live members ordered by id (one entry for a single node)
 */
public record NodesResponse(String cluster, List<Node> nodes) {
  public NodesResponse {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }

  /**
   * One node.
   *
   * @param id its placement identity (its advertised {@code host:port})
   * @param location the Flight location clients read from
   * @param capacity its memory-tier capacity in bytes
   * @param startedMillis when it started (epoch milliseconds)
   * @param version the Quiver version it runs
   * @param self whether it is the node that answered
   */
  public record Node(
      String id,
      String location,
      long capacity,
      long startedMillis,
      String version,
      boolean self) {}
}
