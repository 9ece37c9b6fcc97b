package io.quiver.storage;

import java.io.IOException;

/**
 * The node's own disk failed: its catalog file, its disk tier or its temporary files could not be
 * read or written (disk full, I/O error, a path that is not a directory). Unlike {@link
 * StorageUnavailableException} this is not about a mounted store and retrying the same call will
 * not help until an operator acts, so the Flight boundary reports it as an internal error of the
 * node, never as UNAVAILABLE. The message names the path and what was attempted.
 */
public class LocalDiskException extends IOException {
  private static final long serialVersionUID = 1L;

  public LocalDiskException(String message, Throwable cause) {
    super(message, cause);
  }
}
