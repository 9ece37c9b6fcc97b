package io.quiver.cache;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a {@link ChunkCache} keeps its memory tier in shared memory ({@link
 * CacheOptions#withSharedMemory}): in a directory of its own, created under {@code parent}
 * (normally {@code /dev/shm}, a tmpfs), each chunk as an Arrow IPC file the cache maps. A client on
 * the same host maps the same files and reads the cached columns with no copy and no socket (see
 * {@link SharedMemory}).
 *
 * <p>Access is the file system's: the directory is readable by the cache's user only, or also by
 * the members of {@code group} when one is given.
 *
 * @param parent the directory to create the cache's directory in; must exist
 * @param group a POSIX group whose members may map the files too; null for the owner only
 */
public record SharedMemoryOptions(Path parent, String group) {
  /**
   * @throws NullPointerException if {@code parent} is null
   * @throws IllegalArgumentException if {@code group} is blank
   */
  public SharedMemoryOptions {
    Objects.requireNonNull(parent, "parent");
    if (group != null && group.isBlank()) {
      throw new IllegalArgumentException("group must not be blank");
    }
  }

  /** The usual place on Linux: {@code /dev/shm}, owner only. */
  public static SharedMemoryOptions devShm() {
    return new SharedMemoryOptions(Path.of("/dev/shm"), null);
  }
}
