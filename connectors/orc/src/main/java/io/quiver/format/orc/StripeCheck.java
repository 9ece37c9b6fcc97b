package io.quiver.format.orc;

import io.quiver.storage.Location;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.orc.CompressionCodec;
import org.apache.orc.CompressionKind;
import org.apache.orc.OrcProto;
import org.apache.orc.StripeInformation;
import org.apache.orc.TypeDescription;
import org.apache.orc.impl.BufferChunk;
import org.apache.orc.impl.InStream;
import org.apache.orc.impl.IntegerReader;
import org.apache.orc.impl.OrcCodecPool;
import org.apache.orc.impl.RunLengthIntegerReader;
import org.apache.orc.impl.RunLengthIntegerReaderV2;
import org.apache.orc.impl.StreamName;

/**
 * Checks one stripe's footer and the streams of the included columns before orc-core decodes them,
 * so that a damaged or hostile file ends in a {@link CorruptOrcException} instead of a huge
 * allocation or a runaway loop inside orc-core.
 *
 * <p>orc-core trusts what it reads: a stream length from the stripe footer becomes the size of a
 * heap buffer, a sum of string lengths becomes one {@code byte[]} per batch, a dictionary size
 * becomes an {@code int[]}, a list's lengths size its child vectors, and an integer run (RLE v2)
 * that claims more bytes than its stream holds sends its bit unpacking into a loop of billions of
 * iterations (it adds the {@code -1} of end-of-stream to its byte count and retries). This check
 * reads the same bytes first and refuses the stripe when:
 *
 * <ul>
 *   <li>the stripe footer does not parse, its stream table does not add up to the stripe's index
 *       and data lengths, or it names columns or encodings the file does not have;
 *   <li>a compressed stream's chunk headers do not tile the stream or claim more than the
 *       compression block size;
 *   <li>an integer run (RLE v2) reaches past the end of its stream, or has patch widths orc-core
 *       rejects;
 *   <li>string/binary lengths, dictionary sizes or list/map lengths are negative, add up to more
 *       than their data stream can hold, or would make orc-core allocate more than the per-batch
 *       budget {@link #maxBatchBytes()} for one batch of {@code batchRows} values.
 * </ul>
 *
 * <p>The bytes it reads are pinned in the {@link StorageFileSystem}, so orc-core's reads of the
 * same ranges are served from memory and storage is read once. It decompresses the integer streams
 * of the included columns a second time (orc-core decompresses them again); string data and
 * floating-point streams are only walked chunk by chunk, never decompressed here.
 *
 * <p>Limits: values are not checked against the PRESENT streams (a stream with too few values ends
 * in orc-core's own EOF error); lengths of columns nested in lists are checked per window of {@code
 * batchRows} values, while orc-core reads them in batches as large as their parent's lengths add up
 * to, so their bound is the data stream's size rather than the batch budget.
 *
 * <p>Stateless; one call per stripe decode, on the decoding thread.
 */
final class StripeCheck {
  /** The per-batch allocation budget unless configured higher: 256 MiB. */
  static final int DEFAULT_MAX_BATCH_BYTES = 256 << 20;

  /** System property raising {@link #DEFAULT_MAX_BATCH_BYTES} (bytes; lower values ignored). */
  static final String MAX_BATCH_BYTES_PROPERTY = "quiver.orc.maxBatchBytes";

  /**
   * The largest compression block the format can describe: a chunk header holds a 23-bit length,
   * and a block that does not compress is stored as is.
   */
  static final int MAX_COMPRESSION_BLOCK = 1 << 23;

  // The largest compression block writers use by default (orc-core, Arrow C++, Hive).
  private static final int USUAL_BLOCK = 256 << 10;
  // Bytes orc-core keeps per child element of a list or map (a decimal child holds an object).
  private static final int CHILD_ELEMENT_BYTES = 16;
  private static final int SKIP_BUFFER = 8192;
  private static final int[] WIDTHS = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 28,
    30, 32, 40, 48, 56, 64
  };

  private final StorageFileSystem fs;
  private final OrcMetadata metadata;
  private final Location location;
  private final int stripe;
  private final long maxBatchBytes;
  private final int batchRows;
  private final CompressionKind compression;
  private final int blockSize;
  private final Map<StreamName, Stream> streams = new HashMap<>();
  private CompressionCodec codec;

  private record Stream(OrcProto.Stream.Kind kind, int column, long offset, long length) {}

  private StripeCheck(
      StorageFileSystem fs, OrcMetadata metadata, int stripe, long maxBatchBytes, int batchRows) {
    this.fs = fs;
    this.metadata = metadata;
    this.location = metadata.entry().location();
    this.stripe = stripe;
    this.maxBatchBytes = maxBatchBytes;
    this.batchRows = batchRows;
    this.compression = metadata.tail().getCompressionKind();
    this.blockSize = metadata.tail().getCompressionBufferSize();
  }

  /**
   * The per-batch allocation budget: {@value #DEFAULT_MAX_BATCH_BYTES}, or the value of the system
   * property {@value #MAX_BATCH_BYTES_PROPERTY} if larger.
   *
   * @throws IllegalArgumentException if the property is set but not a number
   */
  static long maxBatchBytes() {
    return maxBatchBytes(System.getProperty(MAX_BATCH_BYTES_PROPERTY));
  }

  static long maxBatchBytes(String configured) {
    if (configured == null || configured.isBlank()) {
      return DEFAULT_MAX_BATCH_BYTES;
    }
    try {
      return Math.min(
          Integer.MAX_VALUE, Math.max(DEFAULT_MAX_BATCH_BYTES, Long.parseLong(configured.trim())));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "System property "
              + MAX_BATCH_BYTES_PROPERTY
              + " must be a number of bytes: "
              + configured,
          e);
    }
  }

  /**
   * Checks stripe {@code stripe} for reading the columns marked in {@code include} (ORC column ids,
   * as in orc-core's read options) in batches of {@code batchRows} rows.
   *
   * @throws CorruptOrcException naming the file, stripe, column and stream at fault
   * @throws IOException if storage fails (as thrown by the input)
   */
  static void check(
      StorageFileSystem fs,
      OrcMetadata metadata,
      int stripe,
      boolean[] include,
      int batchRows,
      long maxBatchBytes)
      throws IOException {
    StripeCheck check = new StripeCheck(fs, metadata, stripe, maxBatchBytes, batchRows);
    try {
      check.run(include);
    } finally {
      check.releaseCodec();
    }
  }

  private void run(boolean[] include) throws IOException {
    if (compression != CompressionKind.NONE) {
      if (blockSize <= 0 || blockSize > MAX_COMPRESSION_BLOCK) {
        throw corrupt("the compression block size is " + blockSize + " bytes");
      }
      codec = OrcCodecPool.getCodec(compression);
    }
    StripeInformation info = metadata.tail().getStripes().get(stripe);
    OrcProto.StripeFooter footer = readFooter(info);
    TypeDescription schema = metadata.orcSchema();
    int columns = schema.getMaximumId() + 1;
    if (footer.getColumnsCount() < columns) {
      throw corrupt(
          "the stripe footer has encodings for "
              + footer.getColumnsCount()
              + " columns, the schema has "
              + columns);
    }
    findStreams(footer, info, include, columns);
    pinIncludedStreams();
    // orc-core gives every compressed stream a buffer of one block. Files with the usual blocks
    // (up to 256 KiB) may have as many streams as they like; larger blocks count against the
    // budget.
    if (codec != null && blockSize > USUAL_BLOCK) {
      long buffers = (long) streams.size() * blockSize;
      if (buffers > maxBatchBytes) {
        throw corrupt(
            streams.size()
                + " streams of "
                + blockSize
                + "-byte compression blocks need "
                + buffers
                + " bytes of buffers, more than the budget of "
                + maxBatchBytes
                + " (system property "
                + MAX_BATCH_BYTES_PROPERTY
                + ")");
      }
    }
    Map<StreamName, Long> uncompressed = new HashMap<>();
    for (Map.Entry<StreamName, Stream> e : streams.entrySet()) {
      uncompressed.put(e.getKey(), uncompressedBound(e.getKey(), e.getValue()));
    }
    for (TypeDescription column : schema.getChildren()) {
      if (include[column.getId()]) {
        checkColumn(column, footer, uncompressed);
      }
    }
  }

  private OrcProto.StripeFooter readFooter(StripeInformation info) throws IOException {
    long start = info.getOffset() + info.getIndexLength() + info.getDataLength();
    int length = (int) info.getFooterLength(); // bounded by the file length (OrcFooters)
    byte[] bytes = new byte[length];
    fs.readPinned(start, bytes);
    try {
      InStream in =
          InStream.create(
              "stripe footer",
              new BufferChunk(ByteBuffer.wrap(bytes), start),
              start,
              length,
              options());
      return OrcProto.StripeFooter.parseFrom(InStream.createCodedInputStream(in));
    } catch (IOException | RuntimeException e) {
      fs.rethrowStorageFailure(e);
      throw corrupt("the stripe footer does not parse: " + OrcErrors.reason(e), e);
    }
  }

  private void findStreams(
      OrcProto.StripeFooter footer, StripeInformation info, boolean[] include, int columns)
      throws CorruptOrcException {
    EnumMap<StreamName.Area, Long> areaBytes = new EnumMap<>(StreamName.Area.class);
    for (StreamName.Area area : StreamName.Area.values()) {
      areaBytes.put(area, 0L);
    }
    // Index streams come first, then data streams, each in footer order (orc-core's layout).
    long dataStart = info.getOffset() + info.getIndexLength();
    long dataOffset = dataStart;
    for (OrcProto.Stream s : footer.getStreamsList()) {
      if (!s.hasKind() || s.getColumn() >= columns || s.getLength() < 0) {
        throw corrupt(
            "the stripe footer lists a stream "
                + s.getKind()
                + " of column "
                + s.getColumn()
                + " with "
                + s.getLength()
                + " bytes");
      }
      StreamName.Area area = StreamName.getArea(s.getKind());
      long total = areaBytes.get(area) + s.getLength();
      if (total < 0 || total > info.getLength()) {
        throw corrupt(
            "the stripe footer's streams add up to more than the stripe's "
                + info.getLength()
                + " bytes");
      }
      areaBytes.put(area, total);
      if (area == StreamName.Area.DATA) {
        if (include[s.getColumn()]) {
          streams.put(
              new StreamName(s.getColumn(), s.getKind()),
              new Stream(s.getKind(), s.getColumn(), dataOffset, s.getLength()));
        }
        dataOffset += s.getLength();
      }
    }
    long index = areaBytes.get(StreamName.Area.INDEX);
    long data = areaBytes.get(StreamName.Area.DATA);
    if (index != info.getIndexLength() || data != info.getDataLength()) {
      throw corrupt(
          "the stripe footer's streams hold "
              + index
              + " index and "
              + data
              + " data bytes, the file tail says "
              + info.getIndexLength()
              + " and "
              + info.getDataLength());
    }
  }

  /** Reads the included streams (adjacent ones in one read) and pins them for orc-core. */
  private void pinIncludedStreams() throws IOException {
    List<Stream> sorted = new ArrayList<>(streams.values());
    sorted.sort((a, b) -> Long.compare(a.offset(), b.offset()));
    int i = 0;
    while (i < sorted.size()) {
      long start = sorted.get(i).offset();
      long end = start + sorted.get(i).length();
      int j = i + 1;
      while (j < sorted.size() && sorted.get(j).offset() == end) {
        end += sorted.get(j).length();
        j++;
      }
      if (end > start) {
        // Inside the stripe, which lies inside the file (OrcFooters); orc-core reads it as well.
        fs.readPinned(start, new byte[Math.toIntExact(end - start)]);
      }
      i = j;
    }
  }

  /** Walks the chunk headers of a stream: the most bytes it can decompress to. */
  private long uncompressedBound(StreamName name, Stream stream) throws IOException {
    if (codec == null) {
      return stream.length();
    }
    ByteBuffer bytes = fs.pinned(stream.offset(), stream.length());
    long bound = 0;
    int position = 0;
    int end = (int) stream.length();
    while (position < end) {
      if (end - position < 3) {
        throw corrupt(name, "a chunk header is cut off at byte " + position);
      }
      int b0 = bytes.get(position) & 0xff;
      int b1 = bytes.get(position + 1) & 0xff;
      int b2 = bytes.get(position + 2) & 0xff;
      boolean original = (b0 & 1) == 1;
      int chunk = (b2 << 15) | (b1 << 7) | (b0 >> 1);
      if (chunk > blockSize || chunk > end - position - 3) {
        throw corrupt(
            name,
            "a chunk at byte "
                + position
                + " claims "
                + chunk
                + " bytes (block size "
                + blockSize
                + ", "
                + (end - position - 3)
                + " bytes left)");
      }
      bound += original ? chunk : blockSize;
      position += 3 + chunk;
    }
    return bound;
  }

  private void checkColumn(
      TypeDescription type, OrcProto.StripeFooter footer, Map<StreamName, Long> uncompressed)
      throws IOException {
    int id = type.getId();
    OrcProto.ColumnEncoding encoding = footer.getColumns(id);
    OrcProto.ColumnEncoding.Kind kind = encoding.getKind();
    boolean v2 =
        kind == OrcProto.ColumnEncoding.Kind.DIRECT_V2
            || kind == OrcProto.ColumnEncoding.Kind.DICTIONARY_V2;
    boolean dictionary =
        kind == OrcProto.ColumnEncoding.Kind.DICTIONARY
            || kind == OrcProto.ColumnEncoding.Kind.DICTIONARY_V2;
    switch (type.getCategory()) {
      case SHORT:
      case INT:
      case LONG:
      case DATE:
        walkIntegers(id, OrcProto.Stream.Kind.DATA, v2);
        break;
      case TIMESTAMP:
      case TIMESTAMP_INSTANT:
        walkIntegers(id, OrcProto.Stream.Kind.DATA, v2);
        walkIntegers(id, OrcProto.Stream.Kind.SECONDARY, v2);
        break;
      case DECIMAL:
        walkIntegers(id, OrcProto.Stream.Kind.SECONDARY, v2);
        break;
      case STRING:
      case VARCHAR:
      case CHAR:
      case BINARY:
        walkIntegers(id, OrcProto.Stream.Kind.LENGTH, v2);
        if (dictionary) {
          walkIntegers(id, OrcProto.Stream.Kind.DATA, v2);
          long entries = encoding.getDictionarySize();
          if (entries < 0 || entries * 4 > maxBatchBytes) {
            throw corrupt(
                new StreamName(id, OrcProto.Stream.Kind.LENGTH),
                "the dictionary claims " + entries + " entries");
          }
          // orc-core reads the whole dictionary into one array.
          checkLengths(
              id,
              v2,
              entries,
              1,
              Math.min(
                  maxBatchBytes,
                  uncompressed.getOrDefault(
                      new StreamName(id, OrcProto.Stream.Kind.DICTIONARY_DATA), 0L)),
              true);
        } else {
          checkLengths(
              id,
              v2,
              Long.MAX_VALUE,
              1,
              uncompressed.getOrDefault(new StreamName(id, OrcProto.Stream.Kind.DATA), 0L),
              false);
        }
        break;
      case LIST:
      case MAP:
        walkIntegers(id, OrcProto.Stream.Kind.LENGTH, v2);
        checkLengths(id, v2, Long.MAX_VALUE, CHILD_ELEMENT_BYTES, Integer.MAX_VALUE, false);
        break;
      default:
        // BOOLEAN, BYTE (byte runs), FLOAT, DOUBLE (raw), STRUCT: orc-core checks their ends.
        break;
    }
    for (TypeDescription child :
        type.getChildren() == null ? List.<TypeDescription>of() : type.getChildren()) {
      checkColumn(child, footer, uncompressed);
    }
  }

  /**
   * Walks the runs of an RLE v2 integer stream: every run must end inside the stream. (RLE v1 reads
   * its values one varint at a time and stops at the stream's end by itself.)
   */
  private void walkIntegers(int column, OrcProto.Stream.Kind kind, boolean v2) throws IOException {
    StreamName name = new StreamName(column, kind);
    Stream stream = streams.get(name);
    if (!v2 || stream == null || stream.length() == 0) {
      return;
    }
    InStream in = open(name, stream);
    byte[] skip = new byte[SKIP_BUFFER];
    long run = 0;
    try {
      for (int first = in.read(); first >= 0; first = in.read(), run++) {
        int type = (first >>> 6) & 3;
        long bytes;
        switch (type) {
          case 0: // short repeat: one value of 1-8 bytes
            bytes = ((first >>> 3) & 7) + 1;
            break;
          case 1: // direct: bit-packed values
            {
              int width = WIDTHS[(first >>> 1) & 31];
              int length = (((first & 1) << 8) | readByte(in, name, run)) + 1;
              bytes = bitBytes(length, width);
              break;
            }
          case 2: // patched base
            {
              int width = WIDTHS[(first >>> 1) & 31];
              int length = (((first & 1) << 8) | readByte(in, name, run)) + 1;
              int third = readByte(in, name, run);
              int fourth = readByte(in, name, run);
              int baseBytes = ((third >>> 5) & 7) + 1;
              int patchWidth = WIDTHS[third & 31];
              int gapWidth = ((fourth >>> 5) & 7) + 1;
              int patches = fourth & 31;
              if (patchWidth + gapWidth >= 64) {
                throw corrupt(
                    name, "run " + run + " has patches of " + (patchWidth + gapWidth) + " bits");
              }
              bytes =
                  baseBytes
                      + bitBytes(length, width)
                      + bitBytes(patches, closestWidth(patchWidth + gapWidth));
              break;
            }
          default: // delta: a base, a delta, then bit-packed deltas
            {
              int code = (first >>> 1) & 31;
              int width = code == 0 ? 0 : WIDTHS[code];
              int length = (((first & 1) << 8) | readByte(in, name, run)) + 1;
              skipVarint(in, name, run);
              skipVarint(in, name, run);
              bytes = bitBytes(Math.max(0, length - 2), width);
              break;
            }
        }
        skipFully(in, bytes, skip, name, run);
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof CorruptOrcException) {
        throw e;
      }
      fs.rethrowStorageFailure(e);
      throw corrupt(name, "run " + run + " does not read: " + OrcErrors.reason(e), e);
    }
  }

  /**
   * Decodes a LENGTH stream (after {@link #walkIntegers}) and checks its values: none negative,
   * every window of {@code batchRows} values within half the batch budget at {@code unitBytes} per
   * unit, the first {@code limit} values adding up to at most {@code bound}.
   */
  private void checkLengths(
      int column, boolean v2, long limit, int unitBytes, long bound, boolean exact)
      throws IOException {
    StreamName name = new StreamName(column, OrcProto.Stream.Kind.LENGTH);
    Stream stream = streams.get(name);
    if (stream == null) {
      if (exact && limit > 0) {
        throw corrupt(name, "the stream is missing but the dictionary has " + limit + " entries");
      }
      return;
    }
    long windowLimit = maxBatchBytes / 2 / unitBytes;
    long count = 0;
    long total = 0;
    long window = 0;
    try {
      InStream in = open(name, stream);
      IntegerReader values =
          v2
              ? new RunLengthIntegerReaderV2(in, false, false)
              : new RunLengthIntegerReader(in, false);
      while (count < limit && values.hasNext()) {
        long value = values.next();
        if (value < 0 || value > Integer.MAX_VALUE) {
          throw corrupt(name, "value " + count + " is a length of " + value);
        }
        window += value;
        total += value;
        count++;
        if (window > windowLimit) {
          throw corrupt(
              name,
              "values "
                  + (count - 1) / batchRows * batchRows
                  + " to "
                  + (count - 1)
                  + " add up to "
                  + window
                  + ", more than a batch may allocate ("
                  + maxBatchBytes
                  + " bytes, system property "
                  + MAX_BATCH_BYTES_PROPERTY
                  + ")");
        }
        if (total > bound) {
          throw corrupt(name, "the lengths add up to more than the " + bound + " bytes of data");
        }
        if (count % batchRows == 0) {
          window = 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof CorruptOrcException) {
        throw e;
      }
      fs.rethrowStorageFailure(e);
      throw corrupt(name, "the lengths do not read: " + OrcErrors.reason(e), e);
    }
    if (exact && count < limit) {
      throw corrupt(name, "the dictionary has " + limit + " entries but " + count + " lengths");
    }
  }

  private InStream open(StreamName name, Stream stream) throws IOException {
    ByteBuffer bytes = fs.pinned(stream.offset(), stream.length());
    return InStream.create(
        name, new BufferChunk(bytes, stream.offset()), stream.offset(), stream.length(), options());
  }

  private InStream.StreamOptions options() {
    InStream.StreamOptions options = InStream.options();
    return codec == null ? options : options.withCodec(codec).withBufferSize(blockSize);
  }

  private void releaseCodec() {
    if (codec != null) {
      OrcCodecPool.returnCodec(compression, codec);
      codec = null;
    }
  }

  private static long bitBytes(long values, int width) {
    return (values * width + 7) / 8;
  }

  /** The bit width orc-core unpacks {@code bits}-bit values with. */
  private static int closestWidth(int bits) {
    for (int width : WIDTHS) {
      if (width >= bits) {
        return width;
      }
    }
    return 64;
  }

  private int readByte(InStream in, StreamName name, long run) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw corrupt(name, "run " + run + " is cut off by the end of the stream");
    }
    return b;
  }

  private void skipVarint(InStream in, StreamName name, long run) throws IOException {
    for (int i = 0; i < 10; i++) {
      if ((readByte(in, name, run) & 0x80) == 0) {
        return;
      }
    }
    throw corrupt(name, "run " + run + " has a varint longer than 10 bytes");
  }

  private void skipFully(InStream in, long bytes, byte[] buffer, StreamName name, long run)
      throws IOException {
    long left = bytes;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw corrupt(
            name,
            "run "
                + run
                + " needs "
                + bytes
                + " bytes but the stream ends "
                + (bytes - left)
                + " bytes into it");
      }
      left -= n;
    }
  }

  private CorruptOrcException corrupt(String message) {
    return new CorruptOrcException(prefix() + message);
  }

  private CorruptOrcException corrupt(String message, Throwable cause) {
    return new CorruptOrcException(prefix() + message, cause);
  }

  private CorruptOrcException corrupt(StreamName name, String message) {
    return new CorruptOrcException(prefix() + describe(name) + message);
  }

  private CorruptOrcException corrupt(StreamName name, String message, Throwable cause) {
    return new CorruptOrcException(prefix() + describe(name) + message, cause);
  }

  private String prefix() {
    return "Corrupt ORC data in " + location + ", stripe " + stripe + ": ";
  }

  private String describe(StreamName name) {
    TypeDescription type = metadata.orcSchema().findSubtype(name.getColumn());
    return "column '" + type.getFullFieldName() + "' stream " + name.getKind() + ": ";
  }
}
