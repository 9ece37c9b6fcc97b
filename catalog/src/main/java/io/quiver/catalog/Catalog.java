package io.quiver.catalog;

import io.quiver.format.FileMetadata;
import io.quiver.format.FormatRegistry;
import io.quiver.format.ReadOptions;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.MeteredStorage;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageMetrics;
import io.quiver.storage.StorageRegistry;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace: mounts of store locations onto namespace paths, logical tables over namespace
 * paths, and the metadata (listings, footers) needed to plan scans.
 *
 * <p>State: the persisted part ({@link CatalogState}) is one revision of the {@link CatalogStore};
 * beside it, each available mount has an open store client ({@link StorageHandle}). Both live in
 * one immutable view that is replaced as a whole (copy on write), so resolving a path — every plan
 * and every scan does — takes no lock. Changes are serialized by a lock that is never held across a
 * call to a remote store: stores are opened and checked before it is taken, and closed after it is
 * released. A change is committed to the store (compare-and-set on the revision) before it is
 * visible, so a restart keeps every mount and table that a client was told about; revisions
 * committed by another catalog over the same store (another node) are picked up through the store's
 * watch.
 *
 * <p>Unmounting never closes a store under a live stream: scans hold a {@link PathLease}, and the
 * store client is closed when the last lease is released.
 *
 * <p>Thread-safe.
 */
public final class Catalog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);

  /** How often a change is retried when another catalog commits first. */
  private static final int MAX_ATTEMPTS = 8;

  private final CatalogStore store;
  private final StorageRegistry registry;
  private final StorageMetrics metrics;
  private final FormatRegistry formats;
  private final MetadataCache metadata;
  private final DatasetResolver resolver;

  /** The most data files one table or path may have (a listing stops beyond it). */
  public static final int MAX_FILES = 200_000;

  private final MountPolicy policy;

  /**
   * The persisted state, with the open store of each available mount and why each other one is
   * unavailable. Immutable; replaced as a whole.
   */
  private record View(
      long revision,
      CatalogState state,
      Map<NamespacePath, StorageHandle> handles,
      Map<NamespacePath, String> unavailable) {
    View {
      handles = Map.copyOf(handles);
      unavailable = Map.copyOf(unavailable);
    }
  }

  private volatile View view;

  /** Why a mount another catalog added has no store here yet (opened when its revision comes). */
  private static final String NOT_OPENED = "not opened on this node yet";

  /** Serializes changes (and the application of other catalogs' revisions). */
  private final Object changes = new Object();

  private final CatalogStore.Watch watch;
  private volatile boolean closed;

  /**
   * Loads the catalog from {@code store} and opens a storage for every mount.
   *
   * @param formats the file formats (and their decoders) tables may use
   * @param metrics the node-wide storage counters; each mount's storage counts into its own
   *     {@linkplain StorageMetrics#forMount child} of them
   */
  public Catalog(
      CatalogStore store,
      StorageRegistry registry,
      FormatRegistry formats,
      StorageMetrics metrics,
      MetadataCache metadata)
      throws IOException {
    this(store, registry, formats, metrics, metadata, MountPolicy.TRUSTED);
  }

  /**
   * Loads the catalog from {@code store} and opens a storage for every mount that {@code policy}
   * allows and that opens; any other mount stays in the catalog as unavailable (see {@link
   * #unavailableReason}) so that the node starts and it can be fixed by unmounting and mounting it
   * again. The catalog then follows revisions other catalogs commit to {@code store}. The store
   * stays the caller's to close (after this catalog).
   */
  public Catalog(
      CatalogStore store,
      StorageRegistry registry,
      FormatRegistry formats,
      StorageMetrics metrics,
      MetadataCache metadata,
      MountPolicy policy)
      throws IOException {
    this.policy = policy;
    this.store = store;
    this.registry = registry;
    this.formats = formats;
    this.metrics = metrics;
    this.metadata = metadata;
    this.resolver = new DatasetResolver(this::resolve, formats, metadata);
    CatalogStore.Snapshot loaded = store.load();
    this.view = new View(0, CatalogState.EMPTY, Map.of(), Map.of());
    apply(loaded);
    this.watch = store.watch(this::follow);
  }

  /** The file formats and decoders this catalog knows. */
  public FormatRegistry formats() {
    return formats;
  }

  /** The revision of the catalog's state this node serves. */
  public long revision() {
    return view.revision();
  }

  private SyncedStorage openStorage(Mount m) throws IOException {
    SyncPolicy sync = m.syncPolicy();
    try {
      Storage store = registry.create(m.target(), policy.storageOptions(m));
      return new SyncedStorage(
          new MeteredStorage(store, metrics.forMount(m.path().toString(), m.target().scheme())),
          sync,
          metadata.listings());
    } catch (IllegalArgumentException e) {
      throw new InvalidMountException("Cannot mount " + m.target() + ": " + e.getMessage(), e);
    }
  }

  // ---- revisions ----

  /** A revision reported by the store's watch: applied unless this catalog has it already. */
  private void follow(CatalogStore.Snapshot s) {
    if (closed) {
      return;
    }
    View v;
    synchronized (changes) {
      v = view; // a commit of this catalog's sets its view before it lets go of the lock
    }
    if (s.revision() < v.revision()
        || (s.revision() == v.revision() && !v.unavailable().containsValue(NOT_OPENED))) {
      return;
    }
    try {
      apply(s);
      LOG.info("Catalog revision {} from another node applied", s.revision());
    } catch (RuntimeException e) {
      LOG.warn("Cannot apply catalog revision {}: {}", s.revision(), e.toString());
      return;
    }
    for (Runnable l : followers) {
      try {
        l.run();
      } catch (RuntimeException e) {
        LOG.warn("A catalog revision listener failed", e);
      }
    }
  }

  private final List<Runnable> followers = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Calls {@code listener} after each revision committed elsewhere (another node, another catalog
   * over the same store) has become this catalog's view, on the store's watch thread: what a node
   * derives from mounts (cache quotas) follows changes made through other nodes.
   */
  public void onFollowedRevision(Runnable listener) {
    followers.add(listener);
  }

  /**
   * Makes {@code s} this catalog's view: reuses the store of every unchanged mount, opens the store
   * of every new or changed one (before taking the lock: that can be remote I/O), and retires the
   * others (after releasing it). A view newer than {@code s} wins.
   */
  private void apply(CatalogStore.Snapshot s) {
    View before = view;
    Map<NamespacePath, StorageHandle> opened = new HashMap<>();
    Map<NamespacePath, String> failed = new HashMap<>();
    for (Mount m : s.state().mounts()) {
      StorageHandle h = before.handles().get(m.path());
      if (h != null && h.mount().equals(m)) {
        continue;
      }
      try {
        opened.put(m.path(), new StorageHandle(m, openStorage(m)));
      } catch (IOException | RuntimeException e) {
        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
        failed.put(m.path(), reason);
        LOG.warn(
            "Mount {} is unavailable: {} (unmount and mount it again to fix)", m.path(), reason);
      }
    }
    List<StorageHandle> retired = new ArrayList<>();
    synchronized (changes) {
      View v = view;
      if (s.revision() < v.revision() || closed) {
        retired.addAll(opened.values());
      } else {
        Map<NamespacePath, StorageHandle> handles = new HashMap<>();
        Map<NamespacePath, String> unavailable = new HashMap<>();
        for (Mount m : s.state().mounts()) {
          StorageHandle kept = v.handles().get(m.path());
          if (kept != null && kept.mount().equals(m)) {
            handles.put(m.path(), kept); // what was opened meanwhile is retired below
          } else if (opened.containsKey(m.path())) {
            handles.put(m.path(), opened.remove(m.path()));
          } else {
            unavailable.put(m.path(), failed.getOrDefault(m.path(), NOT_OPENED));
          }
        }
        for (StorageHandle h : v.handles().values()) {
          if (handles.get(h.mount().path()) != h) {
            retired.add(h);
          }
        }
        retired.addAll(opened.values());
        view = new View(s.revision(), s.state(), handles, unavailable);
      }
    }
    retired.forEach(StorageHandle::retire);
  }

  /**
   * Commits {@code change} applied to the current state, and makes it the view with {@code added}
   * as the stores of new mounts. Validation happens in {@code change}, against the state it is
   * given, under the lock; when another catalog committed first, the state is reloaded and {@code
   * change} runs again.
   */
  private void commit(UnaryOperator<CatalogState> change, Map<NamespacePath, StorageHandle> added)
      throws IOException {
    for (int attempt = 1; ; attempt++) {
      List<StorageHandle> retired = new ArrayList<>();
      CatalogConflictException conflict = null;
      try {
        synchronized (changes) {
          View v = view;
          CatalogState next = change.apply(v.state());
          CatalogStore.Snapshot s;
          try {
            s = store.update(v.revision(), next);
          } catch (CatalogConflictException e) {
            conflict = e;
            s = null;
          }
          if (s != null) {
            Map<NamespacePath, StorageHandle> handles = new HashMap<>();
            Map<NamespacePath, String> unavailable = new HashMap<>();
            for (Mount m : next.mounts()) {
              StorageHandle h = added.get(m.path());
              if (h == null) {
                h = v.handles().get(m.path());
              }
              if (h != null && h.mount().equals(m)) {
                handles.put(m.path(), h);
              } else {
                unavailable.put(m.path(), v.unavailable().getOrDefault(m.path(), NOT_OPENED));
              }
            }
            for (StorageHandle h : v.handles().values()) {
              if (handles.get(h.mount().path()) != h) {
                retired.add(h);
              }
            }
            for (StorageHandle h : added.values()) {
              if (handles.get(h.mount().path()) != h) {
                retired.add(h); // opened for a mount the change did not keep
              }
            }
            view = new View(s.revision(), next, handles, unavailable);
            return;
          }
        }
      } finally {
        retired.forEach(StorageHandle::retire);
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw conflict;
      }
      apply(store.load()); // outside the lock: may open stores
    }
  }

  // ---- mounts ----

  /**
   * Mounts {@code target} at {@code path}, after checking that something exists there.
   *
   * @throws AlreadyExistsException if an available mount is already at {@code path} (an unavailable
   *     one is replaced, keeping the tables over it)
   * @throws InvalidMountException if the target does not exist, is unreachable or options are bad
   * @throws IllegalArgumentException if the path or location is malformed
   */
  public Mount mount(NamespacePath path, Location target, Map<String, String> options)
      throws IOException {
    return mount(path, target, options, false);
  }

  /**
   * Like {@link #mount(NamespacePath, Location, Map)}; with {@code force} a mount below another one
   * is made even if tables under it will then read the new mount's files.
   */
  public Mount mount(
      NamespacePath path, Location target, Map<String, String> options, boolean force)
      throws IOException {
    if (path.isRoot()) {
      throw new IllegalArgumentException(
          "Cannot mount at the namespace root '/': choose a path such as /data");
    }
    checkMountable(view, path, force);
    Mount mount = new Mount(path, target, options);
    String decoder = mount.decoder();
    if (decoder != null && !formats.allDecoderNames().contains(decoder)) {
      throw new InvalidMountException(
          "Unknown decoder '"
              + decoder
              + "' (option "
              + Mount.DECODER_OPTION
              + "; available: "
              + String.join(", ", formats.allDecoderNames())
              + ")");
    }
    try {
      mount.readOptions();
    } catch (IllegalArgumentException e) {
      throw new InvalidMountException("Cannot mount " + target + ": " + e.getMessage(), e);
    }
    // Opening the store and checking the target are network calls with timeouts of seconds:
    // not under the lock, so that plans and other catalog changes go on meanwhile.
    StorageHandle handle = new StorageHandle(mount, openStorage(mount));
    boolean ok = false;
    try {
      boolean exists;
      try {
        exists = handle.storage().exists(target);
      } catch (IOException e) {
        // File-system exceptions put the path before the reason; the target is named already.
        String reason =
            e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null
                ? fse.getReason()
                : e.getMessage();
        throw new InvalidMountException("Cannot mount " + target + ": " + reason, e);
      }
      if (!exists) {
        throw new InvalidMountException(
            "Cannot mount " + target + " at " + path + ": nothing exists there");
      }
      commit(
          state -> {
            // Again, now authoritative: the catalog may have changed while the store was checked.
            boolean replacing = checkMountable(view, path, force);
            List<Mount> mounts = new ArrayList<>(state.mounts());
            mounts.removeIf(m -> replacing && m.path().equals(path));
            mounts.add(mount);
            return state.withMounts(mounts);
          },
          Map.of(path, handle));
      ok = true;
      LOG.info("Mounted {} at {}", target, path);
      return mount;
    } finally {
      if (!ok) {
        handle.retire();
      }
    }
  }

  /**
   * Whether a mount at {@code path} replaces an unavailable one (true) or is new (false).
   *
   * @throws AlreadyExistsException if an available mount is there
   * @throws InvalidMountException if it would cover existing tables
   */
  private static boolean checkMountable(View v, NamespacePath path, boolean force) {
    // Mounting again over an unavailable mount replaces it (its tables stay): how it is fixed.
    boolean replacing = v.unavailable().containsKey(path);
    if (!replacing && v.state().mounts().stream().anyMatch(m -> m.path().equals(path))) {
      throw new AlreadyExistsException("A mount already exists at " + path + "; unmount it first");
    }
    // A mount below another one would silently change what tables below it read.
    if (!replacing && !force) {
      List<String> covered =
          v.state().tables().stream()
              .filter(t -> path.contains(t.path()))
              // A table no mount shows (its mount was removed by force) is not redirected.
              .filter(t -> resolveMount(t.path(), v.state()).isPresent())
              .map(TableDefinition::name)
              .sorted()
              .toList();
      if (!covered.isEmpty()) {
        throw new InvalidMountException(
            "Cannot mount at "
                + path
                + ": tables "
                + String.join(", ", covered)
                + " read files there through another mount, and would read the new one instead;"
                + " drop them first, or mount with force to redirect them");
      }
    }
    return replacing;
  }

  /**
   * Removes the mount at {@code path}. Scans reading through it finish; its store client is closed
   * when the last of them ends.
   *
   * @throws NoSuchPathException if nothing is mounted there
   * @throws InvalidMountException if tables are defined below it (drop them first)
   */
  public void unmount(NamespacePath path) throws IOException {
    unmount(path, false);
  }

  /**
   * Like {@link #unmount(NamespacePath)}; with {@code force} the mount is removed even though
   * tables read through it: they stay defined, and plans of them fail as not found until something
   * is mounted there again.
   */
  public void unmount(NamespacePath path, boolean force) throws IOException {
    commit(
        state -> {
          Mount mount =
              state.mounts().stream()
                  .filter(m -> m.path().equals(path))
                  .findFirst()
                  .orElseThrow(() -> new NoSuchPathException("Nothing is mounted at " + path));
          List<String> using =
              state.tables().stream()
                  .filter(
                      t -> resolveMount(t.path(), state).map(m -> m.equals(mount)).orElse(false))
                  .map(TableDefinition::name)
                  .toList();
          if (!using.isEmpty() && !force) {
            throw new InvalidMountException(
                "Cannot unmount "
                    + path
                    + ": tables "
                    + String.join(", ", using)
                    + " use it; drop them first, or unmount with force to keep them defined"
                    + " (unreadable until it is mounted again)");
          }
          if (!using.isEmpty()) {
            LOG.warn(
                "Unmounted {} under tables {}: unreadable until it is mounted again", path, using);
          }
          List<Mount> mounts = new ArrayList<>(state.mounts());
          mounts.remove(mount);
          return state.withMounts(mounts);
        },
        Map.of());
  }

  /** Why the mount at {@code path} is unavailable (its store did not open), or null. */
  public String unavailableReason(NamespacePath path) {
    return view.unavailable().get(path);
  }

  public List<Mount> mounts() {
    return view.state().mounts().stream().sorted(Comparator.comparing(Mount::path)).toList();
  }

  private static Optional<Mount> resolveMount(NamespacePath path, CatalogState s) {
    return s.mounts().stream()
        .filter(m -> m.path().contains(path))
        .max(Comparator.comparingInt(m -> m.path().segments().size()));
  }

  /**
   * Whether {@code version} is still the current version of the store file {@code file}: false if
   * no mount shows the file any more or it no longer exists, true if the store cannot be asked
   * right now (a cached copy is keyed by its version, so keeping it is never unsafe).
   */
  public boolean isCurrentVersion(Location file, String version) {
    View v = view;
    Optional<Mount> mount =
        v.state().mounts().stream()
            .filter(m -> m.target().contains(file))
            .max(Comparator.comparingInt(m -> m.target().toString().length()));
    if (mount.isEmpty()) {
      return false;
    }
    StorageHandle handle = v.handles().get(mount.get().path());
    if (handle == null || !handle.acquire()) {
      return false;
    }
    try {
      return handle.storage().stat(file).version().token().equals(version);
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot check the version of {}: {}", file, e.toString());
      return true;
    } finally {
      handle.release();
    }
  }

  /**
   * Resolves a namespace path through the deepest mount containing it. The storage is the mount's
   * and may be closed by an unmount while it is used; a reader that must not be cut off holds a
   * {@link #lease} instead.
   *
   * @throws NoSuchPathException if no mount contains it
   */
  public ResolvedPath resolve(NamespacePath path) {
    View v = view;
    return resolved(v, path, handleOf(v, path));
  }

  /**
   * {@code path} through {@code handle}'s mount; its storage leaves out what was moved away from
   * below {@code path}.
   */
  private static ResolvedPath resolved(View v, NamespacePath path, StorageHandle handle) {
    Mount mount = handle.mount();
    Location location = mount.target().resolve(mount.path().relativize(path));
    List<Location> hidden = new ArrayList<>();
    for (NamespacePath h : v.state().hidden()) {
      if (path.contains(h) && mount.path().contains(h)) {
        hidden.add(mount.target().resolve(mount.path().relativize(h)));
      }
    }
    Storage storage =
        hidden.isEmpty() ? handle.storage() : new HidingStorage(handle.storage(), hidden);
    return new ResolvedPath(path, mount, location, storage);
  }

  private static StorageHandle handleOf(View v, NamespacePath path) {
    Mount mount =
        resolveMount(path, v.state())
            .orElseThrow(
                () ->
                    new NoSuchPathException(
                        "No mount contains " + path + " (see 'quiver mounts')"));
    for (NamespacePath h : v.state().hidden()) {
      if (h.contains(path) && mount.path().contains(h)) {
        throw new NoSuchPathException(
            "Nothing exists at " + path + ": " + h + " was moved away (see 'quiver ls')");
      }
    }
    StorageHandle handle = v.handles().get(mount.path());
    if (handle == null) {
      String reason = v.unavailable().get(mount.path());
      if (reason != null) {
        throw new java.io.UncheckedIOException(
            new io.quiver.storage.StorageUnavailableException(
                "The mount at "
                    + mount.path()
                    + " is unavailable: "
                    + reason
                    + " (unmount and mount it again to fix)",
                null));
      }
      throw new NoSuchPathException("The mount at " + mount.path() + " was removed");
    }
    return handle;
  }

  /**
   * A resolved path whose store stays open until {@link #close}, even if the mount is removed
   * meanwhile. Not thread-safe; close exactly once.
   */
  public static final class PathLease implements AutoCloseable {
    private final ResolvedPath path;
    private StorageHandle handle;

    private PathLease(ResolvedPath path, StorageHandle handle) {
      this.path = path;
      this.handle = handle;
    }

    public ResolvedPath path() {
      return path;
    }

    @Override
    public void close() {
      if (handle != null) {
        handle.release();
        handle = null;
      }
    }
  }

  /**
   * Resolves {@code path} like {@link #resolve} and keeps its mount's store open until the lease is
   * closed.
   *
   * @throws NoSuchPathException if no mount contains it (or it was removed just now)
   */
  public PathLease lease(NamespacePath path) {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      View v = view;
      StorageHandle handle = handleOf(v, path);
      if (handle.acquire()) {
        return new PathLease(resolved(v, path, handle), handle);
      }
      // Retired and closed between reading the view and acquiring: the view has changed.
    }
    throw new NoSuchPathException("The mount containing " + path + " was removed");
  }

  // ---- listings ----

  /**
   * Checks with the store that {@code expected} (planned, perhaps from a kept listing) is still the
   * current version of the file {@code resolved} names; a read must pass this before it serves
   * anything, cached or not. One store call per file per {@link ListingCache#VERIFIED_FOR} at most;
   * a change found drops the kept listings holding the file, so the next plan sees it.
   *
   * @throws io.quiver.storage.VersionChangedException if the store holds another version
   * @throws FileNotFoundException if the file is gone
   */
  public static void verify(ResolvedPath resolved, FileEntry expected) throws IOException {
    verify(resolved, expected, false);
  }

  /**
   * Like {@link #verify(ResolvedPath, FileEntry)}; with {@code ask} the store is asked whatever was
   * confirmed a moment ago (a statement that plans and reads in one go checks its plan so).
   */
  public static void verify(ResolvedPath resolved, FileEntry expected, boolean ask)
      throws IOException {
    Storage storage = resolved.storage();
    if (storage instanceof HidingStorage hiding) {
      hiding.check(expected.location());
      storage = hiding.delegate();
    }
    if (storage instanceof SyncedStorage synced) {
      synced.verify(expected, ask);
      return;
    }
    FileEntry current = storage.stat(expected.location());
    if (!current.equals(expected)) {
      throw new io.quiver.storage.VersionChangedException(
          expected.location(), expected.version(), current.version());
    }
  }

  /**
   * Drops the kept listings at, above and below {@code path} (of the mount containing it and of
   * every mount below it), so the next plan or {@code ls} asks the store.
   *
   * @return how many mounts' listings were refreshed
   * @throws NoSuchPathException if no mount contains or lies below {@code path}
   */
  public int refresh(NamespacePath path) {
    View v = view;
    int refreshed = 0;
    Optional<Mount> containing = resolveMount(path, v.state());
    if (containing.isPresent()) {
      StorageHandle h = v.handles().get(containing.get().path());
      if (h != null) {
        Mount m = h.mount();
        h.storage().refresh(m.target().resolve(m.path().relativize(path)));
        refreshed++;
      }
    }
    for (StorageHandle h : v.handles().values()) {
      if (!h.mount().path().equals(path) && path.contains(h.mount().path())) {
        h.storage().refresh(h.mount().target());
        refreshed++;
      }
    }
    if (containing.isEmpty() && refreshed == 0) {
      throw new NoSuchPathException("No mount contains " + path + " (see 'quiver mounts')");
    }
    return refreshed;
  }

  /** The sync policy of the mount at {@code path}'s store listings. */
  public SyncPolicy syncPolicy(NamespacePath mountPath) {
    return view.state().mounts().stream()
        .filter(m -> m.path().equals(mountPath))
        .findFirst()
        .orElseThrow(() -> new NoSuchPathException("Nothing is mounted at " + mountPath))
        .syncPolicy();
  }

  /** The node's kept listings (shared by every mount). */
  public ListingCache listings() {
    return metadata.listings();
  }

  // ---- moves ----

  /**
   * Moves {@code source} to {@code target} in the namespace only: nothing is copied or deleted in
   * any store, so it takes the same time for one file as for a million. A mount point is renamed
   * (with the mounts below it); a directory or file inside a mount is shown at {@code target}
   * through a mount of its own (same store location and options) and hidden at {@code source}.
   * Tables over paths at or below {@code source} follow the move.
   *
   * @return how many tables followed
   * @throws NoSuchPathException if nothing exists at {@code source}
   * @throws AlreadyExistsException if something exists at {@code target} already
   * @throws IllegalArgumentException if either is the root or {@code target} is inside {@code
   *     source}
   */
  public int move(NamespacePath source, NamespacePath target) throws IOException {
    if (source.isRoot() || target.isRoot()) {
      throw new IllegalArgumentException("Cannot move the namespace root '/' or over it");
    }
    if (source.contains(target)) {
      throw new IllegalArgumentException(
          "Cannot move " + source + " to " + target + ": the target is inside the source");
    }
    View v = view;
    Optional<Mount> at =
        v.state().mounts().stream().filter(m -> m.path().equals(source)).findFirst();
    Map<NamespacePath, Mount> moved = new HashMap<>();
    if (at.isEmpty()) {
      // A directory or file inside a mount: it must exist there (one store call, outside the lock).
      try (PathLease lease = lease(source)) {
        ResolvedPath r = lease.path();
        if (!r.storage().exists(r.location())) {
          throw new NoSuchPathException("Nothing exists at " + source + " (" + r.location() + ")");
        }
        moved.put(target, new Mount(target, r.location(), r.mount().options()));
      }
    }
    for (Mount m : v.state().mounts()) {
      if (source.contains(m.path())) {
        NamespacePath p = target.resolve(source.relativize(m.path()));
        moved.put(p, new Mount(p, m.target(), m.options()));
      }
    }
    if (!target.isRoot() && existsOutsideMoves(v, target, source)) {
      throw new AlreadyExistsException(
          "Cannot move " + source + " to " + target + ": something exists there already");
    }
    // The moved mounts' stores are opened before the lock (that may be remote I/O).
    Map<NamespacePath, StorageHandle> opened = new HashMap<>();
    boolean ok = false;
    try {
      for (Mount m : moved.values()) {
        opened.put(m.path(), new StorageHandle(m, openStorage(m)));
      }
      int[] followed = new int[1];
      commit(
          state -> {
            boolean isMount = state.mounts().stream().anyMatch(m -> m.path().equals(source));
            if (isMount != at.isPresent()
                || state.mounts().stream().filter(m -> source.contains(m.path())).count()
                    != moved.size() - (isMount ? 0 : 1)) {
              throw new InvalidMountException(
                  "The mounts at or below " + source + " changed during the move; retry it");
            }
            if (state.isHidden(source)) {
              throw new NoSuchPathException("Nothing exists at " + source);
            }
            if (state.mounts().stream()
                .anyMatch(m -> target.contains(m.path()) || m.path().equals(target))) {
              throw new AlreadyExistsException(
                  "Cannot move " + source + " to " + target + ": a mount exists there");
            }
            List<Mount> mounts = new ArrayList<>();
            for (Mount m : state.mounts()) {
              if (!source.contains(m.path())) {
                mounts.add(m);
              }
            }
            List<NamespacePath> hidden = new ArrayList<>();
            for (NamespacePath h : state.hidden()) {
              hidden.add(source.contains(h) ? target.resolve(source.relativize(h)) : h);
            }
            for (Mount m : moved.values()) {
              if (!(isMount && m.path().equals(target) && hidden.contains(target))) {
                mounts.add(m);
                continue;
              }
              // Moved back where it was moved away from: if the mount around it shows the same
              // store location with the same options there, it merges back into it.
              Optional<Mount> around = resolveMount(target, state.withMounts(mounts));
              boolean same =
                  around.isPresent()
                      && around.get().options().equals(m.options())
                      && around
                          .get()
                          .target()
                          .resolve(around.get().path().relativize(target))
                          .equals(m.target());
              if (!same) {
                mounts.add(m);
              }
            }
            hidden.remove(target); // moving back where it came from shows it again
            if (!isMount) {
              hidden.add(source);
            }
            List<TableDefinition> tables = new ArrayList<>();
            followed[0] = 0;
            for (TableDefinition t : state.tables()) {
              if (source.contains(t.path())) {
                tables.add(t.withPath(target.resolve(source.relativize(t.path()))));
                followed[0]++;
              } else {
                tables.add(t);
              }
            }
            return new CatalogState(mounts, tables, hidden);
          },
          opened);
      ok = true;
      LOG.info("Moved {} to {} ({} tables followed)", source, target, followed[0]);
      return followed[0];
    } finally {
      if (!ok) {
        opened.values().forEach(StorageHandle::retire);
      }
    }
  }

  /**
   * Whether something other than what moves with {@code source} exists at {@code path}: a mount at
   * or below it, or (through the mount containing it) an object or directory in the store.
   */
  private boolean existsOutsideMoves(View v, NamespacePath path, NamespacePath source)
      throws IOException {
    if (v.state().mounts().stream().anyMatch(m -> path.contains(m.path()))) {
      return true;
    }
    Optional<Mount> containing = resolveMount(path, v.state());
    if (containing.isEmpty() || v.state().isHidden(path)) {
      return false;
    }
    try (PathLease lease = lease(path)) {
      return lease.path().storage().exists(lease.path().location());
    } catch (NoSuchPathException e) {
      return false;
    }
  }

  /**
   * Renames table {@code from} to {@code to}; its files and definition stay as they are.
   *
   * @throws NoSuchTableException if there is no table {@code from}
   * @throws AlreadyExistsException if {@code to} is taken
   */
  public TableDefinition renameTable(String from, String to) throws IOException {
    TableDefinition.validateName(to);
    TableDefinition[] renamed = new TableDefinition[1];
    commit(
        state -> {
          if (state.tables().stream().anyMatch(t -> t.name().equals(to))) {
            throw new AlreadyExistsException("Table " + to + " already exists");
          }
          List<TableDefinition> tables = new ArrayList<>();
          for (TableDefinition t : state.tables()) {
            if (t.name().equals(from)) {
              renamed[0] = t.withName(to);
              tables.add(renamed[0]);
            } else {
              tables.add(t);
            }
          }
          if (renamed[0] == null) {
            throw noSuchTable(from);
          }
          return state.withTables(tables);
        },
        Map.of());
    LOG.info("Renamed table {} to {}", from, to);
    return renamed[0];
  }

  // ---- tables ----

  /**
   * Defines table {@code name} over the files of {@code format} at {@code path}, after checking
   * they can be served (at least one file, one schema the decoder supports).
   *
   * @throws AlreadyExistsException if the name is taken
   * @throws NoSuchPathException if the path is not mounted or holds nothing
   * @throws InvalidTableException if the files cannot be served
   * @throws IllegalArgumentException if the format is unknown
   */
  public TableDefinition createTable(String name, NamespacePath path, String format)
      throws IOException {
    return createTable(new TableDefinition(name, path, format));
  }

  /**
   * Like {@link #createTable(String, NamespacePath, String)} for a full definition (with declared
   * partition column types).
   */
  public TableDefinition createTable(TableDefinition table) throws IOException {
    String name = table.name();
    NamespacePath path = table.path();
    formats.format(table.format());
    if (findTable(name).isPresent()) {
      throw new AlreadyExistsException("Table " + name + " already exists");
    }
    // Listing and reading footers can take long (many files, a slow store): not under the lock,
    // so that mounts, plans and other tables are not held up meanwhile.
    resolver.dataset(name, path, table.format(), table.partitionTypes(), table.schema(), null);
    commit(
        state -> {
          if (state.tables().stream().anyMatch(t -> t.name().equals(name))) {
            throw new AlreadyExistsException("Table " + name + " already exists");
          }
          List<TableDefinition> tables = new ArrayList<>(state.tables());
          tables.add(table);
          return state.withTables(tables);
        },
        Map.of());
    LOG.info("Created table {} over {}", name, path);
    return table;
  }

  /**
   * @throws NoSuchTableException if there is no such table
   */
  public void dropTable(String name) throws IOException {
    commit(
        state -> {
          List<TableDefinition> tables = new ArrayList<>(state.tables());
          if (!tables.removeIf(t -> t.name().equals(name))) {
            throw noSuchTable(name);
          }
          return state.withTables(tables);
        },
        Map.of());
  }

  public List<TableDefinition> tables() {
    return view.state().tables().stream()
        .sorted(Comparator.comparing(TableDefinition::name))
        .toList();
  }

  public Optional<TableDefinition> findTable(String name) {
    return view.state().tables().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /**
   * @throws NoSuchTableException if there is no such table
   */
  public TableDefinition table(String name) {
    return findTable(name).orElseThrow(() -> noSuchTable(name));
  }

  private static NoSuchTableException noSuchTable(String name) {
    return new NoSuchTableException("Table " + name + " does not exist (see 'quiver table ls')");
  }

  /** The dataset of table {@code name}. */
  public Dataset tableDataset(String name) throws IOException {
    return tableDataset(name, null);
  }

  /**
   * The files of table {@code name} whose hive-style partition values {@code filter} may match (all
   * of them if it is null). Discovery prunes while it descends: a {@code key=value} directory the
   * filter rejects is not listed (on stores that list a directory level by themselves) and no
   * footer below it is read; the kept listings stay those of whole directories, so other plans
   * still see every file. The dataset's columns are the declared ones, else the whole table's as
   * last resolved on this node if the kept files read as them, else the kept files' own; if no file
   * is kept, the whole table is resolved.
   *
   * @throws NoSuchTableException if there is no such table
   */
  public Dataset tableDataset(String name, PartitionFilter filter) throws IOException {
    TableDefinition t = table(name);
    return resolver.dataset(t.name(), t.path(), t.format(), t.partitionTypes(), t.schema(), filter);
  }

  /**
   * Lists the data files at {@code path} (the file itself, or every file with the format's
   * extension below a directory, skipping hidden {@code .}/{@code _} names), reads their metadata
   * through the metadata cache and checks they share one schema.
   *
   * @param format the format's name, or null to take files of any known format (they must all be of
   *     one format; a single file named directly without a known extension is read as Parquet)
   * @throws NoSuchPathException if nothing exists at the path
   * @throws InvalidTableException if there are no data files, formats are mixed, a footer is
   *     corrupt or schemas differ
   * @throws IllegalArgumentException if {@code format} is unknown
   */
  public Dataset dataset(String name, NamespacePath path, String format) throws IOException {
    return resolver.dataset(name, path, format);
  }

  /**
   * Like {@link #dataset(String, NamespacePath, String)}, keeping only the files whose partition
   * values {@code filter} may match (see {@link #tableDataset(String, PartitionFilter)}).
   */
  public Dataset dataset(String name, NamespacePath path, String format, PartitionFilter filter)
      throws IOException {
    return resolver.dataset(name, path, format, Map.of(), null, filter);
  }

  /**
   * The metadata of one file version read as {@code format} with the default read options, from the
   * metadata cache.
   *
   * @throws IllegalArgumentException if the format is unknown
   */
  public FileMetadata metadata(Storage storage, FileEntry entry, String format) throws IOException {
    return metadata(storage, entry, format, ReadOptions.DEFAULTS);
  }

  /**
   * The metadata of one file version read as {@code format} with {@code options} (its mount's
   * {@link Mount#readOptions()}), from the metadata cache.
   *
   * @throws IllegalArgumentException if the format is unknown
   */
  public FileMetadata metadata(Storage storage, FileEntry entry, String format, ReadOptions options)
      throws IOException {
    return metadata.get(storage, entry, formats.format(format), options);
  }

  /**
   * Stops following the store and closes every mount's store client once no lease holds it. The
   * store itself stays open (it is the caller's).
   */
  @Override
  public void close() {
    List<StorageHandle> retired;
    synchronized (changes) {
      if (closed) {
        return;
      }
      closed = true;
      retired = new ArrayList<>(view.handles().values());
      view = new View(view.revision(), view.state(), Map.of(), view.unavailable());
    }
    watch.close();
    retired.forEach(StorageHandle::retire);
  }
}
