package io.quiver.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of a cluster and its view of the others: an ephemeral znode {@code
 * <base>/members/<id>} announces the node (Curator's {@link PersistentNode} creates it again after
 * a session expiry, so a node cut off from ZooKeeper for longer than its session rejoins once it
 * can), and a {@link CuratorCache} over {@code <base>/members} keeps the live members.
 *
 * <p>A node that dies or stays cut off from ZooKeeper beyond the session timeout loses its znode,
 * and every other node drops it from {@link #members()} (its keys move to the others by {@link
 * Rendezvous} placement). While this node itself is disconnected, its view keeps the last members
 * it saw: it goes on serving and placing, and catches up when the connection returns.
 *
 * <p>Thread-safe. {@link #members()} is an immutable snapshot, ordered by id.
 */
public final class Membership implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

  private final Member self;
  private final String membersPath;
  private final PersistentNode announcement;
  private final CuratorCache cache;
  private final List<Consumer<List<Member>>> listeners = new CopyOnWriteArrayList<>();
  private volatile List<Member> members;

  /**
   * Announces {@code self} and starts following the members under {@code basePath}.
   *
   * @param client a started Curator client (not owned)
   */
  public Membership(CuratorFramework client, String basePath, Member self) {
    this.self = Objects.requireNonNull(self, "self");
    this.membersPath = ZKPaths.makePath(basePath, "members");
    this.members = List.of(self);
    this.cache = CuratorCache.build(client, membersPath);
    cache.listenable().addListener(CuratorCacheListener.builder().forAll(this::changed).build());
    this.announcement =
        new PersistentNode(
            client,
            CreateMode.EPHEMERAL,
            false,
            ZKPaths.makePath(membersPath, self.id()),
            self.toBytes());
    cache.start();
    announcement.start();
  }

  /** This node. */
  public Member self() {
    return self;
  }

  /**
   * Waits up to {@code timeoutMillis} until this node's announcement exists in ZooKeeper.
   *
   * @return whether it does
   */
  public boolean awaitAnnounced(long timeoutMillis) throws InterruptedException {
    return announcement.waitForInitialCreate(
        timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * The live members, ordered by id: this node's last view of the cluster (it always includes this
   * node, which serves whatever it is asked even when its own announcement is briefly missing).
   */
  public List<Member> members() {
    return members;
  }

  /** The ids of {@link #members()}. */
  public List<String> memberIds() {
    return members.stream().map(Member::id).toList();
  }

  /** Calls {@code listener} with the members after each change, on a Curator thread. */
  public void onChange(Consumer<List<Member>> listener) {
    listeners.add(listener);
  }

  private void changed(
      org.apache.curator.framework.recipes.cache.CuratorCacheListener.Type type,
      ChildData before,
      ChildData after) {
    Map<String, Member> live = new TreeMap<>();
    live.put(self.id(), self);
    cache.stream()
        .filter(d -> !d.getPath().equals(membersPath))
        .filter(d -> ZKPaths.getPathAndNode(d.getPath()).getPath().equals(membersPath))
        .forEach(
            d -> {
              try {
                Member m = Member.fromBytes(d.getPath(), d.getData());
                live.put(m.id(), m);
              } catch (IOException e) {
                LOG.warn("Ignoring a malformed member: {}", e.getMessage());
              }
            });
    List<Member> next = new ArrayList<>(live.values());
    next.sort(Comparator.comparing(Member::id));
    List<Member> previous = members;
    if (next.equals(previous)) {
      return;
    }
    members = List.copyOf(next);
    LOG.info(
        "Cluster members: {} ({})",
        next.size(),
        String.join(", ", next.stream().map(Member::id).toList()));
    for (Consumer<List<Member>> l : listeners) {
      try {
        l.accept(members);
      } catch (RuntimeException e) {
        LOG.warn("A membership listener failed", e);
      }
    }
  }

  /** Leaves the cluster (deletes this node's announcement) and stops following it. */
  @Override
  public void close() throws IOException {
    try {
      announcement.close();
    } finally {
      cache.close();
    }
  }
}
