package io.quiver.bench.alluxio;

import alluxio.AlluxioURI;
import alluxio.client.file.FileSystem;
import alluxio.client.file.URIStatus;
import alluxio.conf.Configuration;
import alluxio.conf.PropertyKey;
import alluxio.exception.AlluxioException;
import alluxio.grpc.FreePOptions;
import alluxio.grpc.MountPOptions;
import alluxio.master.LocalAlluxioCluster;
import alluxio.metrics.MetricsSystem;
import com.codahale.metrics.Counter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One Alluxio 2.9.4 master and one worker running in this JVM ({@link LocalAlluxioCluster}), set up
 * as a benchmark peer rather than as a unit-test fixture.
 *
 * <p>{@code LocalAlluxioCluster.initConfiguration} installs unit-test defaults (1 KB blocks,
 * 64-byte read chunks, 15–20 ms heartbeats that keep a core busy); {@link #start} puts production
 * values back before anything starts. Every host name and bind host is {@code localhost} so the
 * client recognises the worker as local (short-circuit reads depend on that), and the master's
 * ports are picked free instead of the fixed 19998/19999. The worker has a single MEM tier in
 * {@code /dev/shm} sized by the caller. The root under-storage is an empty directory under the work
 * directory — {@code start()} deletes it — and data is mounted elsewhere with {@link #mountS3}.
 *
 * <p>Alluxio's configuration is process-global, so only one instance may be open at a time in a
 * JVM. Not thread-safe for lifecycle calls; the {@link FileSystem} and Hadoop clients it hands out
 * are thread-safe.
 */
public final class LocalAlluxio implements AutoCloseable {

  /**
   * Unit-test timings that {@code initConfiguration} sets and that a deployment would not have
   * (fast heartbeats and checkers, short retries): put back to Alluxio's defaults.
   */
  private static final List<PropertyKey> RESET_TO_DEFAULT =
      List.of(
          PropertyKey.MASTER_LOST_WORKER_DETECTION_INTERVAL,
          PropertyKey.MASTER_LOST_WORKER_FILE_DETECTION_INTERVAL,
          PropertyKey.JOB_MASTER_WORKER_HEARTBEAT_INTERVAL,
          PropertyKey.MASTER_PERSISTENCE_CHECKER_INTERVAL_MS,
          PropertyKey.MASTER_PERSISTENCE_INITIAL_INTERVAL_MS,
          PropertyKey.MASTER_PERSISTENCE_SCHEDULER_INTERVAL_MS,
          PropertyKey.MASTER_WORKER_INFO_CACHE_REFRESH_TIME,
          PropertyKey.MASTER_TTL_CHECKER_INTERVAL_MS,
          PropertyKey.USER_BLOCK_READ_RETRY_SLEEP_MIN,
          PropertyKey.USER_BLOCK_READ_RETRY_MAX_DURATION,
          PropertyKey.USER_RPC_RETRY_MAX_DURATION,
          PropertyKey.USER_RPC_RETRY_MAX_SLEEP_MS,
          PropertyKey.USER_RPC_RETRY_BASE_SLEEP_MS,
          PropertyKey.USER_WORKER_LIST_REFRESH_INTERVAL,
          PropertyKey.MASTER_JOURNAL_FLUSH_TIMEOUT_MS);

  /** Polling step while waiting for cache state to change. */
  private static final Duration POLL = Duration.ofMillis(20);

  /** How long "evicted" must hold before a cold read starts. */
  private static final Duration SETTLE = Duration.ofMillis(300);

  /** How long repeated frees may fail to evict before the worker is restarted. */
  private static final Duration STALL = Duration.ofSeconds(3);

  private final LocalAlluxioCluster cluster;
  private final Path memTierDir;
  private final FileSystem fs;
  private final int masterRpcPort;

  private LocalAlluxio(LocalAlluxioCluster cluster, Path memTierDir, int masterRpcPort)
      throws IOException {
    this.cluster = cluster;
    this.memTierDir = memTierDir;
    this.masterRpcPort = masterRpcPort;
    this.fs = cluster.getClient();
  }

  /**
   * Starts master and worker.
   *
   * @param workDir parent of Alluxio's work directory (journal, metastore, root UFS); created
   * @param memTierBytes capacity of the worker's MEM tier
   * @param shortCircuit value of {@code alluxio.user.short.circuit.enabled} for every client
   */
  public static LocalAlluxio start(Path workDir, long memTierBytes, boolean shortCircuit)
      throws Exception {
    Files.createDirectories(workDir);
    LocalAlluxioCluster cluster = new LocalAlluxioCluster(1, false);
    // initConfiguration creates its work directory under java.io.tmpdir; point that at workDir
    // for the call so that journal, metastore and root UFS land where the caller asked.
    String tmp = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", workDir.toAbsolutePath().toString());
    try {
      cluster.initConfiguration("quiver-bench");
    } finally {
      System.setProperty("java.io.tmpdir", tmp);
    }
    Path shm = Path.of("/dev/shm");
    Path memTierDir =
        (Files.isDirectory(shm) && Files.isWritable(shm) ? shm : workDir)
            .resolve("quiver-alluxio-mem-" + UUID.randomUUID());
    int rpcPort = freePort();
    // Fixed (free) worker ports instead of 0, so that a restarted worker (see
    // freeAndAwaitEvicted) comes back at the address clients already know.
    Configuration.set(PropertyKey.WORKER_RPC_PORT, freePort());
    Configuration.set(PropertyKey.WORKER_WEB_PORT, freePort());
    for (PropertyKey key : RESET_TO_DEFAULT) {
      Configuration.unset(key);
    }
    for (Map.Entry<PropertyKey, Object> e :
        benchmarkSettings(memTierDir, memTierBytes, shortCircuit, rpcPort, freePort()).entrySet()) {
      Configuration.set(e.getKey(), e.getValue());
    }
    try {
      cluster.start();
      return new LocalAlluxio(cluster, memTierDir, rpcPort);
    } catch (Exception | Error e) {
      try {
        cluster.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      deleteRecursively(memTierDir);
      throw e;
    }
  }

  /** The settings applied over the unit-test defaults; see the class comment. */
  static Map<PropertyKey, Object> benchmarkSettings(
      Path memTierDir, long memTierBytes, boolean shortCircuit, int rpcPort, int webPort) {
    Map<PropertyKey, Object> s = new LinkedHashMap<>();
    for (PropertyKey host :
        List.of(
            PropertyKey.MASTER_HOSTNAME,
            PropertyKey.MASTER_BIND_HOST,
            PropertyKey.MASTER_WEB_HOSTNAME,
            PropertyKey.MASTER_WEB_BIND_HOST,
            PropertyKey.WORKER_HOSTNAME,
            PropertyKey.WORKER_BIND_HOST,
            PropertyKey.WORKER_WEB_HOSTNAME,
            PropertyKey.WORKER_WEB_BIND_HOST,
            PropertyKey.USER_HOSTNAME)) {
      s.put(host, "localhost");
    }
    s.put(PropertyKey.MASTER_RPC_PORT, rpcPort);
    s.put(PropertyKey.MASTER_WEB_PORT, webPort);
    // Production block and chunk sizes instead of 1 KB / 64 B.
    s.put(PropertyKey.USER_BLOCK_SIZE_BYTES_DEFAULT, "64MB");
    s.put(PropertyKey.USER_BLOCK_REMOTE_READ_BUFFER_SIZE_BYTES, "8MB");
    s.put(PropertyKey.USER_STREAMING_READER_CHUNK_SIZE_BYTES, "1MB");
    // Heartbeats: defaults are 1 s+, tests use 15-20 ms. 100 ms keeps free() quick to take effect
    // (the worker drops blocks on its next heartbeat) at a few percent of a core.
    s.put(PropertyKey.WORKER_BLOCK_HEARTBEAT_INTERVAL_MS, "100ms");
    // One MEM tier in RAM, sized by the caller.
    s.put(PropertyKey.WORKER_TIERED_STORE_LEVELS, 1);
    s.put(PropertyKey.WORKER_TIERED_STORE_LEVEL0_ALIAS, "MEM");
    s.put(PropertyKey.WORKER_TIERED_STORE_LEVEL0_DIRS_PATH, memTierDir.toString());
    s.put(PropertyKey.WORKER_TIERED_STORE_LEVEL0_DIRS_QUOTA, Long.toString(memTierBytes));
    s.put(PropertyKey.WORKER_RAMDISK_SIZE, Long.toString(memTierBytes));
    // Reads cache what they touch (the defaults, stated because the comparison depends on them).
    s.put(PropertyKey.USER_FILE_READ_TYPE_DEFAULT, "CACHE");
    s.put(PropertyKey.USER_FILE_PASSIVE_CACHE_ENABLED, true);
    s.put(PropertyKey.USER_SHORT_CIRCUIT_ENABLED, shortCircuit);
    return s;
  }

  /**
   * Mounts an S3 prefix read-only at {@code mountPoint} through alluxio-underfs-s3a, path-style.
   *
   * @param endpoint for example {@code http://127.0.0.1:9000}
   * @param prefix key prefix inside the bucket ({@code ""} for the whole bucket)
   */
  public void mountS3(
      String mountPoint,
      String endpoint,
      String region,
      String bucket,
      String prefix,
      String accessKey,
      String secretKey)
      throws IOException, AlluxioException {
    String p = prefix.startsWith("/") ? prefix.substring(1) : prefix;
    AlluxioURI ufs = new AlluxioURI("s3://" + bucket + "/" + p);
    MountPOptions options =
        MountPOptions.newBuilder()
            .setReadOnly(true)
            .putProperties(PropertyKey.S3A_ACCESS_KEY.getName(), accessKey)
            .putProperties(PropertyKey.S3A_SECRET_KEY.getName(), secretKey)
            .putProperties(PropertyKey.UNDERFS_S3_ENDPOINT.getName(), endpoint)
            .putProperties(PropertyKey.UNDERFS_S3_ENDPOINT_REGION.getName(), region)
            .putProperties(PropertyKey.UNDERFS_S3_DISABLE_DNS_BUCKETS.getName(), "true")
            .putProperties(
                PropertyKey.UNDERFS_S3_SECURE_HTTP_ENABLED.getName(),
                Boolean.toString(URI.create(endpoint).getScheme().equals("https")))
            .build();
    fs.mount(new AlluxioURI(mountPoint), ufs, options);
  }

  /**
   * Mounts a local directory read-only at {@code mountPoint} (tests and runs without S3). Never the
   * root: {@code start()} deletes the root under-storage directory.
   */
  public void mountLocal(String mountPoint, Path dir) throws IOException, AlluxioException {
    fs.mount(
        new AlluxioURI(mountPoint),
        new AlluxioURI(dir.toAbsolutePath().toString()),
        MountPOptions.newBuilder().setReadOnly(true).build());
  }

  /** Alluxio's native client; owned by this object. */
  public FileSystem fileSystem() {
    return fs;
  }

  /** {@code alluxio://localhost:PORT} — the authority Hadoop clients use for this cluster. */
  public URI alluxioUri() {
    return URI.create("alluxio://localhost:" + masterRpcPort + "/");
  }

  /**
   * A new Hadoop-compatible client ({@code alluxio.hadoop.FileSystem}) for this cluster, not from
   * Hadoop's FileSystem cache; the caller closes it.
   */
  public org.apache.hadoop.fs.FileSystem newHadoopClient() throws IOException {
    org.apache.hadoop.conf.Configuration conf = hadoopConf();
    return org.apache.hadoop.fs.FileSystem.newInstance(alluxioUri(), conf);
  }

  /** Hadoop configuration mapping {@code alluxio://} to Alluxio's client. */
  public org.apache.hadoop.conf.Configuration hadoopConf() {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration(false);
    conf.set("fs.alluxio.impl", alluxio.hadoop.FileSystem.class.getName());
    conf.set(
        PropertyKey.USER_SHORT_CIRCUIT_ENABLED.getName(),
        Boolean.toString(Configuration.getBoolean(PropertyKey.USER_SHORT_CIRCUIT_ENABLED)));
    return conf;
  }

  /** Files directly under {@code dir} whose name ends with {@code suffix}, sorted by path. */
  public List<URIStatus> listFiles(String dir, String suffix) throws IOException, AlluxioException {
    List<URIStatus> out = new ArrayList<>();
    for (URIStatus s : fs.listStatus(new AlluxioURI(dir))) {
      if (!s.isFolder() && s.getName().endsWith(suffix)) {
        out.add(s);
      }
    }
    out.sort(Comparator.comparing(URIStatus::getPath));
    return out;
  }

  /**
   * Evicts {@code dir} from Alluxio storage and waits until none of {@code files} has a cached byte
   * (the worker drops blocks on its next heartbeat after the master's free). If repeated frees do
   * not evict within a few seconds, the worker is restarted on an empty MEM tier.
   *
   * @return true if {@code free} evicted the files, false if a worker restart was needed
   * @throws IOException if the files are still cached after {@code timeout}
   */
  public boolean freeAndAwaitEvicted(String dir, List<String> files, Duration timeout)
      throws IOException, AlluxioException, InterruptedException {
    long stallDeadline = System.nanoTime() + STALL.toNanos();
    FreePOptions recursive = FreePOptions.newBuilder().setRecursive(true).build();
    while (System.nanoTime() < stallDeadline) {
      // Free again on every round: a block whose asynchronous caching was still running when the
      // previous free reached the worker gets committed afterwards and would stay cached.
      fs.free(new AlluxioURI(dir), recursive);
      try {
        awaitPercentage(files, 0, Duration.ofMillis(500));
        // Asynchronous cache requests queued by earlier partial reads can still run after the
        // free and load the blocks again; only call it evicted once it stays so for a while.
        if (staysAt(files, 0, SETTLE)) {
          return true;
        }
      } catch (CacheStateTimeout e) {
        // Not evicted yet: free again.
      }
    }
    // Alluxio 2.9's worker can keep a block read-locked after a read (compare Alluxio issue
    // #17228, "Failed to acquire lock for block"); a locked block is never removed. Restart the
    // worker on an empty MEM tier: same ports, so clients reconnect to the same address.
    restartWorkerEmpty();
    awaitPercentage(files, 0, timeout);
    if (!staysAt(files, 0, SETTLE)) {
      throw new CacheStateTimeout(
          "files under " + dir + " cached again after a worker restart: " + describeCache(files));
    }
    return false;
  }

  /** Stops the worker, empties its MEM tier and starts it again on the same ports. */
  void restartWorkerEmpty() throws IOException {
    try {
      cluster.stopWorkers();
      try (Stream<Path> children = Files.list(memTierDir)) {
        for (Path child : children.toList()) {
          deleteRecursively(child);
        }
      }
      cluster.startWorkers();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("restarting the Alluxio worker failed", e);
    }
  }

  /** Each file with its cached percentage, for error messages. */
  String describeCache(List<String> files) throws IOException, AlluxioException {
    StringBuilder sb = new StringBuilder();
    for (String f : files) {
      URIStatus s = fs.getStatus(new AlluxioURI(f));
      sb.append(f).append('=').append(s.getInAlluxioPercentage()).append("% ");
    }
    return sb.toString().trim();
  }

  /** True if every file's cached percentage stays at {@code target} for {@code period}. */
  private boolean staysAt(List<String> files, int target, Duration period)
      throws IOException, AlluxioException, InterruptedException {
    long end = System.nanoTime() + period.toNanos();
    while (System.nanoTime() < end) {
      for (String f : files) {
        if (fs.getStatus(new AlluxioURI(f)).getInAlluxioPercentage() != target) {
          return false;
        }
      }
      Thread.sleep(POLL.toMillis());
    }
    return true;
  }

  /**
   * Waits until every file is 100% in Alluxio.
   *
   * @return true if they are, false if {@code timeout} passed first
   */
  public boolean awaitFullyCached(List<String> files, Duration timeout)
      throws IOException, AlluxioException, InterruptedException {
    try {
      awaitPercentage(files, 100, timeout);
      return true;
    } catch (CacheStateTimeout e) {
      return false;
    }
  }

  /** The smallest {@code getInAlluxioPercentage} over the files. */
  public int minInAlluxioPercentage(List<String> files) throws IOException, AlluxioException {
    int min = 100;
    for (String f : files) {
      min = Math.min(min, fs.getStatus(new AlluxioURI(f)).getInAlluxioPercentage());
    }
    return min;
  }

  private void awaitPercentage(List<String> files, int target, Duration timeout)
      throws IOException, AlluxioException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean done = true;
      for (String f : files) {
        int pct = fs.getStatus(new AlluxioURI(f)).getInAlluxioPercentage();
        if (pct != target) {
          done = false;
          break;
        }
      }
      if (done) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new CacheStateTimeout(
            "files under Alluxio did not reach "
                + target
                + "% cached within "
                + timeout.toMillis()
                + " ms: "
                + files);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Raised when the cache does not reach the awaited state in time. */
  public static final class CacheStateTimeout extends IOException {
    private static final long serialVersionUID = 1L;

    public CacheStateTimeout(String message) {
      super(message);
    }
  }

  /**
   * Bytes the worker has read from under-storage so far (sum of the per-UFS {@code
   * Worker.BytesReadPerUfs} counters). Compare two readings around a read.
   */
  public static long ufsBytesRead() {
    return sumCounters("BytesReadPerUfs");
  }

  /**
   * Bytes clients read by short-circuit from the local worker's storage ({@code
   * Client.BytesReadLocal}).
   */
  public static long shortCircuitBytesRead() {
    return sumCounters("Client.BytesReadLocal");
  }

  /**
   * Bytes the worker served from its storage to clients over gRPC ({@code Worker.BytesReadRemote}).
   */
  public static long workerRemoteBytesRead() {
    return sumCounters("Worker.BytesReadRemote");
  }

  private static long sumCounters(String fragment) {
    long sum = 0;
    for (Map.Entry<String, Counter> e : MetricsSystem.METRIC_REGISTRY.getCounters().entrySet()) {
      // Counter names carry an instance/host suffix and, for UFS counters, tags.
      if (e.getKey().contains(fragment) && !e.getKey().contains("Throughput")) {
        sum += e.getValue().getCount();
      }
    }
    return sum;
  }

  /** Stops worker and master, resets Alluxio's global configuration, deletes the MEM tier. */
  @Override
  public void close() throws Exception {
    Exception failure = null;
    try {
      fs.close();
    } catch (Exception e) {
      failure = e;
    }
    try {
      // stop() ends with a test assertion that the master holds no inode locks; it runs after
      // the processes are down, so whatever it throws is reported but stops nothing more.
      cluster.stop();
    } catch (Exception | AssertionError e) {
      Exception wrapped = e instanceof Exception ex ? ex : new IllegalStateException(e);
      if (failure == null) {
        failure = wrapped;
      } else {
        failure.addSuppressed(wrapped);
      }
    }
    try {
      deleteRecursively(memTierDir);
    } catch (UncheckedIOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
