package io.quiver.bench.alluxio;

import alluxio.AlluxioURI;
import alluxio.client.file.FileInStream;
import alluxio.client.file.URIStatus;
import alluxio.exception.AlluxioException;
import com.sun.management.OperatingSystemMXBean;
import io.quiver.bench.alluxio.ParquetArrowDecoder.DecodeStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;

/**
 * The timed reads of one contender run: cold and warm full reads of every file and the concurrent
 * single-chunk requests, all through the {@code alluxio://} Hadoop client.
 *
 * <p>Borrows the cluster and the allocator; owns its Hadoop client, which it replaces before every
 * cold read (see {@link #cold}) and closes in {@link #close()}. Every Arrow batch is released
 * before the next one is decoded. Not thread-safe (one run drives it), though {@link
 * #concurrentChunks} uses threads internally.
 */
final class AlluxioReads implements AutoCloseable {

  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final LocalAlluxio alluxio;
  private FileSystem hadoop;
  private final List<URIStatus> files;
  private final List<String> paths;
  private final ParquetArrowDecoder decoder;
  private final org.apache.hadoop.conf.Configuration conf;
  private final long rowsInFiles;
  private int workerRestarts;

  AlluxioReads(
      LocalAlluxio alluxio,
      List<URIStatus> files,
      BufferAllocator allocator,
      int batchRows,
      org.apache.hadoop.conf.Configuration conf)
      throws IOException {
    this.alluxio = alluxio;
    this.hadoop = alluxio.newHadoopClient();
    this.files = List.copyOf(files);
    this.paths = files.stream().map(URIStatus::getPath).toList();
    this.decoder = new ParquetArrowDecoder(allocator, batchRows, conf);
    this.conf = conf;
    long rows = 0;
    for (URIStatus f : files) {
      rows += ParquetArrowDecoder.rowCount(inputFile(f), conf);
    }
    this.rowsInFiles = rows;
  }

  /** How many cold reads needed a worker restart to evict the files. */
  int workerRestarts() {
    return workerRestarts;
  }

  /** Rows in all files according to their footers. */
  long rowsInFiles() {
    return rowsInFiles;
  }

  /**
   * Frees the files from Alluxio, waits until nothing is cached, then times a read.
   *
   * <p>The Hadoop client is closed before the free (ending its streams on the worker, so none of
   * them holds a block lock that would block eviction) and replaced after it, outside the timing.
   * Locks Alluxio 2.9 leaks on its own (compare Alluxio issue #17228) are handled by {@link
   * LocalAlluxio#freeAndAwaitEvicted} restarting the worker.
   */
  ContenderReport.Result cold(Workload w, int repetition, Duration evictTimeout)
      throws IOException, AlluxioException, InterruptedException {
    hadoop.close();
    if (!alluxio.freeAndAwaitEvicted(AlluxioContender.MOUNT_POINT, paths, evictTimeout)) {
      workerRestarts++;
    }
    hadoop = alluxio.newHadoopClient();
    return timedRead(w, "cold", repetition);
  }

  /**
   * Times a read of files that must be 100% cached.
   *
   * @throws IllegalStateException if some file is not fully cached
   */
  ContenderReport.Result warm(Workload w, int repetition)
      throws IOException, AlluxioException, InterruptedException {
    int pct = alluxio.minInAlluxioPercentage(paths);
    if (pct != 100) {
      throw new IllegalStateException(
          "warm read of " + w.name() + " but files are " + pct + "% cached");
    }
    // Fetches of the asynchronous caching that completed the files are counted a little after
    // the blocks show as cached; let the counter settle so they are not charged to this read.
    long deadline = System.nanoTime() + 5_000_000_000L;
    long seen = LocalAlluxio.ufsBytesRead();
    while (System.nanoTime() < deadline) {
      Thread.sleep(100);
      long now = LocalAlluxio.ufsBytesRead();
      if (now == seen) {
        break;
      }
      seen = now;
    }
    return timedRead(w, "warm", repetition);
  }

  /**
   * Waits until every file is fully cached. A projected cold read touches only some byte ranges;
   * Alluxio then caches the touched blocks in full asynchronously, which normally completes within
   * a few hundred milliseconds. If it has not after {@code timeout}, every file is read once in
   * full through Alluxio's own client (what {@code alluxio fs load} does) and waited for again.
   *
   * @return true if caching completed by itself, false if the explicit load was needed
   * @throws IOException if the files are still not cached after the load
   */
  boolean ensureCached(Duration timeout)
      throws IOException, AlluxioException, InterruptedException {
    if (alluxio.awaitFullyCached(paths, timeout)) {
      return true;
    }
    byte[] buf = new byte[1 << 20];
    for (URIStatus f : files) {
      try (FileInStream in = alluxio.fileSystem().openFile(new AlluxioURI(f.getPath()))) {
        while (in.read(buf) >= 0) {
          // Reading to the end with read type CACHE stores every block in the worker.
        }
      }
    }
    if (!alluxio.awaitFullyCached(paths, timeout)) {
      throw new IOException(
          "Alluxio did not cache "
              + paths
              + " even after reading them in full; is the MEM tier"
              + " large enough?");
    }
    return false;
  }

  private ContenderReport.Result timedRead(Workload w, String phase, int repetition)
      throws IOException, AlluxioException {
    int cachedBefore = alluxio.minInAlluxioPercentage(paths);
    long ufsBefore = LocalAlluxio.ufsBytesRead();
    long localBefore = LocalAlluxio.shortCircuitBytesRead();
    long cpu0 = OS.getProcessCpuTime();
    long t0 = System.nanoTime();
    DecodeStats stats = DecodeStats.ZERO;
    for (URIStatus f : files) {
      stats = stats.plus(decoder.decode(inputFile(f), f.getPath(), w.columns(), batch -> {}));
    }
    long wall = System.nanoTime() - t0;
    long cpu = OS.getProcessCpuTime() - cpu0;
    long ufsDelta = LocalAlluxio.ufsBytesRead() - ufsBefore;
    long localDelta = LocalAlluxio.shortCircuitBytesRead() - localBefore;
    if (stats.rows() != rowsInFiles) {
      throw new IllegalStateException(
          "workload "
              + w.name()
              + " ("
              + phase
              + ") decoded "
              + stats.rows()
              + " rows but the"
              + " files hold "
              + rowsInFiles);
    }
    return new ContenderReport.Result(
        w.name(),
        phase,
        repetition,
        wall,
        stats.rows(),
        stats.arrowBytes(),
        cpu,
        ufsDelta < 0 ? -1 : ufsDelta,
        localDelta < 0 ? -1 : localDelta,
        cachedBefore);
  }

  /**
   * {@code clients} threads released together; client {@code i} opens the file of the i-th
   * (round-robin) row group and decodes that row group's chunk of {@code column}.
   */
  ContenderReport.Concurrent concurrentChunks(int clients, String column)
      throws IOException, InterruptedException {
    record Chunk(URIStatus file, int rowGroup) {}
    List<Chunk> chunks = new ArrayList<>();
    for (URIStatus f : files) {
      try (ParquetFileReader r =
          ParquetFileReader.open(inputFile(f), HadoopReadOptions.builder(conf).build())) {
        List<BlockMetaData> groups = r.getRowGroups();
        for (int g = 0; g < groups.size(); g++) {
          chunks.add(new Chunk(f, g));
        }
      }
    }
    if (chunks.isEmpty()) {
      throw new IllegalStateException("the files have no row groups");
    }
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch ready = new CountDownLatch(clients);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<DecodeStats>> futures = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        Chunk c = chunks.get(i % chunks.size());
        futures.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  long t0 = System.nanoTime();
                  DecodeStats s =
                      decoder.decodeRowGroup(
                          inputFile(c.file()),
                          c.file().getPath(),
                          List.of(column),
                          c.rowGroup(),
                          batch -> {});
                  latencies.add(System.nanoTime() - t0);
                  return s;
                }));
      }
      ready.await();
      long t0 = System.nanoTime();
      go.countDown();
      DecodeStats total = DecodeStats.ZERO;
      for (Future<DecodeStats> f : futures) {
        try {
          total = total.plus(f.get());
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof IOException io) {
            throw io;
          }
          if (cause instanceof RuntimeException re) {
            throw re;
          }
          throw new IOException("concurrent chunk read failed", cause);
        }
      }
      long wall = System.nanoTime() - t0;
      return new ContenderReport.Concurrent(
          clients, clients, column, List.copyOf(latencies), wall, total.rows(), total.arrowBytes());
    } finally {
      pool.shutdownNow();
      // Let interrupted clients release their batches before the caller closes the allocator.
      pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws IOException {
    hadoop.close();
  }

  private HadoopFsInputFile inputFile(URIStatus f) {
    return new HadoopFsInputFile(hadoop, new Path(f.getPath()), f.getLength());
  }
}
