package io.quiver.bench.alluxio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import alluxio.client.file.URIStatus;
import alluxio.conf.Configuration;
import alluxio.conf.PropertyKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster wrapper over a local-directory mount: reads cache the file, and the fallback used
 * when {@code free} cannot evict — restarting the worker on an empty MEM tier — leaves nothing
 * cached while the existing Hadoop client keeps working against the restarted worker.
 */
class LocalAlluxioTest {

  @TempDir Path dir;

  @Test
  void workerRestartEmptiesTheCacheAndClientsKeepReading() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    TestLineitem.write(data.resolve("a.parquet"), 0, 2_000);
    Path memTier;
    try (BufferAllocator allocator = new RootAllocator(64L << 20);
        LocalAlluxio alluxio = LocalAlluxio.start(dir.resolve("work"), 256L << 20, true)) {
      alluxio.mountLocal("/data", data);
      List<URIStatus> files = alluxio.listFiles("/data", ".parquet");
      assertEquals(1, files.size());
      List<String> paths = List.of(files.get(0).getPath());
      try (FileSystem hadoop = alluxio.newHadoopClient()) {
        ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 500, alluxio.hadoopConf());
        HadoopFsInputFile in =
            new HadoopFsInputFile(
                hadoop, new org.apache.hadoop.fs.Path(paths.get(0)), files.get(0).getLength());
        assertEquals(2_000, decoder.decode(in, "a.parquet", List.of(), b -> {}).rows());
        assertTrue(alluxio.awaitFullyCached(paths, Duration.ofSeconds(30)));

        alluxio.restartWorkerEmpty();
        assertFalse(alluxio.awaitFullyCached(paths, Duration.ofMillis(200)));
        assertEquals(0, alluxio.minInAlluxioPercentage(paths));

        assertEquals(2_000, decoder.decode(in, "a.parquet", List.of("l_orderkey"), b -> {}).rows());
        assertTrue(alluxio.awaitFullyCached(paths, Duration.ofSeconds(30)));
      }
      memTier = memTierDir();
    }
    assertTrue(Files.notExists(memTier), "MEM tier deleted on close: " + memTier);
  }

  private static Path memTierDir() {
    return Path.of(Configuration.getList(PropertyKey.WORKER_TIERED_STORE_LEVEL0_DIRS_PATH).get(0));
  }
}
