package io.quiver.server.monitoring;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.quiver.protocol.ErrorCode;
import io.quiver.server.FlightErrors;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.ErrorFlightMetadata;
import org.apache.arrow.flight.FlightMethod;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.RequestContext;

/**
 * Flight server middleware counting calls by method and final status, and timing them:
 *
 * <ul>
 *   <li>{@code quiver_flight_calls_total{method, status}}: finished calls; {@code method} is the
 *       Flight RPC ({@code DoGet}, {@code GetFlightInfo}, {@code DoAction}, ...), {@code status}
 *       the Flight status code ({@code OK}, {@code NOT_FOUND}, ...);
 *   <li>{@code quiver_flight_call_duration_seconds{method}}: a histogram of their duration, from
 *       the call's arrival to its last message (for {@code DoGet}: the whole stream).
 * </ul>
 *
 * Both labels come from closed sets (Flight's methods and status codes): never action names, tables
 * or files. Calls the authenticator rejects (it runs after this middleware) are not counted: Flight
 * ends them before any middleware hears of their completion.
 *
 * <p>Calls that end with another status than {@code OK} are also kept in a {@link RecentErrors}
 * ring, when one is given, with what the client was told (for the status page).
 *
 * <p>Thread-safe: one instance serves every call of a server; each call's middleware is used by
 * gRPC one thread at a time.
 */
public final class FlightCallMetrics
    implements FlightServerMiddleware.Factory<FlightCallMetrics.Call> {
  /** The key this middleware is registered under. */
  public static final FlightServerMiddleware.Key<Call> KEY =
      FlightServerMiddleware.Key.of("quiver-call-metrics");

  /** Bucket bounds in seconds: from a quick metadata call to a long stream. */
  private static final double[] BUCKETS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300
  };

  private final Counter calls;
  private final Histogram duration;
  private final Map<FlightMethod, String> names = new EnumMap<>(FlightMethod.class);
  private final RecentErrors errors;

  /** Registers the call metrics in {@code registry}. */
  public FlightCallMetrics(PrometheusRegistry registry) {
    this(registry, null);
  }

  /**
   * Registers the call metrics in {@code registry} and keeps failed calls in {@code errors} (null:
   * nowhere).
   */
  public FlightCallMetrics(PrometheusRegistry registry, RecentErrors errors) {
    this.errors = errors;
    this.calls =
        Counter.builder()
            .name("quiver_flight_calls_total")
            .help("Flight calls finished, by method and status code")
            .labelNames("method", "status")
            .register(registry);
    this.duration =
        Histogram.builder()
            .name("quiver_flight_call_duration_seconds")
            .help("Duration of Flight calls, from arrival to the last message sent")
            .labelNames("method")
            .classicOnly()
            .classicUpperBounds(BUCKETS)
            .register(registry);
    for (FlightMethod m : FlightMethod.values()) {
      names.put(m, methodName(m));
    }
  }

  /** {@code DO_GET} → {@code DoGet}: the method's name in the Flight protocol. */
  static String methodName(FlightMethod m) {
    StringBuilder b = new StringBuilder();
    for (String part : m.name().split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }

  /** Quiver's error code in a status's metadata, or null. */
  private static String errorCode(ErrorFlightMetadata metadata) {
    // get() throws for a missing key.
    return metadata != null && metadata.containsKey(ErrorCode.METADATA_KEY)
        ? metadata.get(ErrorCode.METADATA_KEY)
        : null;
  }

  @Override
  public Call onCallStarted(CallInfo info, CallHeaders incomingHeaders, RequestContext context) {
    return new Call(names.get(info.method()), System.nanoTime());
  }

  /** One call's timer. */
  public final class Call implements FlightServerMiddleware {
    private final String method;
    private final long startNanos;

    /**
     * Quiver's error code of the error the call ended with, when Flight lets middleware see it: for
     * calls that fail before their first response (a stream that fails later ends with trailers no
     * middleware sees).
     */
    private volatile String code;

    private Call(String method, long startNanos) {
      this.method = method;
      this.startNanos = startNanos;
    }

    @Override
    public void onBeforeSendingHeaders(CallHeaders outgoingHeaders) {
      // A call that fails before sending anything answers with trailers only, and Flight shows
      // them here (onCallCompleted gets the status without its metadata): its error code.
      if (outgoingHeaders.containsKey(ErrorCode.METADATA_KEY)) {
        code = outgoingHeaders.get(ErrorCode.METADATA_KEY);
      }
    }

    @Override
    public void onCallCompleted(CallStatus status) {
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      calls.labelValues(method, status.code().name()).inc();
      duration.labelValues(method).observe(seconds);
      if (errors != null && status.code() != FlightStatusCode.OK) {
        errors.add(
            new RecentErrors.Entry(
                Instant.now(),
                method,
                status.code().name(),
                code != null ? code : errorCode(status.metadata()),
                status.description()));
      }
    }

    @Override
    public void onCallErrored(Throwable err) {
      // onCallCompleted follows with the status the error became, but without its metadata.
      if (err instanceof FlightRuntimeException f) {
        code = FlightErrors.codeOf(f).map(ErrorCode::code).orElse(null);
      }
    }
  }
}
