package io.quiver.server.stores;

import io.quiver.storage.hdfs.MiniHdfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end scenarios on HDFS: a MiniDFSCluster (one NameNode, one DataNode) in this JVM, with
 * permissions enforced; the process user is its superuser.
 */
class HdfsStoreFlightTest extends StoreFlightTest {
  @TempDir static Path clusterDir;
  private static HdfsStore shared;

  @BeforeAll
  static void startCluster() throws Exception {
    shared = HdfsStore.start(clusterDir);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (shared != null) {
      shared.stop();
    }
  }

  @Override
  Store store() {
    return shared;
  }

  @Override
  Store startOwnStore(Path dir) throws Exception {
    return HdfsStore.start(Files.createDirectories(dir));
  }

  @Override
  List<RefusedMount> refusedMounts(String prefix) throws Exception {
    // alice's directory, which bob may not enter.
    org.apache.hadoop.fs.Path secret = new org.apache.hadoop.fs.Path("/" + prefix + "/alice");
    shared.admin.mkdirs(secret);
    shared.admin.setOwner(secret, "alice", null);
    shared.admin.setPermission(secret, new FsPermission((short) 0700));
    String unreachable = "hdfs://127.0.0.1:" + closedPort();
    return List.of(
        new RefusedMount(
            "permission denied",
            FlightStatusCode.UNAUTHORIZED,
            shared.uri(prefix + "/alice/sales"),
            with(shared.options(), "user", "bob"),
            List.of("Permission denied", "bob")),
        new RefusedMount(
            "unreachable NameNode",
            FlightStatusCode.UNAVAILABLE,
            unreachable + "/" + prefix,
            shared.failFastOptions(),
            List.of(unreachable, "could not be reached")));
  }

  @Override
  List<String> secretValues() {
    return List.of(); // simple authentication: the mount has no secret
  }

  /** One MiniDFSCluster (the hdfs connector's test server). */
  static final class HdfsStore implements Store {
    private final MiniHdfs cluster;
    private final String nameNode;
    private final FileSystem admin;
    private boolean closed;

    private HdfsStore(MiniHdfs cluster) throws Exception {
      this.cluster = cluster;
      this.nameNode = cluster.uri();
      this.admin = cluster.admin();
    }

    static HdfsStore start(Path baseDir) throws Exception {
      MiniHdfs cluster = MiniHdfs.start(baseDir);
      try {
        return new HdfsStore(cluster);
      } catch (Exception | Error e) {
        cluster.close();
        throw e;
      }
    }

    @Override
    public String uri(String path) {
      return nameNode + "/" + path;
    }

    @Override
    public Map<String, String> options() {
      // The superuser, named explicitly: the mount acts as the user it names.
      return Map.of("user", System.getProperty("user.name"));
    }

    @Override
    public Map<String, String> failFastOptions() {
      return with(
          options(),
          "hadoop.ipc.client.connect.max.retries",
          "0",
          "hadoop.ipc.client.connect.timeout",
          "1000",
          "hadoop.ipc.client.rpc-timeout.ms",
          "5000");
    }

    @Override
    public String endpoint() {
      return nameNode;
    }

    @Override
    public void upload(String path, Path local) throws Exception {
      try (FSDataOutputStream out = admin.create(new org.apache.hadoop.fs.Path(uri(path)), true)) {
        out.write(Files.readAllBytes(local));
      }
    }

    @Override
    public void delete(String path) throws Exception {
      admin.delete(new org.apache.hadoop.fs.Path(uri(path)), false);
    }

    @Override
    public void stop() throws Exception {
      if (!closed) {
        closed = true;
        cluster.close(); // MiniDFSCluster.shutdown(): the NameNode and DataNode stop
      }
    }
  }
}
