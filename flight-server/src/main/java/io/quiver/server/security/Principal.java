package io.quiver.server.security;

import java.util.Objects;
import java.util.Set;

/**
 * Who a call runs as: a configured user or API token, with its roles. Two roles mean something to
 * every node: {@value #ADMIN} (everything: mounts, tables, cache control, and reading every mount)
 * and {@value #READER} (scans, SQL, listing the catalog). Other role names are the operator's own,
 * used to limit mounts ({@code roles} mount option): such a mount can be read only by principals
 * holding one of its roles (and by admins). Immutable.
 *
 * @param name the user's or token's name as configured; empty for the anonymous principal of a node
 *     without authentication
 * @param roles the roles granted
 */
public record Principal(String name, Set<String> roles) {
  public static final String ADMIN = "admin";
  public static final String READER = "reader";

  /** Every caller of a node without authentication (which then listens on loopback only). */
  public static final Principal ANONYMOUS = new Principal("", Set.of(ADMIN));

  public Principal {
    Objects.requireNonNull(name, "name");
    roles = Set.copyOf(roles);
  }

  public boolean isAdmin() {
    return roles.contains(ADMIN);
  }

  /** Whether this principal may scan and run SQL at all. */
  public boolean canRead() {
    return isAdmin() || roles.contains(READER);
  }

  /** Whether this principal may read a mount limited to {@code mountRoles} (empty: no limit). */
  public boolean mayReadMount(Set<String> mountRoles) {
    if (!canRead()) {
      return false;
    }
    if (mountRoles.isEmpty() || isAdmin()) {
      return true;
    }
    for (String r : mountRoles) {
      if (roles.contains(r)) {
        return true;
      }
    }
    return false;
  }

  /** For logs: the name, or {@code anonymous}. */
  @Override
  public String toString() {
    return name.isEmpty() ? "anonymous" : name;
  }
}
