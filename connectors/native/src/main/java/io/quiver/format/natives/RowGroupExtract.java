package io.quiver.format.natives;

import io.quiver.format.parquet.CorruptParquetException;
import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;

/**
 * Copies the column chunks of some top-level columns of one row group of a Parquet file, raw (no
 * decoding, no recompression), into a new single-row-group Parquet file that Arrow C++ can open
 * from the local file system.
 *
 * <p>The new file is {@code PAR1}, the chunks' bytes (dictionary pages included) in their original
 * order, and a footer for just that row group and the projected columns: the projected schema, the
 * chunks' metadata with offsets moved to where the bytes now lie (statistics, encodings and
 * encoding statistics kept; page indexes and bloom filters dropped because they are not copied),
 * and the original {@code created_by}, because Arrow C++ works around known bugs of some writers by
 * their version. Key-value metadata, in particular {@code ARROW:schema}, is dropped: Quiver's types
 * follow the plain Parquet-to-Arrow mapping ({@code ParquetSchemas}), which is what Arrow C++
 * produces without that key.
 *
 * <p>Storage is read once per contiguous run of requested chunks. Every chunk's pages are checked
 * by {@link ChunkPages} (sizes, counts, checksums) before the file is written, so Arrow C++ never
 * sees a page header that declares an impossible size.
 *
 * <p>Stateless and thread-safe.
 */
final class RowGroupExtract {
  /** Temporary files of this process: {@code quiver-rowgroup-p<pid>-…}, so stale ones are known. */
  static final String TEMP_PREFIX = "quiver-rowgroup-p" + ProcessHandle.current().pid() + "-";

  private static final java.util.regex.Pattern TEMP_NAME =
      java.util.regex.Pattern.compile("quiver-rowgroup-p(\\d+)-.*\\.parquet");

  /**
   * Deletes temporary files in {@code directory} left by Quiver processes that no longer run (a
   * crash or a kill skips their cleanup); files of live processes are left alone. Returns how many
   * were deleted.
   */
  static int deleteStale(Path directory) {
    int deleted = 0;
    try (java.util.stream.Stream<Path> files = Files.list(directory)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        java.util.regex.Matcher m = TEMP_NAME.matcher(f.getFileName().toString());
        if (m.matches()
            && m.group(1).length() < 19
            && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
          try {
            deleted += Files.deleteIfExists(f) ? 1 : 0;
          } catch (IOException e) {
            // Another user's file, or gone: not ours to insist on.
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // An unreadable scratch directory shows up on the first decode, with its reason.
    }
    return deleted;
  }

  /** Largest contiguous read; Java arrays hold at most about 2 GiB. */
  static final int MAX_CHUNK_BYTES = Integer.MAX_VALUE - 64;

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private RowGroupExtract() {}

  /** One requested column chunk of the source row group. */
  private record Chunk(String column, ColumnChunkMetaData meta) {
    long start() {
      return meta.getStartingPos();
    }

    long end() {
      return meta.getStartingPos() + meta.getTotalSize();
    }
  }

  /** A contiguous byte range of the source holding one or more chunks, read in one call. */
  private static final class Run {
    final long start;
    long end;
    byte[] bytes;
    long targetStart;

    Run(long start, long end) {
      this.start = start;
      this.end = end;
    }
  }

  /**
   * Writes the extract of {@code columns} of row group {@code rowGroup} to a new file in {@code
   * directory} and returns its path; the caller deletes it. Nothing is left behind on failure.
   *
   * @param projection the file schema restricted to {@code columns}, in file order
   * @throws CorruptParquetException if a chunk's pages are damaged, naming file, row group, column
   * @throws IOException if storage fails (as thrown by {@code input}) or the file cannot be written
   */
  static Path write(
      StorageInput input,
      ParquetMetadata footer,
      int rowGroup,
      MessageType projection,
      Path directory)
      throws IOException {
    Location location = input.entry().location();
    BlockMetaData block = footer.getBlocks().get(rowGroup);
    Set<String> columns = new java.util.HashSet<>();
    projection.getFields().forEach(t -> columns.add(t.getName()));
    List<Chunk> chunks = chunks(block, columns);
    List<Run> runs = runs(chunks);

    for (Run run : runs) {
      run.bytes = new byte[Math.toIntExact(run.end - run.start)];
      input.readFully(run.start, run.bytes, 0, run.bytes.length);
    }
    for (Chunk chunk : chunks) {
      Run run = runOf(runs, chunk);
      String[] path = chunk.meta().getPath().toArray();
      ChunkPages.verify(
          run.bytes,
          (int) (chunk.start() - run.start),
          (int) chunk.meta().getTotalSize(),
          projection.getColumnDescription(path),
          chunk.meta(),
          block.getRowCount(),
          NativeParquetDecoder.corruptPrefix(location, rowGroup, chunk.column())
              + (path.length > 1 ? "leaf " + String.join(".", path) + ": " : ""));
    }

    long position = MAGIC.length;
    for (Run run : runs) {
      run.targetStart = position;
      position += run.bytes.length;
    }
    byte[] tail = footer(footer, block, chunks, runs, projection);

    Path file = Files.createTempFile(directory, TEMP_PREFIX, ".parquet");
    boolean written = false;
    try {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ByteBuffer[] buffers = new ByteBuffer[runs.size() + 2];
        buffers[0] = ByteBuffer.wrap(MAGIC);
        for (int i = 0; i < runs.size(); i++) {
          buffers[i + 1] = ByteBuffer.wrap(runs.get(i).bytes);
        }
        buffers[buffers.length - 1] = ByteBuffer.wrap(tail);
        while (buffers[buffers.length - 1].hasRemaining()) {
          channel.write(buffers);
        }
      }
      written = true;
      return file;
    } finally {
      if (!written) {
        Files.deleteIfExists(file);
      }
    }
  }

  /** The requested chunks in the order of the row group's columns (the schema's leaf order). */
  private static List<Chunk> chunks(BlockMetaData block, Set<String> columns) {
    List<Chunk> chunks = new ArrayList<>();
    for (ColumnChunkMetaData meta : block.getColumns()) {
      String column = meta.getPath().toArray()[0];
      if (columns.contains(column)) {
        if (meta.getTotalSize() > MAX_CHUNK_BYTES) {
          throw new UnsupportedByNativeDecoderException(
              column,
              "Column chunk "
                  + meta.getPath()
                  + " has "
                  + meta.getTotalSize()
                  + " bytes, more than the native decoder copies; use the Java decoder");
        }
        chunks.add(new Chunk(column, meta));
      }
    }
    return chunks;
  }

  private static List<Run> runs(List<Chunk> chunks) {
    List<Chunk> byStart = new ArrayList<>(chunks);
    byStart.sort(Comparator.comparingLong(Chunk::start));
    List<Run> runs = new ArrayList<>();
    Run current = null;
    for (Chunk chunk : byStart) {
      // Merge only touching chunks: a gap means bytes of columns nobody asked for.
      if (current != null
          && chunk.start() == current.end
          && chunk.end() - current.start <= MAX_CHUNK_BYTES) {
        current.end = chunk.end();
      } else {
        current = new Run(chunk.start(), chunk.end());
        runs.add(current);
      }
    }
    return runs;
  }

  private static Run runOf(List<Run> runs, Chunk chunk) {
    for (Run run : runs) {
      if (chunk.start() >= run.start && chunk.end() <= run.end) {
        return run;
      }
    }
    throw new IllegalStateException("No run holds chunk " + chunk.meta().getPath());
  }

  private static byte[] footer(
      ParquetMetadata source,
      BlockMetaData block,
      List<Chunk> chunks,
      List<Run> runs,
      MessageType projection)
      throws IOException {
    BlockMetaData target = new BlockMetaData();
    target.setRowCount(block.getRowCount());
    long totalByteSize = 0;
    List<Long> dictionaryOffsets = new ArrayList<>();
    for (Chunk chunk : chunks) {
      ColumnChunkMetaData meta = chunk.meta();
      Run run = runOf(runs, chunk);
      long shift = run.targetStart + (chunk.start() - run.start) - chunk.start();
      long dictionary = meta.getDictionaryPageOffset();
      // The same rule as ColumnChunkMetaData.getStartingPos(), so the offset stays inside the copy.
      boolean hasDictionary = dictionary > 0 && dictionary < meta.getFirstDataPageOffset();
      dictionaryOffsets.add(hasDictionary ? dictionary + shift : -1L);
      target.addColumn(
          ColumnChunkMetaData.get(
              meta.getPath(),
              meta.getPrimitiveType(),
              meta.getCodec(),
              meta.getEncodingStats(),
              meta.getEncodings(),
              meta.getStatistics(),
              meta.getFirstDataPageOffset() + shift,
              hasDictionary ? dictionary + shift : 0,
              meta.getValueCount(),
              meta.getTotalSize(),
              meta.getTotalUncompressedSize(),
              meta.getSizeStatistics()));
      totalByteSize += meta.getTotalUncompressedSize();
    }
    target.setTotalByteSize(totalByteSize);
    FileMetaData fileMetaData =
        new FileMetaData(projection, Map.of(), source.getFileMetaData().getCreatedBy());
    org.apache.parquet.format.FileMetaData thrift =
        new ParquetMetadataConverter()
            .toParquetMetadata(1, new ParquetMetadata(fileMetaData, List.of(target)));
    // Set the offsets explicitly rather than trust the converter's rules for when to write a
    // dictionary offset (it keys them on encoding statistics, which old writers omit).
    RowGroup rowGroup = thrift.getRow_groups().get(0);
    for (int i = 0; i < rowGroup.getColumnsSize(); i++) {
      ColumnChunk column = rowGroup.getColumns().get(i);
      ColumnMetaData meta = column.getMeta_data();
      long dictionary = dictionaryOffsets.get(i);
      if (dictionary >= 0) {
        meta.setDictionary_page_offset(dictionary);
      } else {
        meta.unsetDictionary_page_offset();
      }
      meta.unsetIndex_page_offset();
      meta.unsetBloom_filter_offset();
      meta.unsetBloom_filter_length();
      column.unsetOffset_index_offset();
      column.unsetOffset_index_length();
      column.unsetColumn_index_offset();
      column.unsetColumn_index_length();
      column.setFile_offset(dictionary >= 0 ? dictionary : meta.getData_page_offset());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writeFileMetaData(thrift, out);
    int length = out.size();
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(length).array());
    out.write(MAGIC);
    return out.toByteArray();
  }
}
