package io.quiver.cluster;

import java.net.URI;
import java.util.Objects;

/**
 * Where a cluster coordinates: a ZooKeeper ensemble and the znode under which this cluster keeps
 * its state, written {@code zk://host:2181[,host:2181...]/path} (the path defaults to {@code
 * /quiver}; several clusters can share one ensemble under different paths).
 *
 * @param connectString ZooKeeper's form of the ensemble, {@code host:port[,host:port...]}
 * @param basePath the cluster's znode, absolute and without a trailing slash
 */
public record ZooKeeperAddress(String connectString, String basePath) {
  /** The znode of a cluster given without a path. */
  public static final String DEFAULT_BASE_PATH = "/quiver";

  public ZooKeeperAddress {
    Objects.requireNonNull(connectString, "connectString");
    Objects.requireNonNull(basePath, "basePath");
  }

  /**
   * Parses {@code zk://host:port[,host:port...][/path]}.
   *
   * @throws IllegalArgumentException naming what is wrong, with an example of the right form
   */
  public static ZooKeeperAddress parse(String address) {
    String example = " (expected zk://host:2181[,host:2181...][/path], e.g. zk://zk1:2181/quiver)";
    if (address == null || !address.startsWith("zk://")) {
      throw new IllegalArgumentException("Not a ZooKeeper address: '" + address + "'" + example);
    }
    String rest = address.substring("zk://".length());
    int slash = rest.indexOf('/');
    String hosts = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty()) {
      path = DEFAULT_BASE_PATH;
    }
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("No ZooKeeper host in '" + address + "'" + example);
    }
    for (String host : hosts.split(",", -1)) {
      URI hostPort;
      try {
        hostPort = URI.create("zk://" + host);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "Bad ZooKeeper host '" + host + "' in '" + address + "'" + example, e);
      }
      if (hostPort.getHost() == null
          || hostPort.getPort() <= 0
          || hostPort.getPath().length() > 0) {
        throw new IllegalArgumentException(
            "Bad ZooKeeper host '" + host + "' in '" + address + "': give host:port" + example);
      }
    }
    if (path.contains("//") || path.matches(".*[\\s].*")) {
      throw new IllegalArgumentException("Bad znode path '" + path + "' in '" + address + "'");
    }
    return new ZooKeeperAddress(hosts, path);
  }

  @Override
  public String toString() {
    return "zk://" + connectString + basePath;
  }
}
