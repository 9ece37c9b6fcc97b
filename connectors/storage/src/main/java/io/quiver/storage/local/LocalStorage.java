package io.quiver.storage.local;

import io.quiver.storage.DirectoryListing;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/**
 * {@code file://} storage on the local file system. The version of a file is its modification time
 * and length; every positional read re-checks it, so an overwritten file fails the read with {@link
 * VersionChangedException} instead of returning mixed bytes. Writes are atomic (temporary file,
 * then rename).
 *
 * <p>Confined (a {@code confine-to} root, which a node sets to the real path of a mount's target):
 * a file whose real path — symbolic links resolved, in the file name or any directory above it — is
 * not under the root does not exist for this storage: it is left out of listings and reads of it
 * fail with {@link FileNotFoundException}, the same as a missing file.
 *
 * <p>Thread-safe.
 */
public final class LocalStorage implements Storage {
  private final Path confinedTo;

  /** Unconfined: every path the process can read. */
  public LocalStorage() {
    this(null);
  }

  /** Confined to {@code root} (a real path: absolute, links resolved), or unconfined if null. */
  public LocalStorage(Path root) {
    this.confinedTo = root;
  }

  /** Whether {@code path} resolves (links followed) inside the confinement root. */
  private boolean inside(Path path) {
    if (confinedTo == null) {
      return true;
    }
    try {
      return path.toRealPath().startsWith(confinedTo);
    } catch (IOException e) {
      return false;
    }
  }

  private Path confined(Path path, Location location) throws FileNotFoundException {
    if (!inside(path)) {
      throw new FileNotFoundException("No such file: " + location);
    }
    return path;
  }

  static Path toPath(Location location) {
    if (!location.scheme().equals("file")) {
      throw new IllegalArgumentException("Not a file:// location: " + location);
    }
    if (!location.authority().isEmpty()) {
      throw new IllegalArgumentException(
          "file:// locations take no host: '" + location + "' (write file:///absolute/path)");
    }
    return Path.of(location.path());
  }

  static ObjectVersion versionOf(BasicFileAttributes attributes) {
    return ObjectVersion.ofModifiedAndLength(
        attributes.lastModifiedTime().toMillis(), attributes.size());
  }

  @Override
  public Stream<FileEntry> list(Location prefix) throws IOException {
    Path root = toPath(prefix);
    if (!Files.exists(root)) {
      return Stream.empty();
    }
    if (Files.isRegularFile(root)) {
      return inside(root) ? Stream.of(stat(prefix)) : Stream.empty();
    }
    return Files.walk(root)
        .filter(Files::isRegularFile)
        .filter(this::inside)
        .map(
            p -> {
              try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return new FileEntry(
                    Location.ofLocalPath(p),
                    a.size(),
                    versionOf(a),
                    a.lastModifiedTime().toMillis());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  /** One directory's entries ({@link Files#list}): symbolic links are not followed into. */
  @Override
  public DirectoryListing listDirectory(Location prefix) throws IOException {
    Path root = toPath(prefix);
    if (!Files.isDirectory(root) || !inside(root)) {
      return new DirectoryListing(java.util.List.of(), java.util.List.of());
    }
    java.util.List<FileEntry> files = new java.util.ArrayList<>();
    java.util.List<Location> directories = new java.util.ArrayList<>();
    try (Stream<Path> children = Files.list(root)) {
      for (Path p : (Iterable<Path>) children::iterator) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          directories.add(Location.ofLocalPath(p));
        } else if (Files.isRegularFile(p) && inside(p)) {
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          files.add(
              new FileEntry(
                  Location.ofLocalPath(p),
                  a.size(),
                  versionOf(a),
                  a.lastModifiedTime().toMillis()));
        }
      }
    } catch (NoSuchFileException e) {
      return new DirectoryListing(java.util.List.of(), java.util.List.of());
    }
    return new DirectoryListing(files, directories);
  }

  @Override
  public boolean supportsDirectoryListing() {
    return true;
  }

  @Override
  public FileEntry stat(Location location) throws IOException {
    Path path = confined(toPath(location), location);
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("No such file: " + location);
    }
    if (!a.isRegularFile()) {
      throw new FileNotFoundException("Not a file: " + location);
    }
    return new FileEntry(location, a.size(), versionOf(a), a.lastModifiedTime().toMillis());
  }

  @Override
  public boolean exists(Location location) {
    Path path = toPath(location);
    return Files.exists(path) && inside(path);
  }

  @Override
  public StorageInput open(FileEntry entry) throws IOException {
    Path path = confined(toPath(entry.location()), entry.location());
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("No such file: " + entry.location());
    }
    try {
      checkVersion(entry, path);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return new LocalInput(entry, path, channel);
  }

  private static void checkVersion(FileEntry entry, Path path) throws IOException {
    ObjectVersion actual;
    try {
      actual = versionOf(Files.readAttributes(path, BasicFileAttributes.class));
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("File was deleted: " + entry.location());
    }
    if (!actual.equals(entry.version())) {
      throw new VersionChangedException(entry.location(), entry.version(), actual);
    }
  }

  @Override
  public void write(Location location, byte[] contents) throws IOException {
    Path path = toPath(location);
    Files.createDirectories(path.getParent());
    Path tmp = Files.createTempFile(path.getParent(), "." + path.getFileName(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(contents);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void delete(Location location) throws IOException {
    Files.deleteIfExists(toPath(location));
  }

  private static final class LocalInput implements StorageInput {
    private final FileEntry entry;
    private final Path path;
    private final FileChannel channel;

    LocalInput(FileEntry entry, Path path, FileChannel channel) {
      this.entry = entry;
      this.path = path;
      this.channel = channel;
    }

    @Override
    public FileEntry entry() {
      return entry;
    }

    @Override
    public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
      StorageInput.checkRange(entry, position, buffer, offset, length);
      ByteBuffer buf = ByteBuffer.wrap(buffer, offset, length);
      long pos = position;
      while (buf.hasRemaining()) {
        int n = channel.read(buf, pos);
        if (n < 0) {
          checkVersion(entry, path);
          throw new EOFException("Unexpected end of " + entry.location() + " at " + pos);
        }
        pos += n;
      }
      // An in-place overwrite would otherwise hand out bytes of two versions.
      checkVersion(entry, path);
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
