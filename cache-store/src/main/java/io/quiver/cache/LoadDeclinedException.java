package io.quiver.cache;

import java.io.IOException;

/**
 * Thrown by a {@link ChunkLoader} that chooses not to load (for example a speculative prefetch
 * finding that the cache would have to stream the chunks through): the keys are released as after
 * any failed load, but the cache does not count it in {@link CacheStats#loadFailures()}, which
 * stays a count of real failures (store errors, corrupt data) that operators alert on.
 */
public class LoadDeclinedException extends IOException {
  private static final long serialVersionUID = 1L;

  public LoadDeclinedException(String message) {
    super(message);
  }
}
