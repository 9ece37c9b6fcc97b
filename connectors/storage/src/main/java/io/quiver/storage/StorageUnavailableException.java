package io.quiver.storage;

import java.io.IOException;

/**
 * The store could not be reached or kept failing after the client library's own retries and
 * timeouts were spent (unreachable endpoint, throttling, 5xx). Callers must not retry on top: the
 * client already did. The message names the store and what was tried.
 */
public class StorageUnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
