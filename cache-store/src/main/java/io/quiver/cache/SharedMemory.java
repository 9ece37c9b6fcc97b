package io.quiver.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory tier in shared memory: a directory of the cache's own (under {@link
 * SharedMemoryOptions#parent()}) holding each cached chunk as an Arrow IPC file in the disk tier's
 * format ({@code ChunkFiles}), which the cache maps and serves from instead of the decoded buffers.
 * A client on the same host maps the same file and reads the chunk with no copy.
 *
 * <h2>Layout and safety</h2>
 *
 * The directory is {@code quiver-<16 hex>}, mode {@code rwx------} ({@code rwxr-x---} with a group,
 * which then owns it and every file). It holds:
 *
 * <ul>
 *   <li>{@code .lock}: locked by the cache while it runs. A cache that starts deletes the
 *       directories under the same parent whose lock it can take: a crashed node's files never stay
 *       in memory after the next start.
 *   <li>{@code .quiver-token}: 32 random hex digits that the server also sends to clients; a client
 *       that reads another value does not see this directory (another host or mount namespace).
 *   <li>one file per cached chunk, named by a counter ({@code <n>.arrow}); it is deleted when the
 *       chunk is freed (evicted and released by every reader). A client that still maps it keeps
 *       its pages until it unmaps them.
 * </ul>
 *
 * <h2>Memory</h2>
 *
 * A file's mapping is accounted to the cache's allocator at the file's size (exact, not Arrow's
 * power-of-two rounding), so the capacity bounds shared memory as it bounds ordinary memory. Moving
 * a loaded chunk here costs one copy of its bytes; while it runs, the decoded chunk and the mapping
 * are both accounted, and if the allocator cannot account the mapping (or the file cannot be
 * written, say the file system is full) the chunk stays in ordinary memory and is served over
 * Flight only ({@link #fallbacks()}).
 *
 * <p>Thread-safety: thread-safe.
 */
public final class SharedMemory implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SharedMemory.class);

  /** The name of the file holding the directory's token. */
  public static final String TOKEN_FILE = ".quiver-token";

  private static final String LOCK_FILE = ".lock";
  private static final String PREFIX = "quiver-";

  private final Path directory;
  private final String token;
  private final GroupPrincipal group;
  private final FileAttribute<Set<PosixFilePermission>> fileMode;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final AtomicLong names = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicLong warned = new AtomicLong();

  private SharedMemory(
      Path directory,
      String token,
      GroupPrincipal group,
      FileAttribute<Set<PosixFilePermission>> fileMode,
      FileChannel lockChannel,
      FileLock lock) {
    this.directory = directory;
    this.token = token;
    this.group = group;
    this.fileMode = fileMode;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates the cache's directory under {@code options.parent()}, after deleting the directories
   * that earlier caches left there and no longer lock.
   *
   * @throws IOException if the parent is missing or not writable, the group does not exist, or the
   *     file system has no POSIX permissions
   */
  static SharedMemory create(SharedMemoryOptions options) throws IOException {
    Path parent = options.parent().toAbsolutePath().normalize();
    if (!Files.isDirectory(parent)) {
      throw new IOException("shared-memory directory " + parent + " does not exist");
    }
    sweep(parent);
    GroupPrincipal group =
        options.group() == null
            ? null
            : parent
                .getFileSystem()
                .getUserPrincipalLookupService()
                .lookupPrincipalByGroupName(options.group());
    String dirMode = group == null ? "rwx------" : "rwxr-x---";
    String fileMode = group == null ? "rw-------" : "rw-r-----";
    SecureRandom random = new SecureRandom();
    Path directory;
    while (true) {
      byte[] id = new byte[8];
      random.nextBytes(id);
      directory = parent.resolve(PREFIX + HexFormat.of().formatHex(id));
      try {
        Files.createDirectory(
            directory,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(dirMode)));
        break;
      } catch (FileAlreadyExistsException e) {
        // another id
      }
    }
    FileChannel lockChannel = null;
    try {
      // The umask may have narrowed the mode; set it exactly.
      Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString(dirMode));
      if (group != null) {
        Files.getFileAttributeView(directory, PosixFileAttributeView.class).setGroup(group);
      }
      FileAttribute<Set<PosixFilePermission>> files =
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(fileMode));
      lockChannel =
          FileChannel.open(
              directory.resolve(LOCK_FILE),
              Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              files);
      FileLock lock = lockChannel.lock();
      byte[] tokenBytes = new byte[16];
      random.nextBytes(tokenBytes);
      String token = HexFormat.of().formatHex(tokenBytes);
      Path tokenFile = directory.resolve(TOKEN_FILE);
      Files.createFile(tokenFile, files);
      Files.writeString(tokenFile, token, StandardCharsets.US_ASCII);
      SharedMemory shared = new SharedMemory(directory, token, group, files, lockChannel, lock);
      shared.setGroup(tokenFile);
      LOG.info(
          "memory tier in shared memory at {} (readable by {})",
          directory,
          group == null ? "this user only" : "this user and group " + group.getName());
      return shared;
    } catch (IOException | RuntimeException e) {
      if (lockChannel != null) {
        lockChannel.close();
      }
      deleteTree(directory);
      throw e;
    }
  }

  /** The directory holding the chunk files (absolute). */
  public Path directory() {
    return directory;
  }

  /** The content of {@link #TOKEN_FILE}, which clients compare with what the server sends. */
  public String token() {
    return token;
  }

  /** How many loaded chunks stayed in ordinary memory because they could not be moved here. */
  public long fallbacks() {
    return fallbacks.get();
  }

  /**
   * Moves {@code chunk} into a new file here and returns the chunk over its mapping, accounted to
   * {@code allocator}; {@code chunk} is closed then. If the file cannot be written or the allocator
   * cannot account it, returns {@code chunk} itself (counted in {@link #fallbacks()}). An empty
   * chunk is returned as it is.
   */
  ColumnChunk share(ColumnChunkKey key, ColumnChunk chunk, BufferAllocator allocator) {
    if (chunk.slices().isEmpty() || chunk.file() != null) {
      return chunk;
    }
    Path file = directory.resolve(names.incrementAndGet() + ".arrow");
    ColumnChunk mapped;
    try {
      ChunkFiles.write(file, key, chunk, fileMode);
      setGroup(file);
      mapped = ChunkFiles.readShared(file, key, allocator);
    } catch (IOException | OutOfMemoryException | UnsupportedOperationException e) {
      deleteQuietly(file);
      fallbacks.incrementAndGet();
      // One line per failure burst is enough: a full /dev/shm would otherwise log every load.
      long n = warned.incrementAndGet();
      if (n == 1 || Long.bitCount(n) == 1) {
        LOG.warn(
            "kept {} in ordinary memory, not shared memory ({} such chunks so far): {}",
            key,
            n,
            e.toString());
      }
      return chunk;
    }
    chunk.close();
    return mapped;
  }

  private void setGroup(Path file) throws IOException {
    if (group != null) {
      Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(group);
    }
  }

  /**
   * Deletes the directory. The cache calls this after freeing every chunk (whose files are already
   * gone then); anything left is deleted too.
   */
  @Override
  public void close() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("could not release the lock of {}", directory, e);
    }
    deleteTree(directory);
  }

  @Override
  public String toString() {
    return "SharedMemory[" + directory + "]";
  }

  /** Deletes the directories of caches that are gone: those whose lock can be taken. */
  private static void sweep(Path parent) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
      for (Path dir : dirs) {
        Path lockFile = dir.resolve(LOCK_FILE);
        if (!Files.isDirectory(dir) || !Files.isWritable(dir) || !Files.exists(lockFile)) {
          continue; // not ours, or another user's
        }
        boolean stale = false;
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
          FileLock taken = channel.tryLock();
          if (taken != null) {
            stale = true;
            taken.release();
          }
        } catch (OverlappingFileLockException e) {
          // another cache in this JVM holds it
        } catch (IOException e) {
          continue;
        }
        if (stale) {
          LOG.info("deleting {}: left by a node that is gone", dir);
          deleteTree(dir);
        }
      }
    } catch (IOException e) {
      LOG.warn("could not look for stale shared-memory directories in {}", parent, e);
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("could not delete {}", file, e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(SharedMemory::deleteQuietly);
    } catch (IOException e) {
      LOG.warn("could not delete {}", dir, e);
    }
  }
}
