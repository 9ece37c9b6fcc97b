package io.quiver.server;

import io.quiver.catalog.Catalog;
import io.quiver.catalog.TableDefinition;
import io.quiver.protocol.ErrorCode;
import io.quiver.server.security.Access;
import io.quiver.server.security.Principal;
import io.quiver.server.sql.FlightSqlService;
import java.io.IOException;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quiver's Flight service: ListFlights lists tables, GetFlightInfo/GetSchema plan scans of tables
 * or namespace paths, DoGet streams cached column chunks, DoAction manages mounts, tables and the
 * cache: each action's request and response records are in {@code io.quiver.protocol.action}, its
 * handler in {@link QuiverActions}.
 *
 * <p>Thread-safe; every failure reaches the client as an explicit status via {@link FlightErrors}.
 */
public final class QuiverProducer extends NoOpFlightProducer {
  private static final Logger LOG = LoggerFactory.getLogger(QuiverProducer.class);

  private final Catalog catalog;
  private final ScanPlanner planner;
  private final ChunkStreamer streamer;
  private final Executor streamExecutor;
  private final QuiverActions actions;
  private final FlightSqlService sql;
  private final Access access;

  QuiverProducer(
      Catalog catalog,
      ScanPlanner planner,
      ChunkStreamer streamer,
      Executor streamExecutor,
      QuiverActions actions,
      FlightSqlService sql,
      Access access) {
    this.access = access;
    this.sql = sql;
    this.catalog = catalog;
    this.planner = planner;
    this.streamer = streamer;
    this.streamExecutor = streamExecutor;
    this.actions = actions;
  }

  @Override
  public void listFlights(
      CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
    try {
      Principal caller = access.requireRead(context, "ListFlights");
      for (TableDefinition t : catalog.tables()) {
        if (!access.mayReadTable(caller, t.name())) {
          continue;
        }
        FlightDescriptor d = FlightDescriptor.path(t.name().split("\\."));
        try {
          listener.onNext(planner.plan(d, caller.name()));
        } catch (IOException | RuntimeException e) {
          // One broken table must not hide the others.
          LOG.warn("Skipping table {} in ListFlights: {}", t.name(), e.getMessage());
        }
      }
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(FlightErrors.toFlight(e));
    }
  }

  /**
   * Whether bytes are a Flight SQL message (a protobuf {@code Any} of Flight SQL's package) rather
   * than one of Quiver's JSON commands or tickets.
   */
  static boolean isFlightSql(byte[] bytes) {
    if (bytes == null || bytes.length == 0 || bytes[0] != 0x0A) {
      return false; // an Any starts with field 1 (type_url), length-delimited
    }
    try {
      return com.google.protobuf.Any.parseFrom(bytes)
          .getTypeUrl()
          .startsWith("type.googleapis.com/arrow.flight.protocol.sql.");
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return false;
    }
  }

  private static final Set<String> SQL_ACTIONS =
      Set.of(
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_CREATE_PREPARED_STATEMENT.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_CLOSE_PREPARED_STATEMENT.getType(),
          org.apache.arrow.flight.FlightConstants.CANCEL_FLIGHT_INFO.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_CANCEL_QUERY.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_BEGIN_TRANSACTION.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_END_TRANSACTION.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_BEGIN_SAVEPOINT.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_END_SAVEPOINT.getType(),
          org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_CREATE_PREPARED_SUBSTRAIT_PLAN
              .getType());

  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    Principal caller = access.requireRead(context, "GetFlightInfo");
    if (descriptor.isCommand() && isFlightSql(descriptor.getCommand())) {
      try {
        return sql.getFlightInfo(context, descriptor);
      } catch (Exception e) {
        throw FlightErrors.toFlight(e);
      }
    }
    try {
      ScanPlanner.Planned planned = planner.planScan(descriptor, caller.name());
      ScanPlanner.Resolved r = planned.resolved();
      // After planning, so that the dataset is listed once; a refused plan is never returned.
      access.requireMount(caller, r.dataset().path());
      LOG.info(
          "plan {} columns={} filter={} units={} pruned={} endpoints={} est_rows={} est_bytes={}",
          r.dataset().name(),
          r.columns().size(),
          r.filter() == null ? "none" : (r.exact() ? "exact" : "prune-only"),
          planned.units() - planned.pruned(),
          planned.pruned(),
          planned.info().getEndpoints().size(),
          planned.info().getRecords(),
          planned.info().getBytes());
      return planned.info();
    } catch (Exception e) {
      throw FlightErrors.toFlight(e);
    }
  }

  @Override
  public SchemaResult getSchema(CallContext context, FlightDescriptor descriptor) {
    Principal caller = access.requireRead(context, "GetSchema");
    try {
      if (descriptor.isCommand() && isFlightSql(descriptor.getCommand())) {
        return sql.getSchema(context, descriptor);
      }
      ScanPlanner.Resolved r = planner.resolve(descriptor);
      access.requireMount(caller, r.dataset().path());
      return new SchemaResult(r.schema());
    } catch (Exception e) {
      throw FlightErrors.toFlight(e);
    }
  }

  /**
   * Streams on a Quiver thread, not on the gRPC call's thread: gRPC delivers the call's "ready"
   * callbacks on that thread, so blocking it would starve backpressure.
   */
  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    Principal caller;
    try {
      caller = access.requireRead(context, "DoGet");
    } catch (RuntimeException e) {
      listener.error(FlightErrors.toFlight(e));
      return;
    }
    if (isFlightSql(ticket.getBytes())) {
      try {
        sql.getStream(context, ticket, listener);
      } catch (Exception e) {
        listener.error(FlightErrors.toFlight(e));
      }
      return;
    }
    ScanTicket scan;
    try {
      scan = planner.signer().open(ticket.getBytes(), caller.name());
    } catch (RuntimeException e) {
      listener.error(FlightErrors.toFlight(e));
      return;
    }
    String user = caller.name();
    onStreamThread(() -> streamer.stream(scan, user, listener), listener::error);
  }

  /** Work that may throw, for {@link #onStreamThread}. */
  @FunctionalInterface
  private interface Work {
    void run() throws Exception;
  }

  /**
   * Runs {@code work} on one of the node's stream threads; whatever it throws (or the executor's
   * refusal while shutting down) goes to {@code fail} as a Flight status.
   */
  private void onStreamThread(Work work, Consumer<FlightRuntimeException> fail) {
    try {
      streamExecutor.execute(
          () -> {
            try {
              work.run();
            } catch (Exception e) {
              fail.accept(FlightErrors.toFlight(e));
            } catch (Error e) {
              // This thread is ours: if it dies without telling the client, the call hangs.
              fail.accept(FlightErrors.toFlight(e));
              if (e instanceof VirtualMachineError) {
                throw e;
              }
            }
          });
    } catch (RejectedExecutionException e) {
      fail.accept(FlightErrors.error(ErrorCode.NODE_UNAVAILABLE, "The server is shutting down"));
    }
  }

  @Override
  public void listActions(CallContext context, StreamListener<ActionType> listener) {
    actions.handlers().stream()
        .map(ActionHandler::type)
        .sorted(Comparator.comparing(io.quiver.protocol.action.ActionType::name))
        .forEach(t -> listener.onNext(new ActionType(t.name(), t.description())));
    org.apache.arrow.flight.sql.FlightSqlUtils.FLIGHT_SQL_ACTIONS.forEach(listener::onNext);
    listener.onCompleted();
  }

  /** DoPut carries Flight SQL prepared-statement parameters; Quiver has no other use for it. */
  @Override
  public Runnable acceptPut(
      CallContext context,
      org.apache.arrow.flight.FlightStream flightStream,
      StreamListener<org.apache.arrow.flight.PutResult> ackStream) {
    access.requireRead(context, "DoPut");
    FlightDescriptor d = flightStream.getDescriptor();
    if (d.isCommand() && isFlightSql(d.getCommand())) {
      return sql.acceptPut(context, flightStream, ackStream);
    }
    return () ->
        ackStream.onError(
            FlightErrors.error(
                ErrorCode.INVALID_REQUEST,
                "DoPut takes Flight SQL prepared-statement parameters only"));
  }

  /**
   * Flight SQL's actions go to {@link FlightSqlService}; Quiver's to the {@link ActionHandler} of
   * {@link QuiverActions} registered under the action's name, after the caller's role is checked
   * and the body decoded into the action's request record. An action Quiver does not have is {@code
   * UNIMPLEMENTED}, Flight's convention.
   */
  @Override
  public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    String type = action.getType();
    try {
      if (SQL_ACTIONS.contains(type)) {
        access.requireRead(context, "Action '" + type + "'");
        sql.doAction(context, action, listener);
        return;
      }
      ActionHandler<?, ?> handler = actions.handler(type);
      if (handler == null) {
        access.principal(context);
        throw FlightErrors.error(
            ErrorCode.UNIMPLEMENTED,
            "Unknown action '"
                + type
                + "' (known: "
                + String.join(", ", io.quiver.protocol.action.Actions.names())
                + ")");
      }
      run(handler, context, action.getBody(), listener);
    } catch (Exception e) {
      listener.onError(FlightErrors.toFlight(e));
    }
  }

  /**
   * Checks the caller's role, decodes the request and runs the handler where it says (on this gRPC
   * thread, or on a stream thread for actions that may read a store), sending each response it
   * produces as a result.
   */
  private <Req, Resp> void run(
      ActionHandler<Req, Resp> handler,
      CallContext context,
      byte[] body,
      StreamListener<Result> listener)
      throws Exception {
    String operation = "Action '" + handler.type().name() + "'";
    Principal caller =
        handler.role() == ActionHandler.Role.ADMIN
            ? access.requireAdmin(context, operation)
            : access.requireRead(context, operation);
    Req request = handler.type().decodeRequest(body);
    ActionHandler.Call call = new ActionHandler.Call(context, caller);
    Work work =
        () -> {
          handler
              .body()
              .run(
                  call,
                  request,
                  response -> listener.onNext(new Result(handler.type().encodeResponse(response))));
          if (!context.isCancelled()) {
            listener.onCompleted();
          }
        };
    if (handler.execution() == ActionHandler.Execution.STREAM_THREAD) {
      onStreamThread(work, listener::onError);
    } else {
      work.run();
    }
  }
}
