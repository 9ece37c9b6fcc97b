package io.quiver.server.sql;

import io.quiver.protocol.ScanCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes planned queries with an embedded DuckDB, columnar end to end: each table a query reads
 * is an in-process Quiver scan (projected, pruned and filtered by the server, its batches sharing
 * the cache's buffers) handed to DuckDB through the Arrow C Data Interface, and DuckDB's result
 * comes back as Arrow batches through the same interface. No row is converted one at a time.
 *
 * <p>Memory: DuckDB's working memory, the query's result included (it is materialized before it is
 * sent), is capped by {@code memoryLimit}; a query over it fails with DuckDB's out-of-memory error,
 * reported as RESOURCE_EXHAUSTED. Operators may spill to {@code tempDir} up to {@code spillLimit}.
 * Scan batches and exported result batches live in the caller's bounded allocators.
 *
 * <p>Thread-safe: each execution has its own DuckDB connection to the shared database.
 */
public final class SqlEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqlEngine.class);

  private final TableScans tables;
  private final DuckDBConnection database;

  /**
   * @param memoryLimit bytes of working memory for all queries together
   * @param threads DuckDB worker threads
   * @param tempDir where DuckDB may spill (created if missing)
   * @param spillLimit bytes DuckDB may spill there
   */
  public SqlEngine(TableScans tables, long memoryLimit, int threads, Path tempDir, long spillLimit)
      throws IOException {
    this.tables = tables;
    Files.createDirectories(tempDir);
    try {
      Properties p = new Properties();
      // Results are materialized inside DuckDB's memory budget, then exported batch by batch. With
      // streamed results DuckDB's JDBC driver reports every failure during execution (out of
      // memory among them) as "Invalid result set", which no client could act on.
      p.setProperty("jdbc_stream_results", "false");
      this.database = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:", p);
      try (Statement st = database.createStatement()) {
        st.execute("SET memory_limit = '" + Math.max(memoryLimit >> 20, 64) + "MB'");
        st.execute("SET threads = " + Math.max(1, threads));
        st.execute("SET temp_directory = '" + tempDir.toString().replace("'", "''") + "'");
        // Spilling is bounded too: a query that needs more fails instead of filling the disk.
        st.execute("SET max_temp_directory_size = '" + Math.max(spillLimit >> 20, 64) + "MB'");
        // No extension may be downloaded or loaded at a client's request.
        st.execute("SET autoinstall_known_extensions = false");
        st.execute("SET autoload_known_extensions = false");
        st.execute("SET enable_external_access = false");
        st.execute("SET lock_configuration = true");
      }
    } catch (SQLException e) {
      throw new IOException("Cannot start the SQL engine (DuckDB): " + e.getMessage(), e);
    }
  }

  /** A running query: its result batches, to read once and close. */
  public interface Execution extends AutoCloseable {
    /** The result's batches; owned by the execution (closed with it). */
    ArrowReader reader();

    /** Stops the query; the reader then fails or ends. Safe from any thread. */
    void cancel();

    @Override
    void close();
  }

  /**
   * The Arrow schema of {@code query}'s result, found by running it over empty scans.
   *
   * @throws IllegalArgumentException if DuckDB rejects the query
   */
  public Schema resultSchema(SqlPlanner.PlannedQuery query, BufferAllocator allocator)
      throws IOException {
    try (Execution e = start(query, null, allocator, true, cancel -> {})) {
      return e.reader().getVectorSchemaRoot().getSchema();
    }
  }

  /**
   * Runs {@code query} with {@code parameters} bound to its {@code ?}s; returns when its result is
   * ready to be read.
   *
   * @param allocator where scans and result batches live (bounded by the caller)
   * @param onCancellable receives, before the query starts, what stops it (callable from any
   *     thread; the query then fails with {@link java.util.concurrent.CancellationException})
   */
  public Execution execute(
      SqlPlanner.PlannedQuery query,
      List<Object> parameters,
      BufferAllocator allocator,
      java.util.function.Consumer<Runnable> onCancellable)
      throws IOException {
    return start(query, parameters, allocator, false, onCancellable);
  }

  private Execution start(
      SqlPlanner.PlannedQuery query,
      List<Object> parameters,
      BufferAllocator allocator,
      boolean schemaOnly,
      java.util.function.Consumer<Runnable> onCancellable)
      throws IOException {
    // Closed in reverse: the result and the connection first, then the scans DuckDB was reading.
    List<AutoCloseable> resources = new ArrayList<>();
    List<AutoCloseable> sources = new ArrayList<>();
    try {
      DuckDBConnection conn = (DuckDBConnection) database.duplicate();
      resources.add(conn);
      for (SqlPlanner.TableRead read : query.reads()) {
        ArrowReader scan =
            schemaOnly
                ? new EmptyReader(allocator, projected(read))
                : tables.scan(
                    ScanCommand.table(read.table())
                        .withColumns(read.columns())
                        .withFilter(read.filter()),
                    allocator);
        sources.add(scan);
        ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator);
        sources.add(stream);
        Data.exportArrayStream(allocator, scan, stream);
        String source = read.reused() ? read.view() + "_stream" : read.view();
        conn.registerArrowStream(source, stream);
        if (read.reused()) {
          // Read more than once: keep its rows in DuckDB (a registered stream is read once).
          try (Statement st = conn.createStatement()) {
            st.execute(
                "CREATE TEMP TABLE \"" + read.view() + "\" AS SELECT * FROM \"" + source + "\"");
          }
        }
      }
      String sql =
          schemaOnly
              ? "SELECT * FROM (" + query.executorSql() + ") AS q LIMIT 0"
              : query.executorSql();
      PreparedStatement statement = conn.prepareStatement(sql);
      resources.add(statement);
      int n = query.parameters().size();
      for (int i = 0; i < n; i++) {
        Object v = parameters == null || i >= parameters.size() ? null : parameters.get(i);
        statement.setObject(i + 1, v);
      }
      java.util.concurrent.atomic.AtomicBoolean cancelled =
          new java.util.concurrent.atomic.AtomicBoolean();
      onCancellable.accept(
          () -> {
            cancelled.set(true);
            cancel(statement);
          });
      if (cancelled.get()) {
        throw new java.util.concurrent.CancellationException("The query was cancelled");
      }
      ResultSet rs = statement.executeQuery();
      resources.add(rs);
      ArrowReader result = (ArrowReader) ((DuckDBResultSet) rs).arrowExportStream(allocator, 65536);
      resources.add(result);
      result.getVectorSchemaRoot(); // reads the schema now, so errors surface here
      resources.addAll(0, sources);
      return new RunningQuery(statement, resources, result);
    } catch (SQLException e) {
      closeAll(resources);
      closeAll(sources);
      throw translate(e);
    } catch (IOException | RuntimeException | Error e) {
      closeAll(resources);
      closeAll(sources);
      throw e;
    }
  }

  private Schema projected(SqlPlanner.TableRead read) throws IOException {
    Schema full = tables.schema(read.table());
    List<Field> fields = new ArrayList<>();
    for (String c : read.columns()) {
      fields.add(full.findField(c));
    }
    return new Schema(fields);
  }

  private static void cancel(Statement statement) {
    try {
      statement.cancel();
    } catch (SQLException e) {
      LOG.debug("Cancel failed: {}", e.toString());
    }
  }

  static RuntimeException translate(SQLException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (message.contains("Out of Memory")
        || message.contains("memory_limit")
        || message.contains("max_temp_directory_size")) {
      return new SqlResourceException(
          "The query needs more memory than the SQL engine's budget: " + firstLine(message), e);
    }
    if (message.contains("INTERRUPT")) {
      return new java.util.concurrent.CancellationException("The query was cancelled");
    }
    return new IllegalArgumentException("Query failed: " + firstLine(message), e);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static void closeAll(List<AutoCloseable> resources) {
    List<AutoCloseable> reversed = new ArrayList<>(resources);
    java.util.Collections.reverse(reversed);
    try {
      AutoCloseables.close(reversed);
    } catch (Exception e) {
      LOG.warn("Closing a query's resources failed: {}", e.toString());
    }
  }

  /** A query whose working memory exceeds the budget. */
  public static final class SqlResourceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SqlResourceException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final class RunningQuery implements Execution {
    private final PreparedStatement statement;
    private final List<AutoCloseable> resources;
    private final ArrowReader reader;

    RunningQuery(PreparedStatement statement, List<AutoCloseable> resources, ArrowReader reader) {
      this.statement = statement;
      this.resources = resources;
      this.reader = reader;
    }

    @Override
    public ArrowReader reader() {
      return reader;
    }

    @Override
    public void cancel() {
      SqlEngine.cancel(statement);
    }

    @Override
    public void close() {
      closeAll(resources);
    }
  }

  /** A reader with a schema and no rows. */
  private static final class EmptyReader extends ArrowReader {
    private final Schema schema;

    EmptyReader(BufferAllocator allocator, Schema schema) {
      super(allocator);
      this.schema = schema;
    }

    @Override
    public boolean loadNextBatch() {
      return false;
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() {}

    @Override
    protected Schema readSchema() {
      return schema;
    }
  }

  @Override
  public void close() throws SQLException {
    database.close();
  }
}
