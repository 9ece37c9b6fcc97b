package io.quiver.server;

/**
 * A ticket this node can no longer serve although nothing is wrong with the request: it expired,
 * was signed with another key (another node, or this one before a restart) or in another ticket
 * version. The client should plan again ({@code GetFlightInfo}); reported as INVALID_ARGUMENT with
 * {@link io.quiver.protocol.ErrorCode#STALE_TICKET}.
 */
public final class StaleTicketException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public StaleTicketException(String message) {
    super(message);
  }
}
