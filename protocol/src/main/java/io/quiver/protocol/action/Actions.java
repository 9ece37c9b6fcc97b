package io.quiver.protocol.action;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Quiver's Flight actions (besides Flight SQL's): one {@link ActionType} per action, with its
 * request and response records. Server and clients both use these, so a field is named in one
 * place.
 *
 * <pre>{@code
 * byte[] body = Actions.PIN.encodeRequest(PinRequest.of("sales.orders", List.of("a"), "2h"));
 * PinResponse pinned = Actions.PIN.decodeResponse(result.getBody());
 * }</pre>
 */
public final class Actions {
  /** The largest action body accepted (the largest real one, a mount, is a few hundred bytes). */
  public static final int MAX_BODY_BYTES = 64 << 10;

  public static final ActionType<MountRequest, MountInfo> MOUNT =
      new ActionType<>(
          "mount",
          "Mount a store location: {\"path\": \"/sales\", \"uri\": \"file:///data/sales\","
              + " \"options\": {}} (\"force\": true mounts below another mount even if tables"
              + " there then read the new one)",
          MountRequest.class,
          MountInfo.class,
          false);

  public static final ActionType<UnmountRequest, UnmountResponse> UNMOUNT =
      new ActionType<>(
          "unmount",
          "Remove a mount: {\"path\": \"/sales\"} (\"force\": true even though tables read"
              + " through it; they stay defined, unreadable until it is mounted again)",
          UnmountRequest.class,
          UnmountResponse.class,
          false);

  public static final ActionType<Empty, MountsResponse> MOUNTS =
      new ActionType<>(
          "mounts",
          "List mounts (secret options masked): {}",
          Empty.class,
          MountsResponse.class,
          false);

  public static final ActionType<CreateTableRequest, CreateTableResponse> CREATE_TABLE =
      new ActionType<>(
          "create-table",
          "Define a table: {\"name\": \"sales.orders\", \"path\": \"/sales/orders\", \"format\":"
              + " \"parquet\"}",
          CreateTableRequest.class,
          CreateTableResponse.class,
          false);

  public static final ActionType<DropTableRequest, DropTableResponse> DROP_TABLE =
      new ActionType<>(
          "drop-table",
          "Remove a table definition (no data is touched): {\"name\": \"sales.orders\"}",
          DropTableRequest.class,
          DropTableResponse.class,
          false);

  public static final ActionType<TablesRequest, TablesResponse> TABLES =
      new ActionType<>(
          "tables",
          "List tables: {} for all, {\"schema\": \"sales\"} for the tables and sub-schemas"
              + " directly in schema sales ({\"schema\": \"\"}: the top level)",
          TablesRequest.class,
          TablesResponse.class,
          false);

  public static final ActionType<RenameTableRequest, TableInfo> RENAME_TABLE =
      new ActionType<>(
          "rename-table",
          "Rename a table (its files and definition stay): {\"name\": \"sales.orders\","
              + " \"newName\": \"sales.orders_2024\"}",
          RenameTableRequest.class,
          TableInfo.class,
          false);

  public static final ActionType<LsRequest, LsResponse> LS =
      new ActionType<>(
          "ls",
          "List a namespace directory from the kept listings, a page at a time:"
              + " {\"path\": \"/lake\", \"after\": \"<previous page's next>\", \"limit\": 1000}",
          LsRequest.class,
          LsResponse.class,
          false);

  public static final ActionType<StatRequest, StatResponse> STAT =
      new ActionType<>(
          "stat",
          "What a namespace path is (file, directory, mount), its size, version and tables:"
              + " {\"path\": \"/lake/sales\"}",
          StatRequest.class,
          StatResponse.class,
          false);

  public static final ActionType<MoveRequest, MoveResponse> MOVE =
      new ActionType<>(
          "mv",
          "Move a directory, file or mount in the namespace only (nothing is copied or deleted in"
              + " any store; tables follow): {\"source\": \"/lake/raw/2024\", \"target\":"
              + " \"/archive/2024\"}",
          MoveRequest.class,
          MoveResponse.class,
          false);

  public static final ActionType<RefreshRequest, RefreshResponse> REFRESH =
      new ActionType<>(
          "refresh",
          "Drop the kept listings of a path or table and list it again: {\"path\": \"/lake\"}"
              + " or {\"table\": \"sales.orders\"}",
          RefreshRequest.class,
          RefreshResponse.class,
          false);

  public static final ActionType<DescribeTableRequest, DescribeTableResponse> DESCRIBE_TABLE =
      new ActionType<>(
          "describe-table",
          "A table's columns and types (partition columns marked), files, rows, bytes, row groups"
              + " and how much of each column is cached: {\"name\": \"sales.orders\"}",
          DescribeTableRequest.class,
          DescribeTableResponse.class,
          false);

  public static final ActionType<Empty, StatsResponse> STATS =
      new ActionType<>(
          "stats", "Cache and storage statistics: {}", Empty.class, StatsResponse.class, false);

  public static final ActionType<CacheFreeRequest, CacheFreeResponse> CACHE_FREE =
      new ActionType<>(
          "cache-free",
          "Drop cached chunks of a table or path, or all: {\"table\": \"sales.orders\"},"
              + " {\"path\": \"/lake/x\"} or {}",
          CacheFreeRequest.class,
          CacheFreeResponse.class,
          false);

  public static final ActionType<PinRequest, PinResponse> PIN =
      new ActionType<>(
          "pin",
          "Keep a table's or path's chunks (optionally some columns) cached, optionally for a"
              + " time, and in a cluster on more nodes: {\"table\": \"sales.orders\", \"columns\":"
              + " [\"a\"], \"ttl\": \"2h\", \"replicas\": 1}",
          PinRequest.class,
          PinResponse.class,
          false);

  public static final ActionType<UnpinRequest, UnpinResponse> UNPIN =
      new ActionType<>(
          "unpin",
          "Remove a pin: {\"table\": \"sales.orders\"} or {\"path\": \"/lake/x\"}",
          UnpinRequest.class,
          UnpinResponse.class,
          false);

  public static final ActionType<CacheLoadRequest, CacheLoadProgress> CACHE_LOAD =
      new ActionType<>(
          "cache-load",
          "Load a table's or path's chunks (optionally some columns) into the cache, streaming"
              + " progress results: {\"table\": \"sales.orders\", \"columns\": [\"a\"]}",
          CacheLoadRequest.class,
          CacheLoadProgress.class,
          true);

  public static final ActionType<CacheLsRequest, CacheLsResponse> CACHE_LS =
      new ActionType<>(
          "cache-ls",
          "List cached chunks (memory and disk) of a table or path, or all, most recent first:"
              + " {\"table\": \"sales.orders\", \"limit\": 100}",
          CacheLsRequest.class,
          CacheLsResponse.class,
          false);

  public static final ActionType<Empty, NodesResponse> NODES =
      new ActionType<>(
          "nodes",
          "The cluster's live nodes (one entry for a single node): id, location, capacity,"
              + " start time, version: {}",
          Empty.class,
          NodesResponse.class,
          false);

  public static final ActionType<ShortCircuitRequest, ShortCircuitResponse> SHORT_CIRCUIT =
      new ActionType<>(
          "short-circuit",
          "Read a ticket by mapping its cached chunks from shared memory (clients on the"
              + " server's host): {\"ticket\": \"<base64>\"} opens a lease and answers its first"
              + " unit, {\"next\": \"<lease>\"} the next, {\"close\": \"<lease>\"} releases it",
          ShortCircuitRequest.class,
          ShortCircuitResponse.class,
          false);

  public static final ActionType<Empty, HealthResponse> HEALTH =
      new ActionType<>("health", "Liveness: {}", Empty.class, HealthResponse.class, false);

  /** Every action, in the order above. */
  public static final List<ActionType<?, ?>> ALL =
      List.of(
          MOUNT,
          UNMOUNT,
          MOUNTS,
          CREATE_TABLE,
          DROP_TABLE,
          TABLES,
          RENAME_TABLE,
          LS,
          STAT,
          MOVE,
          REFRESH,
          DESCRIBE_TABLE,
          STATS,
          CACHE_FREE,
          PIN,
          UNPIN,
          CACHE_LOAD,
          CACHE_LS,
          NODES,
          SHORT_CIRCUIT,
          HEALTH);

  private static final Map<String, ActionType<?, ?>> BY_NAME;

  static {
    Map<String, ActionType<?, ?>> byName = new LinkedHashMap<>();
    for (ActionType<?, ?> a : ALL) {
      if (byName.put(a.name(), a) != null) {
        throw new ExceptionInInitializerError("Two actions are named " + a.name());
      }
    }
    BY_NAME = java.util.Collections.unmodifiableMap(byName);
  }

  private Actions() {}

  /** The action of this wire name, if Quiver has one. */
  public static Optional<ActionType<?, ?>> byName(String name) {
    return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
  }

  /** The wire names, in {@link #ALL}'s order. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }
}
