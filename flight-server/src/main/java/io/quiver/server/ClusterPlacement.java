package io.quiver.server;

import io.quiver.cluster.Member;
import io.quiver.cluster.Membership;
import io.quiver.cluster.Rendezvous;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.Location;

/**
 * {@link Placement} over a cluster's live members by rendezvous hashing: a unit's owners are its
 * {@code 1 + replicas} highest-ranked members ({@code replicas}: the node's, or more for files a
 * pin asked more copies of, see {@link PinnedReplicas}) and its fall-back locations the next {@link
 * #FALLBACKS} — the members that become owners when an owner leaves, so a client failing over lands
 * where the data will be cached next.
 *
 * <p>Thread-safe: every call reads one snapshot of the membership.
 */
final class ClusterPlacement implements Placement {
  /** Fall-back locations per endpoint beyond the owners. */
  static final int FALLBACKS = 2;

  private final java.util.function.Supplier<Membership> membership;
  private final int replicas;
  private final PinnedReplicas pinned;
  private volatile Snapshot snapshot;

  /** One membership, its ids hashed once ({@link Rendezvous.Members}) and its locations parsed. */
  private record Snapshot(
      List<Member> members, Rendezvous.Members ranking, Map<String, Location> locations) {}

  /**
   * @param membership this node's membership, or null until it has joined (endpoints planned before
   *     then carry no location)
   */
  ClusterPlacement(
      java.util.function.Supplier<Membership> membership, int replicas, PinnedReplicas pinned) {
    if (replicas < 0) {
      throw new IllegalArgumentException("replicas must be >= 0");
    }
    this.membership = membership;
    this.replicas = replicas;
    this.pinned = pinned;
  }

  private Snapshot snapshot(Membership joined) {
    List<Member> members = joined.members();
    Snapshot s = snapshot;
    if (s == null || s.members() != members) {
      Map<String, Location> locations = new HashMap<>();
      for (Member m : members) {
        locations.put(m.id(), new Location(URI.create(m.location())));
      }
      s =
          new Snapshot(
              members,
              new Rendezvous.Members(members.stream().map(Member::id).toList()),
              locations);
      snapshot = s;
    }
    return s;
  }

  @Override
  public Route route(String file, String version, int unit) {
    Membership joined = membership.get();
    if (joined == null) {
      return new Route(List.of(), List.of());
    }
    Snapshot s = snapshot(joined);
    int copies = 1 + Math.max(replicas, pinned.replicas(file));
    List<String> ranked =
        s.ranking().rank(Placement.unitKey(file, version, unit), copies + FALLBACKS);
    List<String> owners = ranked.subList(0, Math.min(ranked.size(), copies));
    List<Location> locations = new ArrayList<>(ranked.size());
    for (String id : ranked) {
      locations.add(s.locations().get(id));
    }
    return new Route(List.copyOf(owners), List.copyOf(locations));
  }

  @Override
  public boolean owns(String file, String version, int unit) {
    Membership joined = membership.get();
    return joined == null || route(file, version, unit).owners().contains(joined.self().id());
  }
}
