package io.quiver.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

/**
 * Rewrites one page header (or the footer) of a Parquet file, as a hostile writer would: the header
 * is parsed, edited and serialized again (its length may change: every offset after it in the
 * footer moves, and the chunk's sizes grow or shrink by the difference). Page indexes are dropped
 * from the footer because their page offsets would be stale; the page bodies stay byte for byte.
 */
public final class PageHeaderPatch {
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private PageHeaderPatch() {}

  /** Copies {@code source} to {@code target} with {@code edit} applied to its footer. */
  public static Path patchFooter(Path source, Path target, Consumer<FileMetaData> edit)
      throws IOException {
    byte[] file = Files.readAllBytes(source);
    int footerLength =
        ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int footerStart = file.length - 8 - footerLength;
    FileMetaData footer =
        Util.readFileMetaData(new ByteArrayInputStream(file, footerStart, footerLength));
    edit.accept(footer);
    ByteArrayOutputStream out = new ByteArrayOutputStream(file.length + 64);
    out.write(file, 0, footerStart);
    ByteArrayOutputStream footerBytes = new ByteArrayOutputStream();
    Util.writeFileMetaData(footer, footerBytes);
    footerBytes.writeTo(out);
    out.write(
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footerBytes.size()).array());
    out.write(MAGIC);
    return Files.write(target, out.toByteArray());
  }

  /**
   * Copies {@code source} to {@code target} with {@code edit} applied to the header of the first
   * page of type {@code type} in the chunk of {@code column} (dotted path) of row group {@code
   * rowGroup}.
   */
  public static Path patch(
      Path source,
      Path target,
      int rowGroup,
      String column,
      PageType type,
      Consumer<PageHeader> edit)
      throws IOException {
    return patch(source, target, rowGroup, column, type, edit, UnaryOperator.identity());
  }

  /**
   * Like {@link #patch(Path, Path, int, String, PageType, Consumer)}, then {@code raw} rewrites the
   * serialized header, e.g. to declare a length that Thrift would not write.
   */
  public static Path patch(
      Path source,
      Path target,
      int rowGroup,
      String column,
      PageType type,
      Consumer<PageHeader> edit,
      UnaryOperator<byte[]> raw)
      throws IOException {
    byte[] file = Files.readAllBytes(source);
    int footerLength =
        ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int footerStart = file.length - 8 - footerLength;
    FileMetaData footer =
        Util.readFileMetaData(new ByteArrayInputStream(file, footerStart, footerLength));

    ColumnMetaData chunk = null;
    for (ColumnChunk c : footer.getRow_groups().get(rowGroup).getColumns()) {
      if (String.join(".", c.getMeta_data().getPath_in_schema()).equals(column)) {
        chunk = c.getMeta_data();
      }
    }
    if (chunk == null) {
      throw new IllegalArgumentException("No column " + column + " in row group " + rowGroup);
    }
    long start =
        chunk.isSetDictionary_page_offset()
                && chunk.getDictionary_page_offset() > 0
                && chunk.getDictionary_page_offset() < chunk.getData_page_offset()
            ? chunk.getDictionary_page_offset()
            : chunk.getData_page_offset();
    long end = start + chunk.getTotal_compressed_size();

    // Find the page.
    int headerStart = (int) start;
    PageHeader header = null;
    int headerLength = 0;
    while (headerStart < end) {
      ByteArrayInputStream in =
          new ByteArrayInputStream(file, headerStart, (int) end - headerStart);
      PageHeader h = Util.readPageHeader(in);
      int length = (int) end - headerStart - in.available();
      if (h.getType() == type) {
        header = h;
        headerLength = length;
        break;
      }
      headerStart += length + h.getCompressed_page_size();
    }
    if (header == null) {
      throw new IllegalArgumentException("No " + type + " page in " + column);
    }
    edit.accept(header);
    ByteArrayOutputStream serialized = new ByteArrayOutputStream();
    Util.writePageHeader(header, serialized);
    byte[] newHeader = raw.apply(serialized.toByteArray());
    int delta = newHeader.length - headerLength;

    // Move everything after the header by delta; the patched chunk grows by delta.
    for (RowGroup group : footer.getRow_groups()) {
      if (group.isSetFile_offset() && group.getFile_offset() > headerStart) {
        group.setFile_offset(group.getFile_offset() + delta);
      }
      boolean patchedGroup = false;
      for (ColumnChunk c : group.getColumns()) {
        ColumnMetaData m = c.getMeta_data();
        if (m == chunk) {
          patchedGroup = true;
          m.setTotal_compressed_size(m.getTotal_compressed_size() + delta);
          m.setTotal_uncompressed_size(m.getTotal_uncompressed_size() + delta);
        }
        if (m.getData_page_offset() > headerStart) {
          m.setData_page_offset(m.getData_page_offset() + delta);
        }
        if (m.isSetDictionary_page_offset() && m.getDictionary_page_offset() > headerStart) {
          m.setDictionary_page_offset(m.getDictionary_page_offset() + delta);
        }
        if (m.isSetIndex_page_offset() && m.getIndex_page_offset() > headerStart) {
          m.setIndex_page_offset(m.getIndex_page_offset() + delta);
        }
        if (m.isSetBloom_filter_offset() && m.getBloom_filter_offset() > headerStart) {
          m.setBloom_filter_offset(m.getBloom_filter_offset() + delta);
        }
        if (c.getFile_offset() > headerStart) {
          c.setFile_offset(c.getFile_offset() + delta);
        }
        c.unsetOffset_index_offset();
        c.unsetOffset_index_length();
        c.unsetColumn_index_offset();
        c.unsetColumn_index_length();
      }
      if (patchedGroup && group.isSetTotal_compressed_size()) {
        group.setTotal_compressed_size(group.getTotal_compressed_size() + delta);
      }
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream(file.length + 64);
    out.write(file, 0, headerStart);
    out.write(newHeader);
    int after = headerStart + headerLength;
    out.write(file, after, footerStart - after);
    ByteArrayOutputStream footerBytes = new ByteArrayOutputStream();
    Util.writeFileMetaData(footer, footerBytes);
    footerBytes.writeTo(out);
    out.write(
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footerBytes.size()).array());
    out.write(MAGIC);
    return Files.write(target, out.toByteArray());
  }
}
