package io.quiver.bench.harness;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the contenders share: the dataset (local copy and its objects in the bucket), the
 * object store's endpoints and keys, the batch size and where logs go. Immutable.
 *
 * @param localFiles the Parquet files on local disk, in order
 * @param objectKeys their keys in {@code bucket}, same order
 * @param rowGroupsPerFile row groups of each file
 * @param columns all column names in schema order
 * @param accessVar name of the environment variable holding the access key (children inherit it)
 * @param secretVar name of the environment variable holding the secret key
 * @param serverClasspath classpath of the Quiver server JVM
 * @param benchClasspath classpath of this module (object store and speed-of-light JVMs)
 */
public record BenchEnv(
    List<Path> localFiles,
    String bucket,
    String prefix,
    List<String> objectKeys,
    int[] rowGroupsPerFile,
    List<String> columns,
    int s3Port,
    int shapedPort,
    String accessVar,
    String secretVar,
    String accessKey,
    String secretKey,
    int batchRows,
    long serverMemoryBytes,
    Path logDir,
    String serverClasspath,
    String benchClasspath) {

  /** The S3 endpoint URL for {@code profile}. */
  public String endpoint(Profile profile) {
    return "http://127.0.0.1:" + port(profile);
  }

  public int port(Profile profile) {
    return profile == Profile.LOOPBACK ? s3Port : shapedPort;
  }

  /** The directory holding {@link #localFiles()}. */
  public Path localDir() {
    return localFiles.get(0).getParent();
  }
}
