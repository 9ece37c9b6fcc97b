package io.quiver.spark;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.arrow.flight.Location;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * One Flight endpoint of a scan, as Spark ships it to an executor: the ticket's bytes and the
 * locations' URIs ({@code FlightEndpoint} is not serializable). Without locations the endpoint is
 * read from the {@code server} node. Immutable.
 *
 * @param index the endpoint's position in the plan
 * @param count the plan's number of endpoints (for messages)
 * @param ticket the opaque ticket
 * @param locations where to read it, in the order to try them
 */
record QuiverPartition(int index, int count, byte[] ticket, String[] locations)
    implements InputPartition {
  private static final String REUSE_CONNECTION = Location.reuseConnection().getUri().getScheme();

  /**
   * The host of the endpoint's first location: Spark prefers executors there. In a Quiver cluster
   * the first location is the node that caches the endpoint's data (its owner); the later ones are
   * fall-backs for fail-over, which would dilute the hint.
   */
  @Override
  public String[] preferredLocations() {
    Set<String> hosts = new LinkedHashSet<>();
    for (String l : locations) {
      URI uri = URI.create(l);
      if (!REUSE_CONNECTION.equals(uri.getScheme()) && uri.getHost() != null) {
        hosts.add(uri.getHost());
        break;
      }
    }
    return hosts.toArray(new String[0]);
  }
}
