package io.quiver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.cache.CacheMetrics;
import io.quiver.cache.CacheStats;
import io.quiver.cache.CachedChunk;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.cache.EntryInfo;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.DataFile;
import io.quiver.catalog.Dataset;
import io.quiver.catalog.Mount;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.ResolvedPath;
import io.quiver.catalog.TableDefinition;
import io.quiver.protocol.ErrorCode;
import io.quiver.server.security.Access;
import io.quiver.server.security.Principal;
import io.quiver.server.sql.FlightSqlService;
import io.quiver.storage.Location;
import io.quiver.storage.StorageMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quiver's Flight service: ListFlights lists tables, GetFlightInfo/GetSchema plan scans of tables
 * or namespace paths, DoGet streams cached column chunks, DoAction manages mounts, tables and the
 * cache. Action bodies and results are JSON objects (see {@link #listActions}).
 *
 * <p>Thread-safe; every failure reaches the client as an explicit status via {@link FlightErrors}.
 */
public final class QuiverProducer extends NoOpFlightProducer {
  private static final Logger LOG = LoggerFactory.getLogger(QuiverProducer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Action names and what their JSON bodies hold. */
  static final Map<String, String> ACTIONS;

  static {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(
        "mount",
        "Mount a store location: {\"path\": \"/sales\", \"uri\": \"file:///data/sales\", \"options\": {}}"
            + " (\"force\": true mounts below another mount even if tables there then read the"
            + " new one)");
    a.put("unmount", "Remove a mount: {\"path\": \"/sales\"}");
    a.put("mounts", "List mounts (secret options masked): {}");
    a.put(
        "create-table",
        "Define a table: {\"name\": \"sales.orders\", \"path\": \"/sales/orders\", \"format\": \"parquet\"}");
    a.put(
        "drop-table",
        "Remove a table definition (no data is touched): {\"name\": \"sales.orders\"}");
    a.put("tables", "List tables: {}");
    a.put("stats", "Cache and storage statistics: {}");
    a.put(
        "cache-free",
        "Drop cached chunks of a table or path, or all: {\"table\": \"sales.orders\"}, {\"path\": \"/lake/x\"} or {}");
    a.put(
        "pin",
        "Keep a table's or path's chunks (optionally some columns) cached, optionally for a time:"
            + " {\"table\": \"sales.orders\", \"columns\": [\"a\"], \"ttl\": \"2h\"}");
    a.put("unpin", "Remove a pin: {\"table\": \"sales.orders\"} or {\"path\": \"/lake/x\"}");
    a.put(
        "cache-load",
        "Load a table's or path's chunks (optionally some columns) into the cache, streaming"
            + " progress results: {\"table\": \"sales.orders\", \"columns\": [\"a\"]}");
    a.put(
        "cache-ls",
        "List cached chunks (memory and disk) of a table or path, or all, most recent first:"
            + " {\"table\": \"sales.orders\", \"limit\": 100}");
    a.put("health", "Liveness: {}");
    ACTIONS = Map.copyOf(a);
  }

  private final Catalog catalog;
  private final ChunkCache cache;
  private final StorageMetrics storageMetrics;
  private final ScanPlanner planner;
  private final ChunkStreamer streamer;
  private final UnitLoader units;
  private final CacheQuotas quotas;
  private final BufferAllocator root;
  private final Executor streamExecutor;
  private final ScanMetrics scanMetrics;
  private final FlightSqlService sql;
  private final Access access;

  /** The largest action body accepted (the largest real one, a mount, is a few hundred bytes). */
  static final int MAX_ACTION_BODY = 64 << 10;

  /** Actions any reader may call; every other Quiver action needs the admin role. */
  static final Set<String> READER_ACTIONS =
      Set.of("mounts", "tables", "stats", "cache-ls", "health");

  QuiverProducer(
      Catalog catalog,
      ChunkCache cache,
      StorageMetrics storageMetrics,
      ScanPlanner planner,
      ChunkStreamer streamer,
      UnitLoader units,
      CacheQuotas quotas,
      BufferAllocator root,
      Executor streamExecutor,
      ScanMetrics scanMetrics,
      FlightSqlService sql,
      Access access) {
    this.access = access;
    this.scanMetrics = scanMetrics;
    this.sql = sql;
    this.root = root;
    this.units = units;
    this.quotas = quotas;
    this.catalog = catalog;
    this.cache = cache;
    this.storageMetrics = storageMetrics;
    this.planner = planner;
    this.streamer = streamer;
    this.streamExecutor = streamExecutor;
  }

  @Override
  public void listFlights(
      CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
    try {
      Principal caller = access.requireRead(context, "ListFlights");
      for (TableDefinition t : catalog.tables()) {
        if (!access.mayReadTable(caller, t.name())) {
          continue;
        }
        FlightDescriptor d = FlightDescriptor.path(t.name().split("\\."));
        try {
          listener.onNext(planner.plan(d, caller.name()));
        } catch (IOException | RuntimeException e) {
          // One broken table must not hide the others.
          LOG.warn("Skipping table {} in ListFlights: {}", t.name(), e.getMessage());
        }
      }
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(FlightErrors.toFlight(e));
    }
  }

  /**
   * Whether bytes are a Flight SQL message (a protobuf {@code Any} of Flight SQL's package) rather
   * than one of Quiver's JSON commands or tickets.
   */
  static boolean isFlightSql(byte[] bytes) {
    if (bytes == null || bytes.length == 0 || bytes[0] != 0x0A) {
      return false; // an Any starts with field 1 (type_url), length-delimited
    }
    try {
      return com.google.protobuf.Any.parseFrom(bytes)
          .getTypeUrl()
          .startsWith("type.googleapis.com/arrow.flight.protocol.sql.");
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return false;
    }
  }

  private static final Set<String> SQL_ACTIONS =
      Set.of(
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_CREATE_PREPARED_STATEMENT.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_CLOSE_PREPARED_STATEMENT.getType(),
          org.apache.arrow.flight.FlightConstants.CANCEL_FLIGHT_INFO.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_CANCEL_QUERY.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_BEGIN_TRANSACTION.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_END_TRANSACTION.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_BEGIN_SAVEPOINT.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_END_SAVEPOINT.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_CREATE_PREPARED_SUBSTRAIT_PLAN
              .getType());

  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    Principal caller = access.requireRead(context, "GetFlightInfo");
    if (descriptor.isCommand() && isFlightSql(descriptor.getCommand())) {
      try {
        return sql.getFlightInfo(context, descriptor);
      } catch (Exception e) {
        throw FlightErrors.toFlight(e);
      }
    }
    try {
      ScanPlanner.Planned planned = planner.planScan(descriptor, caller.name());
      ScanPlanner.Resolved r = planned.resolved();
      // After planning, so that the dataset is listed once; a refused plan is never returned.
      access.requireMount(caller, r.dataset().path());
      LOG.info(
          "scan {} columns={} filter={} units={} pruned={} endpoints={} est_rows={} est_bytes={}",
          r.dataset().name(),
          r.columns().size(),
          r.filter() == null ? "none" : (r.exact() ? "exact" : "prune-only"),
          planned.units() - planned.pruned(),
          planned.pruned(),
          planned.info().getEndpoints().size(),
          planned.info().getRecords(),
          planned.info().getBytes());
      return planned.info();
    } catch (Exception e) {
      throw FlightErrors.toFlight(e);
    }
  }

  @Override
  public SchemaResult getSchema(CallContext context, FlightDescriptor descriptor) {
    Principal caller = access.requireRead(context, "GetSchema");
    try {
      if (descriptor.isCommand() && isFlightSql(descriptor.getCommand())) {
        return sql.getSchema(context, descriptor);
      }
      ScanPlanner.Resolved r = planner.resolve(descriptor);
      access.requireMount(caller, r.dataset().path());
      return new SchemaResult(r.schema());
    } catch (Exception e) {
      throw FlightErrors.toFlight(e);
    }
  }

  /**
   * Streams on a Quiver thread, not on the gRPC call's thread: gRPC delivers the call's "ready"
   * callbacks on that thread, so blocking it would starve backpressure.
   */
  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    Principal caller;
    try {
      caller = access.requireRead(context, "DoGet");
    } catch (RuntimeException e) {
      listener.error(FlightErrors.toFlight(e));
      return;
    }
    if (isFlightSql(ticket.getBytes())) {
      try {
        sql.getStream(context, ticket, listener);
      } catch (Exception e) {
        listener.error(FlightErrors.toFlight(e));
      }
      return;
    }
    ScanTicket scan;
    try {
      scan = planner.signer().open(ticket.getBytes(), caller.name());
    } catch (RuntimeException e) {
      listener.error(FlightErrors.toFlight(e));
      return;
    }
    try {
      streamExecutor.execute(
          () -> {
            try {
              streamer.stream(scan, listener);
            } catch (Exception e) {
              listener.error(FlightErrors.toFlight(e));
            } catch (Error e) {
              // This thread is ours: if it dies without telling the client, the call hangs.
              listener.error(FlightErrors.toFlight(e));
              if (e instanceof VirtualMachineError) {
                throw e;
              }
            }
          });
    } catch (RejectedExecutionException e) {
      listener.error(FlightErrors.error(ErrorCode.NODE_UNAVAILABLE, "The server is shutting down"));
    }
  }

  @Override
  public void listActions(CallContext context, StreamListener<ActionType> listener) {
    ACTIONS.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> listener.onNext(new ActionType(e.getKey(), e.getValue())));
    org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_ACTIONS.forEach(listener::onNext);
    listener.onCompleted();
  }

  /** DoPut carries Flight SQL prepared-statement parameters; Quiver has no other use for it. */
  @Override
  public Runnable acceptPut(
      CallContext context,
      org.apache.arrow.flight.FlightStream flightStream,
      StreamListener<org.apache.arrow.flight.PutResult> ackStream) {
    access.requireRead(context, "DoPut");
    FlightDescriptor d = flightStream.getDescriptor();
    if (d.isCommand() && isFlightSql(d.getCommand())) {
      return sql.acceptPut(context, flightStream, ackStream);
    }
    return () ->
        ackStream.onError(
            FlightErrors.error(
                ErrorCode.INVALID_REQUEST,
                "DoPut takes Flight SQL prepared-statement parameters only"));
  }

  @Override
  public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    try {
      if (SQL_ACTIONS.contains(action.getType()) || READER_ACTIONS.contains(action.getType())) {
        access.requireRead(context, "Action '" + action.getType() + "'");
      } else if (ACTIONS.containsKey(action.getType())) {
        access.requireAdmin(context, "Action '" + action.getType() + "'");
      } else {
        access.principal(context);
      }
    } catch (RuntimeException e) {
      listener.onError(FlightErrors.toFlight(e));
      return;
    }
    if (SQL_ACTIONS.contains(action.getType())) {
      try {
        sql.doAction(context, action, listener);
      } catch (Exception e) {
        listener.onError(FlightErrors.toFlight(e));
      }
      return;
    }
    try {
      JsonNode body = parseBody(action);
      if ("cache-load".equals(action.getType())) {
        // Minutes of work: on a stream thread, like DoGet, not on one of gRPC's.
        loadOnStreamThread(context, body, listener);
        return;
      }
      JsonNode result = runAction(action.getType(), body, access.principal(context));
      listener.onNext(new Result(JSON.writeValueAsBytes(result)));
      listener.onCompleted();
    } catch (Exception e) {
      listener.onError(FlightErrors.toFlight(e));
    }
  }

  private static JsonNode parseBody(Action action) {
    byte[] bytes = action.getBody();
    if (bytes == null || bytes.length == 0) {
      return JSON.createObjectNode();
    }
    if (bytes.length > MAX_ACTION_BODY) {
      throw new IllegalArgumentException(
          "Action body of " + bytes.length + " bytes is above the limit of " + MAX_ACTION_BODY);
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("Action body must be a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException("Action body is not valid JSON: " + e.getMessage());
    }
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || !v.isTextual() || v.textValue().isBlank()) {
      throw new IllegalArgumentException("Missing string field \"" + field + "\" in action body");
    }
    return v.textValue();
  }

  private JsonNode runAction(String type, JsonNode body, Principal caller) throws IOException {
    switch (type) {
      case "mount":
        {
          Map<String, String> options = new LinkedHashMap<>();
          JsonNode opts = body.get("options");
          if (opts != null && !opts.isNull()) {
            if (!opts.isObject()) {
              throw new IllegalArgumentException("\"options\" must be an object of strings");
            }
            opts.fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
          }
          if (options.containsKey(Mount.CACHE_QUOTA_OPTION)) {
            CacheQuotas.parse(options.get(Mount.CACHE_QUOTA_OPTION)); // refuse before persisting
          }
          Mount m =
              catalog.mount(
                  NamespacePath.of(text(body, "path")),
                  Location.of(text(body, "uri")),
                  options,
                  body.path("force").asBoolean(false));
          quotas.apply(catalog.mounts(), cache);
          return mountJson(m);
        }
      case "unmount":
        catalog.unmount(NamespacePath.of(text(body, "path")));
        quotas.apply(catalog.mounts(), cache);
        return JSON.createObjectNode().put("unmounted", text(body, "path"));
      case "mounts":
        {
          ArrayNode list = JSON.createArrayNode();
          catalog.mounts().forEach(m -> list.add(mountJson(m)));
          return JSON.createObjectNode().set("mounts", list);
        }
      case "create-table":
        {
          NamespacePath tablePath = NamespacePath.of(text(body, "path"));
          // Without a format, the files say which one it is (by extension).
          String format =
              body.hasNonNull("format")
                  ? body.get("format").asText()
                  : catalog.dataset(text(body, "name"), tablePath, null).format();
          TableDefinition t =
              catalog.createTable(text(body, "name"), NamespacePath.of(text(body, "path")), format);
          Dataset d = catalog.tableDataset(t.name());
          return tableJson(t).put("files", d.files().size()).put("rows", d.rowCount());
        }
      case "drop-table":
        catalog.dropTable(text(body, "name"));
        return JSON.createObjectNode().put("dropped", text(body, "name"));
      case "tables":
        {
          ArrayNode list = JSON.createArrayNode();
          catalog.tables().stream()
              .filter(t -> access.mayReadTable(caller, t.name()))
              .forEach(t -> list.add(tableJson(t)));
          return JSON.createObjectNode().set("tables", list);
        }
      case "stats":
        return statsJson();
      case "cache-free":
        {
          long before = cache.stats().entries();
          if (body.hasNonNull("table") || body.hasNonNull("path")) {
            Set<String> files = filesOf(datasetOf(body));
            cache.invalidateAll(k -> files.contains(k.file()));
          } else {
            cache.invalidateAll(k -> true);
          }
          return JSON.createObjectNode().put("freedEntries", before - cache.stats().entries());
        }
      case "pin":
        {
          Dataset dataset = datasetOf(body);
          Set<String> files = filesOf(dataset);
          Set<String> columns = new HashSet<>(columnsOf(body, dataset, false));
          Duration ttl = body.hasNonNull("ttl") ? Durations.parse(body.get("ttl").asText()) : null;
          String name = pinName(body);
          cache.pinAll(
              name,
              k -> files.contains(k.file()) && (columns.isEmpty() || columns.contains(k.column())),
              ttl);
          return JSON.createObjectNode()
              .put("pinned", name)
              .put("files", files.size())
              .put("ttl", ttl == null ? "none" : ttl.toString());
        }
      case "unpin":
        {
          String name = pinName(body);
          if (!cache.unpinAll(name)) {
            throw new io.quiver.catalog.NoSuchPathException("Nothing is pinned as " + name);
          }
          return JSON.createObjectNode().put("unpinned", name);
        }
      case "cache-ls":
        return listJson(body);
      case "health":
        return JSON.createObjectNode().put("status", "ok");
      default:
        throw FlightErrors.error(
            ErrorCode.UNIMPLEMENTED,
            "Unknown action '"
                + type
                + "' (known: "
                + String.join(", ", List.copyOf(ACTIONS.keySet()))
                + ")");
    }
  }

  /**
   * The {@code columns} array of an action body, each checked against the dataset (otherwise a pin
   * or load would silently match nothing); empty means all ({@code allIfEmpty}) or none given.
   */
  private static List<String> columnsOf(JsonNode body, Dataset dataset, boolean allIfEmpty) {
    List<String> known = dataset.schema().getFields().stream().map(f -> f.getName()).toList();
    List<String> columns = new java.util.ArrayList<>();
    JsonNode cols = body.get("columns");
    if (cols != null && !cols.isNull()) {
      if (!cols.isArray()) {
        throw new IllegalArgumentException("\"columns\" must be an array of column names");
      }
      for (JsonNode c : cols) {
        if (!known.contains(c.asText())) {
          throw new IllegalArgumentException(
              "Unknown column '"
                  + c.asText()
                  + "' in "
                  + dataset.name()
                  + " (columns: "
                  + String.join(", ", known)
                  + ")");
        }
        if (!columns.contains(c.asText())) {
          columns.add(c.asText());
        }
      }
    }
    return columns.isEmpty() && allIfEmpty ? known : columns;
  }

  /** Progress results of a load are sent at most this often (plus the last one). */
  private static final long LOAD_PROGRESS_NANOS = 200_000_000L;

  /**
   * {@code cache-load}: brings every unit of the dataset's files (the given columns, or all) into
   * the cache, one unit at a time, sending {@code {"state":"loading",...}} results as it goes and a
   * final {@code {"state":"done",...}}. Stops when the client cancels. Loading more than the cache
   * holds evicts what was loaded first; the final result says so.
   */
  private void loadOnStreamThread(
      CallContext context, JsonNode body, StreamListener<Result> listener) {
    try {
      streamExecutor.execute(
          () -> {
            try {
              load(context, body, listener);
            } catch (Exception e) {
              listener.onError(FlightErrors.toFlight(e));
            } catch (Error e) {
              // This thread is ours: if it dies without telling the client, the call hangs.
              listener.onError(FlightErrors.toFlight(e));
              if (e instanceof VirtualMachineError) {
                throw e;
              }
            }
          });
    } catch (RejectedExecutionException e) {
      listener.onError(
          FlightErrors.error(ErrorCode.NODE_UNAVAILABLE, "The server is shutting down"));
    }
  }

  private void load(CallContext context, JsonNode body, StreamListener<Result> listener)
      throws IOException {
    Dataset dataset = datasetOf(body);
    List<String> columns = columnsOf(body, dataset, true);
    long totalUnits = 0;
    long totalBytes = 0;
    for (DataFile f : dataset.files()) {
      totalUnits += f.metadata().unitCount();
      for (int u = 0; u < f.metadata().unitCount(); u++) {
        for (String c : columns) {
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
      ResolvedPath resolved = catalog.resolve(f.path());
      for (int u = 0; u < f.metadata().unitCount(); u++) {
        if (context.isCancelled()) {
          LOG.info("Load of {} cancelled after {} units", dataset.name(), unitsDone);
          return;
        }
        Map<ColumnChunkKey, CachedChunk> chunks =
            units.acquire(resolved, f.entry(), f.metadata(), u, columns);
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
          ObjectNode progress =
              loadJson("loading", dataset, totalUnits, totalBytes, unitsDone, rows, bytes);
          listener.onNext(new Result(JSON.writeValueAsBytes(progress)));
        }
      }
    }
    ObjectNode done = loadJson("done", dataset, totalUnits, totalBytes, unitsDone, rows, bytes);
    done.put("storageBytesRead", storageMetrics.bytesRead() - storageBefore);
    long capacity = cache.stats().capacityBytes();
    if (bytes > capacity) {
      done.put(
          "warning",
          "Loaded "
              + ByteSize.format(bytes)
              + " into a cache of "
              + ByteSize.format(capacity)
              + ": what was loaded first has been evicted again");
    }
    listener.onNext(new Result(JSON.writeValueAsBytes(done)));
    listener.onCompleted();
  }

  private static ObjectNode loadJson(
      String state,
      Dataset dataset,
      long totalUnits,
      long totalBytes,
      long unitsDone,
      long rows,
      long bytes) {
    return JSON.createObjectNode()
        .put("state", state)
        .put("name", dataset.name())
        .put("units", totalUnits)
        .put("unitsDone", unitsDone)
        .put("rows", rows)
        .put("bytes", bytes)
        .put("estimatedBytes", totalBytes);
  }

  /** The rule name a pin of {@code body}'s table or path goes by. */
  private static String pinName(JsonNode body) {
    if (body.hasNonNull("table")) {
      return "table:" + text(body, "table");
    }
    return "path:" + NamespacePath.of(text(body, "path"));
  }

  /** What the body's {@code table} or {@code path} holds now. */
  private Dataset datasetOf(JsonNode body) throws IOException {
    return body.hasNonNull("table")
        ? catalog.tableDataset(text(body, "table"))
        : catalog.dataset(text(body, "path"), NamespacePath.of(text(body, "path")), null);
  }

  /** The store locations of a dataset's files (files added later are not covered). */
  private static Set<String> filesOf(Dataset d) {
    Set<String> files = new HashSet<>();
    d.files().forEach(f -> files.add(f.entry().location().toString()));
    return files;
  }

  private ObjectNode mountJson(Mount m) {
    ObjectNode node = JSON.createObjectNode();
    node.put("path", m.path().toString());
    node.put("uri", m.target().toString());
    ObjectNode options = node.putObject("options");
    m.maskedOptions().forEach(options::put);
    String reason = catalog.unavailableReason(m.path());
    node.put("status", reason == null ? "available" : "unavailable");
    if (reason != null) {
      node.put("reason", reason);
    }
    return node;
  }

  private static ObjectNode tableJson(TableDefinition t) {
    return JSON.createObjectNode()
        .put("name", t.name())
        .put("path", t.path().toString())
        .put("format", t.format());
  }

  /** {@code cache-ls}: cached chunks, newest first, at most {@code limit} (default 1000). */
  private ObjectNode listJson(JsonNode body) throws IOException {
    java.util.function.Predicate<ColumnChunkKey> matching = k -> true;
    if (body.hasNonNull("table") || body.hasNonNull("path")) {
      Set<String> files = filesOf(datasetOf(body));
      matching = k -> files.contains(k.file());
    }
    int limit = body.hasNonNull("limit") ? body.get("limit").asInt() : 1000;
    if (limit <= 0) {
      throw new IllegalArgumentException("\"limit\" must be positive");
    }
    List<EntryInfo> entries = new java.util.ArrayList<>(cache.entries(matching));
    entries.sort(java.util.Comparator.comparing(EntryInfo::age));
    ObjectNode node = JSON.createObjectNode();
    node.put("total", entries.size());
    node.put("bytes", entries.stream().mapToLong(EntryInfo::bytes).sum());
    ArrayNode list = node.putArray("entries");
    for (EntryInfo e : entries.subList(0, Math.min(limit, entries.size()))) {
      list.addObject()
          .put("file", e.key().file())
          .put("version", e.key().version())
          .put("unit", e.key().rowGroup())
          .put("column", e.key().column())
          .put("tier", e.tier().name().toLowerCase(java.util.Locale.ROOT))
          .put("bytes", e.bytes())
          .put("pinned", e.pinned())
          .put("readers", e.readers())
          .put("hits", e.hits())
          .put("ageSeconds", e.age().toMillis() / 1000.0);
    }
    return node;
  }

  /** {@code SIZE} → {@code Size}, for JSON field names. */
  private static String title(String constant) {
    return constant.charAt(0) + constant.substring(1).toLowerCase(java.util.Locale.ROOT);
  }

  private ObjectNode statsJson() {
    CacheStats s = cache.stats();
    ObjectNode node = JSON.createObjectNode();
    node.put("entries", s.entries());
    node.put("bytes", s.bytes());
    node.put("capacity", s.capacityBytes());
    node.put("hits", s.hits());
    node.put("misses", s.misses());
    node.put("evictions", s.evictions());
    node.put("loadFailures", s.loadFailures());
    node.put("bytesLoaded", s.bytesLoaded());
    node.put("pinnedEntries", s.pinnedEntries());
    node.put("pinnedBytes", s.pinnedBytes());
    node.put("expirations", s.expirations());
    CacheMetrics m = cache.metrics();
    ObjectNode memory = node.putObject("memory");
    memory.put("hits", m.memoryHits()).put("misses", m.memoryMisses());
    memory.put("entries", m.memoryEntries()).put("bytes", m.memoryBytes());
    m.memoryEvictions().forEach((cause, n) -> memory.put("evicted" + title(cause.name()), n));
    ObjectNode disk = node.putObject("disk");
    disk.put("hits", m.diskHits()).put("misses", m.diskMisses());
    disk.put("entries", m.diskEntries()).put("bytes", m.diskBytes());
    m.diskEvictions().forEach((cause, n) -> disk.put("evicted" + title(cause.name()), n));
    node.put("demotions", m.demotions());
    node.put("demotionFailures", m.demotionFailures());
    node.put("promotions", m.promotions());
    node.put("streamedThrough", m.streamedThrough());
    ObjectNode latency = node.putObject("loadLatencyMillis");
    latency.put("p50", m.loadLatencyP50Millis()).put("p90", m.loadLatencyP90Millis());
    latency.put("p99", m.loadLatencyP99Millis()).put("max", m.loadLatencyMaxMillis());
    node.put("loads", m.loaderCalls());
    // The node's own memory: off-heap (every allocator: cache, streams, Flight) and heap.
    ObjectNode memoryUse = node.putObject("process");
    memoryUse.put("offHeapBytes", root.getAllocatedMemory());
    memoryUse.put("offHeapPeakBytes", root.getPeakMemoryAllocation());
    memoryUse.put("offHeapLimitBytes", root.getLimit());
    long heapPeak = 0;
    for (java.lang.management.MemoryPoolMXBean pool :
        java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
        heapPeak += pool.getPeakUsage().getUsed();
      }
    }
    memoryUse.put(
        "heapUsedBytes",
        java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    memoryUse.put("heapPeakBytes", heapPeak);
    node.put("storageReads", storageMetrics.reads());
    node.put("storageBytesRead", storageMetrics.bytesRead());
    ObjectNode scans = node.putObject("scans");
    scans.put("planned", scanMetrics.scans());
    scans.put("units", scanMetrics.units());
    scans.put("unitsPruned", scanMetrics.unitsPruned());
    scans.put("rowsSent", scanMetrics.rowsSent());
    scans.put("rowsFilteredOut", scanMetrics.rowsFilteredOut());
    return node;
  }
}
