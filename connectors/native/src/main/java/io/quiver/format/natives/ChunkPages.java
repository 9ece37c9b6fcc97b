package io.quiver.format.natives;

import io.quiver.format.parquet.ColumnChunkPages;
import io.quiver.format.parquet.CorruptParquetException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;

/**
 * Walks the pages of one raw column chunk in Java before Arrow C++ sees it, with the checks of
 * {@link ColumnChunkPages} (the Java decoder's): every page header must parse, its body must lie
 * inside the chunk, its uncompressed size must be within the per-page budget and consistent with
 * the codec, value counts must agree with the row group and the footer, and pages that carry a
 * CRC-32 must match it.
 *
 * <p>Why: Arrow C++ allocates what a page header declares (decompression buffers of {@code
 * uncompressed_page_size} bytes, dictionaries of {@code num_values} entries) from its own memory
 * pool, outside any Java limit, so a hostile header must be refused before the chunk is handed to
 * it. And the arrow-dataset JNI offers no switch for Arrow C++'s page checksum verification, while
 * the Java decoder verifies checksums: without this walk a flipped bit in an uncompressed page
 * would decode as a wrong value instead of failing. The walk also lets a damaged header be reported
 * with the column's name. It costs one CRC-32 pass over the compressed bytes (hardware-assisted in
 * the JDK) and one Thrift header parse per page.
 *
 * <p>Stateless and thread-safe.
 */
final class ChunkPages {
  private ChunkPages() {}

  /**
   * Verifies the chunk held in {@code data[offset, offset + length)}.
   *
   * @param column the chunk's column
   * @param meta the chunk's footer metadata: codec, and the value count, which pages are read until
   *     they account for, as parquet-java does
   * @param rowCount the row group's row count
   * @param where message prefix naming file, row group and column
   * @throws CorruptParquetException if a header is unreadable, a page runs past the chunk, a
   *     declared size or count is impossible (see {@link ColumnChunkPages}), a checksum differs, or
   *     the chunk ends before its values
   */
  static void verify(
      byte[] data,
      int offset,
      int length,
      ColumnDescriptor column,
      ColumnChunkMetaData meta,
      long rowCount,
      String where)
      throws CorruptParquetException {
    ColumnChunkPages.read(
        List.of(ByteBuffer.wrap(data, offset, length).slice()),
        column,
        meta,
        rowCount,
        ColumnChunkPages.maxPageBytes(),
        where);
  }
}
