package io.quiver.server;

import io.quiver.protocol.action.ActionType;
import io.quiver.server.security.Principal;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightProducer.CallContext;

/**
 * The server side of one Quiver action: what runs for a request of its {@link ActionType}, who may
 * call it and on which thread. {@link QuiverActions} registers one per action; {@link
 * QuiverProducer#doAction} looks it up by the action's name.
 *
 * @param type the action, with its request and response records
 * @param role who may call it
 * @param execution where it runs
 * @param body what it does: sends its result (or, for a streaming action, its results) to the
 *     consumer; a thrown exception reaches the client through {@link FlightErrors#toFlight}
 */
record ActionHandler<Req, Resp>(
    ActionType<Req, Resp> type, Role role, Execution execution, Body<Req, Resp> body) {

  /** Who may call an action. */
  enum Role {
    /** Any authenticated caller with the reader (or admin) role. */
    READER,
    /** Callers with the admin role only. */
    ADMIN
  }

  /** Where an action runs. */
  enum Execution {
    /**
     * On the gRPC thread that received the call: for actions that only look at memory and the local
     * catalog file.
     */
    CALLER,
    /**
     * On one of the node's stream threads, like DoGet: for actions that may read a store (list
     * files, read footers, load data), which can take from milliseconds to minutes and must not
     * hold one of gRPC's threads.
     */
    STREAM_THREAD
  }

  /** The call an action runs for. */
  record Call(CallContext context, Principal caller) {
    boolean isCancelled() {
      return context.isCancelled();
    }
  }

  /** An action's work. */
  @FunctionalInterface
  interface Body<Req, Resp> {
    void run(Call call, Req request, Consumer<Resp> results) throws Exception;
  }

  /** The work of an action that answers with one result. */
  @FunctionalInterface
  interface Unary<Req, Resp> {
    Resp run(Call call, Req request) throws Exception;
  }

  ActionHandler {
    Objects.requireNonNull(type);
    Objects.requireNonNull(role);
    Objects.requireNonNull(execution);
    Objects.requireNonNull(body);
  }

  /** A handler answering with one result. */
  static <Req, Resp> ActionHandler<Req, Resp> unary(
      ActionType<Req, Resp> type, Role role, Execution execution, Unary<Req, Resp> body) {
    if (type.streaming()) {
      throw new IllegalArgumentException(type.name() + " streams its results");
    }
    return new ActionHandler<>(
        type, role, execution, (call, request, results) -> results.accept(body.run(call, request)));
  }

  /** A handler sending several results (the last being the final one). */
  static <Req, Resp> ActionHandler<Req, Resp> streaming(
      ActionType<Req, Resp> type, Role role, Execution execution, Body<Req, Resp> body) {
    if (!type.streaming()) {
      throw new IllegalArgumentException(type.name() + " answers with one result");
    }
    return new ActionHandler<>(type, role, execution, body);
  }
}
