package io.quiver.server;

import io.quiver.cache.CacheCapacityException;
import io.quiver.catalog.AlreadyExistsException;
import io.quiver.catalog.InvalidMountException;
import io.quiver.catalog.InvalidTableException;
import io.quiver.catalog.NoSuchPathException;
import io.quiver.catalog.NoSuchTableException;
import io.quiver.format.CorruptFileException;
import io.quiver.protocol.ErrorCode;
import io.quiver.storage.LocalDiskException;
import io.quiver.storage.StorageUnavailableException;
import io.quiver.storage.VersionChangedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.ErrorFlightMetadata;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.OutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become Flight statuses. Every exception that leaves the producer
 * goes through {@link #toFlight}, and every status the node raises itself is made by {@link
 * #error}, so a client always sees an explicit status, a message it can act on and an {@link
 * ErrorCode} in the error metadata ({@value ErrorCode#METADATA_KEY}) — never a stack trace.
 *
 * <p>Kinds are decided by type, most specific first along the cause chain: catalog exceptions,
 * {@link VersionChangedException} and stale tickets (plan again), {@link CorruptFileException},
 * capacity, cancellation, storage failures. An {@link IllegalArgumentException} is the caller's
 * invalid request only when Quiver's code threw it (Quiver validates requests with it); thrown from
 * inside a data-path library (Arrow, Parquet, ORC, Hadoop, Netty, gRPC) it is a bug of ours and
 * reported as INTERNAL. Anything unexpected is logged here with its stack trace and reported as
 * INTERNAL without it.
 *
 * <p>Stateless and thread-safe.
 */
public final class FlightErrors {
  private static final Logger LOG = LoggerFactory.getLogger(FlightErrors.class);

  // Libraries whose IllegalArgumentExceptions are internal misuse, not the caller's request.
  private static final List<String> DATA_PATH_LIBRARIES =
      List.of(
          "org.apache.arrow.",
          "org.apache.parquet.",
          "org.apache.orc.",
          "org.apache.hadoop.",
          "io.netty.",
          "io.grpc.");

  private FlightErrors() {}

  /** A status with its error code attached; for failures the node detects itself. */
  public static FlightRuntimeException error(ErrorCode code, String message) {
    return withCode(statusOf(code).withDescription(message), code).toRuntimeException();
  }

  /** The code a client finds in {@code e}, if the node attached one this version knows. */
  public static Optional<ErrorCode> codeOf(FlightRuntimeException e) {
    ErrorFlightMetadata metadata = e.status().metadata();
    // get() throws for a missing key.
    return metadata == null || !metadata.containsKey(ErrorCode.METADATA_KEY)
        ? Optional.empty()
        : ErrorCode.of(metadata.get(ErrorCode.METADATA_KEY));
  }

  /** The status a client sees for {@code t}. */
  public static FlightRuntimeException toFlight(Throwable t) {
    Throwable e = t;
    while ((e instanceof UncheckedIOException || e instanceof CompletionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof FlightRuntimeException f) {
      return codeOf(f).isPresent()
          ? f
          : withCode(f.status(), codeOfStatus(f.status().code())).toRuntimeException();
    }
    ErrorCode code = null;
    // A waiter of someone else's load gets the loader's failure as the cause of an IOException:
    // report the most specific failure in the chain.
    Throwable specific = null;
    boolean bug = false;
    for (Throwable c = e; c != null && code == null && !bug; c = c.getCause()) {
      // A library's IllegalArgumentException anywhere in the chain is a bug, even when a waiter
      // of the failed load sees it wrapped in an IOException.
      bug = c instanceof IllegalArgumentException && thrownByDataPathLibrary(c);
      code = bug ? null : specificCodeOf(c);
      specific = c;
    }
    String message = code == null ? null : messageOf(specific);
    if (e instanceof InvalidMountException && e.getCause() != null) {
      // A refused mount keeps the kind of why: refused credentials or an unreachable store are
      // not a malformed request, and a client should be able to tell them apart.
      ErrorCode cause = specificCodeOf(e.getCause());
      if (cause == ErrorCode.PERMISSION_DENIED || cause == ErrorCode.STORAGE_UNAVAILABLE) {
        code = cause;
        message = messageOf(e);
      }
    }
    if (code == null && !bug && e instanceof IOException) {
      code = ErrorCode.STORAGE_UNAVAILABLE;
      message = "Storage error: " + e.getMessage();
    }
    if (code == null) {
      LOG.error("Internal error", e);
      code = ErrorCode.INTERNAL;
      message = "Internal error (" + e.getClass().getSimpleName() + "); see the server log";
    } else if (code == ErrorCode.NODE_DISK) {
      LOG.error("The node's disk failed", e); // an operator must act
    } else {
      LOG.info("Request failed: {}", e.toString());
    }
    return withCode(statusOf(code).withDescription(message).withCause(e), code)
        .toRuntimeException();
  }

  /** The kind of a failure of a known specific type, or null. */
  private static ErrorCode specificCodeOf(Throwable e) {
    if (e instanceof NoSuchTableException
        || e instanceof NoSuchPathException
        || e instanceof FileNotFoundException) {
      return ErrorCode.NOT_FOUND;
    }
    if (e instanceof AccessDeniedException) {
      return ErrorCode.PERMISSION_DENIED; // a store refused the credentials it was given
    }
    if (e instanceof StorageUnavailableException) {
      return ErrorCode.STORAGE_UNAVAILABLE;
    }
    if (e instanceof LocalDiskException) {
      return ErrorCode.NODE_DISK; // before the generic IOException, which means a store failed
    }
    if (e instanceof AlreadyExistsException) {
      return ErrorCode.ALREADY_EXISTS;
    }
    if (e instanceof io.quiver.catalog.CatalogConflictException) {
      return ErrorCode.NODE_UNAVAILABLE; // other nodes kept changing the catalog: retry
    }
    if (e instanceof io.quiver.catalog.CatalogUnavailableException) {
      return ErrorCode.NODE_UNAVAILABLE; // the cluster's catalog store is unreachable: retry later
    }
    if (e instanceof CacheCapacityException
        || e instanceof OutOfMemoryException
        || e instanceof io.quiver.server.sql.SqlEngine.SqlResourceException) {
      return ErrorCode.RESOURCE_EXHAUSTED;
    }
    if (e instanceof CancellationException) {
      return ErrorCode.CANCELLED;
    }
    if (e instanceof VersionChangedException) {
      return ErrorCode.VERSION_CHANGED;
    }
    if (e instanceof StaleTicketException) {
      return ErrorCode.STALE_TICKET;
    }
    if (e instanceof CorruptFileException) {
      return ErrorCode.CORRUPT_FILE;
    }
    if (e instanceof io.quiver.format.UnsupportedFileException
        || e instanceof io.quiver.format.UnsupportedSchemaException) {
      return ErrorCode.UNSUPPORTED_FILE;
    }
    if (e instanceof InvalidMountException || e instanceof InvalidTableException) {
      return ErrorCode.INVALID_REQUEST;
    }
    if (e instanceof IllegalArgumentException && !thrownByDataPathLibrary(e)) {
      return ErrorCode.INVALID_REQUEST;
    }
    return null;
  }

  /**
   * Whether the first frame of {@code e} that is Quiver's or a data-path library's is the library's
   * (frames of the JDK and of precondition helpers such as Guava's are skipped).
   */
  static boolean thrownByDataPathLibrary(Throwable e) {
    for (StackTraceElement frame : e.getStackTrace()) {
      String type = frame.getClassName();
      if (type.startsWith("io.quiver.")) {
        return false;
      }
      for (String library : DATA_PATH_LIBRARIES) {
        if (type.startsWith(library)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The Flight status of each kind. */
  static CallStatus statusOf(ErrorCode code) {
    return switch (code) {
      case INVALID_REQUEST, STALE_TICKET, VERSION_CHANGED -> CallStatus.INVALID_ARGUMENT;
      case NOT_FOUND -> CallStatus.NOT_FOUND;
      case ALREADY_EXISTS -> CallStatus.ALREADY_EXISTS;
      case UNAUTHENTICATED -> CallStatus.UNAUTHENTICATED;
      case PERMISSION_DENIED -> CallStatus.UNAUTHORIZED;
      case RESOURCE_EXHAUSTED -> CallStatus.RESOURCE_EXHAUSTED;
      case NODE_UNAVAILABLE, STORAGE_UNAVAILABLE -> CallStatus.UNAVAILABLE;
      case TIMED_OUT -> CallStatus.TIMED_OUT;
      case CANCELLED -> CallStatus.CANCELLED;
      case UNIMPLEMENTED, UNSUPPORTED_FILE -> CallStatus.UNIMPLEMENTED;
      case CORRUPT_FILE, NODE_DISK, INTERNAL -> CallStatus.INTERNAL; // Flight has no DATA_LOSS
    };
  }

  /** The kind of a status raised without one (by Arrow Flight itself, e.g. a timeout). */
  private static ErrorCode codeOfStatus(FlightStatusCode status) {
    return switch (status) {
      case INVALID_ARGUMENT -> ErrorCode.INVALID_REQUEST;
      case NOT_FOUND -> ErrorCode.NOT_FOUND;
      case ALREADY_EXISTS -> ErrorCode.ALREADY_EXISTS;
      case UNAUTHENTICATED -> ErrorCode.UNAUTHENTICATED;
      case UNAUTHORIZED -> ErrorCode.PERMISSION_DENIED;
      case RESOURCE_EXHAUSTED -> ErrorCode.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> ErrorCode.NODE_UNAVAILABLE;
      case TIMED_OUT -> ErrorCode.TIMED_OUT;
      case CANCELLED -> ErrorCode.CANCELLED;
      case UNIMPLEMENTED -> ErrorCode.UNIMPLEMENTED;
      default -> ErrorCode.INTERNAL;
    };
  }

  private static CallStatus withCode(CallStatus status, ErrorCode code) {
    ErrorFlightMetadata metadata = new ErrorFlightMetadata();
    ErrorFlightMetadata existing = status.metadata();
    if (existing != null) {
      for (String key : existing.keys()) {
        if (!key.equals(ErrorCode.METADATA_KEY)) {
          for (String value : existing.getAll(key)) {
            metadata.insert(key, value);
          }
        }
      }
    }
    metadata.insert(ErrorCode.METADATA_KEY, code.code());
    return new CallStatus(status.code(), status.cause(), status.description(), metadata);
  }

  private static String messageOf(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
