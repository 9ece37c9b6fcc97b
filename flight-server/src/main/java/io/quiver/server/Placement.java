package io.quiver.server;

import java.util.List;
import org.apache.arrow.flight.Location;

/**
 * Which nodes serve a unit (a Parquet row group or ORC stripe, with all its columns): what the
 * planner puts in an endpoint's locations. A single node has no placement: its endpoints carry no
 * location and clients read them from the node they asked.
 *
 * <p>Implementations are thread-safe.
 */
public interface Placement {
  /**
   * Where one unit is read.
   *
   * @param owners the ids of the nodes that cache the unit, primary first, then replicas
   * @param locations the owners' Flight locations in the same order, then fall-back locations (the
   *     nodes that would own the unit next if an owner left), for clients to try in order
   */
  record Route(List<String> owners, List<Location> locations) {}

  /** The route of unit {@code unit} of {@code file} at {@code version}. */
  Route route(String file, String version, int unit);

  /**
   * Whether this node is one of the owners of unit {@code unit} of {@code file} at {@code version}.
   */
  boolean owns(String file, String version, int unit);

  /**
   * The placement key of unit {@code unit} of a file at {@code version}: every column of a unit is
   * owned by the same nodes, because an endpoint returns whole rows.
   */
  static String unitKey(String file, String version, int unit) {
    return file + '\n' + version + '\n' + unit;
  }
}
