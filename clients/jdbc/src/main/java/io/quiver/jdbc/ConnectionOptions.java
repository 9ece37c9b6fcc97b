package io.quiver.jdbc;

import io.quiver.sql.SqlDialect;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.calcite.config.CalciteConnectionProperty;

/**
 * What a {@code jdbc:quiver://host[:port][?key=value&...]} URL and the connection properties say:
 * the node to reach, Quiver's own options, and Calcite connection properties to pass through.
 *
 * <p>Quiver's options: {@code parallelism} (endpoints one table scan reads at once, default 4),
 * {@code maxMemory} (bound of the connection's Arrow allocator for batches in flight, default 1g;
 * suffixes k, m, g), {@code metadataTtl} (how long table names and schemas are reused before the
 * node is asked again, default 5s; 0 asks every time). Other keys must be Calcite connection
 * properties (e.g. {@code timeZone=UTC}); those {@link SqlDialect} sets (lexical rules, type
 * system, function libraries) are fixed, so that a query means the same on every SQL path.
 *
 * <p>Immutable.
 */
record ConnectionOptions(
    String host,
    int port,
    int parallelism,
    long maxMemory,
    Duration metadataTtl,
    Properties calcite,
    Credentials credentials) {

  /**
   * What the node is told who the connection is: a user and password ({@code user}, {@code
   * password} properties, as JDBC tools send them) exchanged for a bearer token on the first call,
   * or an API token ({@code token}); all null for a node without authentication. {@link
   * #toString()} never shows the secrets.
   */
  record Credentials(String user, String password, String token) {
    static final Credentials NONE = new Credentials(null, null, null);

    @Override
    public String toString() {
      return user != null ? "user " + user : token != null ? "token" : "none";
    }
  }

  static final String PREFIX = "jdbc:quiver:";
  static final int DEFAULT_PORT = 8815;

  /** Keys of the properties the driver hands to its Calcite connection factory. */
  static final String HOST = "quiver.host";

  static final String PORT = "quiver.port";
  static final String PARALLELISM = "quiver.parallelism";
  static final String MAX_MEMORY = "quiver.maxMemory";
  static final String METADATA_TTL = "quiver.metadataTtl";

  /** Quiver's options, with their description (for {@code getPropertyInfo} and errors). */
  static final Map<String, String> OPTIONS =
      Map.of(
          "parallelism",
          "Endpoints one table scan reads at once (default 4)",
          "maxMemory",
          "Bound of the connection's Arrow memory for batches in flight (default 1g)",
          "metadataTtl",
          "How long table names and schemas are reused, e.g. 5s, 500ms, 0 (default 5s)",
          "user",
          "User to log in as (with password) on a node with authentication",
          "password",
          "The user's password (prefer a property over the URL)",
          "token",
          "An API token instead of user and password");

  /** Calcite properties the dialect sets (and {@code lex}, which would override them). */
  private static final Set<String> FIXED = fixedProperties();

  static final String USER = "quiver.user";
  static final String PASSWORD = "quiver.password";
  static final String TOKEN = "quiver.token";

  /**
   * Parses {@code url} and merges {@code info} (the URL's options win).
   *
   * @throws SQLException naming what is wrong: the form of the URL, an unknown option or a bad
   *     value
   */
  static ConnectionOptions parse(String url, Properties info) throws SQLException {
    if (!url.startsWith(PREFIX + "//")) {
      throw new SQLException(
          "A Quiver JDBC URL has the form jdbc:quiver://host[:port][?option=value&...], got " + url,
          "08001");
    }
    String rest = url.substring(PREFIX.length() + 2);
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    String host = rest;
    int port = DEFAULT_PORT;
    int colon = rest.lastIndexOf(':');
    if (colon >= 0 && !rest.endsWith("]")) {
      host = rest.substring(0, colon);
      try {
        port = Integer.parseInt(rest.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new SQLException("Port is not a number in " + url, "08001");
      }
      if (port <= 0 || port > 65535) {
        throw new SQLException("Port out of range in " + url, "08001");
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty() || host.contains("/")) {
      throw new SQLException(
          "A Quiver JDBC URL names a host: jdbc:quiver://host[:port], got " + url, "08001");
    }

    Map<String, String> given = new LinkedHashMap<>();
    if (info != null) {
      for (String k : info.stringPropertyNames()) {
        given.put(k, info.getProperty(k));
      }
    }
    if (!query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new SQLException("Option without a value in " + url + ": '" + pair + "'", "08001");
        }
        given.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }

    String user = null;
    String password = null;
    String token = null;
    int parallelism = 4;
    long maxMemory = 1L << 30;
    Duration ttl = Duration.ofSeconds(5);
    Properties calcite = new Properties();
    Set<String> calciteNames = calciteProperties();
    for (Map.Entry<String, String> e : given.entrySet()) {
      String key = e.getKey();
      String value = e.getValue().trim();
      switch (key) {
        case "user":
          user = value.isEmpty() ? null : value;
          break;
        case "password":
          password = e.getValue();
          break;
        case "token":
          token = value.isEmpty() ? null : value;
          break;
        case "parallelism":
          parallelism = positiveInt(key, value);
          break;
        case "maxMemory":
          maxMemory = bytes(key, value);
          break;
        case "metadataTtl":
          ttl = duration(key, value);
          break;
        default:
          String lower = key.toLowerCase(Locale.ROOT);
          if (FIXED.contains(lower)) {
            throw new SQLException(
                "Option '"
                    + key
                    + "' is fixed by Quiver's SQL dialect, the same on every SQL path (it sets "
                    + String.join(", ", SqlDialect.connectionProperties().stringPropertyNames())
                    + ")",
                "08001");
          }
          if (!calciteNames.contains(lower)) {
            throw new SQLException(
                "Unknown option '"
                    + key
                    + "' (Quiver's: "
                    + String.join(", ", new TreeSet<>(OPTIONS.keySet()))
                    + "; or a Calcite connection property such as timeZone)",
                "08001");
          }
          calcite.setProperty(key, value);
      }
    }
    // Tools send a user (often without a password) to every server; a node without
    // authentication ignores credentials, one with authentication refuses a wrong password.
    Credentials credentials =
        user != null
            ? new Credentials(user, password == null ? "" : password, null)
            : token != null ? new Credentials(null, null, token) : Credentials.NONE;
    return new ConnectionOptions(host, port, parallelism, maxMemory, ttl, calcite, credentials);
  }

  /** The properties of the Calcite connection: pass-through ones, the dialect's, and the node. */
  Properties toConnectionProperties() {
    Properties p = new Properties();
    p.putAll(calcite);
    p.putAll(SqlDialect.connectionProperties());
    p.setProperty(HOST, host);
    p.setProperty(PORT, Integer.toString(port));
    p.setProperty(PARALLELISM, Integer.toString(parallelism));
    p.setProperty(MAX_MEMORY, Long.toString(maxMemory));
    p.setProperty(METADATA_TTL, Long.toString(metadataTtl.toMillis()));
    if (credentials.user() != null) {
      p.setProperty(USER, credentials.user());
      p.setProperty(PASSWORD, credentials.password());
    }
    if (credentials.token() != null) {
      p.setProperty(TOKEN, credentials.token());
    }
    return p;
  }

  /** Reads back what {@link #toConnectionProperties()} wrote. */
  static ConnectionOptions fromConnectionProperties(Properties p) {
    return new ConnectionOptions(
        p.getProperty(HOST),
        Integer.parseInt(p.getProperty(PORT)),
        Integer.parseInt(p.getProperty(PARALLELISM)),
        Long.parseLong(p.getProperty(MAX_MEMORY)),
        Duration.ofMillis(Long.parseLong(p.getProperty(METADATA_TTL))),
        new Properties(),
        new Credentials(p.getProperty(USER), p.getProperty(PASSWORD), p.getProperty(TOKEN)));
  }

  /** These options without the Calcite properties (which the connection keeps apart). */
  ConnectionOptions withoutCalcite() {
    return new ConnectionOptions(
        host, port, parallelism, maxMemory, metadataTtl, new Properties(), credentials);
  }

  String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static Set<String> fixedProperties() {
    Set<String> fixed = new TreeSet<>();
    fixed.add("lex");
    for (String k : SqlDialect.connectionProperties().stringPropertyNames()) {
      fixed.add(k.toLowerCase(Locale.ROOT));
    }
    return fixed;
  }

  private static Set<String> calciteProperties() {
    Set<String> names = new TreeSet<>();
    for (CalciteConnectionProperty p : CalciteConnectionProperty.values()) {
      names.add(p.camelName().toLowerCase(Locale.ROOT));
    }
    for (var p : org.apache.calcite.avatica.BuiltInConnectionProperty.values()) {
      names.add(p.camelName().toLowerCase(Locale.ROOT));
    }
    return names;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static int positiveInt(String key, String value) throws SQLException {
    try {
      int v = Integer.parseInt(value);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SQLException(
        "Option '" + key + "' must be a positive integer, got '" + value + "'", "08001");
  }

  /** Bytes with an optional k/m/g suffix (powers of 1024), e.g. {@code 512m}. */
  static long bytes(String key, String value) throws SQLException {
    String v = value.toLowerCase(Locale.ROOT);
    if (v.endsWith("b")) {
      v = v.substring(0, v.length() - 1);
    }
    long unit = 1;
    if (!v.isEmpty()) {
      char last = v.charAt(v.length() - 1);
      int shift =
          switch (last) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
          };
      if (shift > 0) {
        unit = 1L << shift;
        v = v.substring(0, v.length() - 1);
      }
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n > 0 && n <= Long.MAX_VALUE / unit) {
        return n * unit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SQLException(
        "Option '" + key + "' must be a size such as 512m or 2g, got '" + value + "'", "08001");
  }

  /** A duration such as {@code 5s}, {@code 500ms}, {@code 2m} or {@code 0}. */
  static Duration duration(String key, String value) throws SQLException {
    String v = value.toLowerCase(Locale.ROOT).trim();
    try {
      if (v.equals("0")) {
        return Duration.ZERO;
      }
      for (var unit :
          List.of(
              Map.entry("ms", 1L),
              Map.entry("s", 1000L),
              Map.entry("m", 60_000L),
              Map.entry("h", 3_600_000L))) {
        if (v.endsWith(unit.getKey())) {
          long n = Long.parseLong(v.substring(0, v.length() - unit.getKey().length()).trim());
          if (n >= 0) {
            return Duration.ofMillis(Math.multiplyExact(n, unit.getValue()));
          }
        }
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // reported below
    }
    throw new SQLException(
        "Option '" + key + "' must be a duration such as 5s, 500ms or 0, got '" + value + "'",
        "08001");
  }
}
