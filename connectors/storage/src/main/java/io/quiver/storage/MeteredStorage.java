package io.quiver.storage;

import java.io.IOException;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A {@link Storage} decorator that counts calls and bytes read into a {@link StorageMetrics}. It
 * owns the delegate: closing it closes the delegate and {@linkplain StorageMetrics#release()
 * releases} the counters (once, however often it is closed).
 *
 * <p>Thread-safe if the delegate is.
 */
public final class MeteredStorage implements Storage {
  private final Storage delegate;
  private final StorageMetrics metrics;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  public MeteredStorage(Storage delegate, StorageMetrics metrics) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  @Override
  public Stream<FileEntry> list(Location prefix) throws IOException {
    metrics.recordList();
    return delegate.list(prefix);
  }

  @Override
  public DirectoryListing listDirectory(Location prefix) throws IOException {
    if (!delegate.supportsDirectoryListing()) {
      return Storage.super.listDirectory(prefix); // counted as the list it is
    }
    metrics.recordList();
    return delegate.listDirectory(prefix);
  }

  @Override
  public boolean supportsDirectoryListing() {
    return delegate.supportsDirectoryListing();
  }

  @Override
  public FileEntry stat(Location location) throws IOException {
    metrics.recordStat();
    return delegate.stat(location);
  }

  @Override
  public boolean exists(Location location) throws IOException {
    metrics.recordStat();
    return delegate.exists(location);
  }

  @Override
  public StorageInput open(FileEntry entry) throws IOException {
    metrics.recordOpen();
    return new CountingStorageInput(delegate.open(entry), metrics::recordRead);
  }

  @Override
  public void write(Location location, byte[] contents) throws IOException {
    delegate.write(location, contents);
  }

  @Override
  public void delete(Location location) throws IOException {
    delegate.delete(location);
  }

  @Override
  public void close() throws IOException {
    try {
      delegate.close();
    } finally {
      if (closed.compareAndSet(false, true)) {
        metrics.release();
      }
    }
  }
}
