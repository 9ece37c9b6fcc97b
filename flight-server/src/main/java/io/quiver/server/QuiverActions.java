package io.quiver.server;

import static io.quiver.server.ActionHandler.Execution.CALLER;
import static io.quiver.server.ActionHandler.Execution.STREAM_THREAD;
import static io.quiver.server.ActionHandler.Role.ADMIN;
import static io.quiver.server.ActionHandler.Role.READER;

import io.quiver.cache.CacheMetrics;
import io.quiver.cache.CacheStats;
import io.quiver.cache.CachedChunk;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.cache.EntryInfo;
import io.quiver.cache.EvictionCause;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.DataFile;
import io.quiver.catalog.Dataset;
import io.quiver.catalog.DeclaredSchema;
import io.quiver.catalog.Mount;
import io.quiver.catalog.NamespaceListing;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.NoSuchPathException;
import io.quiver.catalog.PartitionType;
import io.quiver.catalog.PathEntry;
import io.quiver.catalog.ResolvedPath;
import io.quiver.catalog.SchemaListing;
import io.quiver.catalog.TableDefinition;
import io.quiver.protocol.action.ActionType;
import io.quiver.protocol.action.Actions;
import io.quiver.protocol.action.CacheFreeRequest;
import io.quiver.protocol.action.CacheFreeResponse;
import io.quiver.protocol.action.CacheLoadProgress;
import io.quiver.protocol.action.CacheLoadRequest;
import io.quiver.protocol.action.CacheLsRequest;
import io.quiver.protocol.action.CacheLsResponse;
import io.quiver.protocol.action.CreateTableRequest;
import io.quiver.protocol.action.CreateTableResponse;
import io.quiver.protocol.action.DescribeTableRequest;
import io.quiver.protocol.action.DescribeTableResponse;
import io.quiver.protocol.action.DropTableRequest;
import io.quiver.protocol.action.DropTableResponse;
import io.quiver.protocol.action.Empty;
import io.quiver.protocol.action.HealthResponse;
import io.quiver.protocol.action.LsRequest;
import io.quiver.protocol.action.LsResponse;
import io.quiver.protocol.action.MountInfo;
import io.quiver.protocol.action.MountRequest;
import io.quiver.protocol.action.MountsResponse;
import io.quiver.protocol.action.MoveRequest;
import io.quiver.protocol.action.MoveResponse;
import io.quiver.protocol.action.NodesResponse;
import io.quiver.protocol.action.PathInfo;
import io.quiver.protocol.action.PinRequest;
import io.quiver.protocol.action.PinResponse;
import io.quiver.protocol.action.RefreshRequest;
import io.quiver.protocol.action.RefreshResponse;
import io.quiver.protocol.action.RenameTableRequest;
import io.quiver.protocol.action.StatRequest;
import io.quiver.protocol.action.StatResponse;
import io.quiver.protocol.action.StatsResponse;
import io.quiver.protocol.action.TableInfo;
import io.quiver.protocol.action.TablesRequest;
import io.quiver.protocol.action.TablesResponse;
import io.quiver.protocol.action.Target;
import io.quiver.protocol.action.UnmountRequest;
import io.quiver.protocol.action.UnmountResponse;
import io.quiver.protocol.action.UnpinRequest;
import io.quiver.protocol.action.UnpinResponse;
import io.quiver.server.security.Access;
import io.quiver.storage.Location;
import io.quiver.storage.StorageMetrics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quiver's control plane: one handler per action of {@link Actions}, each taking the action's
 * request record and answering with its response record, registered with who may call it and where
 * it runs ({@link #handlers()}). {@link QuiverProducer#doAction} decodes, checks access, dispatches
 * and encodes; the methods here only do the work.
 *
 * <p>Thread-safe (the catalog and cache are).
 */
final class QuiverActions {
  private static final Logger LOG = LoggerFactory.getLogger(QuiverActions.class);

  /** Progress results of a load are sent at most this often (plus the last one). */
  private static final long LOAD_PROGRESS_NANOS = 200_000_000L;

  private final Catalog catalog;
  private final ChunkCache cache;
  private final StorageMetrics storageMetrics;
  private final UnitLoader units;
  private final CacheQuotas quotas;
  private final BufferAllocator root;
  private final ScanMetrics scanMetrics;
  private final Access access;
  private final NamespaceListing listing;
  private final Placement placement;
  private final PinnedReplicas pinnedReplicas;
  private final java.util.function.Supplier<NodesResponse> nodes;
  private final Map<String, ActionHandler<?, ?>> handlers;

  QuiverActions(
      Catalog catalog,
      ChunkCache cache,
      StorageMetrics storageMetrics,
      UnitLoader units,
      CacheQuotas quotas,
      BufferAllocator root,
      ScanMetrics scanMetrics,
      Access access,
      Placement placement,
      PinnedReplicas pinnedReplicas,
      java.util.function.Supplier<NodesResponse> nodes,
      ShortCircuit shortCircuit) {
    this.placement = placement;
    this.pinnedReplicas = pinnedReplicas;
    this.nodes = nodes;
    this.catalog = catalog;
    this.cache = cache;
    this.storageMetrics = storageMetrics;
    this.units = units;
    this.quotas = quotas;
    this.root = root;
    this.scanMetrics = scanMetrics;
    this.access = access;
    this.listing = new NamespaceListing(catalog);
    this.handlers =
        index(
            List.of(
                ActionHandler.unary(Actions.MOUNT, ADMIN, STREAM_THREAD, this::mount),
                ActionHandler.unary(Actions.UNMOUNT, ADMIN, CALLER, this::unmount),
                ActionHandler.unary(Actions.MOUNTS, READER, CALLER, this::mounts),
                ActionHandler.unary(Actions.CREATE_TABLE, ADMIN, STREAM_THREAD, this::createTable),
                ActionHandler.unary(Actions.DROP_TABLE, ADMIN, CALLER, this::dropTable),
                ActionHandler.unary(Actions.TABLES, READER, CALLER, this::tables),
                ActionHandler.unary(Actions.RENAME_TABLE, ADMIN, CALLER, this::renameTable),
                ActionHandler.unary(Actions.LS, READER, STREAM_THREAD, this::ls),
                ActionHandler.unary(Actions.STAT, READER, STREAM_THREAD, this::stat),
                ActionHandler.unary(Actions.MOVE, ADMIN, STREAM_THREAD, this::move),
                ActionHandler.unary(Actions.REFRESH, ADMIN, STREAM_THREAD, this::refresh),
                ActionHandler.unary(
                    Actions.DESCRIBE_TABLE, READER, STREAM_THREAD, this::describeTable),
                ActionHandler.unary(Actions.STATS, READER, CALLER, this::stats),
                ActionHandler.unary(Actions.CACHE_FREE, ADMIN, STREAM_THREAD, this::cacheFree),
                ActionHandler.unary(Actions.PIN, ADMIN, STREAM_THREAD, this::pin),
                ActionHandler.unary(Actions.UNPIN, ADMIN, CALLER, this::unpin),
                ActionHandler.streaming(Actions.CACHE_LOAD, ADMIN, STREAM_THREAD, this::cacheLoad),
                ActionHandler.unary(Actions.CACHE_LS, READER, STREAM_THREAD, this::cacheLs),
                ActionHandler.unary(Actions.NODES, READER, CALLER, (call, r) -> nodes.get()),
                ActionHandler.unary(
                    Actions.SHORT_CIRCUIT,
                    READER,
                    STREAM_THREAD,
                    (call, r) -> shortCircuit.handle(call, r)),
                ActionHandler.unary(
                    Actions.HEALTH, READER, CALLER, (call, r) -> HealthResponse.OK)));
  }

  /** The handlers by action name; every action of {@link Actions#ALL} has exactly one. */
  private static Map<String, ActionHandler<?, ?>> index(List<ActionHandler<?, ?>> list) {
    Map<String, ActionHandler<?, ?>> byName = new LinkedHashMap<>();
    for (ActionHandler<?, ?> h : list) {
      if (byName.put(h.type().name(), h) != null) {
        throw new IllegalStateException("Two handlers of action " + h.type().name());
      }
    }
    for (ActionType<?, ?> type : Actions.ALL) {
      if (!byName.containsKey(type.name())) {
        throw new IllegalStateException("No handler of action " + type.name());
      }
    }
    return Map.copyOf(byName);
  }

  /** The handler of the action named {@code name}, or null if Quiver has no such action. */
  ActionHandler<?, ?> handler(String name) {
    return name == null ? null : handlers.get(name);
  }

  /** Every handler, in {@link Actions#ALL}'s order. */
  List<ActionHandler<?, ?>> handlers() {
    return Actions.ALL.stream().<ActionHandler<?, ?>>map(t -> handlers.get(t.name())).toList();
  }

  // -- mounts and tables ------------------------------------------------------------------------

  private MountInfo mount(ActionHandler.Call call, MountRequest r) throws IOException {
    if (r.options().containsKey(Mount.CACHE_QUOTA_OPTION)) {
      CacheQuotas.parse(r.options().get(Mount.CACHE_QUOTA_OPTION)); // refuse before persisting
    }
    Mount m =
        catalog.mount(NamespacePath.of(r.path()), Location.of(r.uri()), r.options(), r.force());
    quotas.apply(catalog.mounts(), cache);
    return mountInfo(m);
  }

  private UnmountResponse unmount(ActionHandler.Call call, UnmountRequest r) throws IOException {
    catalog.unmount(NamespacePath.of(r.path()), r.force());
    quotas.apply(catalog.mounts(), cache);
    return new UnmountResponse(r.path());
  }

  private MountsResponse mounts(ActionHandler.Call call, Empty r) {
    return new MountsResponse(catalog.mounts().stream().map(this::mountInfo).toList());
  }

  private MountInfo mountInfo(Mount m) {
    String reason = catalog.unavailableReason(m.path());
    return new MountInfo(
        m.path().toString(),
        m.target().toString(),
        m.maskedOptions(),
        reason == null ? MountInfo.AVAILABLE : MountInfo.UNAVAILABLE,
        reason);
  }

  private CreateTableResponse createTable(ActionHandler.Call call, CreateTableRequest r)
      throws IOException {
    NamespacePath path = NamespacePath.of(r.path());
    // Without a format, the files say which one it is (by extension).
    String format =
        r.format() != null ? r.format() : catalog.dataset(r.name(), path, null).format();
    Map<String, PartitionType> partitions = new LinkedHashMap<>();
    if (r.partitions() != null) {
      r.partitions().forEach((k, v) -> partitions.put(k, PartitionType.of(v)));
    }
    org.apache.arrow.vector.types.pojo.Schema declared =
        r.schema() == null ? null : DeclaredSchema.parse(r.schema());
    TableDefinition t =
        catalog.createTable(new TableDefinition(r.name(), path, format, partitions, declared));
    Dataset d = catalog.tableDataset(t.name());
    return new CreateTableResponse(
        t.name(), t.path().toString(), t.format(), d.files().size(), d.rowCount());
  }

  private DropTableResponse dropTable(ActionHandler.Call call, DropTableRequest r)
      throws IOException {
    catalog.dropTable(r.name());
    return new DropTableResponse(r.name());
  }

  private TableInfo renameTable(ActionHandler.Call call, RenameTableRequest r) throws IOException {
    TableDefinition t = catalog.renameTable(r.name(), r.newName());
    return new TableInfo(t.name(), t.path().toString(), t.format());
  }

  // -- the namespace ----------------------------------------------------------------------------

  private LsResponse ls(ActionHandler.Call call, LsRequest r) throws IOException {
    NamespacePath path = NamespacePath.of(r.path());
    access.requireMount(call.caller(), path);
    NamespaceListing.Page page = listing.list(path, r.after(), r.limitOrDefault());
    return new LsResponse(
        page.entries().stream().map(QuiverActions::pathInfo).toList(), page.next());
  }

  private StatResponse stat(ActionHandler.Call call, StatRequest r) throws IOException {
    NamespacePath path = NamespacePath.of(r.path());
    access.requireMount(call.caller(), path);
    PathEntry entry = listing.stat(path);
    Mount mount =
        catalog.mounts().stream()
            .filter(m -> m.path().contains(path))
            .max(java.util.Comparator.comparingInt(m -> m.path().segments().size()))
            .orElse(null);
    List<String> tables =
        catalog.tables().stream()
            .filter(t -> path.contains(t.path()))
            .filter(t -> access.mayReadTable(call.caller(), t.name()))
            .map(TableDefinition::name)
            .toList();
    return new StatResponse(
        pathInfo(entry),
        mount == null ? null : mount.path().toString(),
        mount == null ? null : String.valueOf(catalog.syncPolicy(mount.path())),
        tables);
  }

  private static PathInfo pathInfo(PathEntry e) {
    return new PathInfo(
        e.name(),
        e.path().toString(),
        e.kind().name().toLowerCase(java.util.Locale.ROOT),
        e.size() < 0 ? null : e.size(),
        e.files() < 0 ? null : e.files(),
        e.version(),
        e.modifiedMillis() < 0
            ? null
            : java.time.Instant.ofEpochMilli(e.modifiedMillis()).toString(),
        e.format());
  }

  private MoveResponse move(ActionHandler.Call call, MoveRequest r) throws IOException {
    NamespacePath source = NamespacePath.of(r.source());
    NamespacePath target = NamespacePath.of(r.target());
    int followed = catalog.move(source, target);
    quotas.apply(catalog.mounts(), cache);
    return new MoveResponse(source.toString(), target.toString(), followed);
  }

  private RefreshResponse refresh(ActionHandler.Call call, RefreshRequest r) throws IOException {
    NamespacePath path =
        r.table() != null ? catalog.table(r.table()).path() : NamespacePath.of(r.path());
    catalog.refresh(path);
    // Listed again now, so that the next plan finds it warm and the operator sees what is there.
    PathEntry now = listing.stat(path);
    return new RefreshResponse(path.toString(), Math.max(0, now.files()), Math.max(0, now.size()));
  }

  private TablesResponse tables(ActionHandler.Call call, TablesRequest r) {
    List<TableDefinition> readable =
        catalog.tables().stream()
            .filter(t -> access.mayReadTable(call.caller(), t.name()))
            .toList();
    if (r.schema() == null) {
      return new TablesResponse(readable.stream().map(QuiverActions::tableInfo).toList());
    }
    // Listed like a directory: the tables directly in the schema, then its sub-schemas.
    SchemaListing listing =
        SchemaListing.of(readable.stream().map(TableDefinition::name).toList(), r.schema());
    java.util.Set<String> direct = new java.util.HashSet<>(listing.tables());
    List<TablesResponse.SchemaInfo> schemas = new ArrayList<>();
    listing.schemas().forEach((name, n) -> schemas.add(new TablesResponse.SchemaInfo(name, n)));
    return new TablesResponse(
        readable.stream()
            .filter(t -> direct.contains(t.name()))
            .map(QuiverActions::tableInfo)
            .toList(),
        schemas);
  }

  private static TableInfo tableInfo(TableDefinition t) {
    return new TableInfo(t.name(), t.path().toString(), t.format());
  }

  /**
   * {@code describe-table}: the table's columns (partition columns marked) with their decoded and
   * cached sizes, and its files. Cached bytes count the chunks of the files' current versions only.
   */
  private DescribeTableResponse describeTable(ActionHandler.Call call, DescribeTableRequest r)
      throws IOException {
    TableDefinition t = catalog.table(r.name());
    access.requireTable(call.caller(), t.name());
    Dataset d = catalog.tableDataset(t.name());
    Map<String, long[]> perColumn = new LinkedHashMap<>(); // files, bytes, chunks
    d.schema().getFields().forEach(f -> perColumn.put(f.getName(), new long[3]));
    Map<String, String> versions = new java.util.HashMap<>();
    long bytes = 0;
    long units = 0;
    List<DescribeTableResponse.FileInfo> files = new ArrayList<>();
    for (DataFile f : d.files()) {
      versions.put(f.entry().location().toString(), f.entry().version().token());
      int fileUnits = f.metadata().unitCount();
      bytes += f.entry().length();
      units += fileUnits;
      for (String c : inFile(f, List.copyOf(perColumn.keySet()))) {
        long[] s = perColumn.get(c);
        s[0]++;
        s[2] += fileUnits;
        for (int u = 0; u < fileUnits; u++) {
          s[1] += f.metadata().columnBytes(u, c);
        }
      }
      if (files.size() < DescribeTableResponse.MAX_FILES_LISTED) {
        Map<String, String> values = new LinkedHashMap<>();
        f.partitionValues().forEach((k, v) -> values.put(k, d.partitions().get(k).format(v)));
        files.add(
            new DescribeTableResponse.FileInfo(
                f.path().toString(),
                f.entry().length(),
                f.rowCount(),
                fileUnits,
                f.entry().version().token(),
                values));
      }
    }
    Map<String, long[]> cached = new java.util.HashMap<>(); // bytes, chunks
    for (EntryInfo e : cache.entries(k -> k.version().equals(versions.get(k.file())))) {
      long[] c = cached.computeIfAbsent(e.key().column(), k -> new long[2]);
      c[0] += e.bytes();
      c[1]++;
    }
    List<DescribeTableResponse.Column> columns = new ArrayList<>();
    for (org.apache.arrow.vector.types.pojo.Field f : d.schema().getFields()) {
      long[] s = perColumn.get(f.getName());
      long[] c = cached.getOrDefault(f.getName(), new long[2]);
      columns.add(
          new DescribeTableResponse.Column(
              f.getName(),
              typeName(f),
              f.isNullable(),
              d.isPartitionColumn(f.getName()),
              s[0],
              s[1],
              c[0],
              c[1],
              s[2]));
    }
    Map<String, String> partitions = new LinkedHashMap<>();
    d.partitions().forEach((k, v) -> partitions.put(k, v.typeName()));
    return new DescribeTableResponse(
        t.name(),
        t.path().toString(),
        t.format(),
        d.files().size(),
        d.rowCount(),
        bytes,
        units,
        partitions,
        columns,
        files,
        t.schema() == null ? DescribeTableResponse.INFERRED : DescribeTableResponse.DECLARED,
        t.schema() == null ? null : DeclaredSchema.format(t.schema()));
  }

  /**
   * A field's Arrow type, with its children for nested types ({@code List<item: Int(32, true)>}).
   */
  private static String typeName(org.apache.arrow.vector.types.pojo.Field f) {
    String s = f.toString();
    String prefix = f.getName() + ": ";
    s = s.startsWith(prefix) ? s.substring(prefix.length()) : s;
    return s.endsWith(" not null") ? s.substring(0, s.length() - " not null".length()) : s;
  }

  // -- the cache --------------------------------------------------------------------------------

  private CacheFreeResponse cacheFree(ActionHandler.Call call, CacheFreeRequest r)
      throws IOException {
    long before = cache.stats().entries();
    if (r.named()) {
      Set<String> files = filesOf(datasetOf(r));
      cache.invalidateAll(k -> files.contains(k.file()));
    } else {
      cache.invalidateAll(k -> true);
    }
    return new CacheFreeResponse(before - cache.stats().entries());
  }

  private PinResponse pin(ActionHandler.Call call, PinRequest r) throws IOException {
    Dataset dataset = datasetOf(r);
    Set<String> files = filesOf(dataset);
    Set<String> columns = new HashSet<>(columnsOf(r.columns(), dataset, false));
    Duration ttl = r.ttl() == null ? null : Durations.parse(r.ttl());
    if (r.replicas() != null && placement == null) {
      throw new IllegalArgumentException(
          "replicas applies to a cluster (quiver serve --cluster); this node runs alone");
    }
    String name = pinName(r);
    cache.pinAll(
        name,
        k -> files.contains(k.file()) && (columns.isEmpty() || columns.contains(k.column())),
        ttl);
    if (r.replicas() != null) {
      // Placement names files by namespace path (what tickets carry), the cache by location.
      Set<String> paths = new HashSet<>();
      dataset.files().forEach(f -> paths.add(f.path().toString()));
      pinnedReplicas.put(name, paths, r.replicas(), ttl);
    }
    return new PinResponse(name, files.size(), ttl == null ? "none" : ttl.toString());
  }

  private UnpinResponse unpin(ActionHandler.Call call, UnpinRequest r) {
    String name = pinName(r);
    if (pinnedReplicas != null) {
      pinnedReplicas.remove(name);
    }
    if (!cache.unpinAll(name)) {
      throw new NoSuchPathException("Nothing is pinned as " + name);
    }
    return new UnpinResponse(name);
  }

  /**
   * {@code cache-load}: brings every unit of the dataset's files (the given columns, or all Quiver
   * can decode) into the cache, one unit at a time, sending {@code loading} progress as it goes and
   * a final {@code done}. Stops when the client cancels. Loading more than the cache holds evicts
   * what was loaded first; the final result says so.
   */
  private void cacheLoad(
      ActionHandler.Call call, CacheLoadRequest r, Consumer<CacheLoadProgress> results)
      throws IOException {
    Dataset dataset = datasetOf(r);
    List<String> columns = columnsOf(r.columns(), dataset, true);
    if (r.columns().isEmpty()) {
      // "All columns" means all Quiver can decode; naming one it cannot is refused when loading.
      java.util.Set<String> undecodable = new java.util.HashSet<>();
      dataset.files().forEach(f -> undecodable.addAll(f.metadata().unsupportedColumns().keySet()));
      columns = columns.stream().filter(c -> !undecodable.contains(c)).toList();
    }
    long totalUnits = 0;
    long totalBytes = 0;
    for (DataFile f : dataset.files()) {
      for (int u = 0; u < f.metadata().unitCount(); u++) {
        if (!owned(f, u)) {
          continue;
        }
        totalUnits++;
        for (String c : inFile(f, columns)) {
          totalBytes += f.metadata().columnBytes(u, c);
        }
      }
    }
    long storageBefore = storageMetrics.bytesRead();
    long unitsDone = 0;
    long rows = 0;
    long bytes = 0;
    long lastSent = System.nanoTime();
    for (DataFile f : dataset.files()) {
      // Partition columns and columns this file lacks have nothing to cache.
      List<String> here = inFile(f, columns);
      // Held while the file loads: an unmount meanwhile does not close its store under the load.
      try (Catalog.PathLease lease = catalog.lease(f.path())) {
        ResolvedPath resolved = lease.path();
        for (int u = 0; u < f.metadata().unitCount(); u++) {
          if (call.isCancelled()) {
            LOG.info("Load of {} cancelled after {} units", dataset.name(), unitsDone);
            return;
          }
          if (!owned(f, u)) {
            continue; // another node of the cluster caches it
          }
          Map<ColumnChunkKey, CachedChunk> chunks =
              here.isEmpty()
                  ? Map.of()
                  : units.acquire(resolved, f.entry(), f.metadata(), u, here, null);
          try {
            for (CachedChunk c : chunks.values()) {
              bytes += c.chunk().sizeBytes();
            }
          } finally {
            chunks.values().forEach(CachedChunk::close);
          }
          unitsDone++;
          rows += f.metadata().unitRows(u);
          if (System.nanoTime() - lastSent >= LOAD_PROGRESS_NANOS) {
            lastSent = System.nanoTime();
            results.accept(
                CacheLoadProgress.loading(
                    dataset.name(), totalUnits, unitsDone, rows, bytes, totalBytes));
          }
        }
      }
    }
    long capacity = cache.stats().capacityBytes();
    String warning =
        bytes > capacity
            ? "Loaded "
                + ByteSize.format(bytes)
                + " into a cache of "
                + ByteSize.format(capacity)
                + ": what was loaded first has been evicted again"
            : null;
    results.accept(
        CacheLoadProgress.done(
            dataset.name(),
            totalUnits,
            unitsDone,
            rows,
            bytes,
            totalBytes,
            storageMetrics.bytesRead() - storageBefore,
            warning));
  }

  /**
   * Whether this node caches unit {@code u} of {@code f}: always on a single node; in a cluster
   * only if it is one of the unit's owners ({@code cache-load} on every node then loads each unit
   * once cluster-wide, where scans will read it).
   */
  private boolean owned(DataFile f, int u) {
    return placement == null || placement.owns(f.path().toString(), f.entry().version().token(), u);
  }

  /** {@code cache-ls}: cached chunks, newest first, at most the request's limit. */
  private CacheLsResponse cacheLs(ActionHandler.Call call, CacheLsRequest r) throws IOException {
    Predicate<ColumnChunkKey> matching = k -> true;
    if (r.named()) {
      Set<String> files = filesOf(datasetOf(r));
      matching = k -> files.contains(k.file());
    }
    List<EntryInfo> entries = new ArrayList<>(cache.entries(matching));
    entries.sort(Comparator.comparing(EntryInfo::age));
    List<CacheLsResponse.Entry> listed = new ArrayList<>();
    for (EntryInfo e : entries.subList(0, Math.min(r.limitOrDefault(), entries.size()))) {
      listed.add(
          new CacheLsResponse.Entry(
              e.key().file(),
              e.key().version(),
              e.key().rowGroup(),
              e.key().column(),
              e.tier().name().toLowerCase(Locale.ROOT),
              e.bytes(),
              e.pinned(),
              e.readers(),
              e.hits(),
              e.age().toMillis() / 1000.0));
    }
    return new CacheLsResponse(
        entries.size(), entries.stream().mapToLong(EntryInfo::bytes).sum(), listed);
  }

  private StatsResponse stats(ActionHandler.Call call, Empty r) {
    CacheStats s = cache.stats();
    CacheMetrics m = cache.metrics();
    long heapPeak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        heapPeak += pool.getPeakUsage().getUsed();
      }
    }
    return new StatsResponse(
        s.entries(),
        s.bytes(),
        s.capacityBytes(),
        s.hits(),
        s.misses(),
        s.evictions(),
        s.loadFailures(),
        s.bytesLoaded(),
        s.pinnedEntries(),
        s.pinnedBytes(),
        s.expirations(),
        new StatsResponse.Tier(
            m.memoryHits(),
            m.memoryMisses(),
            m.memoryEntries(),
            m.memoryBytes(),
            byCause(m.memoryEvictions())),
        new StatsResponse.Tier(
            m.diskHits(),
            m.diskMisses(),
            m.diskEntries(),
            m.diskBytes(),
            byCause(m.diskEvictions())),
        m.demotions(),
        m.demotionFailures(),
        m.promotions(),
        m.streamedThrough(),
        new StatsResponse.Latency(
            m.loadLatencyP50Millis(),
            m.loadLatencyP90Millis(),
            m.loadLatencyP99Millis(),
            m.loadLatencyMaxMillis()),
        m.loaderCalls(),
        // The node's own memory: off-heap (every allocator: cache, streams, Flight) and heap.
        new StatsResponse.Process(
            root.getAllocatedMemory(),
            root.getPeakMemoryAllocation(),
            root.getLimit(),
            ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
            heapPeak),
        storageMetrics.reads(),
        storageMetrics.bytesRead(),
        new StatsResponse.Scans(
            scanMetrics.scans(),
            scanMetrics.units(),
            scanMetrics.unitsPruned(),
            scanMetrics.rowsSent(),
            scanMetrics.rowsFilteredOut(),
            scanMetrics.rowsMapped(),
            scanMetrics.leasesOpen()));
  }

  /** Evictions keyed by cause in lower case, in the causes' order. */
  private static Map<String, Long> byCause(Map<EvictionCause, Long> evictions) {
    Map<String, Long> byCause = new LinkedHashMap<>();
    for (EvictionCause cause : EvictionCause.values()) {
      Long n = evictions.get(cause);
      if (n != null) {
        byCause.put(cause.name().toLowerCase(Locale.ROOT), n);
      }
    }
    return byCause;
  }

  // -- helpers ----------------------------------------------------------------------------------

  /**
   * The requested columns, each checked against the dataset (otherwise a pin or load would silently
   * match nothing); empty means all ({@code allIfEmpty}) or none given.
   */
  private static List<String> columnsOf(
      List<String> requested, Dataset dataset, boolean allIfEmpty) {
    List<String> known = dataset.schema().getFields().stream().map(f -> f.getName()).toList();
    for (String c : requested) {
      if (!known.contains(c)) {
        throw new IllegalArgumentException(
            "Unknown column '"
                + c
                + "' in "
                + dataset.name()
                + " (columns: "
                + String.join(", ", known)
                + ")");
      }
    }
    return requested.isEmpty() && allIfEmpty ? known : requested;
  }

  /** The columns of {@code columns} that file {@code f} holds (not partition columns). */
  private static List<String> inFile(DataFile f, List<String> columns) {
    Set<String> names = new HashSet<>();
    f.metadata().schema().getFields().forEach(x -> names.add(x.getName()));
    return columns.stream()
        .filter(c -> names.contains(c) && !f.partitionValues().containsKey(c))
        .toList();
  }

  /** The rule name a pin of the target goes by. */
  private static String pinName(Target t) {
    return t.table() != null ? "table:" + t.table() : "path:" + NamespacePath.of(t.path());
  }

  /** What the target's table or path holds now. */
  private Dataset datasetOf(Target t) throws IOException {
    return t.table() != null
        ? catalog.tableDataset(t.table())
        : catalog.dataset(t.path(), NamespacePath.of(t.path()), null);
  }

  /** The store locations of a dataset's files (files added later are not covered). */
  private static Set<String> filesOf(Dataset d) {
    Set<String> files = new HashSet<>();
    d.files().forEach(f -> files.add(f.entry().location().toString()));
    return files;
  }
}
