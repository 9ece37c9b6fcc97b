package io.quiver.server.sql;

import static com.google.protobuf.Any.pack;

import com.google.protobuf.ByteString;
import io.quiver.protocol.ErrorCode;
import io.quiver.server.Backpressure;
import io.quiver.server.FlightErrors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.FlightSqlProducer;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.SqlInfoBuilder;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.apache.calcite.rel.type.RelDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flight SQL on Quiver's Flight port: catalog metadata (catalogs, schemas, tables with their
 * schemas, table types, type info, keys), SQL info, statement queries, prepared statements with
 * parameters, cancellation. Queries are planned by {@link SqlPlanner} and run by {@link SqlEngine}.
 *
 * <p>Statements are stateless: a ticket carries the query, and DoGet plans it again against the
 * catalog as it is then and executes it, so a query never mixes file versions. Prepared statements
 * keep their SQL and bound parameters on the server until closed (at most {@link #MAX_PREPARED};
 * the oldest are dropped first).
 *
 * <p>Dispatch: {@link io.quiver.server.QuiverProducer} hands this service every descriptor, ticket
 * and action that is Flight SQL's (a protobuf {@code Any}); its own JSON commands and tickets never
 * reach here. Thread-safe.
 *
 * <p><b>Size.</b> Over the ~800-line guideline because it implements Flight SQL's producer
 * interface (about 30 calls: metadata commands, statements, prepared statements, cancellation);
 * planning ({@link SqlPlanner}), execution ({@link SqlEngine}) and type mapping ({@code XdbcTypes})
 * already live elsewhere, so what remains is one short method per protocol call.
 */
public final class FlightSqlService extends NoOpFlightSqlProducer {
  private static final Logger LOG = LoggerFactory.getLogger(FlightSqlService.class);
  static final int MAX_PREPARED = 10_000;
  private static final String TABLE_TYPE = "TABLE";

  private final TableScans tables;
  private final SqlPlanner planner;
  private final SqlEngine engine;
  private final BufferAllocator allocator;
  private final Executor executor;
  private final SqlInfoBuilder sqlInfo;
  private final Map<ByteString, Prepared> prepared =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteString, Prepared> eldest) {
              return size() > MAX_PREPARED;
            }
          });
  static final java.time.Duration PLAN_TTL = java.time.Duration.ofMinutes(10);
  private final com.github.benmanes.caffeine.cache.Cache<String, SqlPlanner.PlannedQuery> plans =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
          .maximumSize(1_000)
          .expireAfterWrite(PLAN_TTL)
          .build();
  // Keyed by plan identity (a plan object is only in the cache above for PLAN_TTL).
  private final com.github.benmanes.caffeine.cache.Cache<SqlPlanner.PlannedQuery, Schema>
      resultSchemas =
          com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
              .maximumSize(1_000)
              .weakKeys()
              .expireAfterWrite(PLAN_TTL)
              .build();

  // What stops each running query, by its ticket.
  private final Map<ByteString, Runnable> running = new ConcurrentHashMap<>();

  /** A prepared statement: its query, who prepared it, and the parameters last bound. */
  private static final class Prepared {
    final String sql;
    final String owner;
    volatile List<Object> parameters = List.of();

    Prepared(String sql, String owner) {
      this.sql = sql;
      this.owner = owner;
    }
  }

  private final io.quiver.server.security.Access access;

  /**
   * @param allocator bounded: query scans and results live here (a query over it fails with
   *     RESOURCE_EXHAUSTED)
   * @param executor runs result streams off the gRPC threads
   * @param access who may read which tables (mounts limited to roles)
   */
  public FlightSqlService(
      TableScans tables,
      SqlEngine engine,
      BufferAllocator allocator,
      Executor executor,
      io.quiver.server.security.Access access) {
    this.access = access;
    this.tables = tables;
    this.planner = new SqlPlanner(tables);
    this.engine = engine;
    this.allocator = allocator;
    this.executor = executor;
    this.sqlInfo =
        new SqlInfoBuilder()
            .withFlightSqlServerName("Quiver")
            .withFlightSqlServerVersion(version())
            .withFlightSqlServerArrowVersion("18.3.0")
            .withFlightSqlServerReadOnly(true)
            .withFlightSqlServerSql(true)
            .withFlightSqlServerSubstrait(false)
            .withFlightSqlServerTransaction(
                FlightSql.SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE)
            .withFlightSqlServerCancel(true)
            .withSqlIdentifierQuoteChar("\"")
            .withSqlIdentifierCase(
                FlightSql.SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE)
            .withSqlQuotedIdentifierCase(
                FlightSql.SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE)
            .withSqlSchemaTerm("schema")
            .withSqlCatalogTerm("catalog")
            .withSqlProcedureTerm("procedure")
            .withSqlDdlCatalog(false)
            .withSqlDdlSchema(false)
            .withSqlDdlTable(false)
            .withSqlSupportsColumnAliasing(true)
            .withSqlNullPlusNullIsNull(true)
            .withSqlSupportsTableCorrelationNames(true)
            .withSqlSupportsDifferentTableCorrelationNames(true)
            .withSqlSupportsExpressionsInOrderBy(true)
            .withSqlSupportsOrderByUnrelated(true)
            .withSqlSupportsLikeEscapeClause(true)
            .withSqlSupportsNonNullableColumns(true)
            .withSqlCorrelatedSubqueriesSupported(true)
            .withSqlTransactionsSupported(false)
            .withSqlBatchUpdatesSupported(false)
            .withSqlSavepointsSupported(false)
            .withSqlNamedParametersSupported(false)
            .withSqlStoredProceduresSupported(false)
            .withSqlSelectForUpdateSupported(false)
            .withSqlAllTablesAreSelectable(true)
            .withSqlNullOrdering(FlightSql.SqlNullOrdering.SQL_NULLS_SORTED_HIGH)
            .withSqlSearchStringEscape("\\")
            .withSqlExtraNameCharacters("");
  }

  private static String version() {
    String v = FlightSqlService.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  // ---- statements -------------------------------------------------------------------------

  @Override
  public FlightInfo getFlightInfoStatement(
      FlightSql.CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
    String sql = command.getQuery();
    Schema schema = resultSchema(plan(sql, context));
    FlightSql.TicketStatementQuery ticket =
        FlightSql.TicketStatementQuery.newBuilder()
            .setStatementHandle(ByteString.copyFrom(sql, StandardCharsets.UTF_8))
            .build();
    return info(schema, descriptor, pack(ticket).toByteArray());
  }

  @Override
  public SchemaResult getSchemaStatement(
      FlightSql.CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
    return new SchemaResult(resultSchema(plan(command.getQuery(), context)));
  }

  @Override
  public void getStreamStatement(
      FlightSql.TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
    String sql = ticket.getStatementHandle().toStringUtf8();
    stream(pack(ticket).toByteString(), sql, List.of(), context, listener);
  }

  // ---- prepared statements ----------------------------------------------------------------

  @Override
  public void createPreparedStatement(
      FlightSql.ActionCreatePreparedStatementRequest request,
      CallContext context,
      StreamListener<Result> listener) {
    try {
      String sql = request.getQuery();
      SqlPlanner.PlannedQuery plan = plan(sql, context);
      Schema result = resultSchema(plan);
      Schema parameters = parameterSchema(plan.parameters());
      ByteString handle =
          ByteString.copyFrom(UUID.randomUUID().toString(), StandardCharsets.US_ASCII);
      prepared.put(handle, new Prepared(sql, access.principal(context).name()));
      FlightSql.ActionCreatePreparedStatementResult out =
          FlightSql.ActionCreatePreparedStatementResult.newBuilder()
              .setPreparedStatementHandle(handle)
              .setDatasetSchema(ByteString.copyFrom(serialize(result)))
              .setParameterSchema(ByteString.copyFrom(serialize(parameters)))
              .build();
      listener.onNext(new Result(pack(out).toByteArray()));
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(FlightErrors.toFlight(e));
    }
  }

  @Override
  public void closePreparedStatement(
      FlightSql.ActionClosePreparedStatementRequest request,
      CallContext context,
      StreamListener<Result> listener) {
    try {
      // Closing is idempotent, and closes only the caller's own statements.
      ByteString handle = request.getPreparedStatementHandle();
      Prepared p = prepared.get(handle);
      if (p != null && p.owner.equals(access.principal(context).name())) {
        prepared.remove(handle, p);
      }
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(FlightErrors.toFlight(e));
    }
  }

  /**
   * The caller's prepared statement; another caller's handle is "not found" as well, so handles can
   * neither be used nor probed across principals.
   */
  private Prepared preparedOf(ByteString handle, CallContext context) {
    Prepared p = prepared.get(handle);
    if (p == null || !p.owner.equals(access.principal(context).name())) {
      throw FlightErrors.error(
          ErrorCode.NOT_FOUND, "No such prepared statement (closed, or dropped after inactivity)");
    }
    return p;
  }

  @Override
  public FlightInfo getFlightInfoPreparedStatement(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightDescriptor descriptor) {
    Prepared p = preparedOf(command.getPreparedStatementHandle(), context);
    Schema schema = resultSchema(plan(p.sql, context));
    return info(schema, descriptor, pack(command).toByteArray());
  }

  @Override
  public SchemaResult getSchemaPreparedStatement(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightDescriptor descriptor) {
    Prepared p = preparedOf(command.getPreparedStatementHandle(), context);
    return new SchemaResult(resultSchema(plan(p.sql, context)));
  }

  @Override
  public void getStreamPreparedStatement(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      ServerStreamListener listener) {
    Prepared p;
    try {
      p = preparedOf(command.getPreparedStatementHandle(), context);
    } catch (RuntimeException e) {
      listener.error(FlightErrors.toFlight(e));
      return;
    }
    stream(pack(command).toByteString(), p.sql, p.parameters, context, listener);
  }

  /** Binds parameters: the last row of what the client puts is the set used. */
  @Override
  public Runnable acceptPutPreparedStatementQuery(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightStream stream,
      StreamListener<PutResult> ackStream) {
    return () -> {
      try {
        Prepared p = preparedOf(command.getPreparedStatementHandle(), context);
        List<Object> values = List.of();
        VectorSchemaRoot root = stream.getRoot();
        while (stream.next()) {
          int rows = root.getRowCount();
          if (rows > 0) {
            List<Object> row = new ArrayList<>();
            for (FieldVector v : root.getFieldVectors()) {
              row.add(parameterValue(v, rows - 1));
            }
            values = row;
          }
        }
        p.parameters = Collections.unmodifiableList(values);
        ackStream.onCompleted();
      } catch (RuntimeException e) {
        ackStream.onError(FlightErrors.toFlight(e));
      }
    };
  }

  private static Object parameterValue(FieldVector v, int row) {
    if (v.isNull(row)) {
      return null;
    }
    if (v instanceof DateDayVector d) {
      return LocalDate.ofEpochDay(d.get(row));
    }
    Object o = v.getObject(row);
    if (o instanceof Text t) {
      return t.toString();
    }
    if (o instanceof java.time.LocalDateTime ldt) {
      return java.sql.Timestamp.valueOf(ldt);
    }
    return o;
  }

  // ---- cancellation -----------------------------------------------------------------------

  @Override
  public void cancelFlightInfo(
      CancelFlightInfoRequest request, CallContext context, StreamListener<CancelStatus> listener) {
    boolean any = false;
    for (FlightEndpoint e : request.getInfo().getEndpoints()) {
      Runnable cancel = running.get(ByteString.copyFrom(e.getTicket().getBytes()));
      if (cancel != null) {
        cancel.run();
        any = true;
      }
    }
    listener.onNext(any ? CancelStatus.CANCELLED : CancelStatus.NOT_CANCELLABLE);
    listener.onCompleted();
  }

  // ---- execution --------------------------------------------------------------------------

  /**
   * The plan of {@code sql}, reused for {@link #PLAN_TTL}: a client's prepare, GetFlightInfo and
   * DoGet of one query (and a dashboard's repeated queries) plan once. A plan holds names, columns
   * and pushed filters, never data: every execution plans its scans against the files as they are
   * then, so a changed file is still read at its new version; a table whose schema changed is seen
   * within the TTL.
   */
  private SqlPlanner.PlannedQuery plan(String sql) {
    try {
      return plans.get(sql, planner::plan);
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** {@link #plan(String)}, if the caller may read every table the query reads. */
  private SqlPlanner.PlannedQuery plan(String sql, CallContext context) {
    return authorized(plan(sql), context);
  }

  private SqlPlanner.PlannedQuery authorized(SqlPlanner.PlannedQuery plan, CallContext context) {
    io.quiver.server.security.Principal p = access.principal(context);
    for (SqlPlanner.TableRead read : plan.reads()) {
      access.requireTable(p, read.table());
    }
    return plan;
  }

  /**
   * The plan to execute {@code sql} with: the cached one if every table it reads still has the
   * schema it was planned with, else a new one. (Planning costs tens of milliseconds; checking
   * costs a catalog lookup per table, which the scans need next anyway.)
   */
  private SqlPlanner.PlannedQuery currentPlan(String sql) {
    SqlPlanner.PlannedQuery cached = plans.getIfPresent(sql);
    if (cached != null && planner.isCurrent(cached)) {
      return cached;
    }
    SqlPlanner.PlannedQuery fresh = planner.plan(sql);
    plans.put(sql, fresh);
    return fresh;
  }

  private Schema resultSchema(SqlPlanner.PlannedQuery plan) {
    Schema known = resultSchemas.getIfPresent(plan);
    if (known != null) {
      return known;
    }
    try {
      Schema schema = engine.resultSchema(plan, allocator);
      resultSchemas.put(plan, schema);
      return schema;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static FlightInfo info(Schema schema, FlightDescriptor descriptor, byte[] ticket) {
    return new FlightInfo(
        schema, descriptor, List.of(new FlightEndpoint(new Ticket(ticket))), -1, -1);
  }

  /** Plans and runs {@code sql} on a Quiver thread, streaming DuckDB's result batches. */
  private void stream(
      ByteString key,
      String sql,
      List<Object> parameters,
      CallContext context,
      ServerStreamListener listener) {
    try {
      // A statement ticket carries its SQL: check what it reads now, whoever planned it.
      SqlPlanner.PlannedQuery checked = authorized(currentPlan(sql), context);
      executor.execute(
          () -> {
            long start = System.nanoTime();
            try (SqlEngine.Execution execution =
                engine.execute(
                    checked,
                    parameters,
                    allocator,
                    cancel -> {
                      running.put(key, cancel);
                      listener.setOnCancelHandler(cancel);
                      if (listener.isCancelled()) {
                        cancel.run(); // the client gave up before the handler was set
                      }
                    })) {
              ArrowReader reader = execution.reader();
              VectorSchemaRoot root = reader.getVectorSchemaRoot();
              BackpressureStrategy backpressure = Backpressure.register(listener);
              listener.start(root);
              long rows = 0;
              while (reader.loadNextBatch()) {
                if (!Backpressure.awaitReady(listener, backpressure, () -> stopping)) {
                  execution.cancel();
                  return;
                }
                rows += root.getRowCount();
                listener.putNext();
              }
              listener.completed();
              LOG.info(
                  "sql rows={} time_ms={} query={}",
                  rows,
                  (System.nanoTime() - start) / 1_000_000,
                  abbreviate(sql));
            } catch (Exception | Error e) {
              listener.error(FlightErrors.toFlight(e));
              if (e instanceof VirtualMachineError vme) {
                throw vme;
              }
            } finally {
              running.remove(key);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      listener.error(FlightErrors.error(ErrorCode.NODE_UNAVAILABLE, "The server is shutting down"));
    }
  }

  private static String abbreviate(String sql) {
    String oneLine = sql.replaceAll("\\s+", " ").trim();
    return oneLine.length() > 200 ? oneLine.substring(0, 197) + "..." : oneLine;
  }

  /** Stops every running query (the node is shutting down). */
  public void cancelAll() {
    stopping = true;
    running.values().forEach(Runnable::run);
  }

  /** Set by {@link #cancelAll}: result streams end instead of waiting for their clients. */
  private volatile boolean stopping;

  // ---- metadata ---------------------------------------------------------------------------

  @Override
  public FlightInfo getFlightInfoSqlInfo(
      FlightSql.CommandGetSqlInfo request, CallContext context, FlightDescriptor descriptor) {
    return info(Schemas.GET_SQL_INFO_SCHEMA, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamSqlInfo(
      FlightSql.CommandGetSqlInfo command, CallContext context, ServerStreamListener listener) {
    sqlInfo.send(command.getInfoList(), listener);
  }

  @Override
  public FlightInfo getFlightInfoCatalogs(
      FlightSql.CommandGetCatalogs request, CallContext context, FlightDescriptor descriptor) {
    return info(Schemas.GET_CATALOGS_SCHEMA, descriptor, pack(request).toByteArray());
  }

  /** Quiver has no catalogs: tables are named by schema (dotted prefix) and name. */
  @Override
  public void getStreamCatalogs(CallContext context, ServerStreamListener listener) {
    sendRows(Schemas.GET_CATALOGS_SCHEMA, 0, root -> {}, listener);
  }

  @Override
  public FlightInfo getFlightInfoSchemas(
      FlightSql.CommandGetDbSchemas request, CallContext context, FlightDescriptor descriptor) {
    return info(Schemas.GET_SCHEMAS_SCHEMA, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamSchemas(
      FlightSql.CommandGetDbSchemas command, CallContext context, ServerStreamListener listener) {
    Pattern pattern =
        command.hasDbSchemaFilterPattern() ? like(command.getDbSchemaFilterPattern()) : null;
    Set<String> schemas = new TreeSet<>();
    io.quiver.server.security.Principal caller = access.principal(context);
    for (String name : tables.tableNames()) {
      if (!access.mayReadTable(caller, name)) {
        continue;
      }
      String schema = schemaOf(name);
      if (schema != null && (pattern == null || pattern.matcher(schema).matches())) {
        schemas.add(schema);
      }
    }
    if (command.hasCatalog() && !command.getCatalog().isEmpty()) {
      schemas.clear();
    }
    List<String> list = new ArrayList<>(schemas);
    sendRows(
        Schemas.GET_SCHEMAS_SCHEMA,
        list.size(),
        root -> {
          VarCharVector schemaCol = (VarCharVector) root.getVector("db_schema_name");
          for (int i = 0; i < list.size(); i++) {
            schemaCol.setSafe(i, list.get(i).getBytes(StandardCharsets.UTF_8));
          }
        },
        listener);
  }

  @Override
  public FlightInfo getFlightInfoTables(
      FlightSql.CommandGetTables request, CallContext context, FlightDescriptor descriptor) {
    Schema schema =
        request.getIncludeSchema()
            ? Schemas.GET_TABLES_SCHEMA
            : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA;
    return info(schema, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamTables(
      FlightSql.CommandGetTables command, CallContext context, ServerStreamListener listener) {
    Pattern schemaPattern =
        command.hasDbSchemaFilterPattern() ? like(command.getDbSchemaFilterPattern()) : null;
    Pattern tablePattern =
        command.hasTableNameFilterPattern() ? like(command.getTableNameFilterPattern()) : null;
    boolean typeOk =
        command.getTableTypesCount() == 0
            || command.getTableTypesList().stream().anyMatch(TABLE_TYPE::equalsIgnoreCase);
    boolean catalogOk = !command.hasCatalog() || command.getCatalog().isEmpty();
    List<String> names = new ArrayList<>();
    io.quiver.server.security.Principal caller = access.principal(context);
    if (typeOk && catalogOk) {
      for (String name : new TreeSet<>(tables.tableNames())) {
        if (!access.mayReadTable(caller, name)) {
          continue; // a mount limited to roles the caller lacks: not even its names
        }
        String schema = schemaOf(name);
        if (schemaPattern != null && (schema == null || !schemaPattern.matcher(schema).matches())) {
          continue;
        }
        if (tablePattern != null && !tablePattern.matcher(tableOf(name)).matches()) {
          continue;
        }
        names.add(name);
      }
    }
    List<byte[]> schemas = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (String name : names) {
      if (command.getIncludeSchema()) {
        try {
          schemas.add(serialize(tables.schema(name)));
        } catch (IOException | RuntimeException e) {
          // A table whose files cannot be read now must not hide the others.
          LOG.warn("GetTables: skipping {}: {}", name, e.getMessage());
          continue;
        }
      }
      kept.add(name);
    }
    Schema out =
        command.getIncludeSchema()
            ? Schemas.GET_TABLES_SCHEMA
            : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA;
    sendRows(
        out,
        kept.size(),
        root -> {
          VarCharVector schemaCol = (VarCharVector) root.getVector("db_schema_name");
          VarCharVector nameCol = (VarCharVector) root.getVector("table_name");
          VarCharVector typeCol = (VarCharVector) root.getVector("table_type");
          for (int i = 0; i < kept.size(); i++) {
            String name = kept.get(i);
            String schema = schemaOf(name);
            if (schema != null) {
              schemaCol.setSafe(i, schema.getBytes(StandardCharsets.UTF_8));
            }
            nameCol.setSafe(i, tableOf(name).getBytes(StandardCharsets.UTF_8));
            typeCol.setSafe(i, TABLE_TYPE.getBytes(StandardCharsets.UTF_8));
            if (command.getIncludeSchema()) {
              ((VarBinaryVector) root.getVector("table_schema")).setSafe(i, schemas.get(i));
            }
          }
        },
        listener);
  }

  @Override
  public FlightInfo getFlightInfoTableTypes(
      FlightSql.CommandGetTableTypes request, CallContext context, FlightDescriptor descriptor) {
    return info(Schemas.GET_TABLE_TYPES_SCHEMA, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamTableTypes(CallContext context, ServerStreamListener listener) {
    sendRows(
        Schemas.GET_TABLE_TYPES_SCHEMA,
        1,
        root ->
            ((VarCharVector) root.getVector("table_type"))
                .setSafe(0, TABLE_TYPE.getBytes(StandardCharsets.UTF_8)),
        listener);
  }

  @Override
  public FlightInfo getFlightInfoTypeInfo(
      FlightSql.CommandGetXdbcTypeInfo request, CallContext context, FlightDescriptor descriptor) {
    return info(Schemas.GET_TYPE_INFO_SCHEMA, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamTypeInfo(
      FlightSql.CommandGetXdbcTypeInfo request,
      CallContext context,
      ServerStreamListener listener) {
    List<XdbcTypes.TypeRow> rows =
        XdbcTypes.rows(request.hasDataType() ? request.getDataType() : null);
    sendRows(
        Schemas.GET_TYPE_INFO_SCHEMA, rows.size(), root -> XdbcTypes.fill(root, rows), listener);
  }

  @Override
  public FlightInfo getFlightInfoPrimaryKeys(
      FlightSql.CommandGetPrimaryKeys request, CallContext context, FlightDescriptor descriptor) {
    return info(Schemas.GET_PRIMARY_KEYS_SCHEMA, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamPrimaryKeys(
      FlightSql.CommandGetPrimaryKeys command, CallContext context, ServerStreamListener listener) {
    sendRows(Schemas.GET_PRIMARY_KEYS_SCHEMA, 0, root -> {}, listener);
  }

  @Override
  public FlightInfo getFlightInfoExportedKeys(
      FlightSql.CommandGetExportedKeys request, CallContext context, FlightDescriptor descriptor) {
    return info(Schemas.GET_EXPORTED_KEYS_SCHEMA, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamExportedKeys(
      FlightSql.CommandGetExportedKeys command,
      CallContext context,
      ServerStreamListener listener) {
    sendRows(Schemas.GET_EXPORTED_KEYS_SCHEMA, 0, root -> {}, listener);
  }

  @Override
  public FlightInfo getFlightInfoImportedKeys(
      FlightSql.CommandGetImportedKeys request, CallContext context, FlightDescriptor descriptor) {
    return info(Schemas.GET_IMPORTED_KEYS_SCHEMA, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamImportedKeys(
      FlightSql.CommandGetImportedKeys command,
      CallContext context,
      ServerStreamListener listener) {
    sendRows(Schemas.GET_IMPORTED_KEYS_SCHEMA, 0, root -> {}, listener);
  }

  @Override
  public FlightInfo getFlightInfoCrossReference(
      FlightSql.CommandGetCrossReference request,
      CallContext context,
      FlightDescriptor descriptor) {
    return info(Schemas.GET_CROSS_REFERENCE_SCHEMA, descriptor, pack(request).toByteArray());
  }

  @Override
  public void getStreamCrossReference(
      FlightSql.CommandGetCrossReference command,
      CallContext context,
      ServerStreamListener listener) {
    sendRows(Schemas.GET_CROSS_REFERENCE_SCHEMA, 0, root -> {}, listener);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** The dotted prefix of a table name, or null for a one-part name. */
  static String schemaOf(String table) {
    int dot = table.lastIndexOf('.');
    return dot < 0 ? null : table.substring(0, dot);
  }

  static String tableOf(String table) {
    return table.substring(table.lastIndexOf('.') + 1);
  }

  /** A SQL LIKE pattern ({@code %}, {@code _}, backslash escapes) as a case-insensitive regex. */
  static Pattern like(String pattern) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\\' && i + 1 < pattern.length()) {
        re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
      } else if (c == '%') {
        re.append(".*");
      } else if (c == '_') {
        re.append('.');
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  }

  private void sendRows(
      Schema schema,
      int rows,
      java.util.function.Consumer<VectorSchemaRoot> fill,
      ServerStreamListener listener) {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      root.allocateNew();
      fill.accept(root);
      root.setRowCount(rows);
      listener.start(root);
      listener.putNext();
      listener.completed();
    } catch (RuntimeException e) {
      listener.error(FlightErrors.toFlight(e));
    }
  }

  static byte[] serialize(Schema schema) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), schema);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Arrow fields for the query's {@code ?} parameters, named {@code p1}, {@code p2}, … */
  static Schema parameterSchema(List<RelDataType> types) {
    List<Field> fields = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      fields.add(new Field("p" + (i + 1), FieldType.nullable(arrowType(types.get(i))), null));
    }
    return new Schema(fields);
  }

  private static ArrowType arrowType(RelDataType type) {
    switch (type.getSqlTypeName()) {
      case BOOLEAN:
        return ArrowType.Bool.INSTANCE;
      case TINYINT:
        return new ArrowType.Int(8, true);
      case SMALLINT:
        return new ArrowType.Int(16, true);
      case INTEGER:
        return new ArrowType.Int(32, true);
      case BIGINT:
        return new ArrowType.Int(64, true);
      case REAL:
      case FLOAT:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case DOUBLE:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case DECIMAL:
        return new ArrowType.Decimal(type.getPrecision(), Math.max(type.getScale(), 0), 128);
      case DATE:
        return new ArrowType.Date(DateUnit.DAY);
      case TIMESTAMP:
        return new ArrowType.Timestamp(TimeUnit.MICROSECOND, null);
      case BINARY:
      case VARBINARY:
        return ArrowType.Binary.INSTANCE;
      default:
        return ArrowType.Utf8.INSTANCE;
    }
  }

  /** Flight SQL's fixed result schemas. */
  private static final class Schemas {
    static final Schema GET_SQL_INFO_SCHEMA = FlightSqlProducer.Schemas.GET_SQL_INFO_SCHEMA;
    static final Schema GET_CATALOGS_SCHEMA = FlightSqlProducer.Schemas.GET_CATALOGS_SCHEMA;
    static final Schema GET_SCHEMAS_SCHEMA = FlightSqlProducer.Schemas.GET_SCHEMAS_SCHEMA;
    static final Schema GET_TABLES_SCHEMA = FlightSqlProducer.Schemas.GET_TABLES_SCHEMA;
    static final Schema GET_TABLES_SCHEMA_NO_SCHEMA =
        FlightSqlProducer.Schemas.GET_TABLES_SCHEMA_NO_SCHEMA;
    static final Schema GET_TABLE_TYPES_SCHEMA = FlightSqlProducer.Schemas.GET_TABLE_TYPES_SCHEMA;
    static final Schema GET_TYPE_INFO_SCHEMA = FlightSqlProducer.Schemas.GET_TYPE_INFO_SCHEMA;
    static final Schema GET_PRIMARY_KEYS_SCHEMA = FlightSqlProducer.Schemas.GET_PRIMARY_KEYS_SCHEMA;
    static final Schema GET_EXPORTED_KEYS_SCHEMA =
        FlightSqlProducer.Schemas.GET_EXPORTED_KEYS_SCHEMA;
    static final Schema GET_IMPORTED_KEYS_SCHEMA =
        FlightSqlProducer.Schemas.GET_IMPORTED_KEYS_SCHEMA;
    static final Schema GET_CROSS_REFERENCE_SCHEMA =
        FlightSqlProducer.Schemas.GET_CROSS_REFERENCE_SCHEMA;
  }
}
