package io.quiver.catalog;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

/**
 * A mount's store as seen through the namespace after {@code mv} moved paths away from inside it:
 * the store still holds them, but listings leave them out and they cannot be read here. Borrowed
 * like the store it wraps: closing it does nothing. Thread-safe.
 */
final class HidingStorage implements Storage {
  private final Storage delegate;
  private final List<Location> hidden;

  HidingStorage(Storage delegate, List<Location> hidden) {
    this.delegate = delegate;
    this.hidden = List.copyOf(hidden);
  }

  /** The store this view hides paths of. */
  Storage delegate() {
    return delegate;
  }

  boolean isHidden(Location location) {
    for (Location h : hidden) {
      if (h.contains(location)) {
        return true;
      }
    }
    return false;
  }

  void check(Location location) throws FileNotFoundException {
    if (isHidden(location)) {
      throw new FileNotFoundException(location + " was moved away in the namespace");
    }
  }

  @Override
  public Stream<FileEntry> list(Location prefix) throws IOException {
    if (isHidden(prefix)) {
      return Stream.empty();
    }
    return delegate.list(prefix).filter(e -> !isHidden(e.location()));
  }

  @Override
  public io.quiver.storage.DirectoryListing listDirectory(Location prefix) throws IOException {
    if (isHidden(prefix)) {
      return new io.quiver.storage.DirectoryListing(List.of(), List.of());
    }
    io.quiver.storage.DirectoryListing level = delegate.listDirectory(prefix);
    return new io.quiver.storage.DirectoryListing(
        level.files().stream().filter(e -> !isHidden(e.location())).toList(),
        level.directories().stream().filter(d -> !isHidden(d)).toList());
  }

  @Override
  public boolean supportsDirectoryListing() {
    return delegate.supportsDirectoryListing();
  }

  @Override
  public FileEntry stat(Location location) throws IOException {
    check(location);
    return delegate.stat(location);
  }

  @Override
  public boolean exists(Location location) throws IOException {
    if (isHidden(location)) {
      return false;
    }
    if (hidden.stream().noneMatch(location::contains)) {
      return delegate.exists(location);
    }
    // Something is hidden below: it exists if anything else is left there.
    try (Stream<FileEntry> left = list(location)) {
      return left.findAny().isPresent();
    }
  }

  @Override
  public StorageInput open(FileEntry entry) throws IOException {
    check(entry.location());
    return delegate.open(entry);
  }

  @Override
  public void write(Location location, byte[] contents) throws IOException {
    check(location);
    delegate.write(location, contents);
  }

  @Override
  public void delete(Location location) throws IOException {
    check(location);
    delegate.delete(location);
  }

  @Override
  public void close() {
    // borrowed
  }
}
