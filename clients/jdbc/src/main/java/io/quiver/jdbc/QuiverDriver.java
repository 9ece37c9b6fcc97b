package io.quiver.jdbc;

import io.quiver.sql.SqlDialect;
import java.sql.Connection;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaFactory;
import org.apache.calcite.avatica.AvaticaStatement;
import org.apache.calcite.avatica.DriverVersion;
import org.apache.calcite.avatica.Handler;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.CalciteSchema;

/**
 * The Quiver JDBC driver: {@code jdbc:quiver://host[:port][?option=value&...]} opens a Calcite
 * connection whose root schema is the node's catalog (a dotted table name is a schema path: {@code
 * sales.orders} is table {@code orders} in schema {@code sales}), with Quiver's lexical rules
 * ({@link io.quiver.sql.SqlDialect}). Tables push their projection and the filters Quiver can
 * evaluate exactly into Flight scans; Calcite runs the rest of the query. See {@link
 * ConnectionOptions} for the options.
 *
 * <p>Registered with {@link java.sql.DriverManager} when loaded (and found through {@code
 * META-INF/services/java.sql.Driver}). Thread-safe.
 */
public class QuiverDriver extends org.apache.calcite.jdbc.Driver {
  static final String NAME = "Quiver JDBC Driver";
  static final String VERSION = "0.1.0";

  static {
    SqlDialect.init();
    new QuiverDriver().register();
  }

  public QuiverDriver() {
    super(QuiverPrepare::new);
  }

  @Override
  protected String getConnectStringPrefix() {
    return ConnectionOptions.PREFIX;
  }

  @Override
  protected DriverVersion createDriverVersion() {
    return new DriverVersion(NAME, VERSION, "Quiver", VERSION, true, 0, 1, 0, 1);
  }

  @Override
  protected AvaticaFactory createFactory() {
    return new QuiverJdbcFactory();
  }

  /**
   * Avatica would parse everything after the prefix as {@code key=value;...}; a Quiver URL names a
   * host first, so it is parsed here and the Calcite connection gets plain properties.
   *
   * @return null if {@code url} is not a Quiver URL (as {@link java.sql.Driver} asks)
   * @throws SQLException if the URL or an option is wrong, or the node cannot be reached
   */
  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (url == null || !acceptsURL(url)) {
      return null;
    }
    ConnectionOptions options = ConnectionOptions.parse(url, info);
    Connection connection =
        super.connect(getConnectStringPrefix(), options.toConnectionProperties());
    return connection;
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    List<DriverPropertyInfo> out = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(ConnectionOptions.OPTIONS).entrySet()) {
      DriverPropertyInfo p =
          new DriverPropertyInfo(e.getKey(), info == null ? null : info.getProperty(e.getKey()));
      p.description = e.getValue();
      out.add(p);
    }
    return out.toArray(new DriverPropertyInfo[0]);
  }

  /** Closes the node connection with the JDBC connection that owns it. */
  @Override
  protected Handler createHandler() {
    Handler calcite = super.createHandler();
    return new Handler() {
      @Override
      public void onConnectionInit(AvaticaConnection connection) throws SQLException {
        NodeConnection node = node((CalciteConnection) connection);
        try {
          // Ask the node for its tables now, so a wrong address fails here, not at the first query.
          node.tableNames();
          calcite.onConnectionInit(connection);
        } catch (RuntimeException e) {
          node.close();
          throw new SQLException(
              "Cannot reach a Quiver node at " + node.options().address() + ": " + e.getMessage(),
              "08001",
              e);
        }
      }

      @Override
      public void onConnectionClose(AvaticaConnection connection) {
        try {
          calcite.onConnectionClose(connection);
        } finally {
          NodeConnection node = node((CalciteConnection) connection);
          if (node != null) {
            node.close();
          }
        }
      }

      @Override
      public void onStatementExecute(AvaticaStatement statement, ResultSink resultSink) {
        calcite.onStatementExecute(statement, resultSink);
      }

      @Override
      public void onStatementClose(AvaticaStatement statement) {
        calcite.onStatementClose(statement);
      }
    };
  }

  /** The node connection behind a connection of this driver, or null for another connection. */
  static NodeConnection node(CalciteConnection connection) {
    CalciteSchema root = CalciteSchema.from(connection.getRootSchema());
    return root.schema instanceof NodeSchema s ? s.node() : null;
  }
}
