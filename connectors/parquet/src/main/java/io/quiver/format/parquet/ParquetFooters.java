package io.quiver.format.parquet;

import io.quiver.format.UnsupportedFileException;
import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import shaded.parquet.org.apache.thrift.TException;

/**
 * Reads Parquet footers from storage.
 *
 * <p>A footer is read with one storage call when it fits in the last {@value #TAIL_BYTES} bytes of
 * the file (the common case), else two. The footer is validated: its declared length must fit in
 * the file, no Thrift string or list in it may declare more elements than the footer has bytes (so
 * a small footer cannot make the parser allocate a large one), and every column chunk must lie
 * between the leading magic and the footer, so that later range reads cannot run off the file.
 *
 * <p>Stateless and thread-safe (the {@link StorageInput} passed in is not, so one caller at a time
 * per input). Returned metadata is a heap object owned by the caller.
 */
public final class ParquetFooters {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ParquetFooters.class);

  /** How much of the file's end is read in the first storage call. */
  public static final int TAIL_BYTES = 64 * 1024;

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ENCRYPTED_MAGIC = "PARE".getBytes(StandardCharsets.US_ASCII);
  // Leading magic, footer length, trailing magic.
  private static final int MIN_FILE_LENGTH = 4 + 4 + 4;

  private ParquetFooters() {}

  /**
   * Bytes a PARQUET-816 chunk may run past its declared size: parquet-mr 1.2.8 and older left the
   * dictionary page header out of a chunk's total size; Arrow C++ reads this much more, and so does
   * Quiver (its page walk still stops at the chunk's last value).
   */
  public static final int PARQUET_816_PADDING = 100;

  private static final java.util.regex.Pattern PARQUET_MR =
      java.util.regex.Pattern.compile("parquet-mr(?: version (\\d+)\\.(\\d+)\\.(\\d+).*)?");

  /**
   * How far past its declared end a chunk of a file written by {@code createdBy} may reach: {@link
   * #PARQUET_816_PADDING} for parquet-mr older than 1.2.9 (or of no stated version, as Arrow C++
   * also assumes), else 0.
   */
  public static int chunkPadding(String createdBy) {
    java.util.regex.Matcher m = PARQUET_MR.matcher(createdBy == null ? "" : createdBy.strip());
    if (!m.matches()) {
      return 0;
    }
    if (m.group(1) == null) {
      return PARQUET_816_PADDING;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    int patch = Integer.parseInt(m.group(3));
    boolean fixed = major > 1 || (major == 1 && (minor > 2 || (minor == 2 && patch >= 9)));
    return fixed ? 0 : PARQUET_816_PADDING;
  }

  /**
   * Reads and validates the footer of the Parquet file behind {@code input}.
   *
   * @throws CorruptParquetException if the file is not Parquet, is truncated or its footer is
   *     damaged; the message names the file
   * @throws UnsupportedFileException if the file is encrypted (footer or columns), which Quiver
   *     does not read
   * @throws IOException if storage fails (propagated as thrown by {@code input})
   */
  public static ParquetMetadata read(StorageInput input) throws IOException {
    Location location = input.entry().location();
    long length = input.entry().length();
    if (length < MIN_FILE_LENGTH) {
      throw new CorruptParquetException(
          "Not a Parquet file: " + location + " has only " + length + " bytes");
    }
    int tailLength = (int) Math.min(length, TAIL_BYTES);
    byte[] tail = new byte[tailLength];
    input.readFully(length - tailLength, tail, 0, tailLength);

    byte[] magic = Arrays.copyOfRange(tail, tailLength - 4, tailLength);
    if (Arrays.equals(magic, ENCRYPTED_MAGIC)) {
      throw new UnsupportedFileException(
          "Parquet file "
              + location
              + " is encrypted (encrypted footer), which Quiver cannot read");
    }
    if (!Arrays.equals(magic, MAGIC)) {
      throw new CorruptParquetException(
          "Not a Parquet file, or a truncated one: "
              + location
              + " does not end with the PAR1 magic");
    }
    if (tailLength == length && !Arrays.equals(Arrays.copyOfRange(tail, 0, 4), MAGIC)) {
      throw new CorruptParquetException(
          "Not a Parquet file: " + location + " does not start with the PAR1 magic");
    }
    int footerLength = littleEndianInt(tail, tailLength - 8);
    long footerStart = length - 8 - (long) footerLength;
    if (footerLength <= 0 || footerStart < 4) {
      throw new CorruptParquetException(
          "Corrupt Parquet footer in "
              + location
              + ": footer length "
              + Integer.toUnsignedString(footerLength)
              + " does not fit in a file of "
              + length
              + " bytes");
    }
    byte[] footer;
    int offset;
    if (footerLength + 8 <= tailLength) {
      footer = tail;
      offset = tailLength - 8 - footerLength;
    } else {
      footer = input.read(footerStart, footerLength);
      offset = 0;
    }
    ParquetMetadata metadata;
    try {
      // No Thrift string or list may claim more than the footer's bytes (parquet-java's own
      // reader allows 100 MB per field, whatever the footer's length).
      FileMetaData thrift =
          ColumnChunkPages.readThrift(
              new ByteArrayInputStream(footer, offset, footerLength),
              footerLength,
              new FileMetaData());
      forgetUnknownLogicalTypes(thrift);
      if (hasEncryptedColumns(thrift)) {
        throw new UnsupportedFileException(
            "Parquet file "
                + location
                + " has encrypted columns (plaintext footer), which Quiver cannot read");
      }
      // As parquet-java's readParquetMetadata: each row group's index of its first row.
      Map<RowGroup, Long> firstRows = new IdentityHashMap<>();
      long rows = 0;
      if (thrift.getRow_groups() != null) {
        for (RowGroup group : thrift.getRow_groups()) {
          firstRows.put(group, rows);
          rows += group.getNum_rows();
        }
      }
      metadata = new ParquetMetadataConverter().fromParquetMetadata(thrift, null, false, firstRows);
    } catch (UnsupportedFileException e) {
      throw e;
    } catch (IOException | TException | RuntimeException e) {
      // The parser's own text (a Thrift dump, a NullPointerException) is for the log, not for
      // clients.
      LOG.warn("Corrupt Parquet footer in {}", location, e);
      throw new CorruptParquetException(
          "Corrupt Parquet footer in "
              + location
              + ": its metadata cannot be parsed (the file is damaged or not Parquet)",
          e);
    }
    validate(metadata, location, footerStart);
    return metadata;
  }

  /**
   * Drops logical types this parquet-java does not know (a newer writer's: the Thrift union has no
   * member set) so that the column reads as its physical type, as Arrow C++ reads it; parquet-java
   * would fail on them with a NullPointerException.
   */
  private static void forgetUnknownLogicalTypes(FileMetaData thrift) {
    if (thrift.getSchema() == null) {
      return;
    }
    for (SchemaElement element : thrift.getSchema()) {
      if (element.isSetLogicalType() && element.getLogicalType().getSetField() == null) {
        element.unsetLogicalType();
      }
    }
  }

  private static boolean hasEncryptedColumns(FileMetaData thrift) {
    if (thrift.isSetEncryption_algorithm()) {
      return true;
    }
    if (thrift.getRow_groups() != null) {
      for (RowGroup group : thrift.getRow_groups()) {
        if (group.getColumns() != null) {
          for (org.apache.parquet.format.ColumnChunk chunk : group.getColumns()) {
            if (chunk.isSetCrypto_metadata() || chunk.isSetEncrypted_column_metadata()) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  private static void validate(ParquetMetadata metadata, Location location, long footerStart)
      throws CorruptParquetException {
    if (metadata.getFileMetaData() == null || metadata.getFileMetaData().getSchema() == null) {
      throw new CorruptParquetException("Corrupt Parquet footer in " + location + ": no schema");
    }
    int leaves = metadata.getFileMetaData().getSchema().getColumns().size();
    List<BlockMetaData> blocks = metadata.getBlocks();
    for (int rowGroup = 0; rowGroup < blocks.size(); rowGroup++) {
      BlockMetaData block = blocks.get(rowGroup);
      if (block.getRowCount() < 0 || block.getColumns().size() != leaves) {
        throw new CorruptParquetException(
            "Corrupt Parquet footer in "
                + location
                + ": row group "
                + rowGroup
                + " has "
                + block.getRowCount()
                + " rows and "
                + block.getColumns().size()
                + " column chunks for "
                + leaves
                + " columns");
      }
      if (block.getRowCount() == 0) {
        // An empty row group is valid whatever its chunks say (writers leave them at 0); it is
        // never read.
        continue;
      }
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        long start = chunk.getStartingPos();
        long size = chunk.getTotalSize();
        if (start < 4 || size < 0 || start + size > footerStart) {
          throw new CorruptParquetException(
              "Corrupt Parquet footer in "
                  + location
                  + ": column chunk "
                  + chunk.getPath()
                  + " of row group "
                  + rowGroup
                  + " claims bytes ["
                  + start
                  + ", "
                  + (start + size)
                  + ") but data ends at "
                  + footerStart);
        }
      }
    }
  }

  private static int littleEndianInt(byte[] bytes, int at) {
    return (bytes[at] & 0xFF)
        | (bytes[at + 1] & 0xFF) << 8
        | (bytes[at + 2] & 0xFF) << 16
        | (bytes[at + 3] & 0xFF) << 24;
  }
}
