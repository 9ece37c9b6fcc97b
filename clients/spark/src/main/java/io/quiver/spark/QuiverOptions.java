package io.quiver.spark;

import io.quiver.client.QuiverClient;
import io.quiver.protocol.ScanCommand;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The options of {@code spark.read.format("quiver")}, validated once on the driver and shipped to
 * the executors with every partition reader factory.
 *
 * <table>
 *   <caption>Options (keys are case-insensitive)</caption>
 *   <tr><th>option</th><th>meaning</th></tr>
 *   <tr><td>{@code path} (what {@code load(x)} sets)</td><td>a table name ({@code sales.orders}) or,
 *       starting with {@code /}, a namespace path ({@code /lake/orders})</td></tr>
 *   <tr><td>{@code table}</td><td>a table name, instead of {@code path}</td></tr>
 *   <tr><td>{@code server}</td><td>the node: {@code host:port}, {@code grpc://host:port} or
 *       {@code grpc+tls://host:port}; default {@code localhost:8815}. Endpoints that name
 *       locations are read from those; the others from this node</td></tr>
 *   <tr><td>{@code useTls}</td><td>{@code true} for TLS with a {@code host:port} server</td></tr>
 *   <tr><td>{@code trustedCertificates}</td><td>a PEM file on the driver with the certificates to
 *       trust (read once, shipped to the executors)</td></tr>
 *   <tr><td>{@code token}</td><td>a bearer token sent with every call</td></tr>
 *   <tr><td>{@code user}, {@code password}</td><td>basic credentials (use TLS)</td></tr>
 *   <tr><td>{@code maxTaskMemory}</td><td>bound of the off-heap memory one task's reader holds
 *       (bytes, or with {@code k}/{@code m}/{@code g}); default {@code 1g}</td></tr>
 *   <tr><td>{@code shortCircuit}</td><td>{@code true} (default): an executor on a node's host
 *       reads the node's cached chunks by mapping its shared memory (nodes started with {@code
 *       --short-circuit}) instead of streaming them over Flight, falling back to Flight by itself;
 *       {@code false}: always Flight</td></tr>
 * </table>
 *
 * <p>Quiver nodes do not serve TLS nor check credentials yet: the TLS and credential options are
 * for when they do. Immutable.
 */
final class QuiverOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final Set<String> KNOWN =
      Set.of(
          "path",
          "table",
          "server",
          "usetls",
          "trustedcertificates",
          "token",
          "user",
          "password",
          "maxtaskmemory",
          "shortcircuit");

  private final String table;
  private final String path;
  private final String server;
  private final boolean useTls;
  private final byte[] trustedCertificates;
  private final String token;
  private final String user;
  private final String password;
  private final long maxTaskMemory;
  private final boolean shortCircuit;

  private QuiverOptions(Map<String, String> lower) {
    String p = lower.get("path");
    String t = lower.get("table");
    if (p != null && t != null) {
      throw new IllegalArgumentException(
          "Give either a table (option \"table\" or load(\"sales.orders\")) or a namespace path"
              + " (load(\"/lake/orders\")), not both: got path '"
              + p
              + "' and table '"
              + t
              + "'");
    }
    String target = p != null ? p : t;
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException(
          "Quiver needs a table or a path: spark.read.format(\"quiver\").load(\"sales.orders\")"
              + " or .option(\"path\", \"/lake/orders\").load()");
    }
    target = target.trim();
    boolean isPath = target.startsWith("/");
    if (isPath && t != null) {
      throw new IllegalArgumentException(
          "Option \"table\" is a table name, not a path: '" + t + "'");
    }
    this.table = isPath ? null : target;
    this.path = isPath ? target : null;
    this.server = lower.getOrDefault("server", "localhost:" + QuiverClient.DEFAULT_PORT).trim();
    this.useTls = bool(lower, "usetls", "useTls", false);
    String certs = lower.get("trustedcertificates");
    try {
      this.trustedCertificates = certs == null ? null : Files.readAllBytes(Path.of(certs));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read option trustedCertificates from " + certs, e);
    }
    this.token = lower.get("token");
    this.user = lower.get("user");
    this.password = lower.get("password");
    if ((user == null) != (password == null)) {
      throw new IllegalArgumentException("Options \"user\" and \"password\" go together");
    }
    if (token != null && user != null) {
      throw new IllegalArgumentException("Give a token or a user and password, not both");
    }
    this.maxTaskMemory = bytes(lower.getOrDefault("maxtaskmemory", "1g"));
    this.shortCircuit = bool(lower, "shortcircuit", "shortCircuit", true);
    // Validates the address now, on the driver, with a message naming the option.
    try {
      QuiverClient.builder().uri(server);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Option \"server\": " + e.getMessage(), e);
    }
  }

  /**
   * Parses Spark's options.
   *
   * @throws IllegalArgumentException naming the option that is wrong or unknown
   */
  static QuiverOptions parse(Map<String, String> options) {
    Map<String, String> lower = new TreeMap<>();
    for (Map.Entry<String, String> e : options.entrySet()) {
      String key = e.getKey().toLowerCase(Locale.ROOT);
      if (!KNOWN.contains(key)) {
        throw new IllegalArgumentException(
            "Unknown option \""
                + e.getKey()
                + "\" for format quiver (known: path, table, server, useTls, trustedCertificates,"
                + " token, user, password, maxTaskMemory, shortCircuit)");
      }
      lower.put(key, e.getValue());
    }
    return new QuiverOptions(lower);
  }

  /** The option {@code key} (lower case; {@code name} as documented), or {@code absent}. */
  private static boolean bool(
      Map<String, String> options, String key, String name, boolean absent) {
    String v = options.get(key);
    if (v == null) {
      return absent;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "Option \"" + name + "\" must be true or false, got '" + v + "'");
    };
  }

  private static long bytes(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("k")) {
      unit = 1L << 10;
    } else if (t.endsWith("m")) {
      unit = 1L << 20;
    } else if (t.endsWith("g")) {
      unit = 1L << 30;
    }
    try {
      long n = Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1).trim());
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "Option \"maxTaskMemory\" must be a positive size such as 512m or 2g, got '"
              + text
              + "'");
    }
  }

  /** The table name or namespace path, as the user gave it. */
  String target() {
    return table != null ? table : path;
  }

  String server() {
    return server;
  }

  long maxTaskMemory() {
    return maxTaskMemory;
  }

  boolean shortCircuit() {
    return shortCircuit;
  }

  /** A scan command for the target with no projection nor filter. */
  ScanCommand command() {
    return table != null ? ScanCommand.table(table) : ScanCommand.path(path);
  }

  /** A client of the {@code server} node allocating in {@code allocator} (the caller's). */
  QuiverClient connect(BufferAllocator allocator) {
    // A client per task: mappings kept across its reads would only hold the task's memory.
    QuiverClient.Builder b =
        QuiverClient.builder()
            .uri(server)
            .allocator(allocator)
            .shortCircuit(shortCircuit)
            .shortCircuitCache(0);
    if (useTls) {
      b.useTls(true);
    }
    if (trustedCertificates != null) {
      b.trustedCertificates(trustedCertificates);
    }
    if (token != null) {
      b.bearerToken(token);
    } else if (user != null) {
      b.basicAuth(user, password);
    }
    return b.build();
  }
}
