package io.quiver.server.security;

import io.quiver.protocol.ErrorCode;
import io.quiver.server.FlightErrors;
import java.util.TreeSet;
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
  private final io.quiver.catalog.Catalog catalog;

  /**
   * @param authenticator null: authentication is off
   * @param catalog where mounts and their role limits are looked up
   */
  public Access(Authenticator authenticator, io.quiver.catalog.Catalog catalog) {
    this.authenticator = authenticator;
    this.catalog = catalog;
  }

  /**
   * Refuses {@code p} reading the namespace path {@code path} if its mount is limited to roles
   * {@code p} does not hold (PERMISSION_DENIED naming the mount and the roles).
   */
  public void requireMount(Principal p, io.quiver.catalog.NamespacePath path) {
    io.quiver.catalog.Mount m;
    try {
      m = catalog.resolve(path).mount();
    } catch (RuntimeException e) {
      return; // nothing mounted there: the read itself reports it
    }
    if (!p.mayReadMount(m.roles())) {
      throw FlightErrors.error(
          ErrorCode.PERMISSION_DENIED,
          "The mount at "
              + m.path()
              + " is limited to roles "
              + String.join(", ", m.roles())
              + "; "
              + p
              + " has "
              + (p.roles().isEmpty() ? "none" : String.join(", ", new TreeSet<>(p.roles()))));
    }
  }

  /** Refuses {@code p} reading table {@code name} if its mount is limited (see above). */
  public void requireTable(Principal p, String name) {
    catalog.findTable(name).ifPresent(t -> requireMount(p, t.path()));
  }

  /** Whether {@code p} may read table {@code name} (for listings). */
  public boolean mayReadTable(Principal p, String name) {
    try {
      requireTable(p, name);
      return true;
    } catch (org.apache.arrow.flight.FlightRuntimeException e) {
      return false;
    }
  }

  /** The caller; never null. */
  public Principal principal(CallContext context) {
    if (authenticator == null) {
      return Principal.ANONYMOUS;
    }
    Principal p = authenticator.principal(context == null ? null : context.peerIdentity());
    if (p == null) {
      // Flight authenticated the call, so this is a principal dropped from the config: refuse.
      throw FlightErrors.error(ErrorCode.UNAUTHENTICATED, "Invalid credentials");
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
    return FlightErrors.error(
        ErrorCode.PERMISSION_DENIED,
        operation
            + " needs the "
            + role
            + " role; "
            + p
            + " has "
            + (p.roles().isEmpty() ? "none" : String.join(", ", new TreeSet<>(p.roles()))));
  }
}
