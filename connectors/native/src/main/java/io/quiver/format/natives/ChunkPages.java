package io.quiver.format.natives;

import io.quiver.format.parquet.CorruptParquetException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.zip.CRC32;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;

/**
 * Walks the pages of one raw column chunk in Java before Arrow C++ sees it: every page header must
 * parse and its body must lie inside the chunk, and pages that carry a CRC-32 must match it.
 *
 * <p>Why: the arrow-dataset JNI offers no switch for Arrow C++'s page checksum verification, while
 * the Java decoder ({@code RowGroupDecoder}) verifies checksums. Without this walk a flipped bit in
 * an uncompressed page would decode as a wrong value instead of failing. The walk also lets a
 * damaged header be reported with the column's name. It costs one CRC-32 pass over the compressed
 * bytes (hardware-assisted in the JDK) and one Thrift header parse per page.
 *
 * <p>Stateless and thread-safe.
 */
final class ChunkPages {
  private ChunkPages() {}

  /**
   * Verifies the chunk held in {@code data[offset, offset + length)}.
   *
   * @param valueCount the chunk's value count from the footer: pages are read until their data
   *     pages account for that many values, as parquet-java does
   * @param where message prefix naming file, row group and column
   * @throws CorruptParquetException if a header is unreadable, a page runs past the chunk, a
   *     checksum differs, or the chunk ends before {@code valueCount} values
   */
  static void verify(byte[] data, int offset, int length, long valueCount, String where)
      throws CorruptParquetException {
    int end = offset + length;
    int pos = offset;
    long values = 0;
    CRC32 crc = new CRC32();
    while (values < valueCount) {
      if (pos >= end) {
        throw new CorruptParquetException(
            where + "the chunk ends after " + values + " of its " + valueCount + " values");
      }
      ByteArrayInputStream in = new ByteArrayInputStream(data, pos, end - pos);
      PageHeader header;
      int pageValues;
      try {
        header = Util.readPageHeader(in);
        pageValues = valuesOf(header);
      } catch (IOException | RuntimeException e) {
        throw new CorruptParquetException(
            where + "unreadable page header at byte " + (pos - offset) + " of the chunk: " + e, e);
      }
      int body = end - in.available();
      int bodyLength = header.getCompressed_page_size();
      if (bodyLength < 0 || bodyLength > end - body) {
        throw new CorruptParquetException(
            where
                + "the page at byte "
                + (pos - offset)
                + " of the chunk claims "
                + bodyLength
                + " bytes but only "
                + (end - body)
                + " remain in the chunk");
      }
      if (header.isSetCrc()) {
        crc.reset();
        crc.update(data, body, bodyLength);
        if ((int) crc.getValue() != header.getCrc()) {
          throw new CorruptParquetException(
              where + "page checksum mismatch in the page at byte " + (pos - offset));
        }
      }
      if (pageValues < 0) {
        throw new CorruptParquetException(
            where + "the page at byte " + (pos - offset) + " claims " + pageValues + " values");
      }
      values += pageValues;
      pos = body + bodyLength;
    }
  }

  private static int valuesOf(PageHeader header) {
    switch (header.getType()) {
      case DATA_PAGE:
        return header.getData_page_header().getNum_values();
      case DATA_PAGE_V2:
        return header.getData_page_header_v2().getNum_values();
      default:
        // Dictionary and index pages hold no values of the column.
        return 0;
    }
  }
}
