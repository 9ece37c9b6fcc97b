package io.quiver.cluster;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.quiver.catalog.CatalogConflictException;
import io.quiver.catalog.CatalogState;
import io.quiver.catalog.CatalogStateJson;
import io.quiver.catalog.CatalogStore;
import io.quiver.catalog.CatalogUnavailableException;
import io.quiver.catalog.CatalogWatchers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the catalog in ZooKeeper, under {@code <base>/catalog}: the {@link CatalogStore} of a
 * cluster, shared by every node. Passes {@code CatalogStoreContractTest} like the embedded {@code
 * FileCatalogStore}.
 *
 * <h2>Layout</h2>
 *
 * A znode holds at most {@code jute.maxbuffer} bytes (1 MB by default), and so does a whole request
 * to the server, a multi-transaction included. A catalog of a few thousand tables is larger, so a
 * revision's state ({@link CatalogStateJson}, compact) is split into part znodes of at most {@link
 * #PART_BYTES} each, and a small head znode says which parts make up the current revision:
 *
 * <ul>
 *   <li>{@code <base>/catalog} (the head): {@code {"layout": 1, "revision": N, "parts": k, "bytes":
 *       b, "sha256": "…", "writer": "…", "recent": […]}} — {@code writer} names the update that
 *       wrote the parts; {@code recent} lists the last commits as {@code revision-writer}.
 *   <li>{@code <base>/catalog/r<N>-<writer>-<i>}, {@code i = 0 … k-1}: the parts, in order.
 * </ul>
 *
 * A store never written has no head (or a head of revision 0 with no parts): {@link
 * CatalogState#EMPTY} at revision 0.
 *
 * <h2>Updates</h2>
 *
 * {@link #update} reads and verifies the current revision, creates the new revision's parts under a
 * name no other writer uses (invisible: no head points at them yet), then commits with one
 * multi-transaction: set the head's data conditional on the znode version it read (the
 * compare-and-set) and check that every new part exists. Losing the compare-and-set is a {@link
 * CatalogConflictException}; the loser deletes its parts. After a commit, parts of older revisions
 * and parts of writers that lost or crashed are deleted (best effort: what is left is deleted by
 * the next update; parts of a revision above the committed one belong to an update in flight and
 * are left alone). Curator may resend a commit whose reply was lost; a commit that finds its own
 * writer in the head's {@code recent} list knows it succeeded.
 *
 * <h2>Reads and damage</h2>
 *
 * {@link #load} reads the head, then its parts, checks their length and SHA-256 and parses them. A
 * part deleted under the read (a newer revision was committed meanwhile) makes it start again from
 * the head. A head or part that does not parse, a missing part of the current head or a checksum
 * mismatch is an {@link IOException} naming the znode and how to recover — never an empty catalog.
 * An update over a damaged catalog is refused the same way.
 *
 * <h2>ZooKeeper unreachable</h2>
 *
 * When the client has no connection, {@link #load} and {@link #update} wait for one at most {@code
 * unavailableAfter} (3 s by default), then throw {@link CatalogUnavailableException} naming the
 * ensemble; so does an operation that fails for want of a connection (how long Curator retries one
 * that loses its connection midway is set by the client's connection timeout and retry policy: keep
 * them short). A commit cut off that way may or may not have happened, and the message says so.
 *
 * <h2>Watches</h2>
 *
 * A Curator {@link CuratorCache} (a persistent ZooKeeper watch, re-established after a reconnect)
 * on the head; each change loads the new revision on the store's watch thread and delivers it if it
 * is above the last one delivered, so listeners see increasing revisions. After a reconnect, and
 * every second after a failed read, the head is read again, so a change made while this node was
 * cut off is delivered once it is back. Changes made through this instance are delivered at once.
 *
 * <p>Thread-safe: state is in ZooKeeper; concurrent updates through one or many instances are
 * ordered by the compare-and-set. The Curator client is the caller's: it must be started, and is
 * not closed by {@link #close} (which stops this store's watches). The znodes get the client's ACLs
 * (its {@code ACLProvider}).
 */
public final class ZooKeeperCatalogStore implements CatalogStore {
  private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperCatalogStore.class);

  /** The largest part znode: half of ZooKeeper's default 1 MB {@code jute.maxbuffer}. */
  public static final int PART_BYTES = 512 * 1024;

  /** How long a call waits for a connection before the ensemble counts as unreachable. */
  public static final Duration DEFAULT_UNAVAILABLE_AFTER = Duration.ofSeconds(3);

  /** The longest a change takes to reach another instance's watchers while connected. */
  static final long WATCH_DELAY_MILLIS = 1_000;

  private static final int LAYOUT = 1;
  private static final int RECENT_COMMITS = 16;
  private static final Pattern PART = Pattern.compile("r(\\d+)-([0-9a-f]{16})-(\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final CuratorFramework client;
  private final String headPath;
  private final long unavailableMillis;
  private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean refreshPending = new AtomicBoolean();
  private final Object watchLock = new Object();

  @GuardedBy("watchLock")
  private ScheduledExecutorService watcher;

  @GuardedBy("watchLock")
  private CuratorCache cache;

  @GuardedBy("watchLock")
  private ConnectionStateListener connectionListener;

  @GuardedBy("watchLock")
  private boolean closed;

  /** Runs after the parts are created and before the commit (tests race other writers here). */
  private volatile Runnable beforeCommit = () -> {};

  /** The last revision delivered to listeners (-1: not known yet). Only touched on the watcher. */
  private long notified = -1;

  /** Whether the last refresh failed (to log a streak of failures once). Watcher thread only. */
  private boolean refreshFailing;

  /**
   * A store under {@code basePath} (e.g. {@code /quiver}; the catalog is {@code
   * <basePath>/catalog}) that counts ZooKeeper unreachable after {@link
   * #DEFAULT_UNAVAILABLE_AFTER}.
   *
   * @param client a started client, not owned by the store
   */
  public ZooKeeperCatalogStore(CuratorFramework client, String basePath) {
    this(client, basePath, DEFAULT_UNAVAILABLE_AFTER);
  }

  /**
   * @param unavailableAfter how long a call waits for a connection to ZooKeeper before it throws
   *     {@link CatalogUnavailableException}
   */
  public ZooKeeperCatalogStore(
      CuratorFramework client, String basePath, Duration unavailableAfter) {
    this.client = Objects.requireNonNull(client, "client");
    Objects.requireNonNull(basePath, "basePath");
    if (!basePath.startsWith("/")) {
      throw new IllegalArgumentException(
          "The ZooKeeper base path must be absolute (start with /): " + basePath);
    }
    try {
      PathUtils.validatePath(basePath);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid ZooKeeper base path " + basePath + ": " + e.getMessage(), e);
    }
    this.headPath = ZKPaths.makePath(basePath, "catalog");
    if (unavailableAfter.isNegative() || unavailableAfter.isZero()) {
      throw new IllegalArgumentException("unavailableAfter must be positive: " + unavailableAfter);
    }
    this.unavailableMillis = unavailableAfter.toMillis();
  }

  /** For tests: {@code hook} runs in each update between creating the parts and committing. */
  void beforeCommit(Runnable hook) {
    beforeCommit = Objects.requireNonNull(hook, "hook");
  }

  /** The head znode's path (relative to the client's namespace, if it has one). */
  public String headPath() {
    return headPath;
  }

  // ---- the head ----

  /** The head's contents and znode version ({@code -1}: there is no head). */
  private record Head(
      long revision,
      int parts,
      long bytes,
      String sha256,
      String writer,
      List<String> recent,
      int znodeVersion) {
    static final Head ABSENT = new Head(0, 0, 0, "", "", List.of(), -1);

    String partName(int i) {
      return "r" + revision + "-" + writer + "-" + i;
    }

    byte[] toJson() {
      ObjectNode root = JSON.createObjectNode();
      root.put("layout", LAYOUT);
      root.put("revision", revision);
      root.put("parts", parts);
      root.put("bytes", bytes);
      root.put("sha256", sha256);
      root.put("writer", writer);
      recent.forEach(root.putArray("recent")::add);
      try {
        return JSON.writeValueAsBytes(root);
      } catch (JacksonException e) {
        throw new IllegalStateException("Cannot serialize the catalog head: " + e, e);
      }
    }
  }

  private Head readHead() throws Exception {
    Stat stat = new Stat();
    byte[] data;
    try {
      data = client.getData().storingStatIn(stat).forPath(headPath);
    } catch (KeeperException.NoNodeException e) {
      return Head.ABSENT;
    }
    return parseHead(data, stat.getVersion());
  }

  private Head parseHead(byte[] data, int znodeVersion) throws IOException {
    if (data == null || data.length == 0) {
      throw damaged(headPath, "the head has no data");
    }
    JsonNode root;
    try {
      root = JSON.readTree(data);
    } catch (JacksonException e) {
      throw damaged(headPath, "the head is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw damaged(headPath, "the head is not a JSON object");
    }
    int layout = root.path("layout").asInt(-1);
    if (layout != LAYOUT) {
      throw new IOException(
          "The catalog head "
              + where(headPath)
              + " has layout version "
              + layout
              + "; this build reads "
              + LAYOUT);
    }
    long revision = root.path("revision").asLong(-1);
    int parts = root.path("parts").asInt(-1);
    long bytes = root.path("bytes").asLong(-1);
    String sha = root.path("sha256").asText("");
    String writer = root.path("writer").asText("");
    List<String> recent = new ArrayList<>();
    root.path("recent").forEach(r -> recent.add(r.asText()));
    boolean empty = revision == 0 && parts == 0;
    boolean valid =
        empty
            || (revision > 0
                && parts > 0
                && bytes > (long) (parts - 1) * PART_BYTES
                && bytes <= (long) parts * PART_BYTES
                && sha.matches("[0-9a-f]{64}")
                && writer.matches("[0-9a-f]{16}"));
    if (!valid) {
      String text = new String(data, StandardCharsets.UTF_8);
      throw damaged(
          headPath,
          "the head "
              + (text.length() > 300 ? text.substring(0, 300) + "…" : text)
              + " is not a valid revision");
    }
    return new Head(revision, parts, bytes, sha, writer, List.copyOf(recent), znodeVersion);
  }

  // ---- reads ----

  private record Loaded(Head head, Snapshot snapshot) {}

  @Override
  public Snapshot load() throws IOException {
    return call("load the catalog", () -> read().snapshot());
  }

  /** The head and the state it points at; starts again if a newer commit removes a part. */
  private Loaded read() throws Exception {
    for (int attempt = 0; ; attempt++) {
      Head head = readHead();
      if (head.parts() == 0) {
        return new Loaded(head, Snapshot.EMPTY);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) head.bytes());
      MessageDigest sha = sha256();
      boolean superseded = false;
      for (int i = 0; i < head.parts() && !superseded; i++) {
        String part = ZKPaths.makePath(headPath, head.partName(i));
        byte[] data;
        try {
          data = client.getData().forPath(part);
        } catch (KeeperException.NoNodeException e) {
          // Deleted after a newer commit, or lost: only the head can tell.
          Head now = readHead();
          if (now.znodeVersion() != head.znodeVersion() && attempt < 100) {
            superseded = true;
            continue;
          }
          throw damaged(part, "part " + i + " of revision " + head.revision() + " is missing");
        }
        if (data == null || data.length > PART_BYTES) {
          throw damaged(part, "part " + i + " has " + (data == null ? 0 : data.length) + " bytes");
        }
        out.write(data);
        sha.update(data);
      }
      if (superseded) {
        continue;
      }
      byte[] bytes = out.toByteArray();
      String actualSha = HexFormat.of().formatHex(sha.digest());
      if (bytes.length != head.bytes() || !actualSha.equals(head.sha256())) {
        throw damaged(
            headPath,
            "the parts of revision "
                + head.revision()
                + " ("
                + ZKPaths.makePath(headPath, head.partName(0))
                + " …) hold "
                + bytes.length
                + " bytes with SHA-256 "
                + actualSha
                + ", the head says "
                + head.bytes()
                + " bytes with "
                + head.sha256());
      }
      Snapshot s;
      try {
        s = CatalogStateJson.read(bytes, "The catalog in ZooKeeper at " + where(headPath));
      } catch (IOException e) {
        throw new IOException(e.getMessage() + recoveryAdvice(), e);
      }
      if (s.revision() != head.revision()) {
        throw damaged(
            headPath,
            "the head says revision "
                + head.revision()
                + " but its parts hold revision "
                + s.revision());
      }
      return new Loaded(head, s);
    }
  }

  // ---- updates ----

  @Override
  public Snapshot update(long expectedRevision, CatalogState next) throws IOException {
    Objects.requireNonNull(next, "next");
    if (expectedRevision < 0) {
      throw new IllegalArgumentException("Negative revision " + expectedRevision);
    }
    Snapshot committed = call("commit a catalog change", () -> commit(expectedRevision, next));
    publish(committed);
    return committed;
  }

  private Snapshot commit(long expectedRevision, CatalogState next) throws Exception {
    // Read it all, not only the head: a change over a damaged catalog would replace what nobody
    // could read.
    Head head = read().head();
    if (head.revision() != expectedRevision) {
      throw new CatalogConflictException(expectedRevision, head.revision());
    }
    if (head.znodeVersion() < 0) {
      createEmptyHead();
      head = readHead();
      if (head.revision() != expectedRevision) {
        throw new CatalogConflictException(expectedRevision, head.revision());
      }
    }
    long revision = expectedRevision + 1;
    byte[] bytes = CatalogStateJson.write(new Snapshot(revision, next), false);
    String writer = HexFormat.of().formatHex(randomBytes(8));
    int parts = Math.max(1, (bytes.length + PART_BYTES - 1) / PART_BYTES);
    Deque<String> recent = new ArrayDeque<>(head.recent());
    recent.addLast(revision + "-" + writer);
    while (recent.size() > RECENT_COMMITS) {
      recent.removeFirst();
    }
    Head nextHead =
        new Head(
            revision,
            parts,
            bytes.length,
            HexFormat.of().formatHex(sha256().digest(bytes)),
            writer,
            List.copyOf(recent),
            head.znodeVersion() + 1);

    List<String> created = new ArrayList<>();
    try {
      for (int i = 0; i < parts; i++) {
        String part = ZKPaths.makePath(headPath, nextHead.partName(i));
        int from = i * PART_BYTES;
        client
            .create()
            .forPath(
                part, Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + PART_BYTES)));
        created.add(part);
      }
    } catch (Exception e) {
      deleteQuietly(created);
      throw e;
    }

    beforeCommit.run();
    List<CuratorOp> ops = new ArrayList<>();
    ops.add(
        client
            .transactionOp()
            .setData()
            .withVersion(head.znodeVersion())
            .forPath(headPath, nextHead.toJson()));
    for (String part : created) {
      ops.add(client.transactionOp().check().withVersion(0).forPath(part));
    }
    try {
      client.transaction().forOperations(ops);
    } catch (KeeperException e) {
      if (isConnectionFailure(e)) {
        // The parts stay: the commit may have happened.
        throw unavailable(
            "commit revision "
                + revision
                + " (it may or may not have been committed: load the catalog to see)",
            e);
      }
      Head now = readHead();
      if (now.recent().contains(revision + "-" + writer)) {
        // Curator resent a commit whose reply was lost; the first one succeeded.
        LOG.debug("Catalog revision {} was committed by a resent request", revision);
      } else {
        deleteQuietly(created);
        if (now.revision() != expectedRevision) {
          throw new CatalogConflictException(expectedRevision, now.revision());
        }
        throw new IOException(
            "ZooKeeper refused to commit catalog revision "
                + revision
                + " at "
                + where(headPath)
                + ": "
                + e.getMessage(),
            e);
      }
    }
    collectGarbage(nextHead);
    return new Snapshot(revision, next);
  }

  private void createEmptyHead() throws Exception {
    try {
      client.create().creatingParentsIfNeeded().forPath(headPath, Head.ABSENT.toJson());
    } catch (KeeperException.NodeExistsException e) {
      // another writer made it first
    }
  }

  /**
   * Deletes the parts of revisions up to {@code committed}'s other than its own: superseded
   * revisions and writers that lost or crashed. Parts above it belong to updates in flight.
   */
  private void collectGarbage(Head committed) {
    try {
      for (String child : client.getChildren().forPath(headPath)) {
        Matcher m = PART.matcher(child);
        if (!m.matches()) {
          continue; // not a part: not ours to delete
        }
        long revision = Long.parseLong(m.group(1));
        boolean current = revision == committed.revision() && m.group(2).equals(committed.writer());
        if (revision <= committed.revision() && !current) {
          try {
            client.delete().forPath(ZKPaths.makePath(headPath, child));
          } catch (KeeperException.NoNodeException e) {
            // another writer collected it
          }
        }
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.info(
          "Old catalog parts under {} were not all deleted ({}); the next update deletes them",
          where(headPath),
          e.toString());
    }
  }

  private void deleteQuietly(List<String> paths) {
    for (String p : paths) {
      try {
        client.delete().forPath(p);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        LOG.debug("Cannot delete {} (the next update deletes it): {}", p, e.toString());
      }
    }
  }

  // ---- errors and connections ----

  @FunctionalInterface
  private interface ZkCall<T> {
    T run() throws Exception;
  }

  /** Runs {@code op} once ZooKeeper is reachable, mapping its failures for the catalog. */
  private <T> T call(String what, ZkCall<T> op) throws IOException {
    try {
      if (!client.getZookeeperClient().isConnected()
          && !client.blockUntilConnected((int) unavailableMillis, TimeUnit.MILLISECONDS)) {
        throw unavailable(what, null);
      }
      return op.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException ie =
          new InterruptedIOException("Interrupted while trying to " + what + " in ZooKeeper");
      ie.initCause(e);
      throw ie;
    } catch (KeeperException e) {
      if (isConnectionFailure(e)) {
        throw unavailable(what, e);
      }
      throw new IOException(
          "ZooKeeper refused to "
              + what
              + " at "
              + where(e.getPath() == null ? headPath : e.getPath())
              + ": "
              + e.getMessage(),
          e);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("Cannot " + what + " in ZooKeeper at " + where(headPath) + ": " + e, e);
    }
  }

  private static boolean isConnectionFailure(KeeperException e) {
    switch (e.code()) {
      case CONNECTIONLOSS:
      case SESSIONEXPIRED:
      case SESSIONMOVED:
      case OPERATIONTIMEOUT:
      case REQUESTTIMEOUT:
        return true;
      default:
        return false;
    }
  }

  private CatalogUnavailableException unavailable(String what, Exception cause) {
    return new CatalogUnavailableException(
        "ZooKeeper ensemble "
            + ensemble()
            + " is unreachable"
            + (cause == null
                ? " (no connection within " + unavailableMillis + " ms)"
                : " (" + cause.getMessage() + ")")
            + ": cannot "
            + what
            + ". Catalog changes are refused until it is back; this node keeps the catalog it has",
        cause);
  }

  private String ensemble() {
    try {
      return client.getZookeeperClient().getCurrentConnectionString();
    } catch (RuntimeException e) {
      return "(unknown: " + e + ")";
    }
  }

  /** A znode's path as an operator finds it: with the client's namespace and the ensemble. */
  private String where(String path) {
    String ns = client.getNamespace();
    String full = ns == null || ns.isEmpty() ? path : ZKPaths.makePath(ns, path);
    return full + " (ZooKeeper " + ensemble() + ")";
  }

  private IOException damaged(String path, String reason) {
    return damaged(path, reason, null);
  }

  private IOException damaged(String path, String reason, Exception cause) {
    return new IOException(
        "The catalog in ZooKeeper at " + where(path) + " is damaged: " + reason + recoveryAdvice(),
        cause);
  }

  private String recoveryAdvice() {
    String ns = client.getNamespace();
    String full = ns == null || ns.isEmpty() ? headPath : ZKPaths.makePath(ns, headPath);
    return ". The node does not start over a damaged catalog, so that no mount or table is lost"
        + " silently. To recover, stop the nodes and restore "
        + full
        + " and its children from a backup of ZooKeeper's data, or delete them (zkCli.sh: deleteall "
        + full
        + ") to start with an empty catalog.";
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform has SHA-256", e);
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  // ---- watches ----

  @Override
  public Watch watch(Consumer<Snapshot> listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (watchLock) {
      if (closed) {
        throw new IllegalStateException("The catalog store for " + where(headPath) + " is closed");
      }
      listeners.add(listener);
      if (watcher == null) {
        startWatching();
      }
    }
    return () -> listeners.remove(listener);
  }

  @GuardedBy("watchLock")
  private void startWatching() {
    long baseline = -1;
    try {
      // Revisions up to the current one are not news to a new watcher.
      baseline = call("read the catalog head", this::readHead).revision();
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "Cannot read the catalog head {} to watch it ({}); the first revision read is the"
              + " baseline",
          where(headPath),
          e.toString());
    }
    ScheduledExecutorService w =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "catalog-watch " + headPath);
              t.setDaemon(true);
              return t;
            });
    long base = baseline;
    w.execute(() -> notified = Math.max(notified, base));
    watcher = w;
    connectionListener =
        (c, state) -> {
          if (state == ConnectionState.RECONNECTED) {
            requestRefresh();
          }
        };
    client.getConnectionStateListenable().addListener(connectionListener);
    cache = CuratorCache.build(client, headPath, CuratorCache.Options.SINGLE_NODE_CACHE);
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forCreatesAndChanges((before, after) -> requestRefresh())
                .build());
    cache.start();
  }

  @Override
  public long watchDelayMillis() {
    return WATCH_DELAY_MILLIS;
  }

  /** Schedules one read of the head (and its parts if it is news); coalesces requests. */
  private void requestRefresh() {
    if (refreshPending.compareAndSet(false, true)) {
      runOnWatcher(
          () -> {
            refreshPending.set(false);
            refresh();
          },
          0);
    }
  }

  /** On the watcher thread. */
  private void refresh() {
    try {
      Loaded loaded =
          call(
              "read the catalog for watchers",
              () -> {
                Head head = readHead();
                return head.revision() <= notified && notified >= 0
                    ? new Loaded(head, null)
                    : read();
              });
      if (refreshFailing) {
        LOG.info("The catalog in ZooKeeper at {} can be read again", where(headPath));
        refreshFailing = false;
      }
      if (loaded.snapshot() == null) {
        return;
      }
      if (notified < 0) {
        notified = loaded.snapshot().revision(); // the baseline, unknown until now
        return;
      }
      deliver(loaded.snapshot());
    } catch (IOException | RuntimeException e) {
      if (!refreshFailing) {
        LOG.warn(
            "Cannot read the catalog in ZooKeeper at {} for watchers; retrying every second: {}",
            where(headPath),
            e.toString());
        refreshFailing = true;
      }
      runOnWatcher(this::requestRefresh, 1_000);
    }
  }

  private void publish(Snapshot committed) {
    runOnWatcher(() -> deliver(committed), 0);
  }

  private void runOnWatcher(Runnable task, long delayMillis) {
    ScheduledExecutorService w;
    synchronized (watchLock) {
      w = watcher;
    }
    if (w == null) {
      return;
    }
    try {
      if (delayMillis == 0) {
        w.execute(task);
      } else {
        w.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
      }
    } catch (RejectedExecutionException e) {
      // closed meanwhile: nobody is watching any more
    }
  }

  /** On the watcher thread: reports {@code s} unless it, or a later revision, was reported. */
  private void deliver(Snapshot s) {
    if (s.revision() <= notified) {
      return;
    }
    notified = s.revision();
    CatalogWatchers.tell(listeners, s, LOG);
  }

  /** Stops this store's watches; the Curator client stays open (it is the caller's). */
  @Override
  public void close() {
    ScheduledExecutorService w;
    CuratorCache c;
    ConnectionStateListener l;
    synchronized (watchLock) {
      closed = true;
      w = watcher;
      c = cache;
      l = connectionListener;
      watcher = null;
      cache = null;
      connectionListener = null;
    }
    listeners.clear();
    if (c != null) {
      c.close();
    }
    if (l != null) {
      client.getConnectionStateListenable().removeListener(l);
    }
    if (w != null) {
      w.shutdownNow();
    }
  }
}
