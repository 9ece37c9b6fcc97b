package io.quiver.protocol.action;

/**
 * {@code short-circuit}: one step of a short-circuit read, by which a client on the server's host
 * maps the cached column chunks of a ticket instead of streaming them over Flight.
 *
 * <p>Exactly one of the fields is set:
 *
 * <ul>
 *   <li>{@code ticket}: opens a lease on a Flight ticket (base64 of the ticket's bytes, as an
 *       endpoint of {@code GetFlightInfo} carries it) and answers its first unit;
 *   <li>{@code next}: a lease id; releases the unit the lease holds and answers the next one;
 *   <li>{@code close}: a lease id; releases the lease (idempotent: an unknown or expired lease is
 *       not an error).
 * </ul>
 *
 * @param ticket base64 of a ticket, to open a lease
 * @param next a lease to advance
 * @param close a lease to release
 */
public record ShortCircuitRequest(String ticket, String next, String close) {

  /** Opens a lease on {@code ticketBase64}. */
  public static ShortCircuitRequest open(String ticketBase64) {
    return new ShortCircuitRequest(ticketBase64, null, null);
  }

  /** Advances {@code lease} to its next unit. */
  public static ShortCircuitRequest next(String lease) {
    return new ShortCircuitRequest(null, lease, null);
  }

  /** Releases {@code lease}. */
  public static ShortCircuitRequest close(String lease) {
    return new ShortCircuitRequest(null, null, lease);
  }
}
