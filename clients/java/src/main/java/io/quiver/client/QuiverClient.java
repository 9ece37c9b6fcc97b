package io.quiver.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.protocol.ErrorCode;
import io.quiver.protocol.ScanCommand;
import io.quiver.protocol.action.ActionType;
import io.quiver.protocol.action.Actions;
import io.quiver.protocol.action.CacheLoadProgress;
import io.quiver.protocol.action.CacheLoadRequest;
import io.quiver.protocol.action.CreateTableRequest;
import io.quiver.protocol.action.DescribeTableRequest;
import io.quiver.protocol.action.DropTableRequest;
import io.quiver.protocol.action.Empty;
import io.quiver.protocol.action.MountInfo;
import io.quiver.protocol.action.MountRequest;
import io.quiver.protocol.action.TablesRequest;
import io.quiver.protocol.action.UnmountRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.ErrorFlightMetadata;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.LocationSchemes;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A Java client of a Quiver node: catalog and cache actions (mount, tables, stats, …; typed with
 * {@link #call(ActionType, Object)} and the records of {@code io.quiver.protocol.action}) and
 * scans.
 *
 * <pre>{@code
 * try (QuiverClient quiver = QuiverClient.builder().uri("grpc://localhost:8815").build();
 *     BatchStream batches = quiver.stream(QuiverClient.command("sales.orders", List.of("o_id")))) {
 *   while (batches.hasNext()) {
 *     try (VectorSchemaRoot batch = batches.next()) { // the caller owns every batch
 *       ...
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Reading.</b> A scan is planned once ({@link #info(ScanCommand)}: GetFlightInfo) and its
 * endpoints are then read in parallel by at most {@link Builder#parallelism(int) parallelism}
 * threads, with at most twice as many batches buffered (see {@link BatchStream}). An endpoint that
 * names locations is read from them in order, falling over to the next location when one answers
 * {@code UNAVAILABLE} (also in the middle of the endpoint: the rows already returned are skipped);
 * an endpoint without locations (what a single node plans) is read from the node this client is
 * connected to.
 *
 * <p><b>Security.</b> {@link Builder#useTls(boolean) TLS} (with {@link
 * Builder#trustedCertificates(byte[]) trusted certificates} and optional {@link
 * Builder#clientCertificate(byte[], byte[]) client certificates}) and credentials ({@link
 * Builder#bearerToken(String) a bearer token} or {@link Builder#basicAuth(String, String) user and
 * password}, sent in the {@code authorization} header of every call; a node with users or tokens
 * configured requires them). A node started with {@code --tls-cert} serves {@code grpc+tls} only.
 *
 * <p><b>Ownership.</b> Failures arrive as {@link org.apache.arrow.flight.FlightRuntimeException}
 * carrying the server's status and message. The client owns its {@link FlightClient}s (one for its
 * node, one per other location it has read from) and, unless {@link Builder#allocator} gave one,
 * its allocator; {@link #close()} releases them all. Thread-safe: calls may run concurrently, each
 * scan using its own streams.
 */
public final class QuiverClient implements AutoCloseable {
  /** The port a node listens on unless told otherwise. */
  public static final int DEFAULT_PORT = 8815;

  /** Bound of a client-owned allocator unless {@link Builder#maxMemory} says otherwise: 1 GiB. */
  public static final long DEFAULT_MAX_MEMORY = 1L << 30;

  /**
   * Bytes of mapped files a short-circuit client keeps unless {@link Builder#shortCircuitCache}.
   */
  public static final long DEFAULT_SHORT_CIRCUIT_CACHE = 512L << 20;

  /** Endpoints read at once unless {@link Builder#parallelism} says otherwise. */
  public static final int DEFAULT_PARALLELISM = 4;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REUSE_CONNECTION_SCHEME =
      Location.reuseConnection().getUri().getScheme();

  private final BufferAllocator allocator;
  private final boolean ownsAllocator;
  private final Location location;
  private final Builder options;
  private final FlightClient flight;
  private final ConcurrentHashMap<Location, FlightClient> others = new ConcurrentHashMap<>();

  /** What short-circuit reads have learned; null when they are off. */
  private final ShortCircuits shortCircuits;

  private volatile boolean closed;

  private QuiverClient(Builder options) {
    this.options = options.copy();
    this.location =
        options.tls
            ? Location.forGrpcTls(options.host, options.port)
            : Location.forGrpcInsecure(options.host, options.port);
    this.shortCircuits =
        options.shortCircuit
            ? new ShortCircuits(
                location,
                Math.min(
                    options.shortCircuitCache,
                    (options.allocator == null ? options.maxMemory : options.allocator.getLimit())
                        / 2))
            : null;
    this.ownsAllocator = options.allocator == null;
    this.allocator = ownsAllocator ? new RootAllocator(options.maxMemory) : options.allocator;
    try {
      this.flight = newFlightClient(location);
    } catch (RuntimeException e) {
      if (ownsAllocator) {
        allocator.close();
      }
      throw e;
    }
  }

  /** Options for a client; {@link Builder#build()} connects. */
  public static Builder builder() {
    return new Builder();
  }

  /** Connects to {@code host:port} without TLS or credentials, with a client-owned allocator. */
  public static QuiverClient connect(String host, int port) {
    return builder().host(host).port(port).build();
  }

  /** Connects using a caller-owned allocator (the caller closes it after this client). */
  public static QuiverClient connect(BufferAllocator allocator, String host, int port) {
    return builder().allocator(allocator).host(host).port(port).build();
  }

  /**
   * How to reach a node and what to send it. Not thread-safe; {@link #build()} copies the options,
   * so a builder can be reused.
   */
  public static final class Builder {
    private String host = "localhost";
    private int port = DEFAULT_PORT;
    private boolean tls;
    private byte[] trustedCertificates;
    private byte[] clientCertificate;
    private byte[] clientKey;
    private boolean verifyServer = true;
    private String bearerToken;
    private String user;
    private String password;
    private BufferAllocator allocator;
    private long maxMemory = DEFAULT_MAX_MEMORY;
    private int parallelism = DEFAULT_PARALLELISM;
    private boolean shortCircuit = true;
    private long shortCircuitCache = DEFAULT_SHORT_CIRCUIT_CACHE;

    private Builder() {}

    private Builder copy() {
      Builder b = new Builder();
      b.host = host;
      b.port = port;
      b.tls = tls;
      b.trustedCertificates = trustedCertificates;
      b.clientCertificate = clientCertificate;
      b.clientKey = clientKey;
      b.verifyServer = verifyServer;
      b.bearerToken = bearerToken;
      b.user = user;
      b.password = password;
      b.allocator = allocator;
      b.maxMemory = maxMemory;
      b.parallelism = parallelism;
      b.shortCircuit = shortCircuit;
      b.shortCircuitCache = shortCircuitCache;
      return b;
    }

    /** The node's host name or address (default {@code localhost}). */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must not be empty");
      }
      this.host = host;
      return this;
    }

    /** The node's Flight port (default {@value QuiverClient#DEFAULT_PORT}). */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1..65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Host, port and TLS from {@code host[:port]}, {@code grpc://host[:port]}, {@code
     * grpc+tcp://host[:port]} (plain) or {@code grpc+tls://host[:port]} (TLS). IPv6 addresses go in
     * brackets: {@code [::1]:8815}.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public Builder uri(String uri) {
      if (uri == null || uri.isBlank()) {
        throw new IllegalArgumentException("A Quiver server address must not be empty");
      }
      String text = uri.trim();
      boolean hasScheme = text.contains("://");
      URI parsed;
      try {
        parsed = new URI(hasScheme ? text : "grpc://" + text);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(
            "Not a Quiver server address: '" + uri + "' (expected host:port or grpc://host:port)");
      }
      String scheme = parsed.getScheme().toLowerCase(java.util.Locale.ROOT);
      boolean secure;
      switch (scheme) {
        case "grpc", "grpc+tcp" -> secure = false;
        case "grpc+tls" -> secure = true;
        default ->
            throw new IllegalArgumentException(
                "Unsupported scheme '"
                    + parsed.getScheme()
                    + "' in '"
                    + uri
                    + "' (use grpc://, grpc+tcp:// or grpc+tls://)");
      }
      if (parsed.getHost() == null
          || (parsed.getPath() != null && !parsed.getPath().isEmpty())
          || parsed.getQuery() != null) {
        throw new IllegalArgumentException(
            "Not a Quiver server address: '" + uri + "' (expected host:port or grpc://host:port)");
      }
      host(parsed.getHost());
      port(parsed.getPort() == -1 ? DEFAULT_PORT : parsed.getPort());
      this.tls = secure;
      return this;
    }

    /** Whether to connect with TLS ({@code grpc+tls}); default false (or what {@link #uri} set). */
    public Builder useTls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /**
     * PEM certificates to trust instead of the JVM's default trust store (e.g. a private CA or a
     * self-signed server certificate). Implies nothing unless TLS is on.
     */
    public Builder trustedCertificates(byte[] pem) {
      this.trustedCertificates = pem == null ? null : pem.clone();
      return this;
    }

    /** Reads {@link #trustedCertificates(byte[])} from a PEM file. */
    public Builder trustedCertificates(Path pem) {
      return trustedCertificates(read(pem, "trusted certificates"));
    }

    /** A client certificate chain and its PKCS#8 private key, both PEM, for mutual TLS. */
    public Builder clientCertificate(byte[] certificatePem, byte[] privateKeyPem) {
      if ((certificatePem == null) != (privateKeyPem == null)) {
        throw new IllegalArgumentException("A client certificate needs its private key, and back");
      }
      this.clientCertificate = certificatePem == null ? null : certificatePem.clone();
      this.clientKey = privateKeyPem == null ? null : privateKeyPem.clone();
      return this;
    }

    /** Reads {@link #clientCertificate(byte[], byte[])} from PEM files. */
    public Builder clientCertificate(Path certificatePem, Path privateKeyPem) {
      return clientCertificate(
          read(certificatePem, "client certificate"), read(privateKeyPem, "client key"));
    }

    /**
     * Whether to check the server's certificate and host name (default true). Turning it off
     * accepts any server: for tests only.
     */
    public Builder verifyServer(boolean verify) {
      this.verifyServer = verify;
      return this;
    }

    /** Sends {@code authorization: Bearer <token>} with every call (replaces basic credentials). */
    public Builder bearerToken(String token) {
      if (token != null && token.isBlank()) {
        throw new IllegalArgumentException("A bearer token must not be blank");
      }
      this.bearerToken = token;
      if (token != null) {
        this.user = null;
        this.password = null;
      }
      return this;
    }

    /**
     * Sends {@code authorization: Basic …} with every call until the server answers with a bearer
     * token, then that token (replaces a bearer token). Use TLS: basic credentials are readable on
     * a plain connection.
     */
    public Builder basicAuth(String user, String password) {
      if (user == null || password == null) {
        throw new IllegalArgumentException("Basic credentials need a user and a password");
      }
      this.user = user;
      this.password = password;
      this.bearerToken = null;
      return this;
    }

    /**
     * Allocate in this caller-owned allocator instead of a client-owned root allocator (then {@link
     * #maxMemory} does not apply: the allocator's own limit does). The caller closes it after the
     * client.
     */
    public Builder allocator(BufferAllocator allocator) {
      this.allocator = allocator;
      return this;
    }

    /**
     * Bound of the off-heap memory the client holds at once: batches in flight and batches handed
     * out and not yet closed (default {@value QuiverClient#DEFAULT_MAX_MEMORY} bytes). Going over
     * it fails the read with an {@link org.apache.arrow.memory.OutOfMemoryException}. Applies to a
     * client-owned allocator only.
     */
    public Builder maxMemory(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxMemory must be positive, got " + bytes);
      }
      this.maxMemory = bytes;
      return this;
    }

    /** Endpoints {@link QuiverClient#stream(ScanCommand)} reads at once (default 4). */
    public Builder parallelism(int parallelism) {
      if (parallelism < 1) {
        throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
      }
      this.parallelism = parallelism;
      return this;
    }

    /**
     * Whether to read endpoints whose node is on this host by mapping its shared memory (a node
     * started with {@code --short-circuit}): no copy, no socket, the same rows. On by default; it
     * falls back to Flight by itself wherever it cannot be used (another host, a node without it, a
     * directory this process cannot read, a filtered scan), so turning it off is only for
     * comparisons.
     */
    public Builder shortCircuit(boolean enabled) {
      this.shortCircuit = enabled;
      return this;
    }

    /**
     * Bytes of the node's files a short-circuit client keeps mapped after reading them (default 512
     * MiB; at most half of the allocator's limit, {@link #maxMemory} or the one given; 0 for none).
     * A fresh mapping pays a page fault per page on first touch; a kept one does not, so repeated
     * reads of the same cached columns run at memory speed. Kept mappings count against the
     * client's allocator and are released by {@link QuiverClient#close()}.
     */
    public Builder shortCircuitCache(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("shortCircuitCache must be >= 0, got " + bytes);
      }
      this.shortCircuitCache = bytes;
      return this;
    }

    /** Creates the client; the connection itself is made by the first call. */
    public QuiverClient build() {
      return new QuiverClient(this);
    }

    private static byte[] read(Path file, String what) {
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read the " + what + " from " + file, e);
      }
    }
  }

  private FlightClient newFlightClient(Location target) {
    FlightClient.Builder b = FlightClient.builder(allocator, target);
    // A location's scheme says how to reach it (this node's own is grpc+tls when TLS is on).
    if (LocationSchemes.GRPC_TLS.equals(target.getUri().getScheme())) {
      b.useTls();
      if (options.trustedCertificates != null) {
        b.trustedCertificates(new ByteArrayInputStream(options.trustedCertificates));
      }
      if (options.clientCertificate != null) {
        b.clientCertificate(
            new ByteArrayInputStream(options.clientCertificate),
            new ByteArrayInputStream(options.clientKey));
      }
      if (!options.verifyServer) {
        b.verifyServer(false);
      }
    }
    if (options.bearerToken != null) {
      b.intercept(CredentialsMiddleware.bearer(options.bearerToken));
    } else if (options.user != null) {
      b.intercept(CredentialsMiddleware.basic(options.user, options.password));
    }
    return b.build();
  }

  /**
   * The client for an endpoint's location: this client's own connection for {@code null}, Flight's
   * "reuse this connection" location and this node's own location; otherwise one connection per
   * location, made on first use and kept until {@link #close()}.
   */
  FlightClient clientFor(Location target) {
    if (target == null
        || REUSE_CONNECTION_SCHEME.equals(target.getUri().getScheme())
        || target.equals(location)) {
      return flight;
    }
    requireOpen();
    FlightClient client = others.computeIfAbsent(target, this::newFlightClient);
    if (closed && others.remove(target, client)) {
      // close() ran meanwhile and may not have seen this connection.
      try {
        client.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      requireOpen();
    }
    return client;
  }

  /** The node this client is connected to. */
  public Location location() {
    return location;
  }

  /**
   * The allocator batches handed out by this client live in: the client's own, or the one given to
   * {@link Builder#allocator}.
   */
  public BufferAllocator allocator() {
    return allocator;
  }

  public FlightClient flight() {
    return flight;
  }

  /**
   * Runs a Quiver action and returns its response: for a {@link ActionType#streaming() streaming}
   * action (such as {@link Actions#CACHE_LOAD}) the last, final one.
   *
   * <pre>{@code
   * PinResponse pinned = quiver.call(Actions.PIN, PinRequest.of("sales.orders", null, "2h"));
   * }</pre>
   *
   * @return the response, or null if the server sent no result (a cancelled load)
   * @throws FlightRuntimeException the server's error
   * @throws IllegalArgumentException if a result is not the action's response
   */
  public <Req, Resp> Resp call(ActionType<Req, Resp> type, Req request) {
    return call(type, request, r -> {});
  }

  /**
   * Runs a Quiver action, passing every response to {@code each} as it arrives (a streaming action
   * sends progress before its final response), and returns the last one (or null if none came).
   */
  public <Req, Resp> Resp call(
      ActionType<Req, Resp> type, Req request, java.util.function.Consumer<Resp> each) {
    Resp last = null;
    Iterator<Result> results =
        flight.doAction(new Action(type.name(), type.encodeRequest(request)));
    while (results.hasNext()) {
      last = type.decodeResponse(results.next().getBody());
      each.accept(last);
    }
    return last;
  }

  /**
   * Runs a Quiver action with a typed request and returns its (last) result as JSON, as the server
   * sent it (with any fields this client's records do not know).
   */
  public <Req> JsonNode action(ActionType<Req, ?> type, Req request) {
    return action(type, request, r -> {});
  }

  /**
   * Runs a Quiver action with a typed request, passing every JSON result to {@code each} as it
   * arrives, and returns the last one ({@code {}} if none came).
   */
  public <Req> JsonNode action(
      ActionType<Req, ?> type, Req request, java.util.function.Consumer<JsonNode> each) {
    return action(type.name(), type.encodeRequest(request), each);
  }

  /**
   * Runs DoAction {@code type} with a JSON body and returns its (last) JSON result. For Quiver's
   * own actions prefer {@link #call(ActionType, Object)}, whose request records name the fields.
   */
  public JsonNode action(String type, Map<String, ?> body) {
    return action(type, body, r -> {});
  }

  /**
   * Runs DoAction {@code type}, passing every JSON result to {@code each} as it arrives (actions
   * such as {@code cache-load} stream progress), and returns the last one.
   */
  public JsonNode action(
      String type, Map<String, ?> body, java.util.function.Consumer<JsonNode> each) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return action(type, bytes, each);
  }

  private JsonNode action(String type, byte[] body, java.util.function.Consumer<JsonNode> each) {
    return action(flight, type, body, each);
  }

  /**
   * Runs a Quiver action on another node of this client's cluster (a location from {@link
   * #nodes()}), with this client's credentials and TLS settings, passing every JSON result to
   * {@code each}; returns the last one. What the cluster-wide {@code quiver cache} commands use.
   */
  public <Req> JsonNode actionAt(
      Location node,
      ActionType<Req, ?> type,
      Req request,
      java.util.function.Consumer<JsonNode> each) {
    return action(clientFor(node), type.name(), type.encodeRequest(request), each);
  }

  /**
   * The nodes serving this namespace ({@link io.quiver.protocol.action.NodesResponse}'s fields):
   * {@code cluster} is the cluster's ZooKeeper address or null for a single node, {@code nodes} its
   * live members with their locations.
   */
  public JsonNode nodes() {
    return action(Actions.NODES, Empty.INSTANCE);
  }

  private static JsonNode action(
      FlightClient client, String type, byte[] body, java.util.function.Consumer<JsonNode> each) {
    Iterator<Result> results = client.doAction(new Action(type, body));
    JsonNode last = JSON.createObjectNode();
    while (results.hasNext()) {
      try {
        last = JSON.readTree(results.next().getBody());
      } catch (IOException e) {
        throw new UncheckedIOException("Server sent a result that is not JSON", e);
      }
      each.accept(last);
    }
    return last;
  }

  /** Mounts a store location; returns the {@code mount} result ({@link MountInfo}'s fields). */
  public JsonNode mount(String path, String uri, Map<String, String> options) {
    return action(Actions.MOUNT, new MountRequest(path, uri, options));
  }

  public JsonNode unmount(String path) {
    return action(Actions.UNMOUNT, new UnmountRequest(path));
  }

  public JsonNode mounts() {
    return action(Actions.MOUNTS, Empty.INSTANCE);
  }

  /**
   * Defines a table.
   *
   * @param format {@code parquet}, {@code orc}, or null to take it from the files' extension
   */
  public JsonNode createTable(String name, String path, String format) {
    return action(Actions.CREATE_TABLE, new CreateTableRequest(name, path, format));
  }

  /**
   * Defines a table, declaring the types of some of its hive-style partition columns.
   *
   * @param partitions partition column to type ({@code int64}, {@code date}, {@code string})
   */
  public JsonNode createTable(
      String name, String path, String format, Map<String, String> partitions) {
    return action(Actions.CREATE_TABLE, new CreateTableRequest(name, path, format, partitions));
  }

  /**
   * Defines a table with declared columns: its files are read against them (a column a file lacks
   * reads as nulls, a file's other columns are not exposed, a file whose column does not widen to
   * the declared type is refused).
   *
   * @param partitions partition column to type ({@code int64}, {@code date}, {@code string}); may
   *     be null
   * @param schema {@code name type, ...} with Arrow types by pyarrow's names, e.g. {@code id int64,
   *     ts timestamp[us], price decimal128(12, 2)}; null to infer the columns from the files
   */
  public JsonNode createTable(
      String name, String path, String format, Map<String, String> partitions, String schema) {
    return action(
        Actions.CREATE_TABLE, new CreateTableRequest(name, path, format, partitions, schema));
  }

  /** A table's columns, files, sizes and how much of each column is cached. */
  public JsonNode describeTable(String name) {
    return action(Actions.DESCRIBE_TABLE, new DescribeTableRequest(name));
  }

  public JsonNode dropTable(String name) {
    return action(Actions.DROP_TABLE, new DropTableRequest(name));
  }

  /** Every table the caller may read: {@code {"tables": [...]}}. */
  public JsonNode tables() {
    return action(Actions.TABLES, TablesRequest.ALL);
  }

  /**
   * What is directly in {@code schema} ({@code ""}: the top level), like a directory: {@code
   * {"tables": [...], "schemas": [{"name": "a.b", "tables": 3}]}}.
   */
  public JsonNode tables(String schema) {
    return action(Actions.TABLES, new TablesRequest(schema == null ? "" : schema));
  }

  public JsonNode stats() {
    return action(Actions.STATS, Empty.INSTANCE);
  }

  /**
   * Loads a table's (dotted name) or namespace path's chunks into the cache.
   *
   * @param columns columns to load, or null/empty for all
   * @param progress receives {@code {"state":"loading","units":n,"unitsDone":i,...}} as the server
   *     goes, and the final {@code {"state":"done",...}} ({@link CacheLoadProgress}'s fields)
   * @return the final result
   */
  public JsonNode load(
      String tableOrPath, List<String> columns, java.util.function.Consumer<JsonNode> progress) {
    return action(Actions.CACHE_LOAD, CacheLoadRequest.of(tableOrPath, columns), progress);
  }

  /**
   * The {@link ErrorCode} a Quiver node attached to {@code e}: what kind of failure it is and what
   * to do about it (e.g. plan again on {@link ErrorCode#STALE_TICKET}). Refused credentials are
   * {@link ErrorCode#UNAUTHENTICATED} (Arrow's authentication middleware sends no metadata, and the
   * status says it). Empty when the error did not come from a Quiver node, or carries a code this
   * client version does not know.
   */
  public static Optional<ErrorCode> errorCode(FlightRuntimeException e) {
    ErrorFlightMetadata metadata = e.status().metadata();
    if (metadata != null && metadata.containsKey(ErrorCode.METADATA_KEY)) {
      return ErrorCode.of(metadata.get(ErrorCode.METADATA_KEY));
    }
    return e.status().code() == FlightStatusCode.UNAUTHENTICATED
        ? Optional.of(ErrorCode.UNAUTHENTICATED)
        : Optional.empty();
  }

  /**
   * The scan command for a table (dotted name) or namespace path (starting with {@code /}), with an
   * optional projection; add a filter with {@link ScanCommand#withFilter}.
   *
   * @param columns columns to read, or null/empty for all
   */
  public static ScanCommand command(String tableOrPath, List<String> columns) {
    ScanCommand command =
        tableOrPath.startsWith("/")
            ? ScanCommand.path(tableOrPath)
            : ScanCommand.table(tableOrPath);
    return columns == null || columns.isEmpty() ? command : command.withColumns(columns);
  }

  /** The command descriptor carrying {@code command}. */
  public static FlightDescriptor descriptor(ScanCommand command) {
    return FlightDescriptor.command(command.toBytes());
  }

  /**
   * A descriptor for a table (dotted name) or namespace path, with an optional projection.
   *
   * @param columns columns to read, or null/empty for all
   */
  public static FlightDescriptor descriptor(String tableOrPath, List<String> columns) {
    return descriptor(command(tableOrPath, columns));
  }

  public FlightInfo info(String tableOrPath, List<String> columns) {
    return flight.getInfo(descriptor(tableOrPath, columns));
  }

  /**
   * Plans a scan command. With a filter, the endpoints cover only the units (row groups, stripes)
   * whose statistics do not rule out a match, and {@link FlightInfo#getRecords()} / {@link
   * FlightInfo#getBytes()} are the rows and decoded bytes of those units (before rows are
   * filtered).
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException {@code INVALID_ARGUMENT} naming the
   *     column or operator if the server refuses the filter, {@code NOT_FOUND} for an unknown table
   */
  public FlightInfo info(ScanCommand command) {
    return flight.getInfo(descriptor(command));
  }

  /**
   * The schema a scan command would return (GetSchema): its projected columns, without planning the
   * scan.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException {@code NOT_FOUND} for an unknown table
   *     or path, {@code INVALID_ARGUMENT} for an unknown column
   */
  public Schema schema(ScanCommand command) {
    return flight.getSchema(descriptor(command)).getSchema();
  }

  /** Receives each batch of a scan; the root is only valid during the call. */
  @FunctionalInterface
  public interface BatchConsumer {
    void accept(VectorSchemaRoot batch);
  }

  /** Totals of a scan. */
  public record ScanSummary(long rows, long batches, long bytes, int endpoints) {}

  /**
   * Plans a scan command and streams its batches, reading up to {@link Builder#parallelism}
   * endpoints at once. Every batch {@link BatchStream#next()} returns belongs to the caller, who
   * closes it; closing the stream cancels what is left.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException if planning fails ({@code NOT_FOUND},
   *     {@code INVALID_ARGUMENT}, …); read failures are thrown by the stream
   */
  public BatchStream stream(ScanCommand command) {
    return stream(info(command), options.parallelism);
  }

  /**
   * Streams the batches of every endpoint of {@code info}, up to {@code parallelism} endpoints at
   * once, each from its own locations (with fail-over) or, without locations, from this client's
   * node. With {@code parallelism} 1 the endpoints are read one after the other, in order.
   * Ownership, order, errors and closing: {@link BatchStream}.
   */
  public BatchStream stream(FlightInfo info, int parallelism) {
    requireOpen();
    // A plan without a schema (not Quiver's) streams batches whose schema only they know.
    Schema schema = info.getSchemaOptional().orElseGet(() -> new Schema(List.of()));
    return new ParallelBatchStream(schema, info.getEndpoints(), parallelism, this::openEndpoint);
  }

  /**
   * Streams one endpoint on the caller's thread (no extra thread): its locations are tried in order
   * and the next is tried when one answers {@code UNAVAILABLE}, before or during the stream (a
   * resumed stream skips the rows already returned); without locations the endpoint is read from
   * this client's node. Returns once the first batch (or the end) has arrived. What a distributed
   * engine's task does with the endpoint it was given.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException the error of the last location tried
   *     (with {@code UNAVAILABLE} from every location: an {@code UNAVAILABLE} naming each)
   */
  public BatchStream stream(FlightEndpoint endpoint) {
    requireOpen();
    return openEndpoint(endpoint);
  }

  private EndpointBatches openEndpoint(FlightEndpoint endpoint) {
    if (shortCircuits != null) {
      return ShortCircuitStream.open(endpoint, shortCircuits, this::clientFor, allocator);
    }
    return EndpointStream.open(endpoint, this::clientFor, allocator);
  }

  /**
   * Plans and reads a whole table or path, endpoint after endpoint, handing every batch to {@code
   * consumer}.
   */
  public ScanSummary scan(String tableOrPath, List<String> columns, BatchConsumer consumer) {
    return read(info(tableOrPath, columns), consumer);
  }

  /**
   * Like {@link #scan(String, List, BatchConsumer)}, reading up to {@code parallelism} endpoints at
   * once. {@code consumer} is never called concurrently.
   */
  public ScanSummary scan(
      String tableOrPath, List<String> columns, int parallelism, BatchConsumer consumer) {
    return read(info(tableOrPath, columns), parallelism, consumer);
  }

  /**
   * Plans and reads a scan command, endpoint after endpoint, handing every batch to {@code
   * consumer}. With an exact filter (the default) the batches hold only the rows the filter keeps;
   * with {@link ScanCommand#pruneOnly()} they hold every row of the units that may match, and the
   * caller filters. Each batch is owned by the client and valid only during the call: the consumer
   * copies what it keeps and closes nothing.
   */
  public ScanSummary scan(ScanCommand command, BatchConsumer consumer) {
    return read(info(command), consumer);
  }

  /**
   * Reads every endpoint of {@code info}, one after the other (see {@link #read(FlightInfo, int,
   * BatchConsumer)}).
   */
  public ScanSummary read(FlightInfo info, BatchConsumer consumer) {
    return read(info, 1, consumer);
  }

  /**
   * Reads every endpoint of {@code info}, up to {@code parallelism} at once, each from its own
   * locations (with fail-over) or from this client's node, as {@link #stream(FlightInfo, int)}
   * does; {@code consumer} is never called concurrently and gets batches that are valid only during
   * the call (the client closes them). The first failure is rethrown after the other streams are
   * cancelled; so is an exception of {@code consumer}.
   */
  public ScanSummary read(FlightInfo info, int parallelism, BatchConsumer consumer) {
    long rows = 0;
    long batches = 0;
    long bytes = 0;
    try (BatchStream stream = stream(info, parallelism)) {
      while (stream.hasNext()) {
        try (VectorSchemaRoot batch = stream.next()) {
          rows += batch.getRowCount();
          batches++;
          for (FieldVector v : batch.getFieldVectors()) {
            bytes += v.getBufferSize();
          }
          consumer.accept(batch);
        }
      }
    }
    return new ScanSummary(rows, batches, bytes, info.getEndpoints().size());
  }

  private void requireOpen() {
    if (closed) {
      throw CallStatus.CANCELLED
          .withDescription("The Quiver client is closed")
          .toRuntimeException();
    }
  }

  /**
   * Closes the connections and, if the client owns it, the allocator, which fails with {@link
   * IllegalStateException} if batches handed out are still open. Close every {@link BatchStream}
   * first.
   */
  @Override
  public void close() throws InterruptedException {
    if (closed) {
      return;
    }
    closed = true;
    InterruptedException interrupted = null;
    List<FlightClient> clients = new ArrayList<>();
    for (Location l : others.keySet()) {
      FlightClient c = others.remove(l);
      if (c != null) {
        clients.add(c); // clientFor() closes the ones it removes itself
      }
    }
    clients.add(flight);
    if (shortCircuits != null) {
      shortCircuits.close(); // kept mappings count against the allocator closed below
    }
    for (FlightClient c : clients) {
      try {
        c.close();
      } catch (InterruptedException e) {
        interrupted = e;
      }
    }
    if (ownsAllocator) {
      allocator.close();
    }
    if (interrupted != null) {
      throw interrupted;
    }
  }
}
