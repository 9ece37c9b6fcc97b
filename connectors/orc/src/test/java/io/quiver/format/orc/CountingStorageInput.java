package io.quiver.format.orc;

import io.quiver.storage.FileEntry;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the (position, length) of every positional read, then delegates; can be told to fail
 * every read from some point on with a given exception.
 */
final class CountingStorageInput implements StorageInput {
  record Range(long position, long length) {
    long end() {
      return position + length;
    }
  }

  private final StorageInput delegate;
  private final List<Range> reads = new ArrayList<>();
  private IOException failure;
  private int interruptAt = -1;

  CountingStorageInput(StorageInput delegate) {
    this.delegate = delegate;
  }

  @Override
  public FileEntry entry() {
    return delegate.entry();
  }

  @Override
  public synchronized void readFully(long position, byte[] buffer, int offset, int length)
      throws IOException {
    reads.add(new Range(position, length));
    if (failure != null) {
      throw failure;
    }
    if (reads.size() == interruptAt) {
      // As a cancelled caller's thread would be: the delegate's interruptible I/O fails.
      Thread.currentThread().interrupt();
    }
    delegate.readFully(position, buffer, offset, length);
  }

  synchronized List<Range> reads() {
    return List.copyOf(reads);
  }

  synchronized long bytesRead() {
    return reads.stream().mapToLong(Range::length).sum();
  }

  synchronized void clear() {
    reads.clear();
  }

  /** Interrupts the reading thread just before the {@code n}-th read from now. */
  synchronized void interruptAtRead(int n) {
    this.interruptAt = reads.size() + n;
  }

  /** Every later read throws {@code e} (the same instance). */
  synchronized void failWith(IOException e) {
    this.failure = e;
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
