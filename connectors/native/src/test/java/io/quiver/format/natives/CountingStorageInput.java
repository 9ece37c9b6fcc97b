package io.quiver.format.natives;

import io.quiver.storage.FileEntry;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Records the (position, length) of every positional read, then delegates. */
final class CountingStorageInput implements StorageInput {
  record Range(long position, long length) {
    long end() {
      return position + length;
    }
  }

  private final StorageInput delegate;
  private final List<Range> reads = new ArrayList<>();

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
    delegate.readFully(position, buffer, offset, length);
  }

  synchronized List<Range> reads() {
    return List.copyOf(reads);
  }

  synchronized void clear() {
    reads.clear();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
