package io.quiver.catalog;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.quiver.storage.LocalDiskException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the catalog in {@code catalog.json} under a data directory: the embedded {@link
 * CatalogStore} of a single node. The file is one revision in {@link CatalogStateJson}'s format,
 * indented.
 *
 * <p>Crash safety: an update writes the new revision to a temporary file, fsyncs it, keeps the
 * previous revision as {@code catalog.json.prev} (a hard link, so no copy), renames the temporary
 * file over {@code catalog.json} atomically and fsyncs the directory. A crash at any point leaves
 * the old or the new revision, and a completed update survives it. Updates are serialized by a lock
 * file ({@code catalog.lock}, an OS file lock, so other processes over the same directory are
 * excluded too) and compare the revision on disk, so no update is ever lost.
 *
 * <p>A file that cannot be parsed is an {@link IOException} naming it and saying how to recover
 * (the previous revision is kept beside it); failures to read or write the disk are {@link
 * LocalDiskException}s (the node's disk, not a mounted store).
 *
 * <p>Watches poll the file's identity (an update replaces it) every {@code pollMillis}; changes
 * made through this instance are reported at once. Thread-safe.
 */
public final class FileCatalogStore implements CatalogStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileCatalogStore.class);

  /** One monitor per catalog file in this JVM: OS file locks do not exclude threads of one JVM. */
  private static final Map<Path, Object> LOCAL_LOCKS = new ConcurrentHashMap<>();

  private final Path directory;
  private final Path file;
  private final Path previous;
  private final Path lockFile;
  private final long pollMillis;
  private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();

  @GuardedBy("this")
  private ScheduledExecutorService watcher;

  /** Only touched on the watcher thread. */
  private long notified = -1;

  private Object seenIdentity;

  public FileCatalogStore(Path dataDirectory) {
    this(dataDirectory, 1_000);
  }

  /**
   * @param pollMillis how often watches look for changes made by other processes
   */
  public FileCatalogStore(Path dataDirectory, long pollMillis) {
    if (pollMillis <= 0) {
      throw new IllegalArgumentException("pollMillis must be positive: " + pollMillis);
    }
    this.directory = dataDirectory;
    this.file = dataDirectory.resolve("catalog.json");
    this.previous = dataDirectory.resolve("catalog.json.prev");
    this.lockFile = dataDirectory.resolve("catalog.lock");
    this.pollMillis = pollMillis;
  }

  /** The catalog file. */
  public Path file() {
    return file;
  }

  @Override
  public Snapshot load() throws IOException {
    return read(file, true);
  }

  private Snapshot read(Path path, boolean withAdvice) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return Snapshot.EMPTY;
    } catch (IOException e) {
      throw new LocalDiskException("Cannot read catalog file " + path + ": " + e, e);
    }
    try {
      return CatalogStateJson.read(bytes, "Catalog file " + path);
    } catch (IOException e) {
      throw withAdvice ? new IOException(e.getMessage() + recoveryAdvice(), e) : e;
    }
  }

  /** How an operator gets a node with a damaged catalog file going again. */
  private String recoveryAdvice() {
    String prev;
    try {
      Snapshot p = read(previous, false);
      prev =
          Files.exists(previous)
              ? " The previous revision ("
                  + p.revision()
                  + ", "
                  + p.state().mounts().size()
                  + " mounts, "
                  + p.state().tables().size()
                  + " tables) is intact in "
                  + previous
                  + ": copy it over "
                  + file.getFileName()
                  + " to lose at most the last change,"
              : "";
    } catch (IOException e) {
      prev = "";
    }
    return ". The node does not start over a damaged catalog, so that no mount or table is lost"
        + " silently. To recover, stop the node;"
        + prev
        + " or move "
        + file
        + " aside to start with an empty catalog.";
  }

  @Override
  public Snapshot update(long expectedRevision, CatalogState next) throws IOException {
    Objects.requireNonNull(next, "next");
    Snapshot committed;
    Object local =
        LOCAL_LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new Object());
    synchronized (local) {
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new LocalDiskException("Cannot create the data directory " + directory + ": " + e, e);
      }
      FileChannel lockChannel;
      FileLock lock;
      try {
        lockChannel =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new LocalDiskException("Cannot open catalog lock file " + lockFile + ": " + e, e);
      }
      try (lockChannel) {
        try {
          lock = lockChannel.lock();
        } catch (IOException e) {
          throw new LocalDiskException("Cannot lock catalog lock file " + lockFile + ": " + e, e);
        }
        // Read under the lock: the revision on disk is the one to compare, whoever wrote it.
        long actual = read(file, true).revision();
        if (actual != expectedRevision) {
          throw new CatalogConflictException(expectedRevision, actual);
        }
        committed = new Snapshot(actual + 1, next);
        try {
          removeLeftovers();
          write(CatalogStateJson.write(committed, true));
        } catch (IOException e) {
          throw new LocalDiskException("Cannot write catalog file " + file + ": " + e, e);
        }
        // Closing the channel releases the lock.
        lock.release();
      }
    }
    publish(committed);
    return committed;
  }

  /** Temporary files of writers that crashed (none can be running: the lock is held). */
  private void removeLeftovers() throws IOException {
    try (DirectoryStream<Path> tmps = Files.newDirectoryStream(directory, ".catalog.json*.tmp")) {
      for (Path tmp : tmps) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  private void write(byte[] contents) throws IOException {
    Path tmp = Files.createTempFile(directory, ".catalog.json", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(contents);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      if (Files.exists(file)) {
        // The revision being replaced stays readable beside the new one, for recovery by hand.
        Files.deleteIfExists(previous);
        try {
          Files.createLink(previous, file);
        } catch (UnsupportedOperationException | IOException e) {
          Files.copy(file, previous, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory();
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Makes the rename durable: without it a power loss may bring the old directory entry back. */
  private void syncDirectory() {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      LOG.debug("Cannot fsync directory {} (not supported here): {}", directory, e.toString());
    }
  }

  // ---- watches ----

  @Override
  public Watch watch(Consumer<Snapshot> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    synchronized (this) {
      if (watcher == null) {
        watcher =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "catalog-watch " + file.getFileName());
                  t.setDaemon(true);
                  return t;
                });
        watcher.execute(this::baseline);
        watcher.scheduleWithFixedDelay(this::poll, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
      }
    }
    return () -> listeners.remove(listener);
  }

  @Override
  public long watchDelayMillis() {
    return pollMillis;
  }

  /** Revisions up to the current one are not news to a new watcher. */
  private void baseline() {
    try {
      seenIdentity = identity();
      notified = Math.max(notified, load().revision());
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot read catalog file {} to watch it: {}", file, e.toString());
    }
  }

  private Object identity() throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return List.of(String.valueOf(a.fileKey()), a.lastModifiedTime().toMillis(), a.size());
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  private void poll() {
    try {
      Object now = identity();
      if (now.equals(seenIdentity)) {
        return;
      }
      seenIdentity = now;
      deliver(load());
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot read catalog file {} for watchers: {}", file, e.toString());
    }
  }

  private void publish(Snapshot committed) {
    ScheduledExecutorService w;
    synchronized (this) {
      w = watcher;
    }
    if (w != null) {
      try {
        w.execute(() -> deliver(committed));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed meanwhile: nobody is watching any more
      }
    }
  }

  /** On the watcher thread: reports {@code s} unless it was reported already. */
  private void deliver(Snapshot s) {
    if (s.revision() <= notified) {
      return;
    }
    notified = s.revision();
    CatalogWatchers.tell(listeners, s, LOG);
  }

  @Override
  public void close() {
    ScheduledExecutorService w;
    synchronized (this) {
      w = watcher;
      watcher = null;
    }
    listeners.clear();
    if (w != null) {
      w.shutdownNow();
    }
  }
}
