package io.quiver.server;

import io.quiver.cache.CacheCapacityException;
import io.quiver.catalog.AlreadyExistsException;
import io.quiver.catalog.InvalidMountException;
import io.quiver.catalog.InvalidTableException;
import io.quiver.catalog.NoSuchPathException;
import io.quiver.catalog.NoSuchTableException;
import io.quiver.format.CorruptFileException;
import io.quiver.storage.VersionChangedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.OutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become Flight statuses. Every exception that leaves the producer
 * goes through {@link #toFlight}, so a client always sees an explicit status with a message it can
 * act on, and never a stack trace; unexpected failures are logged here with theirs.
 */
public final class FlightErrors {
  private static final Logger LOG = LoggerFactory.getLogger(FlightErrors.class);

  private FlightErrors() {}

  /** The status a client sees for {@code t}. */
  public static FlightRuntimeException toFlight(Throwable t) {
    Throwable e = t;
    while ((e instanceof UncheckedIOException
            || e instanceof java.util.concurrent.CompletionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof FlightRuntimeException f) {
      return f;
    }
    CallStatus status = null;
    // A waiter of someone else's load gets the loader's failure as the cause of an IOException:
    // report the most specific failure in the chain.
    for (Throwable c = e; c != null && status == null; c = c.getCause()) {
      status = specificStatusOf(c);
    }
    if (e instanceof InvalidMountException && e.getCause() != null) {
      // A refused mount keeps the status of why: refused credentials or an unreachable store are
      // not a malformed request, and a client should be able to tell them apart.
      CallStatus cause = specificStatusOf(e.getCause());
      if (cause != null
          && (cause.code() == CallStatus.UNAUTHORIZED.code()
              || cause.code() == CallStatus.UNAVAILABLE.code())) {
        status = cause.withDescription(e.getMessage());
      }
    }
    if (status == null) {
      status = genericStatusOf(e);
    }
    if (status == null) {
      LOG.error("Internal error", e);
      status =
          CallStatus.INTERNAL.withDescription(
              "Internal error (" + e.getClass().getSimpleName() + "); see the server log");
    } else {
      LOG.info("Request failed: {}", e.toString());
    }
    return status.withCause(e).toRuntimeException();
  }

  /** The status of a failure of a known specific type, or null. */
  private static CallStatus specificStatusOf(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof NoSuchTableException
        || e instanceof NoSuchPathException
        || e instanceof FileNotFoundException) {
      return CallStatus.NOT_FOUND.withDescription(message);
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return CallStatus.UNAUTHORIZED.withDescription(message);
    }
    if (e instanceof io.quiver.storage.StorageUnavailableException) {
      return CallStatus.UNAVAILABLE.withDescription(message);
    }
    if (e instanceof AlreadyExistsException) {
      return CallStatus.ALREADY_EXISTS.withDescription(message);
    }
    if (e instanceof CacheCapacityException
        || e instanceof OutOfMemoryException
        || e instanceof io.quiver.server.sql.SqlEngine.SqlResourceException) {
      return CallStatus.RESOURCE_EXHAUSTED.withDescription(message);
    }
    if (e instanceof java.util.concurrent.CancellationException) {
      return CallStatus.CANCELLED.withDescription(message);
    }
    if (e instanceof VersionChangedException) {
      return CallStatus.INVALID_ARGUMENT.withDescription(message);
    }
    if (e instanceof CorruptFileException) {
      // Flight has no DATA_LOSS; gRPC's mapping for it is INTERNAL.
      return CallStatus.INTERNAL.withDescription(message);
    }
    if (e instanceof IllegalArgumentException
        || e instanceof InvalidMountException
        || e instanceof InvalidTableException) {
      return CallStatus.INVALID_ARGUMENT.withDescription(message);
    }
    return null;
  }

  /** Storage failures of no more specific kind; null for anything else (a bug). */
  private static CallStatus genericStatusOf(Throwable e) {
    if (e instanceof IOException) {
      return CallStatus.UNAVAILABLE.withDescription("Storage error: " + e.getMessage());
    }
    return null;
  }
}
