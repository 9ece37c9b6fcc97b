package io.quiver.jdbc;

/** A table scan failed; the message names the table and the node's status. */
public final class ScanException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ScanException(String message, Throwable cause) {
    super(message, cause);
  }
}
