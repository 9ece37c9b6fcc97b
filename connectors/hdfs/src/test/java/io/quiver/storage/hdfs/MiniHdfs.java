package io.quiver.storage.hdfs;

import io.quiver.storage.Location;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.metrics2.AbstractMetric;
import org.apache.hadoop.metrics2.MetricsRecord;
import org.apache.hadoop.metrics2.MetricsSource;
import org.apache.hadoop.metrics2.impl.MetricsCollectorImpl;
import org.apache.hadoop.metrics2.lib.DefaultMetricsSystem;

/**
 * A real HDFS for tests: one NameNode and one DataNode in this JVM, with permissions enforced and
 * directory listings paged every {@value #LISTING_PAGE} entries. The process user is the HDFS
 * superuser.
 *
 * <p>Public as test support shared with other modules via this module's test-jar.
 */
public final class MiniHdfs implements AutoCloseable {
  static final int LISTING_PAGE = 100;

  /**
   * Options for a storage on this cluster: its one DataNode can hold only one replica, and an
   * append to an under-replicated file would look for more DataNodes and fail.
   */
  static final Map<String, String> OPTIONS = Map.of("hadoop.dfs.replication", "1");

  private final MiniDFSCluster cluster;

  private MiniHdfs(MiniDFSCluster cluster) {
    this.cluster = cluster;
  }

  /** Public as test support shared with other modules via this module's test-jar. */
  public static MiniHdfs start(Path baseDir) throws IOException {
    Configuration conf = new HdfsConfiguration();
    conf.setBoolean("dfs.permissions.enabled", true);
    conf.setInt("dfs.ls.limit", LISTING_PAGE);
    MiniDFSCluster cluster =
        new MiniDFSCluster.Builder(conf, baseDir.toFile()).numDataNodes(1).build();
    cluster.waitActive();
    return new MiniHdfs(cluster);
  }

  /**
   * {@code hdfs://host:port} of the NameNode. Public as test support shared with other modules via
   * this module's test-jar.
   */
  public String uri() {
    return cluster.getURI().toString();
  }

  Location location(String path) {
    return Location.of(uri() + path);
  }

  /**
   * A client acting as the superuser, standing in for other writers. Owned by the cluster. Public
   * as test support shared with other modules via this module's test-jar.
   */
  public DistributedFileSystem admin() throws IOException {
    return cluster.getFileSystem();
  }

  static org.apache.hadoop.fs.Path path(Location location) {
    return new org.apache.hadoop.fs.Path(location.toUri());
  }

  /** Directory-listing calls ({@code getListing}) the NameNode has served so far. */
  long listingCalls() {
    return nameNodeCounter("GetListingOps");
  }

  /** Status calls ({@code getFileInfo}) the NameNode has served so far. */
  long fileInfoCalls() {
    return nameNodeCounter("FileInfoOps");
  }

  private static long nameNodeCounter(String name) {
    MetricsSource source = DefaultMetricsSystem.instance().getSource("NameNodeActivity");
    MetricsCollectorImpl collector = new MetricsCollectorImpl();
    source.getMetrics(collector, true);
    for (MetricsRecord record : collector.getRecords()) {
      for (AbstractMetric metric : record.metrics()) {
        if (metric.name().equals(name)) {
          return metric.value().longValue();
        }
      }
    }
    throw new IllegalStateException("NameNode metric " + name + " not found");
  }

  @Override
  public void close() {
    cluster.shutdown();
  }
}
