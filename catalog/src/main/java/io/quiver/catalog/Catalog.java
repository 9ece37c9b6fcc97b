package io.quiver.catalog;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.quiver.format.FileMetadata;
import io.quiver.format.FormatRegistry;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace: mounts of store locations onto namespace paths, logical tables over namespace
 * paths, and the metadata (listings, footers) needed to plan scans.
 *
 * <p>Changes are persisted through the {@link CatalogStore} before they are visible, so a restart
 * keeps every mount and table that a client was told about. Thread-safe: mutations are serialized;
 * reads see a consistent snapshot.
 */
public final class Catalog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);

  private final CatalogStore store;
  private final StorageRegistry registry;
  private final StorageMetrics metrics;
  private final FormatRegistry formats;
  private final MetadataCache metadata;
  private final DatasetResolver resolver;

  /** The most data files one table or path may have (a listing stops beyond it). */
  public static final int MAX_FILES = 200_000;

  private final MountPolicy policy;

  @GuardedBy("this")
  private final Map<NamespacePath, Storage> storages = new HashMap<>();

  /** Mounts whose store could not be opened at load time, with the reason. */
  @GuardedBy("this")
  private final Map<NamespacePath, String> unavailable = new HashMap<>();

  private volatile CatalogState state;

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
   * again.
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
    this.state = store.load();
    for (Mount m : state.mounts()) {
      try {
        storages.put(m.path(), openStorage(m));
      } catch (IOException | RuntimeException e) {
        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
        unavailable.put(m.path(), reason);
        LOG.warn(
            "Mount {} is unavailable: {} (unmount and mount it again to fix)", m.path(), reason);
      }
    }
  }

  /** The file formats and decoders this catalog knows. */
  public FormatRegistry formats() {
    return formats;
  }

  private Storage openStorage(Mount m) throws IOException {
    try {
      Storage store = registry.create(m.target(), policy.storageOptions(m));
      return new MeteredStorage(store, metrics.forMount(m.path().toString(), m.target().scheme()));
    } catch (IllegalArgumentException e) {
      throw new InvalidMountException("Cannot mount " + m.target() + ": " + e.getMessage(), e);
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
    checkMountable(path, force);
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
    // Opening the store and checking the target are network calls with timeouts of seconds:
    // not under the lock, so that plans and other catalog changes go on meanwhile.
    Storage storage = openStorage(mount);
    boolean ok = false;
    try {
      boolean exists;
      try {
        exists = storage.exists(target);
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
      synchronized (this) {
        // Again, now authoritative: the catalog may have changed while the store was checked.
        boolean replacing = checkMountable(path, force);
        List<Mount> mounts = new ArrayList<>(state.mounts());
        mounts.removeIf(m -> replacing && m.path().equals(path));
        mounts.add(mount);
        commit(new CatalogState(mounts, state.tables()));
        Storage previous = storages.put(path, storage);
        if (previous != null) {
          previous.close();
        }
        unavailable.remove(path);
      }
      ok = true;
      LOG.info("Mounted {} at {}", target, path);
      return mount;
    } finally {
      if (!ok) {
        storage.close();
      }
    }
  }

  /**
   * Whether a mount at {@code path} replaces an unavailable one (true) or is new (false).
   *
   * @throws AlreadyExistsException if an available mount is there
   * @throws InvalidMountException if it would cover existing tables
   */
  private synchronized boolean checkMountable(NamespacePath path, boolean force) {
    // Mounting again over an unavailable mount replaces it (its tables stay): how it is fixed.
    boolean replacing = unavailable.containsKey(path);
    if (!replacing && state.mounts().stream().anyMatch(m -> m.path().equals(path))) {
      throw new AlreadyExistsException("A mount already exists at " + path + "; unmount it first");
    }
    // A mount below another one would silently change what tables below it read.
    if (!replacing && !force) {
      List<String> covered =
          state.tables().stream()
              .filter(t -> path.contains(t.path()))
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
   * Removes the mount at {@code path}.
   *
   * @throws NoSuchPathException if nothing is mounted there
   * @throws InvalidMountException if tables are defined below it (drop them first)
   */
  public synchronized void unmount(NamespacePath path) throws IOException {
    Mount mount =
        state.mounts().stream()
            .filter(m -> m.path().equals(path))
            .findFirst()
            .orElseThrow(() -> new NoSuchPathException("Nothing is mounted at " + path));
    List<String> using =
        state.tables().stream()
            .filter(t -> resolveMount(t.path(), state).map(m -> m.equals(mount)).orElse(false))
            .map(TableDefinition::name)
            .toList();
    if (!using.isEmpty()) {
      throw new InvalidMountException(
          "Cannot unmount "
              + path
              + ": tables "
              + String.join(", ", using)
              + " use it; drop them first");
    }
    List<Mount> mounts = new ArrayList<>(state.mounts());
    mounts.remove(mount);
    commit(new CatalogState(mounts, state.tables()));
    unavailable.remove(path);
    Storage storage = storages.remove(path);
    if (storage != null) {
      storage.close();
    }
  }

  /** Why the mount at {@code path} is unavailable (its store did not open at load), or null. */
  public synchronized String unavailableReason(NamespacePath path) {
    return unavailable.get(path);
  }

  public List<Mount> mounts() {
    return state.mounts().stream().sorted(Comparator.comparing(Mount::path)).toList();
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
    CatalogState s = state;
    Optional<Mount> mount =
        s.mounts().stream()
            .filter(m -> m.target().contains(file))
            .max(Comparator.comparingInt(m -> m.target().toString().length()));
    if (mount.isEmpty()) {
      return false;
    }
    Storage storage;
    synchronized (this) {
      storage = storages.get(mount.get().path());
    }
    if (storage == null) {
      return false;
    }
    try {
      return storage.stat(file).version().token().equals(version);
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot check the version of {}: {}", file, e.toString());
      return true;
    }
  }

  /**
   * Resolves a namespace path through the deepest mount containing it.
   *
   * @throws NoSuchPathException if no mount contains it
   */
  public ResolvedPath resolve(NamespacePath path) {
    CatalogState s = state;
    Mount mount =
        resolveMount(path, s)
            .orElseThrow(
                () ->
                    new NoSuchPathException(
                        "No mount contains " + path + " (see 'quiver mounts')"));
    Storage storage;
    synchronized (this) {
      storage = storages.get(mount.path());
    }
    if (storage == null) {
      String reason = unavailableReason(mount.path());
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
    Location location = mount.target().resolve(mount.path().relativize(path));
    return new ResolvedPath(path, mount, location, storage);
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
    resolver.dataset(name, path, table.format(), table.partitionTypes());
    synchronized (this) {
      if (findTable(name).isPresent()) {
        throw new AlreadyExistsException("Table " + name + " already exists");
      }
      List<TableDefinition> tables = new ArrayList<>(state.tables());
      tables.add(table);
      commit(new CatalogState(state.mounts(), tables));
    }
    LOG.info("Created table {} over {}", name, path);
    return table;
  }

  /**
   * @throws NoSuchTableException if there is no such table
   */
  public synchronized void dropTable(String name) throws IOException {
    TableDefinition table = table(name);
    List<TableDefinition> tables = new ArrayList<>(state.tables());
    tables.remove(table);
    commit(new CatalogState(state.mounts(), tables));
  }

  public List<TableDefinition> tables() {
    return state.tables().stream().sorted(Comparator.comparing(TableDefinition::name)).toList();
  }

  public Optional<TableDefinition> findTable(String name) {
    return state.tables().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /**
   * @throws NoSuchTableException if there is no such table
   */
  public TableDefinition table(String name) {
    return findTable(name)
        .orElseThrow(
            () ->
                new NoSuchTableException(
                    "Table " + name + " does not exist (see 'quiver table ls')"));
  }

  /** The dataset of table {@code name}. */
  public Dataset tableDataset(String name) throws IOException {
    TableDefinition t = table(name);
    return resolver.dataset(t.name(), t.path(), t.format(), t.partitionTypes());
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
   * @throws io.quiver.format.UnsupportedSchemaException naming a column that cannot be decoded
   * @throws IllegalArgumentException if {@code format} is unknown
   */
  public Dataset dataset(String name, NamespacePath path, String format) throws IOException {
    return resolver.dataset(name, path, format);
  }

  /**
   * The metadata of one file version read as {@code format}, from the metadata cache.
   *
   * @throws IllegalArgumentException if the format is unknown
   */
  public FileMetadata metadata(Storage storage, FileEntry entry, String format) throws IOException {
    return metadata.get(storage, entry, formats.format(format));
  }

  private void commit(CatalogState next) throws IOException {
    store.save(next);
    state = next;
  }

  @Override
  public synchronized void close() throws IOException {
    IOException failure = null;
    for (Storage s : storages.values()) {
      try {
        s.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    storages.clear();
    if (failure != null) {
      throw failure;
    }
  }
}
