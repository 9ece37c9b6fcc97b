package io.quiver.client;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.flatbuf.Footer;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowFooter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;

/**
 * An Arrow IPC file mapped into memory, whose record batches are handed out without copying: their
 * buffers are slices of the mapping, accounted to the given allocator at the file's size ({@link
 * BufferAllocator#wrapForeignAllocation}). What a short-circuit read maps ({@link
 * ShortCircuitStream}).
 *
 * <p>Ownership: this object holds one reference to the mapping, and so does every {@link #view()}
 * of it and every record batch returned; the mapping lives until all of them (and any vector loaded
 * from a batch) are released, and is unmapped then. One object is used by one thread at a time;
 * views may be used on other threads.
 */
final class MappedIpcFile implements AutoCloseable {
  private static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
  private static final int TAIL = 10; // footer length (4) + magic (6)
  private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

  private final Path path;
  private final ByteBuffer file;
  private final ArrowBuf whole;
  private final List<ArrowBlock> blocks;
  private boolean closed;

  private MappedIpcFile(Path path, ByteBuffer file, ArrowBuf whole, List<ArrowBlock> blocks) {
    this.path = path;
    this.file = file;
    this.whole = whole;
    this.blocks = blocks;
  }

  /**
   * Maps {@code path} and reads its footer.
   *
   * @throws IOException if the file cannot be opened or is not an Arrow IPC file
   * @throws org.apache.arrow.memory.OutOfMemoryException if {@code allocator} cannot account it
   */
  static MappedIpcFile map(Path path, BufferAllocator allocator) throws IOException {
    MappedByteBuffer mapped;
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < MAGIC.length + TAIL || size > Integer.MAX_VALUE) {
        throw new IOException(path + " is not an Arrow IPC file (size " + size + ")");
      }
      mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
    }
    Mapping mapping = new Mapping(mapped);
    ArrowBuf whole = null;
    try {
      ByteBuffer buffer = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      int size = buffer.capacity();
      for (int i = 0; i < MAGIC.length; i++) {
        if (buffer.get(i) != MAGIC[i] || buffer.get(size - MAGIC.length + i) != MAGIC[i]) {
          throw new IOException(path + " is not an Arrow IPC file (no magic)");
        }
      }
      int footerLength = buffer.getInt(size - TAIL);
      int footerStart = size - TAIL - footerLength;
      if (footerLength <= 0 || footerStart < 8) {
        throw new IOException(path + " has a bad footer length " + footerLength);
      }
      ArrowFooter footer =
          new ArrowFooter(Footer.getRootAsFooter(slice(buffer, footerStart, footerLength)));
      whole = allocator.wrapForeignAllocation(mapping);
      return new MappedIpcFile(path, buffer, whole, footer.getRecordBatches());
    } catch (IOException | RuntimeException | Error e) {
      if (whole == null) {
        mapping.release0();
      } else {
        whole.close();
      }
      throw e;
    }
  }

  /**
   * Record batch {@code index}, over the mapping: its buffers are slices of it. The caller closes
   * it (a vector loaded from it keeps its own references).
   *
   * @throws IOException if the file has no such batch or it is malformed
   */
  ArrowRecordBatch recordBatch(int index) throws IOException {
    if (closed) {
      throw new IllegalStateException(path + " is closed");
    }
    if (index < 0 || index >= blocks.size()) {
      throw new IOException(path + " has " + blocks.size() + " record batches, not " + (index + 1));
    }
    ArrowBlock block = blocks.get(index);
    long offset = block.getOffset();
    int metadataLength = block.getMetadataLength();
    long bodyLength = block.getBodyLength();
    if (offset < 8
        || metadataLength < 8
        || offset + metadataLength + bodyLength > file.capacity()) {
      throw new IOException(path + ": record batch block out of range: " + block);
    }
    int at = (int) offset;
    int first = file.getInt(at);
    int messageStart = first == -1 ? at + 8 : at + 4;
    int messageLength = first == -1 ? file.getInt(at + 4) : first;
    if (messageLength <= 0 || messageStart + messageLength > at + metadataLength) {
      throw new IOException(path + ": bad message length at " + at);
    }
    Message message = Message.getRootAsMessage(slice(file, messageStart, messageLength));
    if (message.headerType() != MessageHeader.RecordBatch) {
      throw new IOException(path + ": the block at " + at + " is not a record batch");
    }
    ArrowBuf body = whole.slice(offset + metadataLength, bodyLength);
    // deserializeRecordBatch releases one reference of the body (it expects to own it); the slice
    // shares the mapping's ledger, so take that reference for it first.
    body.getReferenceManager().retain();
    return MessageSerializer.deserializeRecordBatch(message, body);
  }

  /** The file's size in bytes (what its mapping is accounted at). */
  long size() {
    return file.capacity();
  }

  Path path() {
    return path;
  }

  /**
   * Another object over the same mapping, with a reference of its own (close it).
   *
   * @throws IllegalStateException if this object is closed
   */
  MappedIpcFile view() {
    if (closed) {
      throw new IllegalStateException(path + " is closed");
    }
    whole.getReferenceManager().retain();
    return new MappedIpcFile(path, file, whole, blocks);
  }

  /** Drops this object's reference to the mapping; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      whole.getReferenceManager().release();
    }
  }

  private static ByteBuffer slice(ByteBuffer buffer, int at, int length) {
    return buffer
        .duplicate()
        .position(at)
        .limit(at + length)
        .slice()
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A file mapping as Arrow foreign memory: releasing it unmaps the file at once. */
  private static final class Mapping extends ForeignAllocation {
    private final MappedByteBuffer mapped;
    private final AtomicBoolean released = new AtomicBoolean();

    Mapping(MappedByteBuffer mapped) {
      super(mapped.capacity(), MemoryUtil.getByteBufferAddress(mapped));
      this.mapped = mapped;
    }

    @Override
    protected void release0() {
      // Unmapped now, not when the collector finds the buffer: the server deletes a file when it
      // evicts it, and its shared-memory pages are only freed once no process maps them.
      if (released.compareAndSet(false, true) && INVOKE_CLEANER != null) {
        try {
          INVOKE_CLEANER.invoke(mapped);
        } catch (Throwable t) {
          // The collector unmaps it later.
        }
      }
    }
  }

  private static MethodHandle findInvokeCleaner() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      return MethodHandles.lookup()
          .findVirtual(
              unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(theUnsafe.get(null));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // mappings are then released by the collector
    }
  }
}
