package io.quiver.protocol.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The wire format of every action, against literal JSON: the Python client, the CLI and older
 * clients send and read these exact field names, so renaming a record component must fail here.
 */
class ActionsTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** {@code request} encodes to exactly {@code json}, and {@code json} decodes to it. */
  private static <Q> void request(ActionType<Q, ?> type, Q request, String json) {
    assertEquals(json, text(type.encodeRequest(request)), type.name());
    assertEquals(request, type.decodeRequest(utf8(json)), type.name());
  }

  /** {@code response} encodes to exactly {@code json}, and {@code json} decodes to it. */
  private static <R> void response(ActionType<?, R> type, R response, String json) {
    assertEquals(json, text(type.encodeResponse(response)), type.name());
    assertEquals(json, type.toJson(response).toString(), type.name());
    assertEquals(response, type.decodeResponse(utf8(json)), type.name());
  }

  private static IllegalArgumentException refused(ActionType<?, ?> type, String json) {
    return assertThrows(IllegalArgumentException.class, () -> type.decodeRequest(utf8(json)));
  }

  @Test
  void registryHoldsEveryActionOnceByItsWireName() {
    assertEquals(
        List.of(
            "mount",
            "unmount",
            "mounts",
            "create-table",
            "drop-table",
            "tables",
            "rename-table",
            "ls",
            "stat",
            "mv",
            "refresh",
            "describe-table",
            "stats",
            "cache-free",
            "pin",
            "unpin",
            "cache-load",
            "cache-ls",
            "nodes",
            "short-circuit",
            "health"),
        Actions.names());
    for (ActionType<?, ?> a : Actions.ALL) {
      assertEquals(a, Actions.byName(a.name()).orElseThrow());
      assertFalse(a.description().isBlank(), a.name());
    }
    assertTrue(Actions.byName("frobnicate").isEmpty());
    assertTrue(Actions.byName(null).isEmpty());
    assertEquals(
        Set.of("cache-load"),
        Actions.ALL.stream()
            .filter(ActionType::streaming)
            .map(ActionType::name)
            .collect(Collectors.toSet()));
  }

  @Test
  void mount() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("region", "eu-west-1");
    options.put("cache-quota", "1g");
    request(
        Actions.MOUNT,
        new MountRequest("/sales", "s3://b/p", options),
        "{\"path\":\"/sales\",\"uri\":\"s3://b/p\",\"options\":{\"region\":\"eu-west-1\","
            + "\"cache-quota\":\"1g\"}}");
    request(
        Actions.MOUNT,
        new MountRequest("/sales", "file:///d", Map.of(), true),
        "{\"path\":\"/sales\",\"uri\":\"file:///d\",\"options\":{},\"force\":true}");
    // Options may be left out.
    assertEquals(
        new MountRequest("/x", "file:///d", Map.of()),
        Actions.MOUNT.decodeRequest(utf8("{\"path\":\"/x\",\"uri\":\"file:///d\"}")));
    response(
        Actions.MOUNT,
        new MountInfo("/sales", "file:///d", Map.of("k", "***"), "available", null),
        "{\"path\":\"/sales\",\"uri\":\"file:///d\",\"options\":{\"k\":\"***\"},"
            + "\"status\":\"available\"}");
    response(
        Actions.MOUNT,
        new MountInfo("/s", "s3://b", Map.of(), "unavailable", "no bucket"),
        "{\"path\":\"/s\",\"uri\":\"s3://b\",\"options\":{},\"status\":\"unavailable\","
            + "\"reason\":\"no bucket\"}");
    assertEquals(
        "Missing string field \"uri\" in action body",
        refused(Actions.MOUNT, "{\"path\":\"/x\"}").getMessage());
    assertEquals(
        "Missing string field \"path\" in action body",
        refused(Actions.MOUNT, "{\"path\":\" \",\"uri\":\"file:///d\"}").getMessage());
    assertEquals(
        "\"options\" in action body must be an object",
        refused(Actions.MOUNT, "{\"path\":\"/x\",\"uri\":\"file:///d\",\"options\":[1]}")
            .getMessage());
    assertEquals(
        "\"options\" must be an object of strings",
        refused(Actions.MOUNT, "{\"path\":\"/x\",\"uri\":\"file:///d\",\"options\":{\"a\":null}}")
            .getMessage());
  }

  @Test
  void namespaceActions() {
    request(
        Actions.LS,
        new LsRequest("/lake", "2024", 10),
        "{\"path\":\"/lake\",\"after\":\"2024\",\"limit\":10}");
    assertEquals(
        LsRequest.DEFAULT_LIMIT,
        Actions.LS.decodeRequest(utf8("{\"path\":\"/x\"}")).limitOrDefault());
    assertEquals(
        "\"limit\" must be 1..10000",
        refused(Actions.LS, "{\"path\":\"/x\",\"limit\":10001}").getMessage());
    response(
        Actions.LS,
        new LsResponse(
            List.of(
                new PathInfo(
                    "a.parquet",
                    "/lake/a.parquet",
                    "file",
                    12L,
                    1L,
                    "v1",
                    "2026-12-03T10:00:00Z",
                    "parquet")),
            "a.parquet"),
        "{\"entries\":[{\"name\":\"a.parquet\",\"path\":\"/lake/a.parquet\",\"kind\":"
            + "\"file\",\"size\":12,\"files\":1,\"version\":\"v1\",\"modified\":"
            + "\"2026-12-03T10:00:00Z\",\"format\":\"parquet\"}],\"next\":\"a.parquet\"}");
    request(Actions.STAT, new StatRequest("/lake"), "{\"path\":\"/lake\"}");
    request(
        Actions.MOVE,
        new MoveRequest("/lake/raw", "/archive/raw"),
        "{\"source\":\"/lake/raw\",\"target\":\"/archive/raw\"}");
    assertEquals(
        "Missing string field \"target\" in action body",
        refused(Actions.MOVE, "{\"source\":\"/a\"}").getMessage());
    response(
        Actions.MOVE,
        new MoveResponse("/a", "/b", 2),
        "{\"source\":\"/a\",\"target\":\"/b\",\"tables\":2}");
    request(Actions.REFRESH, RefreshRequest.of("sales.orders"), "{\"table\":\"sales.orders\"}");
    request(Actions.REFRESH, RefreshRequest.of("/lake"), "{\"path\":\"/lake\"}");
    assertTrue(refused(Actions.REFRESH, "{}").getMessage().contains("\"table\" or \"path\""));
    request(
        Actions.RENAME_TABLE,
        new RenameTableRequest("a.b", "a.c"),
        "{\"name\":\"a.b\",\"newName\":\"a.c\"}");
  }

  @Test
  void unmountMountsTablesAndHealth() {
    request(Actions.UNMOUNT, new UnmountRequest("/sales"), "{\"path\":\"/sales\"}");
    request(
        Actions.UNMOUNT,
        new UnmountRequest("/sales", true),
        "{\"path\":\"/sales\",\"force\":true}");
    response(Actions.UNMOUNT, new UnmountResponse("/sales"), "{\"unmounted\":\"/sales\"}");
    assertEquals(
        "Missing string field \"path\" in action body",
        refused(Actions.UNMOUNT, "{}").getMessage());

    request(Actions.MOUNTS, Empty.INSTANCE, "{}");
    response(
        Actions.MOUNTS,
        new MountsResponse(List.of(new MountInfo("/a", "file:///a", Map.of(), null, null))),
        "{\"mounts\":[{\"path\":\"/a\",\"uri\":\"file:///a\",\"options\":{},"
            + "\"status\":\"available\"}]}");

    request(Actions.TABLES, TablesRequest.ALL, "{}");
    request(Actions.TABLES, new TablesRequest("a.b"), "{\"schema\":\"a.b\"}");
    assertEquals(
        new TablesRequest("a.b"), Actions.TABLES.decodeRequest(utf8("{\"schema\":\"a.b.\"}")));
    response(
        Actions.TABLES,
        new TablesResponse(
            List.of(new TableInfo("a.t", "/lake/t", "orc")),
            List.of(new TablesResponse.SchemaInfo("a.b", 2))),
        "{\"tables\":[{\"name\":\"a.t\",\"path\":\"/lake/t\",\"format\":\"orc\"}],"
            + "\"schemas\":[{\"name\":\"a.b\",\"tables\":2}]}");
    response(
        Actions.TABLES,
        new TablesResponse(List.of(new TableInfo("sales.orders", "/sales/orders", "parquet"))),
        "{\"tables\":[{\"name\":\"sales.orders\",\"path\":\"/sales/orders\","
            + "\"format\":\"parquet\"}]}");

    request(Actions.HEALTH, Empty.INSTANCE, "{}");
    response(Actions.HEALTH, HealthResponse.OK, "{\"status\":\"ok\"}");

    response(
        Actions.NODES,
        new NodesResponse(
            "zk://zk1:2181/quiver",
            List.of(
                new NodesResponse.Node(
                    "10.0.0.5:8815", "grpc+tcp://10.0.0.5:8815", 1024, 42, "0.1.0", true))),
        "{\"cluster\":\"zk://zk1:2181/quiver\",\"nodes\":[{\"id\":\"10.0.0.5:8815\","
            + "\"location\":\"grpc+tcp://10.0.0.5:8815\",\"capacity\":1024,\"startedMillis\":42,"
            + "\"version\":\"0.1.0\",\"self\":true}]}");
    // Bodies of argument-less actions may hold anything (older clients sent fields).
    assertEquals(TablesRequest.ALL, Actions.TABLES.decodeRequest(utf8("{\"pad\":\"y\"}")));
    assertEquals(Empty.INSTANCE, Actions.HEALTH.decodeRequest(new byte[0]));
    assertEquals(Empty.INSTANCE, Actions.HEALTH.decodeRequest(null));
  }

  @Test
  void createAndDropTable() {
    request(
        Actions.CREATE_TABLE,
        new CreateTableRequest("sales.orders", "/sales/orders", "parquet"),
        "{\"name\":\"sales.orders\",\"path\":\"/sales/orders\",\"format\":\"parquet\"}");
    request(
        Actions.CREATE_TABLE,
        new CreateTableRequest("t", "/lake/t", null),
        "{\"name\":\"t\",\"path\":\"/lake/t\"}");
    request(
        Actions.CREATE_TABLE,
        new CreateTableRequest("t", "/lake/t", null, Map.of("day", "date")),
        "{\"name\":\"t\",\"path\":\"/lake/t\",\"partitions\":{\"day\":\"date\"}}");
    request(
        Actions.CREATE_TABLE,
        new CreateTableRequest("t", "/lake/t", null, null, "id int64, d date32"),
        "{\"name\":\"t\",\"path\":\"/lake/t\",\"schema\":\"id int64, d date32\"}");
    request(Actions.DESCRIBE_TABLE, new DescribeTableRequest("t"), "{\"name\":\"t\"}");
    response(
        Actions.DESCRIBE_TABLE,
        new DescribeTableResponse(
            "t",
            "/lake/t",
            "parquet",
            1,
            10,
            100,
            1,
            Map.of("day", "date"),
            List.of(
                new DescribeTableResponse.Column("day", "Date(DAY)", true, true, 0, 0, 0, 0, 0)),
            List.of(
                new DescribeTableResponse.FileInfo(
                    "/lake/t/day=2024-01-01/a.parquet",
                    100,
                    10,
                    1,
                    "v1",
                    Map.of("day", "2024-01-01"))),
            DescribeTableResponse.DECLARED,
            "id int64"),
        "{\"name\":\"t\",\"path\":\"/lake/t\",\"format\":\"parquet\",\"fileCount\":1,"
            + "\"rows\":10,\"bytes\":100,\"rowGroups\":1,\"partitions\":{\"day\":\"date\"},"
            + "\"columns\":[{\"name\":\"day\",\"type\":\"Date(DAY)\",\"nullable\":true,"
            + "\"partition\":true,\"files\":0,\"bytes\":0,\"cachedBytes\":0,\"cachedChunks\":0,"
            + "\"chunks\":0}],\"files\":[{\"path\":\"/lake/t/day=2024-01-01/a.parquet\","
            + "\"bytes\":100,\"rows\":10,\"rowGroups\":1,\"version\":\"v1\","
            + "\"partitionValues\":{\"day\":\"2024-01-01\"}}],\"schemaSource\":\"declared\","
            + "\"declaredSchema\":\"id int64\"}");
    response(
        Actions.CREATE_TABLE,
        new CreateTableResponse("t", "/lake/t", "orc", 3, 1_000_000_000_000L),
        "{\"name\":\"t\",\"path\":\"/lake/t\",\"format\":\"orc\",\"files\":3,"
            + "\"rows\":1000000000000}");
    assertEquals(
        "Missing string field \"name\" in action body",
        refused(Actions.CREATE_TABLE, "{\"path\":\"/lake/t\"}").getMessage());
    assertEquals(
        "\"name\" in action body must be a string",
        refused(Actions.CREATE_TABLE, "{\"name\":{},\"path\":\"/lake/t\"}").getMessage());

    request(Actions.DROP_TABLE, new DropTableRequest("t"), "{\"name\":\"t\"}");
    response(Actions.DROP_TABLE, new DropTableResponse("t"), "{\"dropped\":\"t\"}");
    assertEquals(
        "Missing string field \"name\" in action body",
        refused(Actions.DROP_TABLE, "{\"name\":\"\"}").getMessage());
  }

  @Test
  void stats() {
    request(Actions.STATS, Empty.INSTANCE, "{}");
    Map<String, Long> evicted = new LinkedHashMap<>();
    evicted.put("size", 4L);
    evicted.put("quota", 5L);
    StatsResponse stats =
        new StatsResponse(
            1,
            2,
            3,
            4,
            5,
            6,
            7,
            8,
            9,
            10,
            11,
            new StatsResponse.Tier(12, 13, 14, 15, evicted),
            new StatsResponse.Tier(16, 17, 18, 19, Map.of("expired", 1L)),
            20,
            21,
            22,
            23,
            new StatsResponse.Latency(0.5, 1.5, 2.5, 3.5),
            24,
            new StatsResponse.Process(25, 26, 27, 28, 29),
            30,
            31,
            new StatsResponse.Scans(32, 33, 34, 35, 36, 37, 38));
    response(
        Actions.STATS,
        stats,
        "{\"entries\":1,\"bytes\":2,\"capacity\":3,\"hits\":4,\"misses\":5,\"evictions\":6,"
            + "\"loadFailures\":7,\"bytesLoaded\":8,\"pinnedEntries\":9,\"pinnedBytes\":10,"
            + "\"expirations\":11,"
            + "\"memory\":{\"hits\":12,\"misses\":13,\"entries\":14,\"bytes\":15,"
            + "\"evictedSize\":4,\"evictedQuota\":5},"
            + "\"disk\":{\"hits\":16,\"misses\":17,\"entries\":18,\"bytes\":19,"
            + "\"evictedExpired\":1},"
            + "\"demotions\":20,\"demotionFailures\":21,\"promotions\":22,\"streamedThrough\":23,"
            + "\"loadLatencyMillis\":{\"p50\":0.5,\"p90\":1.5,\"p99\":2.5,\"max\":3.5},"
            + "\"loads\":24,"
            + "\"process\":{\"offHeapBytes\":25,\"offHeapPeakBytes\":26,\"offHeapLimitBytes\":27,"
            + "\"heapUsedBytes\":28,\"heapPeakBytes\":29},"
            + "\"storageReads\":30,\"storageBytesRead\":31,"
            + "\"scans\":{\"planned\":32,\"units\":33,\"unitsPruned\":34,\"rowsSent\":35,"
            + "\"rowsFilteredOut\":36,\"rowsMapped\":37,\"leasesOpen\":38}}");
    // A newer server's extra counters are ignored.
    assertEquals(
        7,
        Actions.STATS
            .decodeResponse(utf8("{\"entries\":7,\"newCounter\":1,\"memory\":{\"hits\":1}}"))
            .entries());
  }

  @Test
  void shortCircuit() {
    request(Actions.SHORT_CIRCUIT, ShortCircuitRequest.open("AAEC"), "{\"ticket\":\"AAEC\"}");
    request(Actions.SHORT_CIRCUIT, ShortCircuitRequest.next("0f"), "{\"next\":\"0f\"}");
    response(
        Actions.SHORT_CIRCUIT,
        new ShortCircuitResponse(
            "0f",
            "/dev/shm/quiver-01",
            "ab",
            "c2NoZW1h",
            30000,
            List.of(
                new ShortCircuitResponse.Batch(
                    3, List.of(new ShortCircuitResponse.Column("1.arrow", 0)))),
            false,
            true,
            null),
        "{\"lease\":\"0f\",\"directory\":\"/dev/shm/quiver-01\",\"token\":\"ab\","
            + "\"schema\":\"c2NoZW1h\",\"leaseMillis\":30000,\"batches\":[{\"rows\":3,"
            + "\"columns\":[{\"file\":\"1.arrow\",\"batch\":0}]}],\"done\":false,"
            + "\"last\":true}");
  }

  @Test
  void cacheFreePinAndUnpin() {
    request(Actions.CACHE_FREE, CacheFreeRequest.ALL, "{}");
    request(
        Actions.CACHE_FREE, CacheFreeRequest.of("sales.orders"), "{\"table\":\"sales.orders\"}");
    request(Actions.CACHE_FREE, CacheFreeRequest.of("/lake/x"), "{\"path\":\"/lake/x\"}");
    response(Actions.CACHE_FREE, new CacheFreeResponse(12), "{\"freedEntries\":12}");
    assertEquals(
        "Field \"table\" must not be blank",
        refused(Actions.CACHE_FREE, "{\"table\":\"\"}").getMessage());

    request(
        Actions.PIN,
        PinRequest.of("sales.orders", List.of("a", "b"), "2h"),
        "{\"table\":\"sales.orders\",\"columns\":[\"a\",\"b\"],\"ttl\":\"2h\"}");
    request(Actions.PIN, PinRequest.of("/lake/x", null, null), "{\"path\":\"/lake/x\"}");
    response(
        Actions.PIN,
        new PinResponse("table:sales.orders", 3, "PT2H"),
        "{\"pinned\":\"table:sales.orders\",\"files\":3,\"ttl\":\"PT2H\"}");
    assertEquals(
        "Missing string field \"table\" or \"path\" in action body",
        refused(Actions.PIN, "{\"columns\":[\"a\"]}").getMessage());
    assertEquals(
        "\"columns\" in action body must be an array",
        refused(Actions.PIN, "{\"table\":\"t\",\"columns\":{}}").getMessage());
    assertEquals(
        "\"columns\" must be an array of column names",
        refused(Actions.PIN, "{\"table\":\"t\",\"columns\":[\"a\",null]}").getMessage());
    // Duplicated columns count once.
    assertEquals(
        List.of("a"),
        Actions.PIN.decodeRequest(utf8("{\"table\":\"t\",\"columns\":[\"a\",\"a\"]}")).columns());

    request(Actions.UNPIN, UnpinRequest.of("sales.orders"), "{\"table\":\"sales.orders\"}");
    request(Actions.UNPIN, UnpinRequest.of("/lake/x"), "{\"path\":\"/lake/x\"}");
    response(Actions.UNPIN, new UnpinResponse("path:/lake/x"), "{\"unpinned\":\"path:/lake/x\"}");
    assertEquals(
        "Missing string field \"table\" or \"path\" in action body",
        refused(Actions.UNPIN, "{}").getMessage());
  }

  @Test
  void cacheLoadStreamsProgress() {
    request(
        Actions.CACHE_LOAD,
        CacheLoadRequest.of("sales.orders", List.of("a")),
        "{\"table\":\"sales.orders\",\"columns\":[\"a\"]}");
    request(
        Actions.CACHE_LOAD, CacheLoadRequest.of("/lake/x", List.of()), "{\"path\":\"/lake/x\"}");
    response(
        Actions.CACHE_LOAD,
        CacheLoadProgress.loading("t", 10, 3, 300, 4096, 5000),
        "{\"state\":\"loading\",\"name\":\"t\",\"units\":10,\"unitsDone\":3,\"rows\":300,"
            + "\"bytes\":4096,\"estimatedBytes\":5000}");
    CacheLoadProgress done = CacheLoadProgress.done("t", 10, 10, 1000, 9000, 5000, 777, "evicted");
    response(
        Actions.CACHE_LOAD,
        done,
        "{\"state\":\"done\",\"name\":\"t\",\"units\":10,\"unitsDone\":10,\"rows\":1000,"
            + "\"bytes\":9000,\"estimatedBytes\":5000,\"storageBytesRead\":777,"
            + "\"warning\":\"evicted\"}");
    assertTrue(done.done());
    assertEquals(
        "Missing string field \"table\" or \"path\" in action body",
        refused(Actions.CACHE_LOAD, "{\"columns\":[\"a\"]}").getMessage());
  }

  @Test
  void cacheLs() {
    request(Actions.CACHE_LS, CacheLsRequest.of(null, null), "{}");
    request(
        Actions.CACHE_LS,
        CacheLsRequest.of("sales.orders", 100),
        "{\"table\":\"sales.orders\",\"limit\":100}");
    request(Actions.CACHE_LS, CacheLsRequest.of("/lake", 5), "{\"path\":\"/lake\",\"limit\":5}");
    assertEquals(CacheLsRequest.DEFAULT_LIMIT, CacheLsRequest.of(null, null).limitOrDefault());
    response(
        Actions.CACHE_LS,
        new CacheLsResponse(
            2,
            300,
            List.of(
                new CacheLsResponse.Entry(
                    "file:///lake/a.parquet", "v1", 0, "a", "memory", 100, true, 1, 5, 1.5))),
        "{\"total\":2,\"bytes\":300,\"entries\":[{\"file\":\"file:///lake/a.parquet\","
            + "\"version\":\"v1\",\"unit\":0,\"column\":\"a\",\"tier\":\"memory\",\"bytes\":100,"
            + "\"pinned\":true,\"readers\":1,\"hits\":5,\"ageSeconds\":1.5}]}");
    assertEquals(
        "\"limit\" must be positive", refused(Actions.CACHE_LS, "{\"limit\":0}").getMessage());
    assertEquals(
        "\"limit\" in action body must be a number",
        refused(Actions.CACHE_LS, "{\"limit\":\"many\"}").getMessage());
  }

  @Test
  void malformedBodiesAreRefusedClearly() {
    assertEquals(
        "Action body must be a JSON object", refused(Actions.TABLES, "[1, 2]").getMessage());
    assertTrue(
        refused(Actions.TABLES, "{\"a\":")
            .getMessage()
            .startsWith("Action body is not valid JSON"));
    byte[] big = utf8("{\"pad\":\"" + "y".repeat(Actions.MAX_BODY_BYTES) + "\"}");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Actions.TABLES.decodeRequest(big));
    assertEquals(
        "Action body of " + big.length + " bytes is above the limit of " + Actions.MAX_BODY_BYTES,
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Actions.HEALTH.decodeResponse(utf8("\"ok\"")),
        "a result that is not an object");
  }
}
