package io.quiver.catalog;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mount's open store client, reference counted: the mount table holds one reference while the
 * mount exists, and each {@link Catalog.PathLease} one more. The client is closed when the last
 * reference is released, so unmounting never closes a store under a live stream. Thread-safe.
 */
final class StorageHandle {
  private static final Logger LOG = LoggerFactory.getLogger(StorageHandle.class);
  private final Mount mount;
  private final SyncedStorage storage;

  @GuardedBy("this")
  private int references = 1;

  @GuardedBy("this")
  private boolean retired;

  StorageHandle(Mount mount, SyncedStorage storage) {
    this.mount = mount;
    this.storage = storage;
  }

  Mount mount() {
    return mount;
  }

  SyncedStorage storage() {
    return storage;
  }

  /** Takes a reference; false if the client is closed already (its mount was removed). */
  synchronized boolean acquire() {
    if (references == 0) {
      return false;
    }
    references++;
    return true;
  }

  /** Gives a reference back; the last one closes the client. */
  void release() {
    boolean close;
    synchronized (this) {
      if (references == 0) {
        throw new IllegalStateException("Released more often than acquired: " + mount.path());
      }
      close = --references == 0;
    }
    if (close) {
      try {
        storage.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Closing the store of mount {} failed: {}", mount.path(), e.toString());
      }
    }
  }

  /** Drops the mount table's reference (once): the client closes when no lease holds it. */
  void retire() {
    synchronized (this) {
      if (retired) {
        return;
      }
      retired = true;
    }
    release();
  }

  synchronized int references() {
    return references;
  }
}
