package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.security.Authenticator;
import io.quiver.server.security.SecurityConfig;
import io.quiver.storage.Location;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication, roles and the operator's mount rules, through a real node and real clients
 * (Flight, and the Arrow Flight SQL JDBC driver): what a hostile or merely unprivileged client can
 * and cannot do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_PASSWORD = "canary-admin-Pa55-7c1e";
  private static final String READER_PASSWORD = "canary-reader-Pa55-91ab";
  private static final String API_TOKEN = Authenticator.newToken();

  /** A server variable a client must never get the server to use or reveal. */
  private static final String SERVER_SECRET_VAR = "PATH";

  @TempDir static Path tmp;
  private Path lake;
  private Path outside;
  private TestNode node;
  private BufferAllocator allocator;
  private FlightClient client;

  @BeforeAll
  void setUp() throws Exception {
    lake = Files.createDirectories(tmp.resolve("lake"));
    FlightSqlTest.writeOrders(Files.createDirectories(lake.resolve("orders")));
    outside = Files.createDirectories(tmp.resolve("outside"));
    FlightSqlTest.writeOrders(outside);
    // A link inside the allowed directory that leads outside it.
    Files.createSymbolicLink(lake.resolve("escape"), outside);
    Files.createSymbolicLink(
        lake.resolve("orders").resolve("linked.parquet"), outside.resolve("orders.parquet"));
    Path config = tmp.resolve("quiver.json");
    Files.writeString(
        config,
        JSON.writeValueAsString(
            Map.of(
                "users",
                Map.of(
                    "alice",
                    Map.of("password", hash(ADMIN_PASSWORD), "roles", List.of("admin")),
                    "bob",
                    Map.of("password", hash(READER_PASSWORD), "roles", List.of("reader")),
                    "eve",
                    Map.of("password", hash("eve-pass"), "roles", List.of("auditor")),
                    "carol",
                    Map.of("password", hash("carol-pass"), "roles", List.of("reader", "finance")),
                    "dave",
                    Map.of("password", hash("dave-pass"), "roles", List.of("reader"))),
                "tokens",
                Map.of(
                    "etl",
                    Map.of(
                        "sha256", Authenticator.sha256Hex(API_TOKEN), "roles", List.of("reader"))),
                "credentials",
                Map.of("lake-s3", Map.of("access-key-env", "QUIVER_TEST_NOT_SET")),
                "allow-local",
                List.of(lake.toString()))));
    SecurityConfig security = SecurityConfig.load(config);
    node = TestNode.start(tmp.resolve("data"), c -> c.withSecurity(security));
    allocator = new RootAllocator();
    client = FlightClient.builder(allocator, node.server().location()).build();
    action(admin(), "mount", Map.of("path", "/lake", "uri", uri(lake), "options", Map.of()));
    action(admin(), "create-table", Map.of("name", "sales.orders", "path", "/lake/orders"));
    Path finance = Files.createDirectories(lake.resolve("finance/ledger"));
    FlightSqlTest.writeOrders(finance);
    action(
        admin(),
        "mount",
        Map.of(
            "path",
            "/fin",
            "uri",
            uri(lake.resolve("finance")),
            "options",
            Map.of("roles", "finance")));
    action(admin(), "create-table", Map.of("name", "fin.ledger", "path", "/fin/ledger"));
  }

  @AfterAll
  void tearDown() throws Exception {
    client.close();
    allocator.close();
    node.close();
  }

  private static String hash(String password) {
    return BCrypt.withDefaults().hashToString(4, password.toCharArray());
  }

  private static String uri(Path p) {
    return Location.ofLocalPath(p).toString();
  }

  private static CallOption basic(String user, String password) {
    CallHeaders h = new FlightCallHeaders();
    h.insert(
        "authorization",
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    return new HeaderCallOption(h);
  }

  private static CallOption bearer(String token) {
    return new CredentialCallOption(new BearerCredentialWriter(token));
  }

  private CallOption admin() {
    return basic("alice", ADMIN_PASSWORD);
  }

  private CallOption reader() {
    return basic("bob", READER_PASSWORD);
  }

  private JsonNode action(CallOption auth, String type, Map<String, ?> body) throws Exception {
    Iterator<Result> it = client.doAction(new Action(type, JSON.writeValueAsBytes(body)), auth);
    JsonNode last = null;
    while (it.hasNext()) {
      last = JSON.readTree(it.next().getBody());
    }
    return last;
  }

  private FlightRuntimeException refused(CallOption auth, String type, Map<String, ?> body) {
    return assertThrows(FlightRuntimeException.class, () -> action(auth, type, body));
  }

  private long rows(FlightInfo info, CallOption auth) throws Exception {
    long n = 0;
    for (var e : info.getEndpoints()) {
      try (FlightStream s = client.getStream(e.getTicket(), auth)) {
        while (s.next()) {
          n += s.getRoot().getRowCount();
        }
      }
    }
    return n;
  }

  private FlightInfo plan(String table, CallOption auth) {
    FlightDescriptor d = FlightDescriptor.command(ScanCommand.table(table).toBytes());
    return auth == null ? client.getInfo(d) : client.getInfo(d, auth);
  }

  @Test
  void repeatedFailedLoginsAreRefusedWithoutCheckingForExistingAndUnknownNamesAlike() {
    for (String name : List.of("dave", "nobody-at-all")) {
      for (int i = 0; i < 5; i++) {
        FlightRuntimeException e =
            assertThrows(
                FlightRuntimeException.class, () -> plan("sales.orders", basic(name, "guess")));
        assertEquals("Invalid credentials", e.status().description(), name + " " + i);
      }
      // Now even the right password waits: the node does not run bcrypt for this name.
      String password = name.equals("dave") ? "dave-pass" : "guess";
      FlightRuntimeException blocked =
          assertThrows(
              FlightRuntimeException.class, () -> plan("sales.orders", basic(name, password)));
      assertEquals(FlightStatusCode.UNAUTHENTICATED, blocked.status().code());
      assertTrue(
          blocked.getMessage().contains("Too many failed logins for this user; retry in 1 s"),
          blocked.getMessage());
    }
    // Other users are not affected.
    assertFalse(plan("sales.orders", basic("bob", READER_PASSWORD)).getEndpoints().isEmpty());
  }

  @Test
  void callsWithoutValidCredentialsAreRefusedAlikeWhetherTheUserExistsOrNot() {
    FlightRuntimeException none =
        assertThrows(FlightRuntimeException.class, () -> plan("sales.orders", null));
    assertEquals(FlightStatusCode.UNAUTHENTICATED, none.status().code());
    FlightRuntimeException wrong =
        assertThrows(
            FlightRuntimeException.class, () -> plan("sales.orders", basic("bob", "nope")));
    FlightRuntimeException unknown =
        assertThrows(
            FlightRuntimeException.class, () -> plan("sales.orders", basic("mallory", "nope")));
    assertEquals(FlightStatusCode.UNAUTHENTICATED, wrong.status().code());
    assertEquals(wrong.status().code(), unknown.status().code());
    assertEquals(wrong.getMessage(), unknown.getMessage());
    FlightRuntimeException badToken =
        assertThrows(
            FlightRuntimeException.class,
            () -> plan("sales.orders", bearer(Authenticator.newToken())));
    assertEquals(FlightStatusCode.UNAUTHENTICATED, badToken.status().code());
    // Arrow's authentication middleware sends the status without trailers: no code here (the
    // Java client's QuiverClient.errorCode reads the UNAUTHENTICATED status as its code).
    for (FlightRuntimeException e : List.of(none, wrong, unknown, badToken)) {
      assertTrue(FlightErrors.codeOf(e).isEmpty(), e.toString());
    }
    // Nothing about the catalog leaks to an unauthenticated caller.
    for (FlightRuntimeException e : List.of(none, wrong, unknown, badToken)) {
      assertFalse(e.getMessage().contains("orders"), e.getMessage());
    }
  }

  @Test
  void aPasswordLoginIsExchangedForABearerTokenThatWorksAlone() throws Exception {
    var bearer = client.authenticateBasicToken("bob", READER_PASSWORD);
    assertTrue(bearer.isPresent());
    assertEquals(5_000, rows(plan("sales.orders", bearer.get()), bearer.get()));
  }

  @Test
  void readersScanAndListButCannotChangeTheCatalogOrTheCache() throws Exception {
    assertEquals(5_000, rows(plan("sales.orders", reader()), reader()));
    assertEquals(1, action(reader(), "tables", Map.of()).path("tables").size());
    for (String[] a :
        new String[][] {
          {"mount", "{\"path\": \"/x\", \"uri\": \"" + uri(lake) + "\"}"},
          {"unmount", "{\"path\": \"/lake\"}"},
          {"create-table", "{\"name\": \"x.y\", \"path\": \"/lake/orders\"}"},
          {"drop-table", "{\"name\": \"sales.orders\"}"},
          {"cache-free", "{}"},
          {"pin", "{\"path\": \"/lake/orders\"}"},
        }) {
      FlightRuntimeException e = refused(reader(), a[0], JSON.readValue(a[1], Map.class));
      assertEquals(FlightStatusCode.UNAUTHORIZED, e.status().code(), a[0]);
      assertEquals(
          io.quiver.protocol.ErrorCode.PERMISSION_DENIED, FlightErrors.codeOf(e).orElseThrow());
      assertTrue(e.getMessage().contains("admin role"), e.getMessage());
    }
    // Nothing changed.
    assertEquals(2, action(admin(), "tables", Map.of()).path("tables").size());
    assertEquals(2, action(admin(), "mounts", Map.of()).path("mounts").size());
  }

  @Test
  void aPrincipalWithoutReaderOrAdminCannotScan() {
    FlightRuntimeException e =
        assertThrows(
            FlightRuntimeException.class, () -> plan("sales.orders", basic("eve", "eve-pass")));
    assertEquals(FlightStatusCode.UNAUTHORIZED, e.status().code());
    assertTrue(e.getMessage().contains("reader role"), e.getMessage());
  }

  @Test
  void aMountLimitedToARoleIsReadOnlyByThatRoleAndAdmins() throws Exception {
    CallOption carol = basic("carol", "carol-pass");
    assertEquals(5_000, rows(plan("fin.ledger", carol), carol));
    assertEquals(5_000, rows(plan("fin.ledger", admin()), admin()));
    FlightRuntimeException e =
        assertThrows(FlightRuntimeException.class, () -> plan("fin.ledger", reader()));
    assertEquals(FlightStatusCode.UNAUTHORIZED, e.status().code());
    assertTrue(e.getMessage().contains("limited to roles finance"), e.getMessage());
    // bob does not even see it listed; carol does.
    assertEquals(1, action(reader(), "tables", Map.of()).path("tables").size());
    assertEquals(2, action(carol, "tables", Map.of()).path("tables").size());
    // Nor through SQL, whether planned or sent straight as a statement ticket.
    String url = "jdbc:arrow-flight-sql://127.0.0.1:" + node.port() + "/?useEncryption=false";
    try (Connection c = DriverManager.getConnection(url + "&user=bob&password=" + READER_PASSWORD);
        Statement st = c.createStatement()) {
      try (ResultSet tables = c.getMetaData().getTables(null, null, "%", null)) {
        List<String> seen = new ArrayList<>();
        while (tables.next()) {
          seen.add(tables.getString("TABLE_SCHEM") + "." + tables.getString("TABLE_NAME"));
        }
        assertEquals(List.of("sales.orders"), seen, "bob's catalog hides the finance mount");
      }
      SQLException denied =
          assertThrows(
              SQLException.class, () -> st.executeQuery("SELECT count(*) FROM fin.ledger"));
      assertTrue(String.valueOf(denied.getMessage()).contains("limited"), denied.getMessage());
    }
    try (Connection c = DriverManager.getConnection(url + "&user=carol&password=carol-pass");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM fin.ledger")) {
      assertTrue(rs.next());
      assertEquals(5_000, rs.getLong(1));
    }
    byte[] forged =
        com.google.protobuf.Any.pack(
                org.apache.arrow.flight.sql.impl.FlightSql.TicketStatementQuery.newBuilder()
                    .setStatementHandle(
                        com.google.protobuf.ByteString.copyFromUtf8(
                            "SELECT count(*) FROM fin.ledger"))
                    .build())
            .toByteArray();
    FlightRuntimeException ticket =
        assertThrows(
            FlightRuntimeException.class,
            () -> {
              try (FlightStream s =
                  client.getStream(new org.apache.arrow.flight.Ticket(forged), reader())) {
                while (s.next()) {
                  // nothing should arrive
                }
              }
            });
    assertEquals(FlightStatusCode.UNAUTHORIZED, ticket.status().code(), ticket.getMessage());
  }

  @Test
  void preparedStatementsBelongToWhoPreparedThem() throws Exception {
    byte[] request =
        com.google.protobuf.Any.pack(
                org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementRequest
                    .newBuilder()
                    .setQuery("SELECT count(*) FROM sales.orders")
                    .build())
            .toByteArray();
    Result created =
        client
            .doAction(new Action("CreatePreparedStatement", request), basic("carol", "carol-pass"))
            .next();
    com.google.protobuf.ByteString handle =
        com.google.protobuf.Any.parseFrom(created.getBody())
            .unpack(
                org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementResult
                    .class)
            .getPreparedStatementHandle();
    FlightDescriptor query =
        FlightDescriptor.command(
            com.google.protobuf.Any.pack(
                    org.apache.arrow.flight.sql.impl.FlightSql.CommandPreparedStatementQuery
                        .newBuilder()
                        .setPreparedStatementHandle(handle)
                        .build())
                .toByteArray());
    // Another reader holding the handle cannot use it, nor tell it from a closed one.
    FlightRuntimeException other =
        assertThrows(FlightRuntimeException.class, () -> client.getInfo(query, reader()));
    assertEquals(FlightStatusCode.NOT_FOUND, other.status().code());
    assertTrue(other.getMessage().contains("No such prepared statement"), other.getMessage());
    // Its owner can.
    assertEquals(
        1, rows(client.getInfo(query, basic("carol", "carol-pass")), basic("carol", "carol-pass")));
  }

  @Test
  void apiTokensAuthenticateServices() throws Exception {
    assertEquals(5_000, rows(plan("sales.orders", bearer(API_TOKEN)), bearer(API_TOKEN)));
    FlightRuntimeException e = refused(bearer(API_TOKEN), "cache-free", Map.of());
    assertEquals(FlightStatusCode.UNAUTHORIZED, e.status().code());
  }

  @Test
  void flightSqlJdbcLogsInWithUserAndPassword() throws Exception {
    String url = "jdbc:arrow-flight-sql://127.0.0.1:" + node.port() + "/?useEncryption=false";
    try (Connection c = DriverManager.getConnection(url + "&user=bob&password=" + READER_PASSWORD);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM sales.orders")) {
      assertTrue(rs.next());
      assertEquals(5_000, rs.getLong(1));
    }
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> {
              try (Connection c = DriverManager.getConnection(url + "&user=bob&password=wrong");
                  Statement st = c.createStatement()) {
                st.executeQuery("SELECT 1").close();
              }
            });
    assertFalse(String.valueOf(e.getMessage()).contains(READER_PASSWORD));
  }

  @Test
  void mountsCannotNameServerEnvironmentVariablesOrUnknownCredentialSets() throws Exception {
    List<FlightRuntimeException> errors = new ArrayList<>();
    for (Map<String, String> options :
        List.of(
            Map.of(
                "endpoint", "http://127.0.0.1:9",
                "access-key-env", SERVER_SECRET_VAR,
                "secret-key-env", SERVER_SECRET_VAR),
            Map.of("sas-token-env", SERVER_SECRET_VAR),
            Map.of("access-key-env", "NO_SUCH_VARIABLE_ANYWHERE"))) {
      FlightRuntimeException e =
          refused(
              admin(),
              "mount",
              Map.of("path", "/exfil", "uri", "s3://bucket/prefix", "options", options));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
      assertTrue(e.getMessage().contains("credentials=NAME"), e.getMessage());
      assertFalse(e.getMessage().contains(System.getenv(SERVER_SECRET_VAR)), e.getMessage());
      errors.add(e);
    }
    // Hadoop settings that could load classes or read credential stores are the operator's too;
    // timeouts and retries are not.
    FlightRuntimeException hadoop =
        refused(
            admin(),
            "mount",
            Map.of(
                "path", "/h",
                "uri", "hdfs://127.0.0.1:9/x",
                "options",
                    Map.of("hadoop.hadoop.security.credential.provider.path", "jceks://file/x")));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, hadoop.status().code());
    assertTrue(hadoop.getMessage().contains("set by the operator only"), hadoop.getMessage());
    // The same answer whether the variable exists or not: no probing.
    assertEquals(
        errors.get(0).getMessage().replace("access-key-env", "X"),
        errors.get(2).getMessage().replace("access-key-env", "X"));
    FlightRuntimeException unknown =
        refused(
            admin(),
            "mount",
            Map.of("path", "/x", "uri", "s3://bucket/p", "options", Map.of("credentials", "nope")));
    assertTrue(unknown.getMessage().contains("Unknown credential set 'nope'"));
    assertTrue(unknown.getMessage().contains("lake-s3"), unknown.getMessage());
    assertEquals(2, action(admin(), "mounts", Map.of()).path("mounts").size());
  }

  @Test
  void localMountsStayInsideTheAllowedDirectoriesAndLinksDoNotLeadOut() throws Exception {
    for (Path p :
        List.of(outside, Path.of("/etc"), Path.of("/no/such/dir"), lake.resolve("escape"))) {
      FlightRuntimeException e =
          refused(admin(), "mount", Map.of("path", "/o", "uri", uri(p), "options", Map.of()));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
      assertFalse(e.getMessage().contains("exists"), e.getMessage());
    }
    // The table sees the real file only, not the one linked in from outside.
    FlightInfo info = plan("sales.orders", admin());
    assertEquals(5_000, info.getRecords());
    FlightRuntimeException e =
        assertThrows(
            FlightRuntimeException.class,
            () ->
                rows(
                    client.getInfo(
                        FlightDescriptor.command(ScanCommand.path("/lake/escape").toBytes()),
                        admin()),
                    admin()));
    assertEquals(FlightStatusCode.NOT_FOUND, e.status().code(), e.getMessage());
  }
}
