package io.quiver.format.parquet;

import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A parquet-java {@link InputFile} over a borrowed {@link StorageInput}: every byte parquet-java
 * reads comes from {@link StorageInput#readFully} positional reads of one object version.
 *
 * <p>Reads of at least {@value #SMALL_READ} bytes (column chunks, however small) go to storage as
 * one positional read of exactly the requested range, with no read-ahead, so a projection reads
 * only its columns' bytes. Tiny reads (single bytes, length fields) are served from a {@value
 * #BUFFER_SIZE}-byte buffer filled by one positional read, so that byte-wise parsing costs a few
 * storage calls, not one per byte.
 *
 * <p>This class and its streams never close the {@code StorageInput}: its owner does, after the
 * streams are done. Closing a stream only marks it closed. Thread-safety: the file is as
 * thread-safe as the underlying input (usually not); each stream is for one thread.
 */
public final class StorageInputFile implements InputFile {
  /** Size of the buffer that serves small reads. */
  public static final int BUFFER_SIZE = 8 * 1024;

  /** Reads shorter than this are served through the buffer; longer ones are exact. */
  public static final int SMALL_READ = 64;

  private final StorageInput input;

  /** Wraps {@code input}, which stays owned by the caller. */
  public StorageInputFile(StorageInput input) {
    this.input = Objects.requireNonNull(input, "input");
  }

  @Override
  public long getLength() {
    return input.entry().length();
  }

  @Override
  public SeekableInputStream newStream() {
    return new Stream(input);
  }

  @Override
  public String toString() {
    return input.entry().location().toString();
  }

  /**
   * Remembers the last failure of the storage itself, so that callers can tell a storage failure
   * (to propagate as is) from a parquet-java parsing failure (corrupt data).
   */
  static final class Stream extends SeekableInputStream {
    private final StorageInput input;
    private final long length;
    private long position;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private long bufferStart;
    private int bufferLength;
    private boolean closed;
    private IOException storageFailure;

    Stream(StorageInput input) {
      this.input = input;
      this.length = input.entry().length();
    }

    /** The object this stream reads. */
    Location location() {
      return input.entry().location();
    }

    /** The last exception thrown by the underlying {@link StorageInput}, or null. */
    IOException storageFailure() {
      return storageFailure;
    }

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void seek(long newPosition) throws IOException {
      ensureOpen();
      if (newPosition < 0 || newPosition > length) {
        throw new EOFException(
            "Seek to "
                + newPosition
                + " outside "
                + input.entry().location()
                + " ("
                + length
                + " bytes)");
      }
      position = newPosition;
    }

    @Override
    public int read() throws IOException {
      ensureOpen();
      if (position >= length) {
        return -1;
      }
      if (position < bufferStart || position >= bufferStart + bufferLength) {
        fill(position);
      }
      return buffer[(int) (position++ - bufferStart)] & 0xFF;
    }

    @Override
    public int read(byte[] bytes, int offset, int len) throws IOException {
      Objects.checkFromIndexSize(offset, len, bytes.length);
      ensureOpen();
      if (len == 0) {
        return 0;
      }
      if (position >= length) {
        return -1;
      }
      int n = (int) Math.min(len, length - position);
      copyTo(bytes, offset, n);
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      ensureOpen();
      if (n <= 0) {
        return 0;
      }
      long skipped = Math.min(n, length - position);
      position += skipped;
      return skipped;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, length - position);
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int offset, int len) throws IOException {
      Objects.checkFromIndexSize(offset, len, bytes.length);
      ensureOpen();
      checkRemaining(len);
      copyTo(bytes, offset, len);
    }

    @Override
    public int read(ByteBuffer target) throws IOException {
      ensureOpen();
      if (!target.hasRemaining()) {
        return 0;
      }
      if (position >= length) {
        return -1;
      }
      int n = (int) Math.min(target.remaining(), length - position);
      copyTo(target, n);
      return n;
    }

    @Override
    public void readFully(ByteBuffer target) throws IOException {
      ensureOpen();
      int n = target.remaining();
      checkRemaining(n);
      copyTo(target, n);
    }

    @Override
    public void close() {
      closed = true;
    }

    private void copyTo(ByteBuffer target, int n) throws IOException {
      if (target.hasArray()) {
        copyTo(target.array(), target.arrayOffset() + target.position(), n);
        target.position(target.position() + n);
        return;
      }
      // Direct buffers: stage through the heap in large pieces, each one exact range read.
      byte[] staging = new byte[Math.min(n, 1 << 20)];
      int done = 0;
      while (done < n) {
        int piece = Math.min(staging.length, n - done);
        copyTo(staging, 0, piece);
        target.put(staging, 0, piece);
        done += piece;
      }
    }

    /** Copies the next {@code n} bytes, all known to exist, and advances. */
    private void copyTo(byte[] bytes, int offset, int n) throws IOException {
      if (position >= bufferStart && position + n <= bufferStart + bufferLength) {
        System.arraycopy(buffer, (int) (position - bufferStart), bytes, offset, n);
      } else if (n >= SMALL_READ) {
        readStorage(position, bytes, offset, n);
      } else {
        fill(position);
        System.arraycopy(buffer, 0, bytes, offset, n);
      }
      position += n;
    }

    private void fill(long at) throws IOException {
      int n = (int) Math.min(BUFFER_SIZE, length - at);
      bufferLength = 0;
      readStorage(at, buffer, 0, n);
      bufferStart = at;
      bufferLength = n;
    }

    private void readStorage(long at, byte[] bytes, int offset, int n) throws IOException {
      try {
        input.readFully(at, bytes, offset, n);
      } catch (IOException e) {
        storageFailure = e;
        throw e;
      }
    }

    private void checkRemaining(long n) throws EOFException {
      if (n > length - position) {
        throw new EOFException(
            "Read of "
                + n
                + " bytes at "
                + position
                + " goes past the end of "
                + input.entry().location()
                + " ("
                + length
                + " bytes)");
      }
    }

    private void ensureOpen() throws IOException {
      if (closed) {
        throw new IOException("Stream of " + input.entry().location() + " is closed");
      }
    }
  }
}
