package io.quiver.cache;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One directory of a {@link ChunkCache}'s disk tier and the most bytes of cache files it may hold.
 *
 * <p>The cache creates the directory if needed, holds an exclusive lock file in it ({@code
 * .quiver-cache.lock}) while open, and owns every {@code *.arrow} and {@code *.tmp} file in it:
 * files it cannot read are deleted. Do not share a directory with other data.
 *
 * <p>Immutable value; safe to share between threads.
 *
 * @param path the directory
 * @param capacityBytes the most bytes of committed cache files in it (files being written are
 *     reserved against it by an estimate of their size)
 */
public record DiskDirectory(Path path, long capacityBytes) {

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if {@code capacityBytes} is not positive
   */
  public DiskDirectory {
    Objects.requireNonNull(path, "path");
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes must be > 0: " + capacityBytes);
    }
  }
}
