package io.quiver.spark;

import java.io.IOException;
import org.apache.arrow.flight.FlightStatusCode;

/**
 * A partition of a Quiver scan could not be read: the message names the table or path, the
 * endpoint, where it was read from and the Flight status the node (or gRPC) reported, which {@link
 * #status()} returns. Spark fails the task with it (and retries the task as configured).
 */
public final class QuiverReadException extends IOException {
  private static final long serialVersionUID = 1L;

  private final FlightStatusCode status;

  QuiverReadException(String message, FlightStatusCode status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The Flight status of the failure ({@code UNAVAILABLE}, {@code NOT_FOUND}, …). */
  public FlightStatusCode status() {
    return status;
  }
}
