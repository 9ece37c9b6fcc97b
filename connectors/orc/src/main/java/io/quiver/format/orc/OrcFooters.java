package io.quiver.format.orc;

import io.quiver.format.ColumnStatistics;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.orc.OrcFile;
import org.apache.orc.OrcProto;
import org.apache.orc.Reader;
import org.apache.orc.StripeInformation;
import org.apache.orc.StripeStatistics;
import org.apache.orc.TypeDescription;
import org.apache.orc.impl.OrcTail;

/**
 * Reads ORC file tails (postscript, footer, stripe statistics) from storage.
 *
 * <p>orc-core parses the tail, reading it through {@link StorageInput}: one read of the last 16 KiB
 * of the file, and a second one only when the tail is longer. Nothing else of the file is read. The
 * tail is validated so that later stripe reads cannot run off the file: every stripe must lie
 * between the leading magic and the tail, and the stripes' rows must add up to the file's.
 *
 * <p>Stateless and thread-safe (the {@link StorageInput} passed in is not, so one caller at a time
 * per input). The returned metadata is a heap object owned by the caller.
 */
public final class OrcFooters {
  // The reader reads no Hadoop settings that matter here; skip loading Hadoop's default files.
  static final Configuration CONF = new Configuration(false);

  // "ORC" magic, at least one postscript byte, the postscript length byte.
  private static final int MIN_FILE_LENGTH = 3 + 1 + 1;
  // What orc-core reads first from the end of a file (ReaderImpl's DIRECTORY_SIZE_GUESS).
  private static final int TAIL_GUESS = 16 * 1024;

  private OrcFooters() {}

  /**
   * Reads and validates the tail of the ORC file behind {@code input}.
   *
   * @throws CorruptOrcException if the file is not ORC, is truncated or its tail is damaged; the
   *     message names the file
   * @throws io.quiver.format.UnsupportedFileException if the file has encrypted columns, which
   *     Quiver does not read
   * @throws IOException if storage fails (propagated unchanged as thrown by {@code input})
   */
  public static OrcMetadata read(StorageInput input) throws IOException {
    FileEntry entry = input.entry();
    Location location = entry.location();
    long length = entry.length();
    if (length < MIN_FILE_LENGTH) {
      throw new CorruptOrcException(
          "Not an ORC file: " + location + " has only " + length + " bytes");
    }
    StorageFileSystem fs = new StorageFileSystem(input);
    // orc-core's first read: the last 16 KiB. Read it here, check the postscript's sizes before
    // orc-core allocates by them, and leave the bytes pinned so that read is served from memory.
    byte[] end = new byte[(int) Math.min(length, TAIL_GUESS)];
    fs.readPinned(length - end.length, end);
    checkPostScript(end, location, length);
    OrcFile.ReaderOptions options =
        OrcFile.readerOptions(CONF).filesystem(fs).maxLength(length).useUTCTimestamp(true);
    OrcTail tail;
    try (Reader reader = OrcFile.createReader(fs.path(), options)) {
      tail = options.getOrcTail();
      if (tail == null) {
        throw new IllegalStateException("orc-core returned no tail");
      }
    } catch (IOException | RuntimeException e) {
      fs.rethrowStorageFailure(e);
      throw OrcErrors.corrupt(
          "Corrupt ORC file tail in " + location + ": ", "it cannot be parsed", e);
    }
    if (tail.getFooter().hasEncryption()) {
      // Encrypted columns need the writer's keys; without them orc-core returns masked values.
      throw new io.quiver.format.UnsupportedFileException(
          "ORC file " + location + " has encrypted columns, which Quiver cannot read");
    }
    if (tail.getSchema().getCategory() != TypeDescription.Category.STRUCT) {
      // Valid ORC (a file of bare values), but a table needs named columns, as Arrow C++ does.
      throw new io.quiver.format.UnsupportedFileException(
          "ORC file "
              + location
              + " has a "
              + tail.getSchema().getCategory().getName()
              + " at its root, not a struct of columns, which Quiver cannot read");
    }
    List<OrcMetadata.Stripe> stripes = validate(tail, location, length);
    // A column Quiver cannot decode (a union) does not make the file unusable: it is listed with
    // its reason and refused only when a scan asks for it.
    List<org.apache.arrow.vector.types.pojo.Field> fields = new ArrayList<>();
    Map<String, String> unsupported = new java.util.LinkedHashMap<>();
    List<String> names = tail.getSchema().getFieldNames();
    for (int i = 0; i < names.size(); i++) {
      try {
        fields.add(OrcSchemas.toArrowField(names.get(i), tail.getSchema().getChildren().get(i)));
      } catch (UnsupportedOrcSchemaException e) {
        unsupported.put(names.get(i), e.getMessage());
        fields.add(
            OrcSchemas.placeholderField(names.get(i), tail.getSchema().getChildren().get(i)));
      }
    }
    Schema schema = new Schema(fields);

    List<Map<String, Long>> arrowBytes = new ArrayList<>();
    List<Map<String, Long>> diskBytes = new ArrayList<>();
    List<Map<String, ColumnStatistics>> columnStatistics = new ArrayList<>();
    List<StripeStatistics> statistics;
    try {
      statistics = tail.getStripeStatistics();
    } catch (IOException | RuntimeException e) {
      throw OrcErrors.corrupt(
          "Corrupt ORC stripe statistics in " + location + ": ", "they cannot be parsed", e);
    }
    for (int s = 0; s < stripes.size(); s++) {
      Map<String, Long> arrow = new HashMap<>();
      Map<String, Long> disk = new HashMap<>();
      Map<String, ColumnStatistics> columns = Map.of();
      if (statistics != null && statistics.size() == stripes.size()) {
        estimateSizes(tail.getSchema(), statistics.get(s), arrow, disk);
        columns =
            OrcStatistics.ofStripe(
                tail.getSchema(),
                statistics.get(s),
                stripes.get(s).rows(),
                tail.getWriterVersion());
      }
      arrowBytes.add(Map.copyOf(arrow));
      diskBytes.add(Map.copyOf(disk));
      columnStatistics.add(Map.copyOf(columns));
    }
    return new OrcMetadata(
        entry, tail, schema, unsupported, stripes, arrowBytes, diskBytes, columnStatistics);
  }

  /**
   * Checks the sizes in the postscript (the last bytes of the file, before its length byte) that
   * orc-core turns into buffer sizes: the tail's section lengths must fit in the file and the
   * compression block size in a chunk header.
   */
  private static void checkPostScript(byte[] end, Location location, long length)
      throws CorruptOrcException {
    int postScriptLength = end[end.length - 1] & 0xff;
    if (postScriptLength == 0 || postScriptLength + 1 > end.length) {
      throw new CorruptOrcException(
          "Corrupt ORC file tail in "
              + location
              + ": a postscript of "
              + postScriptLength
              + " bytes in a file of "
              + length);
    }
    OrcProto.PostScript postScript;
    try {
      postScript =
          OrcProto.PostScript.parseFrom(
              ByteBuffer.wrap(end, end.length - 1 - postScriptLength, postScriptLength));
    } catch (IOException | RuntimeException e) {
      throw OrcErrors.corrupt(
          "Not an ORC file or a corrupt postscript: " + location + ": ",
          "the postscript cannot be parsed",
          e);
    }
    long room = length - 1 - postScriptLength;
    long[] sections = {
      postScript.getFooterLength(),
      postScript.getMetadataLength(),
      postScript.getStripeStatisticsLength()
    };
    for (long section : sections) {
      // uint64 fields: a negative long is above 2^63.
      if (section < 0 || section > room) {
        throw new CorruptOrcException(
            "Corrupt ORC file tail in "
                + location
                + ": the postscript claims a section of "
                + Long.toUnsignedString(section)
                + " bytes in a file of "
                + length);
      }
      room -= section;
    }
    long blockSize = postScript.getCompressionBlockSize();
    if (postScript.getCompression() != OrcProto.CompressionKind.NONE
        && postScript.hasCompressionBlockSize()
        && (blockSize <= 0 || blockSize > StripeCheck.MAX_COMPRESSION_BLOCK)) {
      throw new CorruptOrcException(
          "Corrupt ORC file tail in "
              + location
              + ": the compression block size is "
              + Long.toUnsignedString(blockSize)
              + " bytes (at most "
              + StripeCheck.MAX_COMPRESSION_BLOCK
              + ")");
    }
  }

  private static List<OrcMetadata.Stripe> validate(OrcTail tail, Location location, long length)
      throws CorruptOrcException {
    // Stripes must end before the first byte of the tail (stripe statistics come first).
    long tailStart = Math.min(tail.getMetadataOffset(), tail.getStripeStatisticsOffset());
    if (tail.getFileLength() != length || tailStart < 3 || tailStart > length) {
      throw new CorruptOrcException(
          "Corrupt ORC file tail in "
              + location
              + ": tail starts at "
              + tailStart
              + " in a file of "
              + length
              + " bytes");
    }
    List<OrcMetadata.Stripe> stripes = new ArrayList<>();
    long rows = 0;
    List<StripeInformation> infos = tail.getStripes();
    for (int s = 0; s < infos.size(); s++) {
      StripeInformation info = infos.get(s);
      long start = info.getOffset();
      long end = start + info.getLength();
      if (start < 3
          || info.getLength() <= 0
          || end > tailStart
          || info.getNumberOfRows() < 0
          || info.getIndexLength() + info.getDataLength() + info.getFooterLength()
              != info.getLength()) {
        throw new CorruptOrcException(
            "Corrupt ORC file tail in "
                + location
                + ": stripe "
                + s
                + " claims bytes ["
                + start
                + ", "
                + end
                + ") and "
                + info.getNumberOfRows()
                + " rows, but data ends at "
                + tailStart);
      }
      rows += info.getNumberOfRows();
      stripes.add(
          new OrcMetadata.Stripe(
              start, info.getLength(), info.getNumberOfRows(), info.getDataLength()));
    }
    long fileRows = tail.getFooter().getNumberOfRows();
    if (rows != fileRows) {
      throw new CorruptOrcException(
          "Corrupt ORC file tail in "
              + location
              + ": the stripes have "
              + rows
              + " rows but the footer says "
              + fileRows);
    }
    return stripes;
  }

  /** Fills per top-level column: estimated Arrow bytes and recorded bytes on disk. */
  private static void estimateSizes(
      TypeDescription schema,
      StripeStatistics statistics,
      Map<String, Long> arrow,
      Map<String, Long> disk) {
    List<String> names = schema.getFieldNames();
    List<TypeDescription> children = schema.getChildren();
    for (int i = 0; i < names.size(); i++) {
      TypeDescription column = children.get(i);
      long arrowSum = 0;
      long diskSum = 0;
      for (int id = column.getId(); id <= column.getMaximumId(); id++) {
        OrcProto.ColumnStatistics stats = statistics.getColumn(id);
        if (stats == null) {
          continue;
        }
        diskSum += stats.getBytesOnDisk();
        arrowSum += arrowBytes(schema.findSubtype(id), stats);
      }
      arrow.put(names.get(i), arrowSum);
      disk.put(names.get(i), diskSum);
    }
  }

  /** Arrow bytes of one ORC column's values: fixed widths, offsets and string lengths. */
  private static long arrowBytes(TypeDescription type, OrcProto.ColumnStatistics stats) {
    long values = stats.getNumberOfValues();
    long validity = (values + 7) / 8;
    switch (type.getCategory()) {
      case BOOLEAN:
        return validity * 2;
      case BYTE:
        return validity + values;
      case SHORT:
        return validity + 2 * values;
      case INT:
      case FLOAT:
      case DATE:
        return validity + 4 * values;
      case LONG:
      case DOUBLE:
      case TIMESTAMP:
      case TIMESTAMP_INSTANT:
        return validity + 8 * values;
      case DECIMAL:
        return validity + 16 * values;
      case STRING:
      case VARCHAR:
      case CHAR:
        return validity + 4 * values + stats.getStringStatistics().getSum();
      case BINARY:
        return validity + 4 * values + stats.getBinaryStatistics().getSum();
      case LIST:
      case MAP:
        return validity + 4 * values;
      default:
        return validity;
    }
  }
}
