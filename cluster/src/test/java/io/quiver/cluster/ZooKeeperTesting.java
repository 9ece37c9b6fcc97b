package io.quiver.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;

/** Curator clients for tests: short connection timeout and few retries, as a node would use. */
final class ZooKeeperTesting {
  private ZooKeeperTesting() {}

  /** A started, connected client; the caller closes it. */
  static CuratorFramework connect(String connectString) throws InterruptedException {
    CuratorFramework client =
        CuratorFrameworkFactory.builder()
            .connectString(connectString)
            .sessionTimeoutMs(30_000)
            .connectionTimeoutMs(3_000)
            .retryPolicy(new RetryNTimes(2, 200))
            .build();
    client.start();
    boolean connected = client.blockUntilConnected(30, TimeUnit.SECONDS);
    if (!connected) {
      client.close();
    }
    assertTrue(connected, "no connection to ZooKeeper at " + connectString);
    return client;
  }
}
