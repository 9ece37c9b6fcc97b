package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.catalog.AlreadyExistsException;
import io.quiver.catalog.InvalidMountException;
import io.quiver.catalog.NoSuchTableException;
import io.quiver.format.CorruptFileException;
import io.quiver.protocol.ErrorCode;
import io.quiver.storage.LocalDiskException;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.StorageUnavailableException;
import io.quiver.storage.VersionChangedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.ErrorFlightMetadata;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.util.Preconditions;
import org.junit.jupiter.api.Test;

/** Failures become the right Flight status and error code, by type, with a usable message. */
class FlightErrorsTest {
  private static void assertMaps(
      Throwable failure, FlightStatusCode status, ErrorCode code, String inMessage) {
    FlightRuntimeException e = FlightErrors.toFlight(failure);
    assertEquals(status, e.status().code(), failure + " -> " + e);
    assertEquals(code, FlightErrors.codeOf(e).orElseThrow(), failure + " -> " + e);
    assertTrue(
        e.status().description().contains(inMessage),
        failure + ": '" + e.status().description() + "' lacks '" + inMessage + "'");
  }

  private static VersionChangedException versionChanged() {
    return new VersionChangedException(
        Location.of("file:///data/a.parquet"), new ObjectVersion("1"), new ObjectVersion("2"));
  }

  @Test
  void typedFailuresMapByKind() {
    assertMaps(
        new NoSuchTableException("No table t"),
        FlightStatusCode.NOT_FOUND,
        ErrorCode.NOT_FOUND,
        "No table t");
    assertMaps(
        new FileNotFoundException("gone.parquet"),
        FlightStatusCode.NOT_FOUND,
        ErrorCode.NOT_FOUND,
        "gone.parquet");
    assertMaps(
        new AlreadyExistsException("Mount exists at /x"),
        FlightStatusCode.ALREADY_EXISTS,
        ErrorCode.ALREADY_EXISTS,
        "/x");
    assertMaps(
        versionChanged(),
        FlightStatusCode.INVALID_ARGUMENT,
        ErrorCode.VERSION_CHANGED,
        "a.parquet");
    assertMaps(
        new StaleTicketException("Ticket expired"),
        FlightStatusCode.INVALID_ARGUMENT,
        ErrorCode.STALE_TICKET,
        "Ticket expired");
    assertMaps(
        new CorruptFileException("Corrupt page in b.parquet"),
        FlightStatusCode.INTERNAL,
        ErrorCode.CORRUPT_FILE,
        "b.parquet");
    assertMaps(
        new OutOfMemoryException("allocator full"),
        FlightStatusCode.RESOURCE_EXHAUSTED,
        ErrorCode.RESOURCE_EXHAUSTED,
        "allocator full");
    assertMaps(
        new CancellationException("cancelled by client"),
        FlightStatusCode.CANCELLED,
        ErrorCode.CANCELLED,
        "cancelled");
    assertMaps(
        new StorageUnavailableException("S3 unreachable", new IOException("refused")),
        FlightStatusCode.UNAVAILABLE,
        ErrorCode.STORAGE_UNAVAILABLE,
        "S3 unreachable");
    assertMaps(
        new IOException("connection reset"),
        FlightStatusCode.UNAVAILABLE,
        ErrorCode.STORAGE_UNAVAILABLE,
        "Storage error: connection reset");
    // The node's own disk is not a store: not UNAVAILABLE (which invites retries), and it says so.
    assertMaps(
        new LocalDiskException(
            "Cannot write catalog file /data/catalog.json: No space left on device",
            new IOException("No space left on device")),
        FlightStatusCode.INTERNAL,
        ErrorCode.NODE_DISK,
        "/data/catalog.json");
    assertMaps(
        new UncheckedIOException(new LocalDiskException("disk tier /d failed", null)),
        FlightStatusCode.INTERNAL,
        ErrorCode.NODE_DISK,
        "disk tier /d");
  }

  @Test
  void theMostSpecificFailureInTheCauseChainWins() {
    // A waiter of another request's load gets its failure as the cause of an IOException.
    assertMaps(
        new IOException("load failed", versionChanged()),
        FlightStatusCode.INVALID_ARGUMENT,
        ErrorCode.VERSION_CHANGED,
        "a.parquet");
    assertMaps(
        new UncheckedIOException(new FileNotFoundException("x.orc")),
        FlightStatusCode.NOT_FOUND,
        ErrorCode.NOT_FOUND,
        "x.orc");
    assertMaps(
        new CompletionException(new CorruptFileException("bad x.orc")),
        FlightStatusCode.INTERNAL,
        ErrorCode.CORRUPT_FILE,
        "bad x.orc");
    // A refused mount keeps the kind of why it was refused, with the mount's message.
    assertMaps(
        new InvalidMountException("Cannot mount s3://b", new AccessDeniedException("403")),
        FlightStatusCode.UNAUTHORIZED,
        ErrorCode.PERMISSION_DENIED,
        "Cannot mount s3://b");
    assertMaps(
        new InvalidMountException(
            "Cannot mount s3://b", new StorageUnavailableException("timeout", null)),
        FlightStatusCode.UNAVAILABLE,
        ErrorCode.STORAGE_UNAVAILABLE,
        "Cannot mount s3://b");
    assertMaps(
        new InvalidMountException("Unknown option 'x'"),
        FlightStatusCode.INVALID_ARGUMENT,
        ErrorCode.INVALID_REQUEST,
        "Unknown option 'x'");
  }

  @Test
  void illegalArgumentIsTheCallersOnlyWhenQuiverThrewIt() {
    // Thrown by the JDK on behalf of Quiver's code (this test is Quiver code): a bad request.
    IllegalArgumentException ours =
        assertThrows(IllegalArgumentException.class, () -> URI.create("not a uri"));
    assertFalse(FlightErrors.thrownByDataPathLibrary(ours));
    assertMaps(ours, FlightStatusCode.INVALID_ARGUMENT, ErrorCode.INVALID_REQUEST, "not a uri");

    // Thrown inside Arrow: a bug of ours, not the caller's invalid argument; no detail leaks.
    IllegalArgumentException arrows =
        assertThrows(
            IllegalArgumentException.class,
            () -> Preconditions.checkArgument(false, "vector index %s out of range", 7));
    assertTrue(FlightErrors.thrownByDataPathLibrary(arrows));
    FlightRuntimeException e = FlightErrors.toFlight(arrows);
    assertEquals(FlightStatusCode.INTERNAL, e.status().code());
    assertEquals(ErrorCode.INTERNAL, FlightErrors.codeOf(e).orElseThrow());
    assertFalse(e.status().description().contains("out of range"), e.status().description());
    // Also when a waiter of the failed load sees it as the cause of an IOException.
    FlightRuntimeException waiter = FlightErrors.toFlight(new IOException("load failed", arrows));
    assertEquals(FlightStatusCode.INTERNAL, waiter.status().code());
    assertEquals(ErrorCode.INTERNAL, FlightErrors.codeOf(waiter).orElseThrow());
  }

  @Test
  void unexpectedFailuresAreInternalWithoutTheirMessage() {
    FlightRuntimeException e =
        FlightErrors.toFlight(new IllegalStateException("secret=s3cr3t-canary"));
    assertEquals(FlightStatusCode.INTERNAL, e.status().code());
    assertEquals(ErrorCode.INTERNAL, FlightErrors.codeOf(e).orElseThrow());
    assertEquals(
        "Internal error (IllegalStateException); see the server log", e.status().description());
  }

  @Test
  void flightStatusesGetACodeOnceAndKeepTheirMetadata() {
    FlightRuntimeException coded = FlightErrors.error(ErrorCode.PERMISSION_DENIED, "no");
    assertSame(coded, FlightErrors.toFlight(coded));

    ErrorFlightMetadata metadata = new ErrorFlightMetadata();
    metadata.insert("other-key", "kept");
    FlightRuntimeException bare =
        CallStatus.TIMED_OUT
            .withDescription("deadline")
            .withMetadata(metadata)
            .toRuntimeException();
    FlightRuntimeException e = FlightErrors.toFlight(bare);
    assertEquals(FlightStatusCode.TIMED_OUT, e.status().code());
    assertEquals(ErrorCode.TIMED_OUT, FlightErrors.codeOf(e).orElseThrow());
    assertEquals("kept", e.status().metadata().get("other-key"));
    assertEquals("deadline", e.status().description());
  }

  @Test
  void everyCodeHasAStatusAndRoundTripsOnTheWire() {
    for (ErrorCode code : ErrorCode.values()) {
      FlightRuntimeException e = FlightErrors.error(code, "m");
      assertEquals(FlightErrors.statusOf(code).code(), e.status().code(), code.name());
      assertEquals(code, FlightErrors.codeOf(e).orElseThrow());
      assertEquals(code, ErrorCode.of(code.code()).orElseThrow());
      assertTrue(code.code().matches("[a-z]+(-[a-z]+)*"), code.code());
    }
    assertTrue(ErrorCode.of("from-a-newer-node").isEmpty());
    assertTrue(ErrorCode.of(null).isEmpty());
  }
}
