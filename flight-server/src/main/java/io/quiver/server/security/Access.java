package io.quiver.server.security;

import java.util.TreeSet;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightRuntimeException;

/**
 * Who may do what on a node. {@link #requireRead} guards scans, SQL and catalog listings; {@link
 * #requireAdmin} guards mounts, tables and cache control. Without authentication every caller is
 * {@link Principal#ANONYMOUS} (admin). A refusal is {@code PERMISSION_DENIED} naming the operation
 * and the role it needs. Thread-safe.
 */
public final class Access {
  private final Authenticator authenticator;

  /** {@code authenticator} null: authentication is off. */
  public Access(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** No authentication: everyone is admin. */
  public static Access open() {
    return new Access(null);
  }

  /** The caller; never null. */
  public Principal principal(CallContext context) {
    if (authenticator == null) {
      return Principal.ANONYMOUS;
    }
    Principal p = authenticator.principal(context == null ? null : context.peerIdentity());
    if (p == null) {
      // Flight authenticated the call, so this is a principal dropped from the config: refuse.
      throw CallStatus.UNAUTHENTICATED.withDescription("Invalid credentials").toRuntimeException();
    }
    return p;
  }

  /** The caller, if it may scan and run SQL. */
  public Principal requireRead(CallContext context, String operation) {
    Principal p = principal(context);
    if (!p.canRead()) {
      throw denied(p, operation, Principal.READER);
    }
    return p;
  }

  /** The caller, if it is an admin. */
  public Principal requireAdmin(CallContext context, String operation) {
    Principal p = principal(context);
    if (!p.isAdmin()) {
      throw denied(p, operation, Principal.ADMIN);
    }
    return p;
  }

  static FlightRuntimeException denied(Principal p, String operation, String role) {
    return CallStatus.UNAUTHORIZED
        .withDescription(
            operation
                + " needs the "
                + role
                + " role; "
                + p
                + " has "
                + (p.roles().isEmpty() ? "none" : String.join(", ", new TreeSet<>(p.roles()))))
        .toRuntimeException();
  }
}
