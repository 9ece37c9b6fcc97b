package io.quiver.storage;

import java.io.Closeable;
import java.io.IOException;

/**
 * Positional reads of one version of one object. Every read returns bytes of exactly that version
 * or fails with {@link VersionChangedException}; bytes of two versions are never mixed.
 *
 * <p>Not thread-safe unless an implementation says so; open one input per reader.
 */
public interface StorageInput extends Closeable {

  /** The object this input reads, with the version every read is conditioned on. */
  FileEntry entry();

  /**
   * Reads exactly {@code length} bytes at {@code position} into {@code buffer[offset..]}.
   *
   * @throws java.io.EOFException if the range goes past the end of the object
   * @throws VersionChangedException if the object is no longer the version of {@link #entry()}
   * @throws java.io.FileNotFoundException if the object was deleted
   */
  void readFully(long position, byte[] buffer, int offset, int length) throws IOException;

  /**
   * Checks a {@link #readFully} request against the buffer and the object's length; every
   * implementation calls this first so that all stores fail a bad range the same way.
   *
   * @throws IndexOutOfBoundsException if {@code offset}/{@code length} do not fit {@code buffer}
   * @throws java.io.EOFException if the range goes past the end of the object
   */
  static void checkRange(FileEntry entry, long position, byte[] buffer, int offset, int length)
      throws java.io.EOFException {
    java.util.Objects.checkFromIndexSize(offset, length, buffer.length);
    if (position < 0 || position > entry.length() - length) {
      throw new java.io.EOFException(
          "Read of "
              + length
              + " bytes at "
              + position
              + " is past the end of "
              + entry.location()
              + " ("
              + entry.length()
              + " bytes)");
    }
  }

  /** Convenience: reads {@code length} bytes at {@code position} into a new array. */
  default byte[] read(long position, int length) throws IOException {
    byte[] bytes = new byte[length];
    readFully(position, bytes, 0, length);
    return bytes;
  }

  /** Reads the last {@code min(length, object length)} bytes of the object. */
  default byte[] readTail(int length) throws IOException {
    long size = entry().length();
    int n = (int) Math.min(length, size);
    return read(size - n, n);
  }
}
