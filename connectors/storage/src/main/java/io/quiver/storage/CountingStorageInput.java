package io.quiver.storage;

import java.io.IOException;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * A {@link StorageInput} that reports the length of every successful read to a callback: storage
 * metrics, a scan's log line, a benchmark's byte count. It owns the input it wraps (closing it
 * closes that input) and is as thread-safe as that input and the callback.
 */
public final class CountingStorageInput implements StorageInput {
  private final StorageInput input;
  private final LongConsumer bytesRead;

  /**
   * @param input the input to read through; owned from now on
   * @param bytesRead called with the length of each read after it succeeded
   */
  public CountingStorageInput(StorageInput input, LongConsumer bytesRead) {
    this.input = Objects.requireNonNull(input, "input");
    this.bytesRead = Objects.requireNonNull(bytesRead, "bytesRead");
  }

  @Override
  public FileEntry entry() {
    return input.entry();
  }

  @Override
  public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
    input.readFully(position, buffer, offset, length);
    bytesRead.accept(length);
  }

  @Override
  public void close() throws IOException {
    input.close();
  }
}
