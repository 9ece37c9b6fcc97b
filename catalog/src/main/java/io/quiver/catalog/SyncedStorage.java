package io.quiver.catalog;

import io.quiver.storage.DirectoryListing;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One mount's store with its listings kept in the node's {@link ListingCache} for the mount's
 * {@link SyncPolicy}: a plan whose listing is fresh makes no store call. A listing kept for a
 * prefix also answers every prefix below it.
 *
 * <p>What is kept is never trusted for data: {@link #stat} and {@link #open} always ask the store
 * (reads verify versions), and when the store says a listed file changed or is gone, every kept
 * listing holding it is dropped, so the next plan lists again. Thread-safe.
 */
final class SyncedStorage implements Storage {
  private final Storage delegate;
  private final SyncPolicy policy;
  private final ListingCache cache;

  SyncedStorage(Storage delegate, SyncPolicy policy, ListingCache cache) {
    this.delegate = delegate;
    this.policy = policy;
    this.cache = cache;
  }

  SyncPolicy policy() {
    return policy;
  }

  /** A fresh kept listing of {@code location} or of a prefix above it, or null. */
  private ListingCache.Listing covering(Location location) {
    long now = cache.ticker().read();
    for (Location p = location; p != null; p = p.parent()) {
      ListingCache.Listing l = cache.get(new ListingCache.Key(this, p));
      if (l != null && policy.fresh(now - l.madeNanos)) {
        return l;
      }
    }
    return null;
  }

  /**
   * The kept listing {@link #list} would answer {@code prefix} from now (compared by identity: a
   * refreshed or dropped listing is another object or null), or null when it would ask the store.
   * What lets a reader of many pages of one listing build its view once.
   */
  Object keptListing(Location prefix) {
    return policy.always() ? null : covering(prefix);
  }

  private static Stream<FileEntry> below(ListingCache.Listing l, Location prefix) {
    return Arrays.stream(l.entries).filter(e -> prefix.contains(e.location()));
  }

  @Override
  public Stream<FileEntry> list(Location prefix) throws IOException {
    if (policy.always()) {
      return delegate.list(prefix);
    }
    ListingCache.Listing kept = covering(prefix);
    if (kept != null) {
      cache.hit();
      return below(kept, prefix);
    }
    cache.miss();
    long started = cache.ticker().read();
    Stream<FileEntry> listing = delegate.list(prefix);
    boolean handedOver = false;
    try {
      // Pages are consumed lazily; a listing too large to keep streams on without being kept.
      Iterator<FileEntry> it = listing.iterator();
      List<FileEntry> read = new ArrayList<>();
      long max = cache.maxListing();
      while (read.size() <= max && it.hasNext()) {
        read.add(it.next());
      }
      if (!it.hasNext()) {
        FileEntry[] entries = read.toArray(FileEntry[]::new);
        cache.put(new ListingCache.Key(this, prefix), new ListingCache.Listing(entries, started));
        return Arrays.stream(entries);
      }
      handedOver = true;
      return Stream.concat(
              read.stream(),
              StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, 0), false))
          .onClose(listing::close);
    } finally {
      if (!handedOver) {
        listing.close();
      }
    }
  }

  /**
   * Checks with the store that {@code expected} is still the file's version (at most one store call
   * per file per {@link ListingCache#VERIFIED_FOR}).
   *
   * @throws VersionChangedException if the store holds another version
   * @throws FileNotFoundException if the file is gone
   */
  void verify(FileEntry expected, boolean ask) throws IOException {
    ListingCache.Key key = new ListingCache.Key(this, expected.location());
    FileEntry known = ask ? null : cache.verified(key);
    if (known != null && known.equals(expected)) {
      return;
    }
    FileEntry current = stat(expected.location());
    cache.verified(key, current);
    if (!current.equals(expected)) {
      throw new VersionChangedException(expected.location(), expected.version(), current.version());
    }
  }

  /**
   * One level below {@code prefix}: from a fresh kept level of it or a fresh kept listing of
   * everything at or above it, else from the store (and then kept, like a listing). A store that
   * cannot list one level by itself derives it from a (kept) recursive listing.
   */
  @Override
  public DirectoryListing listDirectory(Location prefix) throws IOException {
    if (!delegate.supportsDirectoryListing()) {
      return Storage.super.listDirectory(prefix); // through this.list: kept as a listing
    }
    if (policy.always()) {
      return delegate.listDirectory(prefix);
    }
    long now = cache.ticker().read();
    ListingCache.Key key = new ListingCache.Key(this, prefix, true);
    ListingCache.Listing level = cache.get(key);
    if (level != null && policy.fresh(now - level.madeNanos)) {
      cache.hit();
      return new DirectoryListing(Arrays.asList(level.entries), level.directories);
    }
    ListingCache.Listing all = covering(prefix);
    if (all != null) {
      cache.hit();
      return DirectoryListing.of(prefix, below(all, prefix).iterator());
    }
    cache.miss();
    DirectoryListing listed = delegate.listDirectory(prefix);
    if (listed.files().size() + listed.directories().size() <= cache.maxListing()) {
      cache.put(
          key,
          new ListingCache.Listing(
              listed.files().toArray(FileEntry[]::new), listed.directories(), now));
    }
    return listed;
  }

  @Override
  public boolean supportsDirectoryListing() {
    return delegate.supportsDirectoryListing();
  }

  @Override
  public boolean exists(Location location) throws IOException {
    if (!policy.always()) {
      ListingCache.Listing kept = covering(location);
      // Only a positive answer can come from a listing: an empty directory lists nothing.
      if (kept != null && below(kept, location).findAny().isPresent()) {
        cache.hit();
        return true;
      }
    }
    return delegate.exists(location);
  }

  @Override
  public FileEntry stat(Location location) throws IOException {
    FileEntry now;
    try {
      now = delegate.stat(location);
    } catch (FileNotFoundException e) {
      forget(location);
      throw e;
    }
    // A kept listing that shows another version of it is out of date.
    for (Location p = location; p != null; p = p.parent()) {
      if (showsAnother(cache.get(new ListingCache.Key(this, p)), now)
          || showsAnother(cache.get(new ListingCache.Key(this, p, true)), now)) {
        forget(location);
        break;
      }
    }
    return now;
  }

  /** Whether kept listing {@code l} shows another version of {@code now}'s file. */
  private static boolean showsAnother(ListingCache.Listing l, FileEntry now) {
    if (l == null) {
      return false;
    }
    int i = Arrays.binarySearch(l.entries, now, ListingCache.Listing.ORDER);
    return i >= 0 && !l.entries[i].equals(now);
  }

  @Override
  public StorageInput open(FileEntry entry) throws IOException {
    StorageInput input;
    try {
      input = delegate.open(entry);
    } catch (VersionChangedException | FileNotFoundException e) {
      forget(entry.location());
      throw e;
    }
    return new StorageInput() {
      @Override
      public FileEntry entry() {
        return input.entry();
      }

      @Override
      public void readFully(long position, byte[] buffer, int offset, int length)
          throws IOException {
        try {
          input.readFully(position, buffer, offset, length);
        } catch (VersionChangedException | FileNotFoundException e) {
          forget(entry.location());
          throw e;
        }
      }

      @Override
      public void close() throws IOException {
        input.close();
      }
    };
  }

  @Override
  public void write(Location location, byte[] contents) throws IOException {
    try {
      delegate.write(location, contents);
    } finally {
      forget(location);
    }
  }

  @Override
  public void delete(Location location) throws IOException {
    try {
      delegate.delete(location);
    } finally {
      forget(location);
    }
  }

  /** Drops every kept listing that holds {@code location}. */
  void forget(Location location) {
    for (Location p = location; p != null; p = p.parent()) {
      cache.invalidate(new ListingCache.Key(this, p));
      cache.invalidate(new ListingCache.Key(this, p, true));
    }
    cache.invalidateIf(this, location::contains);
  }

  /** Drops every kept listing at, above or below {@code location}: the next plan lists again. */
  void refresh(Location location) {
    cache.invalidateIf(this, p -> p.contains(location) || location.contains(p));
  }

  @Override
  public void close() throws IOException {
    cache.invalidateIf(this, p -> true);
    delegate.close();
  }
}
