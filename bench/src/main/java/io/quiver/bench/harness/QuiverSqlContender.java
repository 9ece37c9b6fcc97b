package io.quiver.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SQL on a Quiver node through a JDBC driver, one connection opened before the first run.
 *
 * <ul>
 *   <li>{@link Driver#FLIGHT_SQL}: the node's Flight SQL endpoint through Apache Arrow's Flight SQL
 *       JDBC driver (a client no one here wrote; it prepares every statement): the node plans the
 *       query with Calcite, scans the table through its cache with the query's columns and
 *       pushed-down filters, and executes it with its embedded DuckDB.
 *   <li>{@link Driver#CALCITE}: Quiver's Calcite JDBC driver ({@code jdbc:quiver://}), which plans
 *       and executes in the client (Calcite's engine), its table scans — with the columns and the
 *       filters it pushes down — read over Flight from the node's cache.
 * </ul>
 *
 * <p>Warm: the same query ran once, unmeasured, before the run, so every chunk it reads is cached.
 * Cold: the {@code cache-free} action before the run (footers and listings stay cached, as on a
 * running node).
 */
final class QuiverSqlContender implements SqlContender {
  /** How the contender reaches the node. */
  enum Driver {
    FLIGHT_SQL("quiver-flightsql", "jdbc:arrow-flight-sql://127.0.0.1:%d/?useEncryption=false"),
    CALCITE("quiver-calcite-jdbc", "jdbc:quiver://127.0.0.1:%d");

    final String prefix;
    final String url;

    Driver(String prefix, String url) {
      this.prefix = prefix;
      this.url = url;
    }

    /** The contender name without temperature or profile, as {@code --contenders} takes it. */
    String contender(boolean cold) {
      return prefix + (cold ? "-cold" : "-warm");
    }
  }

  private final Driver driver;
  private final QuiverNode node;
  private final Profile profile;
  private final boolean cold;
  private final Connection connection;
  private final int timeoutSeconds;
  private QueryResult last;
  private JsonNode before;
  private String facts;

  QuiverSqlContender(
      Driver driver, QuiverNode node, Profile profile, boolean cold, int timeoutSeconds)
      throws SQLException {
    this.driver = driver;
    this.node = node;
    this.profile = profile;
    this.cold = cold;
    this.timeoutSeconds = timeoutSeconds;
    this.connection =
        DriverManager.getConnection(String.format(java.util.Locale.ROOT, driver.url, node.port()));
  }

  @Override
  public String name() {
    return profile.contenderName(driver.contender(cold));
  }

  @Override
  public boolean supports(Workload workload) {
    return workload.isSql();
  }

  @Override
  public void prepare(Workload w) throws Exception {
    if (cold) {
      node.client().action("cache-free", Map.of());
    } else {
      query(w);
    }
    before = node.stats();
  }

  @Override
  public RunResult run(Workload w) throws Exception {
    last = query(w);
    return RunResult.scan(last.rowCount(), 0, -1);
  }

  private QueryResult query(Workload w) throws SQLException {
    try (Statement st = connection.createStatement()) {
      try {
        st.setQueryTimeout(timeoutSeconds);
      } catch (SQLFeatureNotSupportedException ignored) {
        // the driver's own call deadlines apply
      }
      try (ResultSet rs = st.executeQuery(w.sql().sql(QuiverNode.table(profile)))) {
        return QueryResult.read(rs);
      }
    }
  }

  @Override
  public RunResult complete(Workload w, RunResult r) {
    JsonNode after = node.stats();
    long units = after.at("/scans/units").asLong() - before.at("/scans/units").asLong();
    long pruned =
        after.at("/scans/unitsPruned").asLong() - before.at("/scans/unitsPruned").asLong();
    long filtered =
        after.at("/scans/rowsFilteredOut").asLong() - before.at("/scans/rowsFilteredOut").asLong();
    long sent = after.at("/scans/rowsSent").asLong() - before.at("/scans/rowsSent").asLong();
    facts =
        String.format(
            Locale.ROOT,
            "%d of %d row groups read (%d pruned); %d rows sent by the scans, %d filtered out"
                + " there",
            units - pruned,
            units,
            pruned,
            sent,
            filtered);
    long storage =
        after.path("storageBytesRead").asLong() - before.path("storageBytesRead").asLong();
    return new RunResult(r.rows(), r.arrowBytes(), storage, r.latenciesNanos());
  }

  @Override
  public QueryResult lastResult() {
    return last;
  }

  @Override
  public String lastScanFacts() {
    return facts;
  }

  @Override
  public List<ChildProcess> servers() {
    return List.of(node.process());
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
