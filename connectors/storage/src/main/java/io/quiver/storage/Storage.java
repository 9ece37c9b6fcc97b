package io.quiver.storage;

import java.io.IOException;
import java.util.stream.Stream;

/**
 * The storage SPI: what Quiver needs from an object store or file system, and nothing more.
 *
 * <p>Modelled on object stores (no directories, no rename, no seekable streams): list a prefix,
 * stat an object, read ranges of one version of it, write a whole object, delete. Failures are
 * {@link IOException}s: {@link java.io.FileNotFoundException} for a missing object, {@link
 * VersionChangedException} for a read of a version the store no longer holds. Retries belong to the
 * store's client library, not to callers.
 *
 * <p>Implementations are thread-safe and are closed by whoever created them (the {@link
 * StorageRegistry}).
 */
public interface Storage extends AutoCloseable {

  /**
   * All objects at or below {@code prefix} (recursively), lazily, in no particular order. The
   * caller must close the stream. A prefix that does not exist yields an empty stream.
   */
  Stream<FileEntry> list(Location prefix) throws IOException;

  /**
   * One level below {@code prefix}: the objects directly below it ({@code prefix/name}) and the
   * directories directly below it ({@code prefix/name} with objects somewhere below; a file system
   * may also show an empty directory). The object at {@code prefix} itself, if any, is not in it. A
   * prefix that does not exist yields an empty listing.
   *
   * <p>The default derives the level from one recursive {@link #list}: correct for every store, but
   * it lists everything below. A store that can list one level by itself (S3's delimiter, a file
   * system's directory) overrides it and says so with {@link #supportsDirectoryListing()}; callers
   * descend level by level (listing only the directories they need, e.g. partition pruning) only
   * where it does.
   */
  default DirectoryListing listDirectory(Location prefix) throws IOException {
    try (Stream<FileEntry> all = list(prefix)) {
      return DirectoryListing.of(prefix, all.iterator());
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Whether {@link #listDirectory} asks the store for one level only (rather than deriving it from
   * a recursive listing).
   */
  default boolean supportsDirectoryListing() {
    return false;
  }

  /**
   * The object at {@code location}.
   *
   * @throws java.io.FileNotFoundException if there is no object there (a directory is not one)
   */
  FileEntry stat(Location location) throws IOException;

  /** Whether something — an object or a non-empty prefix/directory — exists at {@code location}. */
  boolean exists(Location location) throws IOException;

  /**
   * Opens {@code entry} for positional reads conditioned on {@code entry.version()}.
   *
   * @throws java.io.FileNotFoundException if the object is gone
   * @throws VersionChangedException if the object's version is no longer {@code entry.version()}
   */
  StorageInput open(FileEntry entry) throws IOException;

  /** Writes a whole object, replacing any existing one. */
  void write(Location location, byte[] contents) throws IOException;

  /** Deletes the object; deleting a missing object is not an error. */
  void delete(Location location) throws IOException;

  @Override
  default void close() throws IOException {}
}
