package io.quiver.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;

/**
 * A node's connection to its cluster's ZooKeeper ensemble: the Curator client, and what the cluster
 * shares through it besides the catalog and membership — the key that signs DoGet tickets, so that
 * a ticket planned by any node is accepted by every node.
 *
 * <p>ZooKeeper settings: a 15 s session (a node cut off for longer leaves the membership), 3 s to
 * connect, three retries with exponential back-off (at most 1 s apart). {@link #connect} fails if
 * the ensemble cannot be reached within its timeout: a node does not start half in a cluster.
 *
 * <p>Thread-safe. Closing it closes the client (close membership and the catalog store first).
 */
public final class Cluster implements AutoCloseable {
  /** How long a node may be cut off from ZooKeeper before the others drop it. */
  public static final int SESSION_TIMEOUT_MILLIS = 15_000;

  /** Shortest acceptable shared ticket key, in bytes. */
  public static final int MIN_SECRET_BYTES = 32;

  private final ZooKeeperAddress address;
  private final CuratorFramework client;

  private Cluster(ZooKeeperAddress address, CuratorFramework client) {
    this.address = address;
    this.client = client;
  }

  /**
   * Connects to {@code address}'s ensemble, waiting at most {@code timeoutMillis}.
   *
   * @throws IOException naming the ensemble if it cannot be reached in time
   */
  public static Cluster connect(ZooKeeperAddress address, long timeoutMillis) throws IOException {
    Objects.requireNonNull(address, "address");
    CuratorFramework client =
        CuratorFrameworkFactory.builder()
            .connectString(address.connectString())
            .sessionTimeoutMs(SESSION_TIMEOUT_MILLIS)
            .connectionTimeoutMs(3_000)
            // Short: with ZooKeeper gone a catalog change is refused in seconds, not minutes.
            .retryPolicy(new ExponentialBackoffRetry(200, 3, 1_000))
            .build();
    client.start();
    boolean connected;
    try {
      connected = client.blockUntilConnected((int) timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connected = false;
    }
    if (!connected) {
      // Closing waits for the session's close to be answered, which a silent peer never does.
      Thread closer = new Thread(client::close, "quiver-zk-close");
      closer.setDaemon(true);
      closer.start();
      throw new IOException(
          "Cannot reach ZooKeeper at "
              + address.connectString()
              + " within "
              + timeoutMillis / 1000
              + " s (is the ensemble up and reachable from this host?)");
    }
    return new Cluster(address, client);
  }

  /** The ensemble and base path. */
  public ZooKeeperAddress address() {
    return address;
  }

  /** The Curator client (owned by this object). */
  public CuratorFramework client() {
    return client;
  }

  /**
   * The key the cluster's nodes sign tickets with. With {@code secretFile} (every node given the
   * same file, readable by the node's user only) the key is read from it; without, it is the
   * cluster's own random key kept in the znode {@code <base>/ticket-key}, created by the first node
   * — acceptable only where whoever can read that znode may also read every mount (see the README:
   * a cluster with users or tokens requires the file).
   *
   * @throws IOException if the file cannot be read or is shorter than {@link #MIN_SECRET_BYTES}, or
   *     ZooKeeper fails
   */
  public byte[] ticketKey(Path secretFile) throws IOException {
    if (secretFile != null) {
      byte[] key = Files.readAllBytes(secretFile);
      if (key.length < MIN_SECRET_BYTES) {
        throw new IOException(
            "The cluster secret "
                + secretFile
                + " has "
                + key.length
                + " bytes; it needs at least "
                + MIN_SECRET_BYTES
                + " (e.g. head -c 48 /dev/urandom | base64 > FILE)");
      }
      return key;
    }
    String path = ZKPaths.makePath(address.basePath(), "ticket-key");
    byte[] fresh = new byte[MIN_SECRET_BYTES];
    new SecureRandom().nextBytes(fresh);
    try {
      client.create().creatingParentsIfNeeded().forPath(path, fresh);
      return fresh;
    } catch (KeeperException.NodeExistsException e) {
      try {
        return client.getData().forPath(path);
      } catch (Exception f) {
        throw new IOException("Cannot read " + path + " from ZooKeeper: " + f, f);
      }
    } catch (Exception e) {
      throw new IOException("Cannot create " + path + " in ZooKeeper: " + e, e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
