package io.quiver.server;

import io.quiver.cache.ChunkCache;
import io.quiver.cache.EvictionPolicy;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.FileCatalogStore;
import io.quiver.catalog.FooterCache;
import io.quiver.storage.StorageMetrics;
import io.quiver.storage.StorageRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Quiver node: catalog (persisted under the data directory), off-heap chunk cache and the
 * Flight service, wired together.
 *
 * <p>Memory: one root allocator bounded by {@code memoryBytes + streamMemoryBytes}; the cache's
 * child is bounded by {@code memoryBytes}, the streams' child by {@code streamMemoryBytes}. Cached
 * data is allocated with {@code Unsafe} rather than Netty's pool so the JVM's direct-memory limit
 * does not need to be sized for the cache.
 *
 * <p>Thread-safe; {@link #close()} stops serving, then frees everything, and fails if memory
 * leaked.
 */
public final class QuiverServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QuiverServer.class);

  /**
   * @param memoryBytes capacity of the off-heap cache (hard bound)
   * @param batchRows rows per record batch and per cached slice (a multiple of 8)
   * @param rowGroupsPerEndpoint row groups per FlightEndpoint
   * @param streamMemoryBytes off-heap bytes streams may hold beyond the cache
   * @param evictionPolicy how the cache picks what to evict (LRU or TinyLFU)
   */
  public record Config(
      String host,
      int port,
      Path dataDir,
      long memoryBytes,
      int batchRows,
      int rowGroupsPerEndpoint,
      long streamMemoryBytes,
      EvictionPolicy evictionPolicy) {
    public Config {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(evictionPolicy, "evictionPolicy");
      Objects.requireNonNull(dataDir, "dataDir");
      if (memoryBytes <= 0) {
        throw new IllegalArgumentException("memory must be positive");
      }
      if (batchRows <= 0 || batchRows % 8 != 0) {
        throw new IllegalArgumentException("batchRows must be a positive multiple of 8");
      }
    }

    /** Defaults: 127.0.0.1:8815, {@code ./quiver-data}, 25% of RAM, 64k-row batches. */
    public static Config defaults() {
      long memory = ByteSize.physicalMemory() / 4;
      return new Config(
          "127.0.0.1",
          8815,
          Path.of("quiver-data"),
          memory,
          65536,
          4,
          Math.max(256L << 20, memory / 8),
          EvictionPolicy.LRU);
    }

    public Config withPort(int p) {
      return new Config(
          host,
          p,
          dataDir,
          memoryBytes,
          batchRows,
          rowGroupsPerEndpoint,
          streamMemoryBytes,
          evictionPolicy);
    }

    public Config withDataDir(Path d) {
      return new Config(
          host,
          port,
          d,
          memoryBytes,
          batchRows,
          rowGroupsPerEndpoint,
          streamMemoryBytes,
          evictionPolicy);
    }

    public Config withMemory(long m) {
      return new Config(
          host,
          port,
          dataDir,
          m,
          batchRows,
          rowGroupsPerEndpoint,
          streamMemoryBytes,
          evictionPolicy);
    }

    public Config withHost(String h) {
      return new Config(
          h,
          port,
          dataDir,
          memoryBytes,
          batchRows,
          rowGroupsPerEndpoint,
          streamMemoryBytes,
          evictionPolicy);
    }

    public Config withEvictionPolicy(EvictionPolicy policy) {
      return new Config(
          host,
          port,
          dataDir,
          memoryBytes,
          batchRows,
          rowGroupsPerEndpoint,
          streamMemoryBytes,
          policy);
    }

    public Config withBatchRows(int rows) {
      return new Config(
          host,
          port,
          dataDir,
          memoryBytes,
          rows,
          rowGroupsPerEndpoint,
          streamMemoryBytes,
          evictionPolicy);
    }
  }

  private final Config config;
  private final BufferAllocator root;
  private final BufferAllocator streams;
  private final BufferAllocator flight;
  private final ChunkCache cache;
  private final StorageMetrics storageMetrics = new StorageMetrics();
  private final Catalog catalog;
  private final FlightServer server;
  private final ChunkStreamer streamer;
  private final ExecutorService streamThreads =
      Executors.newCachedThreadPool(new StreamThreadFactory());

  private QuiverServer(Config config) throws IOException {
    this.config = config;
    Files.createDirectories(config.dataDir());
    this.root =
        new RootAllocator(
            RootAllocator.configBuilder()
                .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
                .maxAllocation(config.memoryBytes() + config.streamMemoryBytes())
                .build());
    BufferAllocator streamsAlloc = null;
    BufferAllocator flightAlloc = null;
    ChunkCache chunkCache = null;
    Catalog cat = null;
    try {
      // A little headroom absorbs concurrent loaders racing for the same freed bytes.
      chunkCache =
          new ChunkCache(
              root,
              ChunkCache.Options.of(config.memoryBytes())
                  .withEvictionMargin(Math.min(8L << 20, config.memoryBytes() / 100))
                  .withEvictionPolicy(config.evictionPolicy()));
      streamsAlloc = root.newChildAllocator("streams", 0, config.streamMemoryBytes());
      flightAlloc = root.newChildAllocator("flight", 0, config.streamMemoryBytes());
      cat =
          new Catalog(
              new FileCatalogStore(config.dataDir()),
              StorageRegistry.loadInstalled(),
              storageMetrics,
              new FooterCache(256L << 20));
      ScanPlanner planner = new ScanPlanner(cat, config.rowGroupsPerEndpoint());
      ChunkStreamer streamer = new ChunkStreamer(cat, chunkCache, streamsAlloc, config.batchRows());
      QuiverProducer producer =
          new QuiverProducer(cat, chunkCache, storageMetrics, planner, streamer, streamThreads);
      FlightServer flightServer =
          FlightServer.builder(
                  flightAlloc, Location.forGrpcInsecure(config.host(), config.port()), producer)
              .build();
      flightServer.start();
      this.server = flightServer;
      this.streamer = streamer;
    } catch (IOException | RuntimeException e) {
      closeQuietly(cat);
      closeQuietly(flightAlloc);
      closeQuietly(streamsAlloc);
      closeQuietly(chunkCache);
      closeQuietly(root);
      throw e;
    }
    this.streams = streamsAlloc;
    this.flight = flightAlloc;
    this.cache = chunkCache;
    this.catalog = cat;
  }

  /** Names stream threads so thread dumps show what they are. */
  private static final class StreamThreadFactory implements java.util.concurrent.ThreadFactory {
    private final java.util.concurrent.atomic.AtomicInteger next =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "quiver-stream-" + next.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception suppressed) {
        LOG.debug("close failed during start-up cleanup", suppressed);
      }
    }
  }

  /**
   * Starts a node.
   *
   * @throws IOException if the data directory or catalog cannot be read, or the port is taken
   */
  public static QuiverServer start(Config config) throws IOException {
    QuiverServer s = new QuiverServer(config);
    LOG.info(
        "Quiver listening on {} (cache {}, data dir {})",
        s.location().getUri(),
        ByteSize.format(config.memoryBytes()),
        config.dataDir().toAbsolutePath());
    return s;
  }

  public Location location() {
    return Location.forGrpcInsecure(config.host(), server.getPort());
  }

  public int port() {
    return server.getPort();
  }

  public Config config() {
    return config;
  }

  public ChunkCache cache() {
    return cache;
  }

  public Catalog catalog() {
    return catalog;
  }

  public StorageMetrics storageMetrics() {
    return storageMetrics;
  }

  /** The root allocator (for tests and metrics: peak and current off-heap use). */
  public BufferAllocator allocator() {
    return root;
  }

  @Override
  public void close() throws Exception {
    server.shutdown();
    if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
      LOG.warn("Calls still running after 10 s; cancelling them");
    }
    server.close();
    streamThreads.shutdown();
    // Cancelled calls end on the server side shortly after gRPC lets go of them.
    if (!streamer.awaitIdle(15_000)) {
      LOG.warn("Streams still running after shutdown; their memory cannot be freed");
    }
    streamThreads.shutdownNow();
    catalog.close();
    cache.close();
    streams.close();
    flight.close();
    root.close();
    LOG.info("Quiver stopped");
  }
}
