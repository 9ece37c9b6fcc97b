package io.quiver.server;

import io.quiver.cluster.ZooKeeperAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a node joins a cluster ({@code quiver serve --cluster zk://...}).
 *
 * @param address the ZooKeeper ensemble and the cluster's znode
 * @param advertise the {@code host[:port]} other nodes and clients reach this node at, or null for
 *     the listening host (which must then not be a wildcard) and the bound port
 * @param replicas copies of each unit beyond its primary owner (0: each unit cached once)
 * @param secretFile the shared key that signs tickets, the same file on every node; required when
 *     users or tokens are configured, or null (the cluster keeps a key in ZooKeeper)
 */
public record ClusterSettings(
    ZooKeeperAddress address, String advertise, int replicas, Path secretFile) {
  public ClusterSettings {
    Objects.requireNonNull(address, "address");
    if (replicas < 0) {
      throw new IllegalArgumentException("replicas must be >= 0, got " + replicas);
    }
    if (advertise != null && advertise.isBlank()) {
      advertise = null;
    }
  }

  /** The advertised host, or {@code fallback} when none is set. */
  String advertisedHost(String fallback) {
    if (advertise == null) {
      return fallback;
    }
    int colon = advertise.lastIndexOf(':');
    return colon < 0 || advertise.endsWith("]") ? advertise : advertise.substring(0, colon);
  }

  /** The advertised port, or {@code fallback} when none is set. */
  int advertisedPort(int fallback) {
    if (advertise == null) {
      return fallback;
    }
    int colon = advertise.lastIndexOf(':');
    if (colon < 0 || advertise.endsWith("]")) {
      return fallback;
    }
    try {
      return Integer.parseInt(advertise.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Bad --advertise '" + advertise + "': expected host or host:port", e);
    }
  }
}
