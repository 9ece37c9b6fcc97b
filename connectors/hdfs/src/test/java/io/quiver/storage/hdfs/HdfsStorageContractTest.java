package io.quiver.storage.hdfs;

import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageContractTest;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract against a real HDFS (MiniDFSCluster). */
class HdfsStorageContractTest extends StorageContractTest {
  @TempDir static Path baseDir;
  private static MiniHdfs hdfs;
  private static HdfsStorage storage;

  private final String testDir = "/contract/" + UUID.randomUUID();

  @BeforeAll
  static void startCluster() throws Exception {
    hdfs = MiniHdfs.start(baseDir);
    storage = new HdfsStorage(MiniHdfs.OPTIONS);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (storage != null) {
        storage.close();
      }
    } finally {
      if (hdfs != null) {
        hdfs.close();
      }
    }
  }

  @Override
  protected Storage storage() {
    return storage;
  }

  @Override
  protected Location root() {
    return hdfs.location(testDir);
  }

  /**
   * Rewrites the file in place as another HDFS client would, then moves its modification time on:
   * HDFS keeps milliseconds, and two writes can land in the same one.
   */
  @Override
  protected void overwrite(Location location, byte[] contents) throws Exception {
    DistributedFileSystem admin = hdfs.admin();
    org.apache.hadoop.fs.Path path = MiniHdfs.path(location);
    long before = admin.getFileStatus(path).getModificationTime();
    try (FSDataOutputStream out = admin.create(path, true)) {
      out.write(contents);
    }
    admin.setTimes(path, before + 1000, -1);
  }
}
