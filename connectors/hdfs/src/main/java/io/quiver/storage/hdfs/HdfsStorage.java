package io.quiver.storage.hdfs;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.security.UserGroupInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hdfs://} storage over Hadoop's HDFS client (the shaded {@code hadoop-client-api}).
 *
 * <p>Locations name the NameNode in their authority: {@code hdfs://namenode:8020/path}, or {@code
 * hdfs://nameservice/path} for an HA nameservice defined in the loaded {@code hdfs-site.xml}. One
 * storage serves any number of NameNodes; it opens a private Hadoop {@link FileSystem} per
 * authority on first use ({@link FileSystem#newInstance}, never Hadoop's shared cache) and closes
 * them all in {@link #close()}.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Version</b> = modification time (ms) and length. {@link #open} checks it, and every
 *       {@link StorageInput#readFully} re-checks it after reading (one NameNode {@code getFileInfo}
 *       call per read), so an overwrite, append or truncate between or during reads fails with
 *       {@link VersionChangedException} instead of returning bytes of two versions.
 *   <li><b>list</b> walks the prefix recursively and lazily, a directory page at a time; a missing
 *       prefix is an empty stream, a file is a one-entry stream. Failures while the stream is
 *       consumed are {@link java.io.UncheckedIOException}s wrapping the exceptions below.
 *   <li><b>exists</b> is true for a file or any directory (also an empty one).
 *   <li><b>write</b> writes {@code .<name>.<uuid>.tmp} next to the target and renames it over the
 *       target (one atomic NameNode operation), so readers see the old or the new object, never a
 *       partial one. Parent directories are created. A failed write deletes its temporary file.
 *   <li><b>delete</b> is non-recursive; deleting a missing object is not an error.
 * </ul>
 *
 * <h2>Failures</h2>
 *
 * {@link FileNotFoundException} for a missing object; {@link java.nio.file.AccessDeniedException}
 * when HDFS denies permission; {@link io.quiver.storage.StorageUnavailableException} naming the
 * NameNode when it cannot be reached (or is standby / in safe mode) after the client's own retries
 * — see {@link HdfsStorageProvider} for the timeouts; other {@link IOException}s as Hadoop raised
 * them. All translation happens in {@link HdfsErrors}.
 *
 * <h2>Options</h2>
 *
 * {@code config-dir} (directory with {@code core-site.xml}/{@code hdfs-site.xml}), {@code user}
 * (HDFS user to act as; default the process user, or {@code HADOOP_USER_NAME}), and {@code
 * hadoop.<key>} (any Hadoop configuration key); see {@link HdfsStorageProvider}. Only simple
 * authentication is supported.
 *
 * <p>Thread-safe. Inputs returned by {@link #open} are thread-safe too (positional reads).
 */
public final class HdfsStorage implements Storage {
  private static final Logger LOG = LoggerFactory.getLogger(HdfsStorage.class);

  private final HdfsMountOptions options;
  private final UserGroupInformation ugi;
  private final Map<String, DistributedFileSystem> fileSystems = new ConcurrentHashMap<>();
  private final Object lock = new Object();

  @GuardedBy("lock")
  private boolean closed;

  /**
   * Creates a storage for an {@code hdfs://} mount. Contacts no NameNode yet.
   *
   * @throws IllegalArgumentException if an option is unknown or invalid (the message lists the
   *     accepted forms)
   */
  public HdfsStorage(Map<String, String> options) throws IOException {
    this.options = HdfsMountOptions.parse(options);
    String user = this.options.user();
    this.ugi =
        user == null
            ? UserGroupInformation.getCurrentUser()
            : UserGroupInformation.createRemoteUser(user);
  }

  /** A copy of the Hadoop configuration every client of this storage starts from. */
  Configuration configuration() {
    return options.configuration();
  }

  /** The HDFS user this storage acts as. */
  String user() {
    return ugi.getShortUserName();
  }

  static Path toPath(Location location) {
    checkLocation(location);
    return new Path(location.toUri());
  }

  private static void checkLocation(Location location) {
    if (!location.scheme().equals("hdfs")) {
      throw new IllegalArgumentException("Not an hdfs:// location: " + location);
    }
    if (location.authority().isEmpty()) {
      throw new IllegalArgumentException(
          "hdfs:// locations name their NameNode: '"
              + location
              + "' (write hdfs://namenode:port/path or hdfs://nameservice/path)");
    }
  }

  static ObjectVersion versionOf(FileStatus status) {
    return ObjectVersion.ofModifiedAndLength(status.getModificationTime(), status.getLen());
  }

  static FileEntry entry(Location location, FileStatus status) {
    return new FileEntry(
        location, status.getLen(), versionOf(status), status.getModificationTime());
  }

  private static URI nameNodeUri(Location location) {
    return URI.create("hdfs://" + location.authority());
  }

  private DistributedFileSystem fileSystem(Location location) throws IOException {
    checkLocation(location);
    DistributedFileSystem fs = fileSystems.get(location.authority());
    if (fs != null) {
      return fs;
    }
    synchronized (lock) {
      if (closed) {
        throw new IOException("HDFS storage is closed; cannot access " + location);
      }
      fs = fileSystems.get(location.authority());
      if (fs == null) {
        fs = newFileSystem(location);
        fileSystems.put(location.authority(), fs);
      }
      return fs;
    }
  }

  private DistributedFileSystem newFileSystem(Location location) throws IOException {
    URI uri = nameNodeUri(location);
    Configuration conf = options.configuration();
    FileSystem fs;
    try {
      // The client keeps the user it was created as for all its calls.
      fs =
          ugi.doAs((PrivilegedExceptionAction<FileSystem>) () -> FileSystem.newInstance(uri, conf));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted =
          new InterruptedIOException("Interrupted while connecting to " + uri);
      interrupted.initCause(e);
      throw interrupted;
    } catch (IOException e) {
      throw HdfsErrors.translate(e, "connect to", location, uri);
    }
    if (fs instanceof DistributedFileSystem dfs) {
      LOG.debug("Opened HDFS client for {} as {}", uri, ugi.getShortUserName());
      return dfs;
    }
    String type = fs.getClass().getName();
    fs.close();
    throw new IllegalArgumentException(
        "hdfs:// resolved to " + type + ", not HDFS's DistributedFileSystem: check fs.hdfs.impl");
  }

  @FunctionalInterface
  private interface HdfsCall<T> {
    T call(DistributedFileSystem fs, Path path) throws IOException;
  }

  /** Runs one client call on {@code location}, translating its failure. */
  private <T> T call(String operation, Location location, HdfsCall<T> call) throws IOException {
    DistributedFileSystem fs = fileSystem(location);
    try {
      return call.call(fs, toPath(location));
    } catch (IOException e) {
      throw HdfsErrors.translate(e, operation, location, fs.getUri());
    }
  }

  @Override
  public Stream<FileEntry> list(Location prefix) throws IOException {
    DistributedFileSystem fs = fileSystem(prefix);
    FileStatus root;
    RecursiveListing walk;
    try {
      root = fs.getFileStatus(toPath(prefix));
      if (root.isFile()) {
        return Stream.of(entry(prefix, root));
      }
      if (!root.isDirectory()) {
        return Stream.empty();
      }
      walk = new RecursiveListing(fs, prefix, fs.getUri());
    } catch (FileNotFoundException e) {
      return Stream.empty();
    } catch (IOException e) {
      throw HdfsErrors.translate(e, "list", prefix, fs.getUri());
    }
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(walk, Spliterator.NONNULL | Spliterator.DISTINCT),
        false);
  }

  @Override
  public FileEntry stat(Location location) throws IOException {
    FileStatus status = call("stat", location, (fs, path) -> fs.getFileStatus(path));
    if (!status.isFile()) {
      throw new FileNotFoundException("Not a file: " + location);
    }
    return entry(location, status);
  }

  @Override
  public boolean exists(Location location) throws IOException {
    return call("check", location, (fs, path) -> fs.exists(path));
  }

  @Override
  public StorageInput open(FileEntry entry) throws IOException {
    Location location = entry.location();
    DistributedFileSystem fs = fileSystem(location);
    FSDataInputStream in = call("open", location, (f, path) -> f.open(path));
    try {
      checkVersion(fs, entry);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
    return new HdfsInput(fs, entry, in);
  }

  private static void checkVersion(DistributedFileSystem fs, FileEntry entry) throws IOException {
    Location location = entry.location();
    FileStatus status;
    try {
      status = fs.getFileStatus(toPath(location));
    } catch (FileNotFoundException e) {
      throw new FileNotFoundException("File was deleted: " + location);
    } catch (IOException e) {
      throw HdfsErrors.translate(e, "check the version of", location, fs.getUri());
    }
    if (!status.isFile()) {
      throw new FileNotFoundException("No longer a file: " + location);
    }
    ObjectVersion actual = versionOf(status);
    if (!actual.equals(entry.version())) {
      throw new VersionChangedException(location, entry.version(), actual);
    }
  }

  @Override
  public void write(Location location, byte[] contents) throws IOException {
    Objects.requireNonNull(contents, "contents");
    if (location.isRoot()) {
      throw new IllegalArgumentException("Cannot write an object at the root: " + location);
    }
    call(
        "write",
        location,
        (fs, target) -> {
          Path tmp =
              new Path(
                  target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
          try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
              out.write(contents);
            }
            fs.rename(tmp, target, Options.Rename.OVERWRITE);
          } catch (IOException | RuntimeException e) {
            try {
              fs.delete(tmp, false);
            } catch (IOException | RuntimeException cleanup) {
              e.addSuppressed(cleanup);
            }
            throw e;
          }
          return null;
        });
  }

  @Override
  public void delete(Location location) throws IOException {
    if (location.isRoot()) {
      throw new IllegalArgumentException("Cannot delete the root: " + location);
    }
    call("delete", location, (fs, path) -> fs.delete(path, false));
  }

  /** Closes every client this storage opened; later calls fail. Idempotent. */
  @Override
  public void close() throws IOException {
    List<DistributedFileSystem> toClose;
    synchronized (lock) {
      closed = true;
      toClose = new ArrayList<>(fileSystems.values());
      fileSystems.clear();
    }
    IOException failure = null;
    for (DistributedFileSystem fs : toClose) {
      try {
        fs.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Positional reads of one version; thread-safe (HDFS preads do not share a stream position). */
  private static final class HdfsInput implements StorageInput {
    private final DistributedFileSystem fs;
    private final FileEntry entry;
    private final FSDataInputStream in;

    HdfsInput(DistributedFileSystem fs, FileEntry entry, FSDataInputStream in) {
      this.fs = fs;
      this.entry = entry;
      this.in = in;
    }

    @Override
    public FileEntry entry() {
      return entry;
    }

    @Override
    public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
      StorageInput.checkRange(entry, position, buffer, offset, length);
      if (length > 0) {
        try {
          in.readFully(position, buffer, offset, length);
        } catch (IOException e) {
          // A replaced, truncated or deleted file shows up as a short read or a missing block: say
          // so rather than report the symptom.
          try {
            checkVersion(fs, entry);
          } catch (IOException changed) {
            changed.addSuppressed(e);
            throw changed;
          }
          throw HdfsErrors.translate(e, "read", entry.location(), fs.getUri());
        }
      }
      // The stream would otherwise hand out bytes of a file appended to or replaced since open.
      checkVersion(fs, entry);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
