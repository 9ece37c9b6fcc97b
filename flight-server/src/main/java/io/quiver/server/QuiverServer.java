package io.quiver.server;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.quiver.cache.CacheOptions;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.DiskDirectory;
import io.quiver.cache.EvictionPolicy;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.CatalogStore;
import io.quiver.catalog.FileCatalogStore;
import io.quiver.catalog.MetadataCache;
import io.quiver.cluster.Cluster;
import io.quiver.cluster.Member;
import io.quiver.cluster.Membership;
import io.quiver.cluster.ZooKeeperCatalogStore;
import io.quiver.format.FormatRegistry;
import io.quiver.protocol.action.NodesResponse;
import io.quiver.server.monitoring.FlightCallMetrics;
import io.quiver.server.monitoring.MonitoringServer;
import io.quiver.server.monitoring.NodeMetrics;
import io.quiver.server.monitoring.RecentErrors;
import io.quiver.server.monitoring.StatusPage;
import io.quiver.server.security.Access;
import io.quiver.server.security.Authenticator;
import io.quiver.server.security.OperatorMountPolicy;
import io.quiver.server.security.Principal;
import io.quiver.server.security.SecurityConfig;
import io.quiver.server.sql.FlightSqlService;
import io.quiver.server.sql.SqlEngine;
import io.quiver.storage.StorageMetrics;
import io.quiver.storage.StorageRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStatusCode;
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
 * <p>Memory: one root allocator bounded by the sum of its children's limits: the cache's child by
 * {@code memoryBytes} (disk-tier chunks mapped into memory count there too), the streams' and
 * Flight's own by {@code streamMemoryBytes} each, and chunks streamed through uncached (when the
 * cache cannot take them) by {@code streamThroughBytes}. Cached data is allocated with {@code
 * Unsafe} rather than Netty's pool so the JVM's direct-memory limit does not need to be sized for
 * the cache.
 *
 * <p>Thread-safe; {@link #close()} stops serving, then frees everything, and fails if memory
 * leaked.
 */
public final class QuiverServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QuiverServer.class);

  /**
   * A node's settings. Immutable: every {@code withX} returns a copy. Thread-safe.
   *
   * <ul>
   *   <li>{@code memoryBytes}: capacity of the off-heap cache (hard bound)
   *   <li>{@code batchRows}: rows per record batch and per cached slice (a multiple of 8)
   *   <li>{@code rowGroupsPerEndpoint}: row groups (stripes) per FlightEndpoint
   *   <li>{@code streamMemoryBytes}: off-heap bytes streams may hold beyond the cache; the same
   *       budget bounds data streamed through uncached when everything cached is pinned or in use
   *   <li>{@code evictionPolicy}: how the cache picks what to evict (TinyLFU by default, or LRU)
   *   <li>{@code expireAfterWrite}: cached data older than this is re-read (null: never)
   *   <li>{@code diskDirectories}: the local-disk tier (empty: memory only)
   *   <li>{@code decoder}: the default decoder ({@code java} or {@code native}); a mount's {@code
   *       decoder} option overrides it, and a format or column the decoder cannot read falls back
   *       to the format's own Java decoder
   *   <li>{@code coldPipeline}: how a stream overlaps loading with sending on a cache miss ({@link
   *       ColdPipeline}; {@code PREFETCH} by default: the next unit loaded while this one is sent;
   *       {@code PARALLEL} also decodes a unit's columns in parallel groups)
   *   <li>{@code decodeThreads}: the node's decode pool that does it, shared by all streams (the
   *       available processors by default)
   *   <li>{@code tls}: certificate and key to serve {@code grpc+tls}, and optionally a client CA
   *       for mutual TLS
   *   <li>{@code security}: users, API tokens, credential sets, local roots ({@link
   *       SecurityConfig}); with no users or tokens every caller is admin and the node refuses to
   *       listen beyond loopback unless {@code insecure}
   *   <li>{@code httpPort}: the monitoring port ({@code /metrics}, {@code /health}, {@code /ready},
   *       the status page at {@code /}; see {@link MonitoringServer}) on the Flight host: {@link
   *       #HTTP_OFF} (the default here; {@code quiver serve} uses 8816), a port, or {@link
   *       #HTTP_ANY_PORT}
   * </ul>
   */
  public static final class Config {
    private String host;
    private int port;
    private Path dataDir;
    private long memoryBytes;
    private int batchRows;
    private int rowGroupsPerEndpoint;
    private long streamMemoryBytes;
    private EvictionPolicy evictionPolicy;
    private String decoder;
    private java.time.Duration expireAfterWrite;
    private List<DiskDirectory> diskDirectories = List.of();
    private long streamThroughBytes = -1; // -1: the stream memory
    private long sqlMemoryBytes = -1; // -1: a quarter of the cache, at least 256 MiB
    private SecurityConfig security = SecurityConfig.none();
    private boolean insecure;
    private java.time.Duration ticketTtl = java.time.Duration.ofHours(1);
    private Path tlsCertificate;
    private Path tlsKey;
    private Path tlsClientCa;
    private int httpPort = HTTP_OFF;
    private ClusterSettings cluster;
    private com.github.benmanes.caffeine.cache.Ticker ticker =
        com.github.benmanes.caffeine.cache.Ticker.systemTicker();
    // PREFETCH: measured neutral to faster on every run here; PARALLEL only where the store's
    // latency dominates (README, Benchmarks), so it is chosen, not the default.
    private ColdPipeline coldPipeline = ColdPipeline.PREFETCH;
    private int decodeThreads = Runtime.getRuntime().availableProcessors();
    private io.quiver.cache.SharedMemoryOptions shortCircuit;
    private java.time.Duration shortCircuitLease = ShortCircuit.DEFAULT_LEASE_TIME;

    /** {@link #withHttpPort}: no monitoring port (the default of {@link #defaults()}). */
    public static final int HTTP_OFF = 0;

    /**
     * {@link #withHttpPort}: a free port the system picks ({@link QuiverServer#httpPort()} tells
     * which): what tests use, so that no two nodes compete for one port.
     */
    public static final int HTTP_ANY_PORT = -1;

    private Config() {}

    private Config copy() {
      Config c = new Config();
      c.host = host;
      c.port = port;
      c.dataDir = dataDir;
      c.memoryBytes = memoryBytes;
      c.batchRows = batchRows;
      c.rowGroupsPerEndpoint = rowGroupsPerEndpoint;
      c.streamMemoryBytes = streamMemoryBytes;
      c.evictionPolicy = evictionPolicy;
      c.decoder = decoder;
      c.expireAfterWrite = expireAfterWrite;
      c.diskDirectories = diskDirectories;
      c.streamThroughBytes = streamThroughBytes;
      c.sqlMemoryBytes = sqlMemoryBytes;
      c.security = security;
      c.insecure = insecure;
      c.ticketTtl = ticketTtl;
      c.tlsCertificate = tlsCertificate;
      c.tlsKey = tlsKey;
      c.tlsClientCa = tlsClientCa;
      c.httpPort = httpPort;
      c.cluster = cluster;
      c.ticker = ticker;
      c.coldPipeline = coldPipeline;
      c.decodeThreads = decodeThreads;
      c.shortCircuit = shortCircuit;
      c.shortCircuitLease = shortCircuitLease;
      return c;
    }

    /**
     * Defaults: 127.0.0.1:8815, {@code ./quiver-data}, 25% of RAM, 64k-row batches, no monitoring
     * port (many nodes start in one test JVM: none may take a fixed port unasked).
     */
    public static Config defaults() {
      Config c = new Config();
      long memory = ByteSize.physicalMemory() / 4;
      c.host = "127.0.0.1";
      c.port = 8815;
      c.dataDir = Path.of("quiver-data");
      c.memoryBytes = memory;
      c.batchRows = 65536;
      c.rowGroupsPerEndpoint = 4;
      c.streamMemoryBytes = -1; // derived from the memory
      c.evictionPolicy = EvictionPolicy.TINY_LFU;
      c.decoder = DEFAULT_DECODER;
      return c;
    }

    public String host() {
      return host;
    }

    public int port() {
      return port;
    }

    public Path dataDir() {
      return dataDir;
    }

    public long memoryBytes() {
      return memoryBytes;
    }

    public int batchRows() {
      return batchRows;
    }

    public int rowGroupsPerEndpoint() {
      return rowGroupsPerEndpoint;
    }

    public long streamMemoryBytes() {
      // Derived from the configured cache, never from the host: --memory bounds everything.
      return streamMemoryBytes > 0 ? streamMemoryBytes : Math.max(64L << 20, memoryBytes / 8);
    }

    public EvictionPolicy evictionPolicy() {
      return evictionPolicy;
    }

    public String decoder() {
      return decoder;
    }

    /**
     * Off-heap bytes for chunks streamed to clients uncached because the cache cannot take them
     * (everything pinned or in use, or one row group larger than the cache); 0 turns it off and
     * such reads fail with RESOURCE_EXHAUSTED. Defaults to {@link #streamMemoryBytes()}.
     */
    public long streamThroughBytes() {
      return streamThroughBytes < 0 ? streamMemoryBytes() : streamThroughBytes;
    }

    /**
     * Working memory of SQL queries (Flight SQL): DuckDB's memory limit, and the bound of the
     * off-heap allocator their scans and results use. A query needing more fails with
     * RESOURCE_EXHAUSTED. Defaults to a quarter of the cache (at least 256 MiB).
     */
    public long sqlMemoryBytes() {
      return sqlMemoryBytes < 0 ? Math.max(256L << 20, memoryBytes / 4) : sqlMemoryBytes;
    }

    public Config withSqlMemory(long bytes) {
      if (bytes < (64L << 20)) {
        throw new IllegalArgumentException("SQL memory must be at least 64 MiB");
      }
      Config c = copy();
      c.sqlMemoryBytes = bytes;
      return c;
    }

    public Config withStreamThroughBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("stream-through budget must be >= 0");
      }
      Config c = copy();
      c.streamThroughBytes = bytes;
      return c;
    }

    /** The disk tier's directories, each with its capacity; empty for memory only. */
    public List<DiskDirectory> diskDirectories() {
      return diskDirectories;
    }

    /**
     * Adds a local-disk tier: chunks evicted from memory are kept in these directories (each
     * bounded by its capacity) and found again after a restart.
     */
    public Config withDiskDirectories(List<DiskDirectory> dirs) {
      Config c = copy();
      c.diskDirectories = List.copyOf(dirs);
      return c;
    }

    /** How long a cached chunk may be served after it was loaded; null for no limit. */
    public java.time.Duration expireAfterWrite() {
      return expireAfterWrite;
    }

    /** Cached chunks older than {@code ttl} are dropped and re-read; null for no limit. */
    public Config withExpireAfterWrite(java.time.Duration ttl) {
      if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
        throw new IllegalArgumentException("expiry must be positive, was " + ttl);
      }
      Config c = copy();
      c.expireAfterWrite = ttl;
      return c;
    }

    /** Users, tokens, credential sets and local roots (default: none of them). */
    public SecurityConfig security() {
      return security;
    }

    public Config withSecurity(SecurityConfig s) {
      Config c = copy();
      c.security = Objects.requireNonNull(s, "security");
      return c;
    }

    /** Whether a node without authentication may listen on a non-loopback address. */
    public boolean insecure() {
      return insecure;
    }

    public Config withInsecure(boolean yes) {
      Config c = copy();
      c.insecure = yes;
      return c;
    }

    /** Whether the node serves TLS ({@code grpc+tls}). */
    public boolean tls() {
      return tlsCertificate != null;
    }

    /**
     * Serve TLS with {@code certificate} (PEM chain) and {@code key} (PEM, PKCS#8); with {@code
     * clientCa} (PEM, or null) clients must present a certificate it signed (mutual TLS).
     */
    public Config withTls(Path certificate, Path key, Path clientCa) {
      if ((certificate == null) != (key == null)) {
        throw new IllegalArgumentException("TLS needs both a certificate and its key");
      }
      if (clientCa != null && certificate == null) {
        throw new IllegalArgumentException("Client certificates (mutual TLS) need TLS");
      }
      for (Path p : new Path[] {certificate, key, clientCa}) {
        if (p != null && !Files.isReadable(p)) {
          throw new IllegalArgumentException("Cannot read " + p);
        }
      }
      Config c = copy();
      c.tlsCertificate = certificate;
      c.tlsKey = key;
      c.tlsClientCa = clientCa;
      return c;
    }

    /** How long a planned endpoint's ticket may be used (its {@code expiration_time}). */
    public java.time.Duration ticketTtl() {
      return ticketTtl;
    }

    public Config withTicketTtl(java.time.Duration ttl) {
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ticket lifetime must be positive, was " + ttl);
      }
      Config c = copy();
      c.ticketTtl = ttl;
      return c;
    }

    /**
     * The monitoring HTTP port: {@link #HTTP_OFF}, {@link #HTTP_ANY_PORT} or the port to listen on.
     */
    public int httpPort() {
      return httpPort;
    }

    /**
     * Serve {@code /metrics}, {@code /health}, {@code /ready} and the status page ({@code /}) over
     * HTTP on {@code port} of the Flight host ({@link #HTTP_OFF}: not at all; {@link
     * #HTTP_ANY_PORT}: a free port). The first three are unauthenticated: they serve no data and no
     * secrets, but tell anyone who reaches them how the node is used; the status page is for admins
     * when users or tokens are configured (see {@link MonitoringServer}).
     */
    public Config withHttpPort(int port) {
      if (port < HTTP_ANY_PORT || port > 65535) {
        throw new IllegalArgumentException(
            "HTTP port must be 0 (off), -1 (any free port) or 1..65535, was " + port);
      }
      Config c = copy();
      c.httpPort = port;
      return c;
    }

    /** The clock the catalog's kept listings age by. */
    public com.github.benmanes.caffeine.cache.Ticker ticker() {
      return ticker;
    }

    /**
     * The clock the catalog's kept listings (sync intervals, verified versions) age by: the
     * system's by default; tests give a fake one and advance it instead of sleeping.
     */
    public Config withTicker(com.github.benmanes.caffeine.cache.Ticker t) {
      Config c = copy();
      c.ticker = Objects.requireNonNull(t, "ticker");
      return c;
    }

    /** The cluster this node joins, or null for a single node (the default). */
    public ClusterSettings cluster() {
      return cluster;
    }

    /** Joins a cluster ({@code null}: a single node). */
    public Config withCluster(ClusterSettings settings) {
      Config c = copy();
      c.cluster = settings;
      return c;
    }

    public Config withHost(String h) {
      Config c = copy();
      c.host = Objects.requireNonNull(h, "host");
      return c;
    }

    public Config withPort(int p) {
      if (p < 0 || p > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + p);
      }
      Config c = copy();
      c.port = p;
      return c;
    }

    public Config withDataDir(Path d) {
      Config c = copy();
      c.dataDir = Objects.requireNonNull(d, "dataDir");
      return c;
    }

    public Config withMemory(long m) {
      if (m <= 0) {
        throw new IllegalArgumentException("memory must be positive");
      }
      long ram = ByteSize.physicalMemory();
      if (ram > 0 && m > ram) {
        throw new IllegalArgumentException(
            "memory "
                + ByteSize.format(m)
                + " is more than this host's RAM ("
                + ByteSize.format(ram)
                + "): the cache would be paged out or killed; choose at most about 60% of it");
      }
      Config c = copy();
      c.memoryBytes = m;
      return c;
    }

    public Config withStreamMemory(long m) {
      if (m <= 0) {
        throw new IllegalArgumentException("stream memory must be positive");
      }
      Config c = copy();
      c.streamMemoryBytes = m;
      return c;
    }

    public Config withBatchRows(int rows) {
      if (rows <= 0 || rows % 8 != 0) {
        throw new IllegalArgumentException("batchRows must be a positive multiple of 8");
      }
      Config c = copy();
      c.batchRows = rows;
      return c;
    }

    public Config withRowGroupsPerEndpoint(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("rowGroupsPerEndpoint must be >= 1");
      }
      Config c = copy();
      c.rowGroupsPerEndpoint = n;
      return c;
    }

    public Config withEvictionPolicy(EvictionPolicy policy) {
      Config c = copy();
      c.evictionPolicy = Objects.requireNonNull(policy, "evictionPolicy");
      return c;
    }

    /** The default decoder by name; checked against the installed decoders at start. */
    public Config withDecoder(String name) {
      Config c = copy();
      c.decoder = Objects.requireNonNull(name, "decoder");
      return c;
    }

    /** How streams overlap loading with sending on a cache miss. */
    public ColdPipeline coldPipeline() {
      return coldPipeline;
    }

    public Config withColdPipeline(ColdPipeline pipeline) {
      Config c = copy();
      c.coldPipeline = Objects.requireNonNull(pipeline, "coldPipeline");
      return c;
    }

    /**
     * Where the memory tier keeps chunks in shared memory for short-circuit reads by clients on
     * this host ({@link ShortCircuit}); null (the default) keeps them in ordinary memory and
     * refuses short-circuit reads.
     */
    public io.quiver.cache.SharedMemoryOptions shortCircuit() {
      return shortCircuit;
    }

    public Config withShortCircuit(io.quiver.cache.SharedMemoryOptions options) {
      Config c = copy();
      c.shortCircuit = options;
      return c;
    }

    /** How long an idle short-circuit lease keeps its chunks (30 s by default). */
    public java.time.Duration shortCircuitLease() {
      return shortCircuitLease;
    }

    public Config withShortCircuitLease(java.time.Duration lease) {
      if (lease.isZero() || lease.isNegative()) {
        throw new IllegalArgumentException("The short-circuit lease time must be positive");
      }
      Config c = copy();
      c.shortCircuitLease = lease;
      return c;
    }

    /** Threads of the node's decode pool (unused with {@link ColdPipeline#SERIAL}). */
    public int decodeThreads() {
      return decodeThreads;
    }

    public Config withDecodeThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("decode threads must be >= 1");
      }
      Config c = copy();
      c.decodeThreads = threads;
      return c;
    }
  }

  /**
   * The decoder used when neither the server nor a mount chooses one: Arrow C++ (measured 1.2–1.6×
   * faster cold scans than the Java decoder on every store here, see README); columns it does not
   * decode, ORC files and hosts without the JNI library use the format's Java decoder.
   */
  public static final String DEFAULT_DECODER = "native";

  private final Config config;
  private final BufferAllocator root;
  private final BufferAllocator streams;
  private final BufferAllocator flight;
  private final ChunkCache cache;

  /**
   * The system property naming a file to write the cache's request trace to (see {@link
   * io.quiver.cache.AccessTraceFile}): a diagnostic for the bench's policy simulator, off unless
   * set.
   */
  public static final String CACHE_TRACE_PROPERTY = "quiver.cache.trace";

  private final io.quiver.cache.AccessTraceFile cacheTrace;
  private final StorageMetrics storageMetrics = new StorageMetrics();
  private final Catalog catalog;
  private final CatalogStore catalogStore;

  /** The cluster connection and this node's membership, or null on a single node. */
  private final Cluster cluster;

  private final Membership membership;
  private final FlightServer server;
  private final ChunkStreamer streamer;
  private final BufferAllocator sql;
  private final SqlEngine sqlEngine;
  private final FlightSqlService sqlService;
  private final CacheQuotas quotas = new CacheQuotas();

  /** The monitoring port, or null when off. */
  private final MonitoringServer http;

  /** Held while the node runs: a second node on the same data dir would lose catalog changes. */
  private final java.nio.channels.FileChannel dataDirLock;

  private final ExecutorService streamThreads =
      Executors.newCachedThreadPool(new StreamThreadFactory());

  /** Loads units ahead of streams and columns in parallel ({@link ColdPipeline}). */
  private final DecodePool decodePool;

  /** Short-circuit leases; set once the node is up. */
  private ShortCircuit shortCircuit;

  private QuiverServer(Config config) throws IOException {
    long startedMillis = System.currentTimeMillis();
    this.config = config;
    Authenticator authenticator = checkExposure(config);
    Files.createDirectories(config.dataDir());
    this.dataDirLock = lockDataDir(config.dataDir());
    this.decodePool = new DecodePool(config.decodeThreads());
    this.root =
        new RootAllocator(
            RootAllocator.configBuilder()
                .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
                .maxAllocation(
                    config.memoryBytes()
                        + 2 * config.streamMemoryBytes()
                        + config.streamThroughBytes()
                        + config.sqlMemoryBytes())
                .build());
    BufferAllocator streamsAlloc = null;
    BufferAllocator flightAlloc = null;
    BufferAllocator sqlAlloc = null;
    SqlEngine sqlEngine = null;
    FlightSqlService sqlService = null;
    ChunkCache chunkCache = null;
    io.quiver.cache.AccessTraceFile trace = null;
    Catalog cat = null;
    CatalogStore catStore = null;
    Cluster clusterConn = null;
    Membership member = null;
    FlightServer flightServer = null;
    MonitoringServer httpServer = null;
    try {
      FormatRegistry formats = FormatRegistry.loadInstalled();
      if (!formats.allDecoderNames().contains(config.decoder())) {
        throw new IllegalArgumentException(
            "Unknown decoder '"
                + config.decoder()
                + "' (available: "
                + String.join(", ", formats.allDecoderNames())
                + ")");
      }
      TicketSigner signer;
      ClusterPlacement placement = null;
      PinnedReplicas pinnedReplicas = new PinnedReplicas();
      AtomicReference<Membership> joined = new AtomicReference<>();
      java.util.concurrent.atomic.AtomicInteger boundPort =
          new java.util.concurrent.atomic.AtomicInteger(config.port());
      if (config.cluster() == null) {
        catStore = new FileCatalogStore(config.dataDir());
        signer = new TicketSigner(config.ticketTtl());
      } else {
        ClusterSettings cs = config.cluster();
        if (config.security().authenticationEnabled() && cs.secretFile() == null) {
          throw new IllegalArgumentException(
              "A cluster with users or tokens needs --cluster-secret-file: the key that signs"
                  + " tickets must not be readable by whoever can read ZooKeeper");
        }
        clusterConn = Cluster.connect(cs.address(), CLUSTER_CONNECT_MILLIS);
        catStore = new ZooKeeperCatalogStore(clusterConn.client(), cs.address().basePath());
        signer = new TicketSigner(config.ticketTtl(), clusterConn.ticketKey(cs.secretFile()));
        placement = new ClusterPlacement(joined::get, cs.replicas(), pinnedReplicas);
      }
      cat =
          new Catalog(
              catStore,
              StorageRegistry.loadInstalled(),
              formats,
              storageMetrics,
              new MetadataCache(
                  256L << 20, io.quiver.catalog.ListingCache.DEFAULT_MAX_ENTRIES, config.ticker()),
              new OperatorMountPolicy(config.security()));
      Catalog catalogForCheck = cat;
      java.util.Map<String, Boolean> versionChecks = new java.util.concurrent.ConcurrentHashMap<>();
      // A little headroom absorbs concurrent loaders racing for the same freed bytes. Loads that
      // cannot be cached (everything pinned or in use) stream through a budget of their own.
      CacheOptions cacheOptions =
          CacheOptions.of(config.memoryBytes())
              .withEvictionMargin(Math.min(8L << 20, config.memoryBytes() / 100))
              .withEvictionPolicy(config.evictionPolicy())
              .withStreamThrough(config.streamThroughBytes())
              .withQuotaGroup(quotas::groupOf)
              .withVersionCheck(
                  // One store call per file version, not per chunk; only the re-index asks.
                  key ->
                      versionChecks.computeIfAbsent(
                          key.file() + '\n' + key.version(),
                          k ->
                              catalogForCheck.isCurrentVersion(
                                  io.quiver.storage.Location.of(key.file()), key.version())));
      if (config.expireAfterWrite() != null) {
        cacheOptions = cacheOptions.withExpireAfterWrite(config.expireAfterWrite());
      }
      if (!config.diskDirectories().isEmpty()) {
        cacheOptions = cacheOptions.withDiskTier(config.diskDirectories());
      }
      cacheOptions = cacheOptions.withSharedMemory(config.shortCircuit());
      chunkCache = new ChunkCache(root, cacheOptions);
      chunkCache.reindexed().whenComplete((done, failure) -> versionChecks.clear());
      String tracePath = System.getProperty(CACHE_TRACE_PROPERTY);
      if (tracePath != null && !tracePath.isBlank()) {
        trace = io.quiver.cache.AccessTraceFile.create(Path.of(tracePath));
        chunkCache.recordAccesses(trace);
        LOG.info("Recording the cache's request trace to {}", trace.path());
      }
      quotas.apply(cat.mounts(), chunkCache);
      // A mount's cache quota set through another node (or another catalog) applies here too.
      Catalog quotaCatalog = cat;
      ChunkCache quotaCache = chunkCache;
      cat.onFollowedRevision(() -> quotas.apply(quotaCatalog.mounts(), quotaCache));
      streamsAlloc = root.newChildAllocator("streams", 0, config.streamMemoryBytes());
      flightAlloc = root.newChildAllocator("flight", 0, config.streamMemoryBytes());
      ScanMetrics scanMetrics = new ScanMetrics();
      // A registry per node: several nodes run in one test JVM, each with its own counters.
      PrometheusRegistry registry =
          config.httpPort() == Config.HTTP_OFF ? null : new PrometheusRegistry();
      ScanPlanner planner =
          new ScanPlanner(cat, config.rowGroupsPerEndpoint(), scanMetrics, signer, placement);
      UnitLoader units =
          new UnitLoader(
              cat,
              chunkCache,
              config.batchRows(),
              config.decoder(),
              decodePool,
              config.coldPipeline());
      ChunkStreamer streamer = new ChunkStreamer(cat, units, streamsAlloc, scanMetrics);
      shortCircuit =
          new ShortCircuit(
              cat,
              units,
              streamsAlloc,
              scanMetrics,
              signer,
              chunkCache.sharedMemory(),
              config.shortCircuitLease());
      sqlAlloc = root.newChildAllocator("sql", 0, config.sqlMemoryBytes());
      LocalScans localScans = new LocalScans(cat, planner, units, scanMetrics);
      sqlEngine =
          new SqlEngine(
              localScans,
              config.sqlMemoryBytes(),
              Runtime.getRuntime().availableProcessors(),
              config.dataDir().resolve("sql-spill"),
              4 * config.sqlMemoryBytes());
      Access access = new Access(authenticator, cat);
      sqlService = new FlightSqlService(localScans, sqlEngine, sqlAlloc, streamThreads, access);
      QuiverProducer producer =
          new QuiverProducer(
              cat,
              planner,
              streamer,
              streamThreads,
              new QuiverActions(
                  cat,
                  chunkCache,
                  storageMetrics,
                  units,
                  quotas,
                  root,
                  scanMetrics,
                  access,
                  placement,
                  pinnedReplicas,
                  () -> nodes(config, joined.get(), boundPort.get(), startedMillis),
                  shortCircuit),
              sqlService,
              access);
      FlightServer.Builder builder =
          FlightServer.builder(
              flightAlloc,
              config.tls()
                  ? Location.forGrpcTls(config.host(), config.port())
                  : Location.forGrpcInsecure(config.host(), config.port()),
              producer);
      if (config.tls()) {
        builder.useTls(config.tlsCertificate.toFile(), config.tlsKey.toFile());
        if (config.tlsClientCa != null) {
          builder.useMTlsClientVerification(config.tlsClientCa.toFile());
        }
      }
      RecentErrors recentErrors = registry == null ? null : new RecentErrors(RECENT_ERRORS);
      if (registry != null) {
        // Before the authenticator (which build() adds last): calls are timed from arrival.
        builder.middleware(FlightCallMetrics.KEY, new FlightCallMetrics(registry, recentErrors));
      }
      if (authenticator != null) {
        builder.headerAuthenticator(authenticator);
      }
      flightServer = builder.build();
      flightServer.start();
      boundPort.set(flightServer.getPort());
      if (clusterConn != null) {
        member = join(config, clusterConn, flightServer.getPort(), startedMillis);
        joined.set(member);
      }
      if (registry != null) {
        ChunkCache readyCache = chunkCache;
        MonitoringServer.Readiness readiness = () -> notReadyReason(readyCache.reindexed());
        long diskCapacity =
            config.diskDirectories().stream().mapToLong(DiskDirectory::capacityBytes).sum();
        NodeMetrics.register(
            registry,
            new NodeMetrics.Sources(
                chunkCache,
                diskCapacity,
                storageMetrics,
                scanMetrics,
                cat,
                root,
                readiness,
                authenticator == null ? () -> 0L : authenticator::rejected));
        Location flightLocation =
            config.tls()
                ? Location.forGrpcTls(config.host(), flightServer.getPort())
                : Location.forGrpcInsecure(config.host(), flightServer.getPort());
        StatusPage page =
            StatusPage.start(
                new StatusPage.Sources(
                    chunkCache,
                    diskCapacity,
                    cat,
                    flightLocation.getUri().toString(),
                    version(),
                    readiness,
                    recentErrors));
        int port = config.httpPort() == Config.HTTP_ANY_PORT ? 0 : config.httpPort();
        httpServer =
            MonitoringServer.start(
                new InetSocketAddress(config.host(), port),
                registry,
                readiness,
                page,
                statusPageAccess(authenticator));
      }
      this.server = flightServer;
      this.streamer = streamer;
    } catch (IOException | RuntimeException e) {
      closeQuietly(shortCircuit);
      closeQuietly(decodePool);
      closeQuietly(member);
      closeQuietly(httpServer);
      closeQuietly(flightServer);
      closeQuietly(cat);
      closeQuietly(catStore);
      closeQuietly(clusterConn);
      closeQuietly(sqlEngine);
      closeQuietly(sqlAlloc);
      closeQuietly(flightAlloc);
      closeQuietly(streamsAlloc);
      closeQuietly(chunkCache);
      closeQuietly(trace);
      closeQuietly(root);
      closeQuietly(dataDirLock);
      throw e;
    }
    this.streams = streamsAlloc;
    this.flight = flightAlloc;
    this.sql = sqlAlloc;
    this.sqlEngine = sqlEngine;
    this.sqlService = sqlService;
    this.cache = chunkCache;
    this.cacheTrace = trace;
    this.catalog = cat;
    this.catalogStore = catStore;
    this.http = httpServer;
    this.cluster = clusterConn;
    this.membership = member;
  }

  /** How long a node waits for ZooKeeper at start before giving up. */
  static final long CLUSTER_CONNECT_MILLIS = 15_000;

  /** Announces this node to the cluster, at its advertised location. */
  private static Membership join(Config config, Cluster cluster, int boundPort, long startedMillis)
      throws IOException {
    ClusterSettings cs = config.cluster();
    String host = cs.advertisedHost(config.host());
    if (cs.advertise() == null && isWildcard(host)) {
      throw new IllegalArgumentException(
          "Listening on "
              + host
              + " in a cluster needs --advertise HOST[:PORT]: the address other nodes and clients"
              + " reach this node at");
    }
    int port = cs.advertisedPort(boundPort);
    Location location =
        config.tls() ? Location.forGrpcTls(host, port) : Location.forGrpcInsecure(host, port);
    Member self =
        new Member(
            host + ":" + port,
            location.getUri().toString(),
            config.memoryBytes(),
            startedMillis,
            version());
    Membership m = new Membership(cluster.client(), cluster.address().basePath(), self);
    try {
      if (!m.awaitAnnounced(CLUSTER_CONNECT_MILLIS)) {
        throw new IOException(
            "Could not announce this node in ZooKeeper at " + cluster.address() + " in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      m.close();
      throw new IOException("Interrupted while joining the cluster", e);
    } catch (IOException e) {
      m.close();
      throw e;
    }
    LOG.info("Joined cluster {} as {} ({})", cluster.address(), self.id(), self.location());
    return m;
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  /** The {@code nodes} action's answer. */
  private static NodesResponse nodes(
      Config config, Membership membership, int port, long startedMillis) {
    if (membership == null) {
      return new NodesResponse(
          config.cluster() == null ? null : config.cluster().address().toString(),
          List.of(
              new NodesResponse.Node(
                  config.host() + ":" + port,
                  (config.tls()
                          ? Location.forGrpcTls(config.host(), port)
                          : Location.forGrpcInsecure(config.host(), port))
                      .getUri()
                      .toString(),
                  config.memoryBytes(),
                  startedMillis,
                  version(),
                  true)));
    }
    String self = membership.self().id();
    return new NodesResponse(
        config.cluster().address().toString(),
        membership.members().stream()
            .map(
                m ->
                    new NodesResponse.Node(
                        m.id(),
                        m.location(),
                        m.capacityBytes(),
                        m.startedMillis(),
                        m.version(),
                        m.id().equals(self)))
            .toList());
  }

  /** How many errors returned to clients the status page keeps. */
  static final int RECENT_ERRORS = 50;

  /** This build's version (from the jar's manifest), or {@code dev} when run from classes. */
  static String version() {
    String v = QuiverServer.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * Who may see the status page: everyone on a node without users or tokens (which listens on
   * loopback only unless told {@code --insecure}, like its Flight port where every caller is
   * admin); otherwise admins only, authenticated like a Flight call.
   */
  static MonitoringServer.PageAccess statusPageAccess(Authenticator authenticator) {
    if (authenticator == null) {
      return MonitoringServer.OPEN;
    }
    return authorization -> {
      if (authorization == null || authorization.isBlank()) {
        return new MonitoringServer.Refusal(
            401,
            "Authentication required: the status page is for admins (HTTP Basic user and"
                + " password, or an API token as a Bearer token)");
      }
      Principal p;
      try {
        p = authenticator.authenticateHttp(authorization);
      } catch (FlightRuntimeException e) {
        return new MonitoringServer.Refusal(
            e.status().code() == FlightStatusCode.UNAVAILABLE ? 503 : 401,
            e.status().description());
      }
      return p.isAdmin()
          ? null
          : new MonitoringServer.Refusal(403, "The status page is for admins only");
    };
  }

  /**
   * Why the node is not ready, or null when it is. The catalog is loaded and the cache usable once
   * the node has started, so what remains is the disk tier's re-index of the chunks a previous run
   * left: until it completes those chunks are not found (misses go to storage), so a node behind a
   * load balancer waits for it. A re-index that failed leaves a usable cache (memory, and what this
   * run writes to disk): ready.
   */
  static String notReadyReason(java.util.concurrent.CompletableFuture<?> reindexed) {
    return reindexed.isDone() ? null : "disk cache tier still re-indexing";
  }

  private static java.nio.channels.FileChannel lockDataDir(Path dir) throws IOException {
    Path file = dir.resolve(".lock");
    java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(
            file, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
    java.nio.channels.FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lock = null; // this JVM holds it already
    }
    if (lock == null) {
      ch.close();
      throw new IllegalStateException(
          "Another Quiver node is using the data dir "
              + dir.toAbsolutePath()
              + " (it holds "
              + file.getFileName()
              + "); stop it or give this node its own --data-dir");
    }
    return ch;
  }

  /** Waits (a little) for gRPC's event loops to release buffers of closed connections. */
  private static void awaitFreed(BufferAllocator a) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (a.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /**
   * The authenticator when users or tokens are configured; otherwise null, after checking that the
   * node listens on loopback only (or was told {@code insecure}).
   */
  private static Authenticator checkExposure(Config config) {
    SecurityConfig security = config.security();
    if (security.authenticationEnabled()) {
      LOG.info("Authentication on: {}", security);
      if (!config.tls() && !isLoopback(config.host())) {
        LOG.warn(
            "Passwords and tokens cross the network in clear text: serve TLS (--tls-cert,"
                + " --tls-key) when listening on {}",
            config.host());
      }
      return new Authenticator(security);
    }
    if (!isLoopback(config.host())) {
      if (!config.insecure()) {
        throw new IllegalArgumentException(
            "Refusing to listen on "
                + config.host()
                + " without authentication: anyone who reaches the port could mount and read"
                + " files. Configure users or tokens (--config FILE), listen on 127.0.0.1, or"
                + " pass --insecure to accept the risk.");
      }
      LOG.warn(
          "INSECURE: listening on {} without authentication (--insecure): anyone who reaches"
              + " port {} has admin rights",
          config.host(),
          config.port());
    } else {
      LOG.info(
          "No users or tokens configured: listening on {} only; every local caller is admin",
          config.host());
    }
    return null;
  }

  private static boolean isLoopback(String host) {
    try {
      for (java.net.InetAddress a : java.net.InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
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
        "Off-heap budget {}: cache {}, streams 2 x {}, streamed through {}, SQL {}",
        ByteSize.format(s.root.getLimit()),
        ByteSize.format(config.memoryBytes()),
        ByteSize.format(config.streamMemoryBytes()),
        ByteSize.format(config.streamThroughBytes()),
        ByteSize.format(config.sqlMemoryBytes()));
    LOG.info(
        "Quiver listening on {} (cache {}, data dir {})",
        s.location().getUri(),
        ByteSize.format(config.memoryBytes()),
        config.dataDir().toAbsolutePath());
    if (s.http != null) {
      LOG.info(
          "Monitoring on http://{}:{}/ (status page{}), /metrics, /health and /ready"
              + " (unauthenticated; --http-port 0 turns it off)",
          config.host(),
          s.httpPort(),
          config.security().authenticationEnabled() ? ": admins only" : "");
    }
    return s;
  }

  /** Where clients reach this node: {@code grpc+tls://} when it serves TLS, never downgraded. */
  public Location location() {
    return config.tls()
        ? Location.forGrpcTls(config.host(), server.getPort())
        : Location.forGrpcInsecure(config.host(), server.getPort());
  }

  public int port() {
    return server.getPort();
  }

  /**
   * The monitoring HTTP port this node listens on ({@code /metrics}, {@code /health}, {@code
   * /ready}, {@code /}), or 0 when it serves none ({@link Config#HTTP_OFF}).
   */
  public int httpPort() {
    return http == null ? 0 : http.port();
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
    long start = System.nanoTime();
    if (membership != null) {
      membership.close(); // first: other nodes stop routing here while the streams drain
    }
    if (http != null) {
      http.close(); // first: scrapes read the cache and allocators closed below
    }
    // No new calls; running ones get a moment to finish on their own.
    server.shutdown();
    boolean stalled = !server.awaitTermination(2, TimeUnit.SECONDS);
    if (stalled) {
      // Streams to clients that read slowly or not at all end (UNAVAILABLE) at their next batch
      // (a unit being decoded is finished first), releasing what they hold, so that the cache can
      // be written to disk and freed whole.
      streamer.stopAll();
      sqlService.cancelAll();
      if (!streamer.awaitIdle(10_000)) {
        LOG.warn("Streams still running 10 s after being stopped");
      }
    }
    streamThreads.shutdown();
    sqlService.cancelAll();
    if (!streamThreads.awaitTermination(5, TimeUnit.SECONDS)) {
      LOG.warn("SQL streams still running after shutdown");
    }
    // Leases hold chunks and may prefetch: end them before the pool and the cache go.
    shortCircuit.close();
    // Every stream has ended, and with it any prefetch it had started (a cursor's close waits for
    // it); the pool has nothing left but idle threads.
    decodePool.close();
    // Closes the connections: batches gRPC still queues for stalled clients are released.
    server.close();
    awaitFreed(streams);
    awaitFreed(flight);
    sqlEngine.close();
    catalog.close();
    catalogStore.close();
    if (cluster != null) {
      cluster.close();
    }
    cache.close(); // writes memory to the disk tier: every stream has released its chunks
    if (cacheTrace != null) {
      cacheTrace.close();
    }
    long queued = streams.getAllocatedMemory() + flight.getAllocatedMemory();
    if (stalled && queued > 0) {
      // Batches a stalled client never took stay queued in gRPC (zero-copy: they are the
      // stream's own buffers) after its call ended; the process is exiting, so they are left
      // to it rather than reported as a leak.
      LOG.warn(
          "{} of batches for clients that stopped reading were still queued at shutdown",
          ByteSize.format(queued));
    } else {
      streams.close();
      sql.close();
      flight.close();
      root.close();
    }
    dataDirLock.close();
    LOG.info("Quiver stopped in {} ms", (System.nanoTime() - start) / 1_000_000);
  }
}
