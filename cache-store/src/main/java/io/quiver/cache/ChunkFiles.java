package io.quiver.cache;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import org.apache.arrow.flatbuf.Footer;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowFooter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier's file format: a standard Arrow IPC <em>file</em> (readable by any Arrow reader)
 * whose schema is the chunk's one field, with one record batch per slice, and whose footer custom
 * metadata names the key ({@code quiver.file}, {@code quiver.version}, {@code quiver.rowGroup},
 * {@code quiver.column}, and {@code quiver.variant} when the key's variant is not empty; a file
 * without it holds the default variant) and carries {@code quiver.crc32c}: the CRC32C of every byte
 * from the end of the leading magic (offset 8) to the start of the footer, i.e. the schema message,
 * every record batch (metadata and body) and the end-of-stream marker. The footer itself is not
 * covered (it holds the checksum); it is validated structurally instead: its record-batch blocks
 * must lie inside the checksummed range and the key in it must be the one asked for.
 *
 * <p>Reading maps the file ({@link FileChannel#map}), verifies the checksum and builds vectors
 * whose buffers are slices of the mapping, wrapped into the given allocator with {@link
 * BufferAllocator#wrapForeignAllocation}: no data is copied, and the allocator accounts the whole
 * file size. The only memory allocated is what Arrow's {@link VectorLoader} re-creates itself:
 * validity bitmaps of slices without nulls (or with only nulls). The mapping is unmapped when the
 * last buffer over it is released.
 *
 * <p>Stateless; thread-safe.
 */
final class ChunkFiles {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkFiles.class);

  static final String FILE = "quiver.file";
  static final String VERSION = "quiver.version";
  static final String ROW_GROUP = "quiver.rowGroup";
  static final String COLUMN = "quiver.column";
  static final String VARIANT = "quiver.variant";
  static final String CRC = "quiver.crc32c";
  static final String FORMAT = "quiver.format";
  static final String FORMAT_VERSION = "1";

  private static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

  /** Magic (6) + footer length (4) at the end; magic padded to 8 at the start. */
  private static final int TAIL = 10;

  private static final int HEAD = 8;

  private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

  private ChunkFiles() {}

  /** A damaged, truncated or foreign file. */
  static final class CorruptChunkFileException extends IOException {
    private static final long serialVersionUID = 1L;

    CorruptChunkFileException(Path path, String problem) {
      super("disk cache file " + path + " is damaged: " + problem);
    }
  }

  /**
   * Writes {@code chunk} to {@code path}, which must not exist. Reads the chunk's vectors (the
   * caller keeps ownership and must not modify or close them meanwhile). Does not force the data to
   * the device: a file damaged by a crash after its rename fails its checksum on read.
   *
   * @return the file size in bytes
   */
  static long write(Path path, ColumnChunkKey key, ColumnChunk chunk) throws IOException {
    return write(path, key, chunk, new FileAttribute<?>[0]);
  }

  /** As {@link #write(Path, ColumnChunkKey, ColumnChunk)}, creating the file with {@code attrs}. */
  static long write(Path path, ColumnChunkKey key, ColumnChunk chunk, FileAttribute<?>... attrs)
      throws IOException {
    if (chunk.slices().isEmpty()) {
      throw new IllegalArgumentException("an empty chunk has no field to write: " + key);
    }
    Field field = chunk.slices().get(0).getField();
    Schema schema = new Schema(List.of(field));
    try (FileChannel file =
        FileChannel.open(
            path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
      CrcChannel crc = new CrcChannel(file);
      WriteChannel out = new WriteChannel(crc);
      out.write(MAGIC);
      out.align();
      crc.checksumming = true;
      MessageSerializer.serialize(out, schema);
      List<ArrowBlock> blocks = new ArrayList<>(chunk.slices().size());
      for (FieldVector slice : chunk.slices()) {
        // A root over the slice only borrows it: it is never closed here.
        VectorSchemaRoot root =
            new VectorSchemaRoot(List.of(field), List.of(slice), slice.getValueCount());
        try (ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch()) {
          blocks.add(MessageSerializer.serialize(out, batch));
        }
      }
      out.writeIntLittleEndian(-1); // end-of-stream marker, as ArrowFileWriter writes it
      out.writeIntLittleEndian(0);
      crc.checksumming = false;
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(FORMAT, FORMAT_VERSION);
      metadata.put(FILE, key.file());
      metadata.put(VERSION, key.version());
      metadata.put(ROW_GROUP, Integer.toString(key.rowGroup()));
      metadata.put(COLUMN, key.column());
      if (!key.variant().isEmpty()) {
        metadata.put(VARIANT, key.variant());
      }
      metadata.put(CRC, Long.toString(crc.crc.getValue()));
      long footerStart = out.getCurrentPosition();
      out.write(new ArrowFooter(schema, List.of(), blocks, metadata), false);
      int footerLength = (int) (out.getCurrentPosition() - footerStart);
      out.writeIntLittleEndian(footerLength);
      out.write(MAGIC);
      return out.getCurrentPosition();
    }
  }

  /** Reads only the footer of {@code path} and returns the key it names. */
  static ColumnChunkKey readKey(Path path) throws IOException {
    try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = file.size();
      if (size < HEAD + TAIL) {
        throw new CorruptChunkFileException(path, "too short (" + size + " bytes)");
      }
      ByteBuffer tail = ByteBuffer.allocate(TAIL).order(ByteOrder.LITTLE_ENDIAN);
      readFully(file, tail, size - TAIL);
      int footerLength = tail.getInt(0);
      checkMagic(path, tail, 4);
      long footerStart = size - TAIL - footerLength;
      if (footerLength <= 0 || footerStart < HEAD) {
        throw new CorruptChunkFileException(path, "bad footer length " + footerLength);
      }
      ByteBuffer footer = ByteBuffer.allocate(footerLength).order(ByteOrder.LITTLE_ENDIAN);
      readFully(file, footer, footerStart);
      footer.flip();
      return keyOf(path, parseFooter(path, footer).getMetaData());
    }
  }

  /**
   * Maps {@code path}, verifies it and returns its chunk over the mapped memory, accounted to
   * {@code allocator}. Ownership of the chunk passes to the caller; the mapping lives until the
   * chunk is closed (and any buffer retained from it is released).
   *
   * @throws CorruptChunkFileException if the file is damaged or holds another key
   * @throws org.apache.arrow.memory.OutOfMemoryException if {@code allocator} cannot account the
   *     file; nothing is left mapped or allocated then
   */
  static ColumnChunk read(Path path, ColumnChunkKey expected, BufferAllocator allocator)
      throws IOException {
    return read(path, expected, allocator, false);
  }

  /**
   * As {@link #read(Path, ColumnChunkKey, BufferAllocator)} for a file {@link SharedMemory} has
   * just written: the checksum is not verified, the chunk names the file ({@link
   * ColumnChunk#file()}), and the file is deleted when the mapping is released (or if this fails).
   */
  static ColumnChunk readShared(Path path, ColumnChunkKey expected, BufferAllocator allocator)
      throws IOException {
    return read(path, expected, allocator, true);
  }

  private static ColumnChunk read(
      Path path, ColumnChunkKey expected, BufferAllocator allocator, boolean shared)
      throws IOException {
    MappedByteBuffer mapped;
    try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = file.size();
      if (size < HEAD + TAIL || size > Integer.MAX_VALUE) {
        throw new CorruptChunkFileException(path, "bad size " + size);
      }
      mapped = file.map(FileChannel.MapMode.READ_ONLY, 0, size);
    }
    MappedAllocation allocation = new MappedAllocation(mapped, shared ? path : null);
    ArrowBuf whole = null;
    List<FieldVector> slices = new ArrayList<>();
    try {
      ByteBuffer buffer = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      int size = buffer.capacity();
      checkMagic(path, buffer, 0);
      checkMagic(path, buffer, size - MAGIC.length);
      int footerLength = buffer.getInt(size - TAIL);
      int footerStart = size - TAIL - footerLength;
      if (footerLength <= 0 || footerStart < HEAD) {
        throw new CorruptChunkFileException(path, "bad footer length " + footerLength);
      }
      ArrowFooter footer = parseFooter(path, slice(buffer, footerStart, footerLength));
      ColumnChunkKey key = keyOf(path, footer.getMetaData());
      if (!key.equals(expected)) {
        throw new CorruptChunkFileException(path, "holds " + key + ", not " + expected);
      }
      if (!shared) {
        long stored = parseLong(path, footer.getMetaData().get(CRC), CRC);
        CRC32C crc = new CRC32C();
        crc.update(slice(buffer, HEAD, footerStart - HEAD));
        if (crc.getValue() != stored) {
          throw new CorruptChunkFileException(
              path, "checksum mismatch (stored " + stored + ", computed " + crc.getValue() + ")");
        }
      }
      Schema schema = footer.getSchema();
      if (schema.getFields().size() != 1) {
        throw new CorruptChunkFileException(path, "schema has " + schema.getFields().size());
      }
      whole = allocator.wrapForeignAllocation(allocation);
      for (ArrowBlock block : footer.getRecordBatches()) {
        slices.add(loadSlice(path, buffer, whole, block, footerStart, schema, allocator));
      }
      return new ColumnChunk(slices, shared ? path : null);
    } catch (IOException | RuntimeException | Error e) {
      for (FieldVector slice : slices) {
        slice.close();
      }
      if (whole == null) {
        allocation.release0(); // never handed to Arrow (or Arrow refused it): unmap here
      }
      throw e;
    } finally {
      if (whole != null) {
        // The vectors hold their own references to the ledger; the mapping goes with the last.
        whole.close();
      }
    }
  }

  private static FieldVector loadSlice(
      Path path,
      ByteBuffer file,
      ArrowBuf whole,
      ArrowBlock block,
      int footerStart,
      Schema schema,
      BufferAllocator allocator)
      throws IOException {
    long offset = block.getOffset();
    int metadataLength = block.getMetadataLength();
    long bodyLength = block.getBodyLength();
    if (offset < HEAD
        || metadataLength < 8
        || bodyLength < 0
        || offset + metadataLength + bodyLength > footerStart) {
      throw new CorruptChunkFileException(path, "record batch block out of range: " + block);
    }
    int at = (int) offset;
    int first = file.getInt(at);
    int messageStart = first == -1 ? at + 8 : at + 4;
    int messageLength = first == -1 ? file.getInt(at + 4) : first;
    if (messageLength <= 0 || messageStart + messageLength > at + metadataLength) {
      throw new CorruptChunkFileException(path, "bad message length at " + at);
    }
    Message message = Message.getRootAsMessage(slice(file, messageStart, messageLength));
    if (message.headerType() != MessageHeader.RecordBatch) {
      throw new CorruptChunkFileException(path, "block at " + at + " is not a record batch");
    }
    ArrowBuf body = whole.slice(offset + metadataLength, bodyLength);
    // deserializeRecordBatch releases one reference of the body it is given (it expects to own
    // it); the slice shares the whole mapping's ledger, so take that reference for it first.
    body.getReferenceManager().retain();
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    try (ArrowRecordBatch batch = MessageSerializer.deserializeRecordBatch(message, body)) {
      new VectorLoader(root).load(batch);
    } catch (IOException | RuntimeException | Error e) {
      root.close();
      throw e;
    }
    // The root only groups the one vector; the vector (and its buffers) is the slice.
    return root.getVector(0);
  }

  private static ArrowFooter parseFooter(Path path, ByteBuffer footer) throws IOException {
    try {
      return new ArrowFooter(Footer.getRootAsFooter(footer));
    } catch (RuntimeException e) {
      CorruptChunkFileException corrupt = new CorruptChunkFileException(path, "unreadable footer");
      corrupt.initCause(e);
      throw corrupt;
    }
  }

  private static ColumnChunkKey keyOf(Path path, Map<String, String> metadata) throws IOException {
    if (metadata == null || !FORMAT_VERSION.equals(metadata.get(FORMAT))) {
      throw new CorruptChunkFileException(path, "not a quiver cache file of format 1");
    }
    String file = metadata.get(FILE);
    String version = metadata.get(VERSION);
    String column = metadata.get(COLUMN);
    long rowGroup = parseLong(path, metadata.get(ROW_GROUP), ROW_GROUP);
    if (file == null || version == null || column == null || rowGroup < 0 || rowGroup > 1 << 30) {
      throw new CorruptChunkFileException(path, "incomplete key in the footer metadata");
    }
    return new ColumnChunkKey(
        file, version, (int) rowGroup, column, metadata.getOrDefault(VARIANT, ""));
  }

  private static long parseLong(Path path, String value, String name) throws IOException {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new CorruptChunkFileException(path, "bad " + name + ": " + value);
    }
  }

  private static void checkMagic(Path path, ByteBuffer buffer, int at) throws IOException {
    for (int i = 0; i < MAGIC.length; i++) {
      if (buffer.get(at + i) != MAGIC[i]) {
        throw new CorruptChunkFileException(path, "no Arrow file magic at " + at);
      }
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

  private static void readFully(FileChannel file, ByteBuffer into, long position)
      throws IOException {
    while (into.hasRemaining()) {
      if (file.read(into, position + into.position()) < 0) {
        throw new java.io.EOFException("unexpected end of file");
      }
    }
  }

  /** A channel that feeds what is written through a CRC32C while {@code checksumming}. */
  private static final class CrcChannel implements WritableByteChannel {
    private final FileChannel file;
    final CRC32C crc = new CRC32C();
    boolean checksumming;

    CrcChannel(FileChannel file) {
      this.file = file;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (checksumming) {
        crc.update(src.duplicate());
      }
      int written = 0;
      while (src.hasRemaining()) {
        written += file.write(src);
      }
      return written;
    }

    @Override
    public boolean isOpen() {
      return file.isOpen();
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  /**
   * A file mapping as Arrow foreign memory: releasing it unmaps the file (and deletes it, for a
   * shared-memory file).
   */
  private static final class MappedAllocation extends ForeignAllocation {
    private final MappedByteBuffer mapped;
    private final Path deleteOnRelease;
    private final AtomicBoolean released = new AtomicBoolean();

    MappedAllocation(MappedByteBuffer mapped, Path deleteOnRelease) {
      super(mapped.capacity(), MemoryUtil.getByteBufferAddress(mapped));
      this.mapped = mapped;
      this.deleteOnRelease = deleteOnRelease;
    }

    @Override
    protected void release0() {
      if (released.compareAndSet(false, true)) {
        unmap(mapped);
        if (deleteOnRelease != null) {
          SharedMemory.deleteQuietly(deleteOnRelease);
        }
      }
    }
  }

  /**
   * Unmaps now rather than when the garbage collector finds the buffer unreachable: a cache that
   * maps many files must return address space and file handles promptly. Callers guarantee no
   * buffer over the mapping is used afterwards (Arrow's reference count reached zero).
   */
  private static void unmap(MappedByteBuffer mapped) {
    if (INVOKE_CLEANER == null) {
      return; // the collector unmaps it later
    }
    try {
      INVOKE_CLEANER.invoke(mapped);
    } catch (Throwable t) {
      LOG.warn("could not unmap a disk cache file; the collector will", t);
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
      LOG.warn("sun.misc.Unsafe.invokeCleaner is unavailable; mappings are released by the GC", e);
      return null;
    }
  }
}
