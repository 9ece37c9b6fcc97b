package io.quiver.catalog;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code ls} and {@code stat} over the namespace: the mount points, and the files and directories
 * of the stores seen through the mounts' kept listings (see {@link SyncPolicy}), so a warm {@code
 * ls} makes no store call. Paths moved away ({@code mv}) are left out. Thread-safe.
 */
public final class NamespaceListing {
  /** The most entries one page holds. */
  public static final int MAX_PAGE = 10_000;

  /** The page size when none is asked for. */
  public static final int DEFAULT_PAGE = 1_000;

  /**
   * One page of a listing.
   *
   * @param entries the entries after the page token, sorted by name
   * @param next the token of the next page (the last name here), or null at the end
   */
  public record Page(List<PathEntry> entries, String next) {
    public Page {
      entries = List.copyOf(entries);
    }
  }

  private final Catalog catalog;

  /**
   * Directories listed lately, so that the pages of a large one are cut from one sorted view
   * instead of each page re-reading the whole kept listing: valid while the catalog's revision
   * (mounts, moved paths) and the kept listing it was built from (by identity) are unchanged.
   * Bounded by the entries held.
   */
  private final com.github.benmanes.caffeine.cache.Cache<NamespacePath, Built> built =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
          .maximumWeight(ListingCache.DEFAULT_MAX_ENTRIES)
          .<NamespacePath, Built>weigher((k, b) -> b.children().size() + 1)
          .expireAfterAccess(java.time.Duration.ofMinutes(5))
          .build();

  /** One directory's children and what they were built from. */
  private record Built(long revision, Object listing, TreeMap<String, Acc> children) {}

  public NamespaceListing(Catalog catalog) {
    this.catalog = catalog;
  }

  /**
   * The entries directly below {@code path} (a file lists as itself), sorted by name, from after
   * {@code after} (a previous page's {@link Page#next}), at most {@code limit}.
   *
   * @throws NoSuchPathException if nothing exists there
   * @throws IllegalArgumentException if {@code limit} is not in 1..{@link #MAX_PAGE}
   */
  public Page list(NamespacePath path, String after, int limit) throws IOException {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_PAGE + ", not " + limit);
    }
    Map<String, Acc> children = cachedChildren(path);
    List<PathEntry> page = new ArrayList<>();
    String next = null;
    for (Map.Entry<String, Acc> e :
        (after == null ? children : ((TreeMap<String, Acc>) children).tailMap(after, false))
            .entrySet()) {
      if (page.size() == limit) {
        next = page.get(page.size() - 1).name();
        break;
      }
      page.add(e.getValue().entry());
    }
    return new Page(page, next);
  }

  /**
   * What {@code path} is: a file (size, version, modification time, format), a directory or a mount
   * point (files and bytes below it through its mount's listing).
   *
   * @throws NoSuchPathException if nothing exists there
   */
  public PathEntry stat(NamespacePath path) throws IOException {
    if (path.isRoot()) {
      return new PathEntry("/", path, PathEntry.Kind.DIRECTORY, -1, -1, null, -1, null);
    }
    boolean isMount = catalog.mounts().stream().anyMatch(m -> m.path().equals(path));
    boolean inMount = catalog.mounts().stream().anyMatch(m -> m.path().contains(path));
    if (!inMount) {
      if (catalog.mounts().stream().anyMatch(m -> path.contains(m.path()))) {
        return new PathEntry(name(path), path, PathEntry.Kind.DIRECTORY, -1, -1, null, -1, null);
      }
      throw new NoSuchPathException("Nothing exists at " + path + " (see 'quiver mounts')");
    }
    Acc acc = new Acc(name(path), path, isMount ? PathEntry.Kind.MOUNT : null);
    try (Catalog.PathLease lease = catalog.lease(path);
        Stream<FileEntry> listing = lease.path().storage().list(lease.path().location())) {
      Location here = lease.path().location();
      listing.forEach(
          f -> {
            if (f.location().equals(here)) {
              acc.file(f, format(f.location()));
            } else {
              acc.add(f);
            }
          });
      if (acc.kind == null && acc.files == 0) {
        if (!lease.path().storage().exists(here)) {
          throw new NoSuchPathException("Nothing exists at " + path + " (" + here + ")");
        }
        acc.kind = PathEntry.Kind.DIRECTORY;
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return acc.entry();
  }

  /** {@link #children}, reused while neither the catalog nor the kept listing changed. */
  private Map<String, Acc> cachedChildren(NamespacePath path) throws IOException {
    long revision = catalog.revision();
    Built b = built.getIfPresent(path);
    if (b != null && b.revision() == revision && b.listing() != null) {
      Object now = keptListing(path);
      if (now == b.listing()) {
        return b.children();
      }
    }
    TreeMap<String, Acc> children = children(path);
    Object listing = keptListing(path);
    if (listing != null) {
      built.put(path, new Built(revision, listing, children));
    }
    return children;
  }

  /** The kept listing {@code path}'s store answers from now (identity), or null. */
  private Object keptListing(NamespacePath path) throws IOException {
    try (Catalog.PathLease lease = catalog.lease(path)) {
      Storage s = lease.path().storage();
      if (s instanceof HidingStorage h) {
        s = h.delegate();
      }
      return s instanceof SyncedStorage synced ? synced.keptListing(lease.path().location()) : null;
    } catch (NoSuchPathException | java.io.UncheckedIOException e) {
      return null; // not in a mount, or its mount is unavailable: nothing kept
    }
  }

  private TreeMap<String, Acc> children(NamespacePath path) throws IOException {
    TreeMap<String, Acc> children = new TreeMap<>();
    int depth = path.segments().size();
    boolean inMount = false;
    for (Mount m : catalog.mounts()) {
      if (m.path().contains(path)) {
        inMount = true;
      }
      if (!m.path().equals(path) && path.contains(m.path())) {
        String name = m.path().segments().get(depth);
        boolean direct = m.path().segments().size() == depth + 1;
        children.put(
            name,
            new Acc(
                name,
                path.resolve(name),
                direct ? PathEntry.Kind.MOUNT : PathEntry.Kind.DIRECTORY));
      }
    }
    if (!inMount) {
      if (children.isEmpty() && !path.isRoot()) {
        throw new NoSuchPathException("Nothing exists at " + path + " (see 'quiver mounts')");
      }
      return children;
    }
    try (Catalog.PathLease lease = catalog.lease(path);
        Stream<FileEntry> listing = lease.path().storage().list(lease.path().location())) {
      Location here = lease.path().location();
      boolean[] any = new boolean[1];
      listing.forEach(
          f -> {
            any[0] = true;
            String rel = here.relativize(f.location());
            if (rel.isEmpty()) {
              Acc self = new Acc(name(path), path, null);
              self.file(f, format(f.location()));
              children.put(self.name, self);
              return;
            }
            int slash = rel.indexOf('/');
            String name = slash < 0 ? rel : rel.substring(0, slash);
            Acc acc = children.get(name);
            if (acc != null && acc.kind == PathEntry.Kind.MOUNT) {
              return; // a mount point shadows what its parent mount's store has at that name
            }
            if (acc == null) {
              acc = new Acc(name, path.resolve(name), null);
              children.put(name, acc);
            }
            if (slash < 0) {
              acc.file(f, format(f.location()));
            } else {
              acc.add(f);
            }
          });
      if (!any[0] && children.isEmpty() && !lease.path().storage().exists(here)) {
        throw new NoSuchPathException("Nothing exists at " + path + " (" + here + ")");
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return children;
  }

  private String format(Location file) {
    return catalog.formats().formatOf(file.fileName()).map(f -> f.name()).orElse(null);
  }

  private static String name(NamespacePath path) {
    return path.isRoot() ? "/" : path.segments().get(path.segments().size() - 1);
  }

  /** Builds one entry from the files seen for it. */
  private static final class Acc {
    final String name;
    final NamespacePath path;
    PathEntry.Kind kind;
    long size;
    long files;
    long modified = FileEntry.UNKNOWN_TIME;
    String version;
    String format;
    boolean listed;

    Acc(String name, NamespacePath path, PathEntry.Kind kind) {
      this.name = name;
      this.path = path;
      this.kind = kind;
    }

    void file(FileEntry f, String fileFormat) {
      kind = PathEntry.Kind.FILE;
      size = f.length();
      files = 1;
      version = f.version().token();
      modified = f.modifiedMillis();
      format = fileFormat;
      listed = true;
    }

    void add(FileEntry f) {
      if (kind == null) {
        kind = PathEntry.Kind.DIRECTORY;
      }
      size += f.length();
      files++;
      modified = Math.max(modified, f.modifiedMillis());
      listed = true;
    }

    PathEntry entry() {
      boolean counted = listed || kind == PathEntry.Kind.FILE;
      return new PathEntry(
          name,
          path,
          kind == null ? PathEntry.Kind.DIRECTORY : kind,
          counted ? size : -1,
          counted ? files : -1,
          version,
          modified,
          format);
    }
  }
}
