package io.quiver.server;

import io.quiver.storage.FileEntry;
import io.quiver.storage.StorageInput;
import java.io.IOException;

/**
 * A {@link StorageInput} that adds the bytes read through it to a {@link StreamStats}. Not
 * thread-safe, like the input it wraps; closing it closes that input.
 */
final class CountingInput implements StorageInput {
  private final StorageInput input;
  private final StreamStats stats;

  CountingInput(StorageInput input, StreamStats stats) {
    this.input = input;
    this.stats = stats;
  }

  @Override
  public FileEntry entry() {
    return input.entry();
  }

  @Override
  public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
    input.readFully(position, buffer, offset, length);
    stats.storageBytes += length;
  }

  @Override
  public void close() throws IOException {
    input.close();
  }
}
