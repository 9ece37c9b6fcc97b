package io.quiver.format.parquet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.InterningProtocol;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.PrimitiveType;
import shaded.parquet.org.apache.thrift.TBase;
import shaded.parquet.org.apache.thrift.TConfiguration;
import shaded.parquet.org.apache.thrift.TException;
import shaded.parquet.org.apache.thrift.protocol.TCompactProtocol;
import shaded.parquet.org.apache.thrift.transport.TIOStreamTransport;

/**
 * Walks the pages of one column chunk held in memory and checks every size the file declares for
 * them before anything is allocated from it; shared by {@link RowGroupDecoder} and the native
 * decoder. A hostile or broken writer cannot make a decoder allocate more than the bytes it
 * actually wrote, or (after decompression) more than one page budget.
 *
 * <p>The checks, each failing with a {@link CorruptParquetException} that names the file, row
 * group, column, page (by its byte offset in the chunk) and the declared size:
 *
 * <ul>
 *   <li>Page headers are parsed with Thrift lengths (strings, lists) bounded by the bytes left in
 *       the chunk, so a header cannot declare a 100 MB statistics value that is not there.
 *   <li>{@code compressed_page_size} is between 0 and the bytes left in the chunk after the header:
 *       a page cannot reach past its chunk's byte range (the footer's range, itself checked against
 *       the file by {@link ParquetFooters}).
 *   <li>{@code uncompressed_page_size} (what a decompressor allocates) is between 0 and the
 *       per-page budget {@link #maxPageBytes()}: {@value #DEFAULT_MAX_PAGE_BYTES} bytes (256 MiB),
 *       or more if the system property {@value #MAX_PAGE_BYTES_PROPERTY} says so (it cannot go
 *       below the default, so valid files that decode today keep decoding).
 *   <li>Both are consistent with the codec: equal for uncompressed data (an {@code UNCOMPRESSED}
 *       chunk, or a v2 page with {@code is_compressed} false); no larger than the codec's maximum
 *       expansion for Snappy (22x), gzip (1032x) and LZ4 (256x), plus a few bytes; for Snappy,
 *       exactly the length the Snappy stream starts with. Zstd, Brotli and LZO have no useful
 *       bound: the budget is theirs. Data pages v2 must hold their level sections: {@code
 *       repetition_levels_byte_length} and {@code definition_levels_byte_length} non-negative and
 *       together within both page sizes.
 *   <li>Value counts: the footer's count for the chunk is the row group's row count for columns
 *       without repetition; a data page's {@code num_values} is non-negative, at most the row
 *       group's rows when the column is not repeated, and at most the values of the chunk not yet
 *       seen; pages are read until they account for the footer's count, which they must hit
 *       exactly. A dictionary page's {@code num_values} must fit in its uncompressed size at the
 *       smallest plain encoding of the column's type (4 bytes for INT32, FLOAT and BINARY, 8 for
 *       INT64 and DOUBLE, 12 for INT96, the length for FIXED_LEN_BYTE_ARRAY); at most one
 *       dictionary page.
 *   <li>Pages carrying a CRC-32 must match it.
 * </ul>
 *
 * <p>What these checks do not cover: sizes inside the (decompressed) page data, such as run lengths
 * of the RLE/bit-packed hybrid or the block and value counts of the delta encodings. They are read
 * by parquet-java's value decoders (Java decoder), some of which size arrays from them before
 * checking them against the page, or by Arrow C++ (native decoder).
 *
 * <p>Stateless and thread-safe.
 */
public final class ColumnChunkPages {
  /** The per-page budget for uncompressed sizes unless configured higher: 256 MiB. */
  public static final int DEFAULT_MAX_PAGE_BYTES = 256 << 20;

  /**
   * System property raising the per-page budget (bytes; values below the default are ignored,
   * values above the largest Java array are capped to it).
   */
  public static final String MAX_PAGE_BYTES_PROPERTY = "quiver.parquet.maxPageBytes";

  /** The largest byte array a JVM allocates. */
  private static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  /** Thrift nesting depth allowed in a page header (a header nests 3 levels). */
  private static final int MAX_THRIFT_DEPTH = 64;

  private ColumnChunkPages() {}

  /** One page of a chunk: its offset in the chunk, its checked header and its (raw) body. */
  public record Page(long offset, PageHeader header, List<ByteBuffer> body) {
    /** The body's bytes, as read: compressed unless the codec is UNCOMPRESSED. */
    @Override
    public List<ByteBuffer> body() {
      List<ByteBuffer> views = new ArrayList<>(body.size());
      body.forEach(b -> views.add(b.duplicate()));
      return views;
    }
  }

  /**
   * The per-page budget for uncompressed sizes: {@value #DEFAULT_MAX_PAGE_BYTES}, or the value of
   * the system property {@value #MAX_PAGE_BYTES_PROPERTY} if larger.
   *
   * @throws IllegalArgumentException if the property is set but not a number
   */
  public static int maxPageBytes() {
    return maxPageBytes(System.getProperty(MAX_PAGE_BYTES_PROPERTY));
  }

  static int maxPageBytes(String configured) {
    if (configured == null || configured.isBlank()) {
      return DEFAULT_MAX_PAGE_BYTES;
    }
    long bytes;
    try {
      bytes = Long.parseLong(configured.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "System property "
              + MAX_PAGE_BYTES_PROPERTY
              + " must be a number of bytes: "
              + configured,
          e);
    }
    return (int) Math.min(MAX_ARRAY_BYTES, Math.max(DEFAULT_MAX_PAGE_BYTES, bytes));
  }

  /**
   * Walks and checks the pages of a column chunk.
   *
   * @param chunk the chunk's bytes, exactly the footer's byte range of it, in order (not modified)
   * @param column the column of the chunk
   * @param meta the chunk's footer metadata (codec, value count)
   * @param rowCount the row group's row count
   * @param maxPageBytes the budget for uncompressed page sizes, e.g. {@link #maxPageBytes()}
   * @param where message prefix naming file, row group and column
   * @return the pages, in file order, up to the one that completes the chunk's value count (bytes
   *     after it are ignored, as Parquet readers do)
   * @throws CorruptParquetException if any declared size or count is impossible, a header does not
   *     parse, or a checksum differs
   */
  public static List<Page> read(
      List<ByteBuffer> chunk,
      ColumnDescriptor column,
      ColumnChunkMetaData meta,
      long rowCount,
      int maxPageBytes,
      String where)
      throws CorruptParquetException {
    List<ByteBuffer> views = new ArrayList<>(chunk.size());
    long length = 0;
    for (ByteBuffer b : chunk) {
      views.add(b.duplicate());
      length += b.remaining();
    }
    ByteBufferInputStream in = ByteBufferInputStream.wrap(views);
    CompressionCodecName codec = meta.getCodec();
    PrimitiveType type = column.getPrimitiveType();
    boolean repeated = column.getMaxRepetitionLevel() > 0;
    long valueCount = meta.getValueCount();
    if (valueCount < 0 || (!repeated && valueCount != rowCount)) {
      throw new CorruptParquetException(
          where
              + "the footer declares num_values "
              + valueCount
              + " for the column chunk but the row group has "
              + rowCount
              + " rows");
    }

    List<Page> pages = new ArrayList<>();
    CRC32 crc = new CRC32();
    boolean dictionary = false;
    long values = 0;
    while (values < valueCount) {
      long offset = in.position();
      if (offset >= length) {
        throw new CorruptParquetException(
            where + "the column chunk ends after " + values + " of its " + valueCount + " values");
      }
      PageHeader header;
      try {
        header = readThrift(in, length - offset, new PageHeader());
      } catch (IOException | TException | RuntimeException e) {
        throw new CorruptParquetException(
            where + "unreadable page header at byte " + offset + " of the column chunk: " + e, e);
      }
      PageType pageType = header.getType();
      if (pageType == null) {
        throw new CorruptParquetException(
            where + "the page at byte " + offset + " of the column chunk has an unknown type");
      }
      String page =
          "the " + describe(pageType) + " page at byte " + offset + " of the column chunk";
      long left = length - in.position();
      int compressed = header.getCompressed_page_size();
      int uncompressed = header.getUncompressed_page_size();
      if (compressed < 0 || compressed > left) {
        throw new CorruptParquetException(
            where
                + page
                + " declares compressed_page_size "
                + compressed
                + " but "
                + left
                + " bytes of the chunk remain after its header");
      }
      if (uncompressed < 0) {
        throw new CorruptParquetException(
            where
                + page
                + " declares uncompressed_page_size "
                + uncompressed
                + ", a negative size");
      }
      if (uncompressed > maxPageBytes) {
        throw new CorruptParquetException(
            where
                + page
                + " declares uncompressed_page_size "
                + uncompressed
                + ", more than the per-page limit of "
                + maxPageBytes
                + " bytes (system property "
                + MAX_PAGE_BYTES_PROPERTY
                + ")");
      }
      List<ByteBuffer> body;
      try {
        body = in.sliceBuffers(compressed);
      } catch (IOException e) {
        throw new IllegalStateException("Checked page body out of range", e);
      }
      switch (pageType) {
        case DICTIONARY_PAGE:
          {
            DictionaryPageHeader dict = header.getDictionary_page_header();
            if (dict == null || dict.getEncoding() == null) {
              throw new CorruptParquetException(where + page + " has no dictionary page header");
            }
            if (dictionary) {
              throw new CorruptParquetException(where + page + " is a second dictionary page");
            }
            dictionary = true;
            checkCodec(codec, true, compressed, uncompressed, 0, body, where + page);
            long max = maxPlainValues(type, uncompressed);
            if (dict.getNum_values() < 0 || dict.getNum_values() > max) {
              throw new CorruptParquetException(
                  where
                      + page
                      + " declares num_values "
                      + dict.getNum_values()
                      + " but its uncompressed_page_size of "
                      + uncompressed
                      + " bytes holds at most "
                      + max
                      + " values of type "
                      + type.getPrimitiveTypeName());
            }
            break;
          }
        case DATA_PAGE:
          {
            DataPageHeader data = header.getData_page_header();
            if (data == null
                || data.getEncoding() == null
                || data.getDefinition_level_encoding() == null
                || data.getRepetition_level_encoding() == null) {
              throw new CorruptParquetException(where + page + " has no data page header");
            }
            checkValues(data.getNum_values(), values, valueCount, repeated, rowCount, where + page);
            checkCodec(codec, true, compressed, uncompressed, 0, body, where + page);
            values += data.getNum_values();
            break;
          }
        case DATA_PAGE_V2:
          {
            DataPageHeaderV2 data = header.getData_page_header_v2();
            if (data == null || data.getEncoding() == null) {
              throw new CorruptParquetException(where + page + " has no data page v2 header");
            }
            int n = data.getNum_values();
            checkValues(n, values, valueCount, repeated, rowCount, where + page);
            if (data.getNum_rows() < 0
                || data.getNum_rows() > n
                || data.getNum_rows() > rowCount
                || data.getNum_nulls() < 0
                || data.getNum_nulls() > n) {
              throw new CorruptParquetException(
                  where
                      + page
                      + " declares num_rows "
                      + data.getNum_rows()
                      + " and num_nulls "
                      + data.getNum_nulls()
                      + " for num_values "
                      + n
                      + " in a row group of "
                      + rowCount
                      + " rows");
            }
            int rl = data.getRepetition_levels_byte_length();
            int dl = data.getDefinition_levels_byte_length();
            long levels = (long) rl + dl;
            if (rl < 0 || dl < 0 || levels > compressed || levels > uncompressed) {
              throw new CorruptParquetException(
                  where
                      + page
                      + " declares repetition_levels_byte_length "
                      + rl
                      + " and definition_levels_byte_length "
                      + dl
                      + " but compressed_page_size "
                      + compressed
                      + " and uncompressed_page_size "
                      + uncompressed);
            }
            checkCodec(
                codec,
                data.isIs_compressed(),
                compressed - (int) levels,
                uncompressed - (int) levels,
                (int) levels,
                body,
                where + page);
            values += n;
            break;
          }
        default:
          // Index pages and page types from the future hold no values: skipped.
          break;
      }
      if (header.isSetCrc()) {
        crc.reset();
        for (ByteBuffer b : body) {
          crc.update(b.duplicate());
        }
        if ((int) crc.getValue() != header.getCrc()) {
          throw new CorruptParquetException(where + "page checksum mismatch in " + page);
        }
      }
      pages.add(new Page(offset, header, body));
    }
    return pages;
  }

  private static void checkValues(
      int n, long seen, long valueCount, boolean repeated, long rowCount, String page)
      throws CorruptParquetException {
    if (n < 0) {
      throw new CorruptParquetException(page + " declares num_values " + n + ", a negative count");
    }
    if (!repeated && n > rowCount) {
      throw new CorruptParquetException(
          page + " declares num_values " + n + " but the row group has " + rowCount + " rows");
    }
    if (n > valueCount - seen) {
      throw new CorruptParquetException(
          page
              + " declares num_values "
              + n
              + " but only "
              + (valueCount - seen)
              + " of the chunk's "
              + valueCount
              + " values remain");
    }
  }

  /**
   * Checks {@code uncompressed} (the decompressed size of {@code compressed} bytes at {@code at} in
   * {@code body}) against what {@code codec} can produce.
   */
  private static void checkCodec(
      CompressionCodecName codec,
      boolean isCompressed,
      int compressed,
      int uncompressed,
      int at,
      List<ByteBuffer> body,
      String page)
      throws CorruptParquetException {
    // For a data page v2, the sizes of its data section (after `at` bytes of levels).
    String declared =
        " declares uncompressed_page_size "
            + (uncompressed + at)
            + (at > 0 ? " (" + uncompressed + " after " + at + " bytes of levels)" : "");
    if (compressed == 0 && uncompressed != 0) {
      throw new CorruptParquetException(page + declared + " for no compressed bytes");
    }
    if (codec == CompressionCodecName.UNCOMPRESSED || !isCompressed) {
      if (uncompressed != compressed) {
        throw new CorruptParquetException(
            page
                + declared
                + " for "
                + compressed
                + " bytes of "
                + (isCompressed ? "UNCOMPRESSED" : "uncompressed (is_compressed false)")
                + " data; the sizes must be equal");
      }
      return;
    }
    long bound;
    switch (codec) {
      case SNAPPY:
        // A 3-byte copy element writes at most 64 bytes.
        bound = 22L * compressed + 32;
        break;
      case GZIP:
        // Deflate's maximum expansion is 1032:1.
        bound = 1032L * compressed + 64;
        break;
      case LZ4:
      case LZ4_RAW:
        // Each extra length byte of a match adds at most 255 bytes.
        bound = 256L * compressed + 64;
        break;
      default:
        // ZSTD, BROTLI, LZO: no useful ratio; the page budget bounds them.
        bound = compressed == 0 ? 0 : Long.MAX_VALUE;
        break;
    }
    if (uncompressed > bound) {
      throw new CorruptParquetException(
          page
              + declared
              + " for "
              + compressed
              + " bytes of "
              + codec
              + " data, more than "
              + codec
              + " can expand them to ("
              + bound
              + ")");
    }
    if (codec == CompressionCodecName.SNAPPY && compressed > 0) {
      long snappyLength = snappyLength(body, at, compressed);
      if (snappyLength != uncompressed) {
        throw new CorruptParquetException(
            page
                + declared
                + " but its SNAPPY data decompresses to "
                + (snappyLength < 0 ? "an unreadable length" : snappyLength + " bytes"));
      }
    }
  }

  /** The uncompressed length a raw Snappy block starts with (a varint), or -1. */
  private static long snappyLength(List<ByteBuffer> body, int at, int length) {
    ByteBufferInputStream in = ByteBufferInputStream.wrap(copyOf(body));
    long value = 0;
    try {
      in.skipFully(at);
      for (int i = 0; i < Math.min(5, length); i++) {
        int b = in.read();
        if (b < 0) {
          return -1;
        }
        value |= (long) (b & 0x7F) << (7 * i);
        if ((b & 0x80) == 0) {
          return value;
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  private static List<ByteBuffer> copyOf(List<ByteBuffer> buffers) {
    List<ByteBuffer> views = new ArrayList<>(buffers.size());
    buffers.forEach(b -> views.add(b.duplicate()));
    return views;
  }

  /** At most how many values of {@code type} a plain-encoded {@code bytes} bytes can hold. */
  private static long maxPlainValues(PrimitiveType type, long bytes) {
    switch (type.getPrimitiveTypeName()) {
      case BOOLEAN:
        return bytes * 8;
      case INT64:
      case DOUBLE:
        return bytes / 8;
      case INT96:
        return bytes / 12;
      case FIXED_LEN_BYTE_ARRAY:
        return bytes / Math.max(1, type.getTypeLength());
      default:
        // INT32, FLOAT; BINARY values have a 4-byte length.
        return bytes / 4;
    }
  }

  private static String describe(PageType type) {
    switch (type) {
      case DICTIONARY_PAGE:
        return "dictionary";
      case DATA_PAGE:
        return "data";
      case DATA_PAGE_V2:
        return "data v2";
      case INDEX_PAGE:
        return "index";
      default:
        return type.name();
    }
  }

  /**
   * Reads a Thrift struct of the Parquet format from {@code in} (compact protocol, strings interned
   * as parquet-java does) allowing no string or list longer than {@code maxBytes}: the bytes that
   * can be left for it. parquet-java's own reader allows 100 MB whatever the input.
   */
  static <T extends TBase<?, ?>> T readThrift(InputStream in, long maxBytes, T struct)
      throws IOException, TException {
    int limit = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxBytes));
    TIOStreamTransport transport =
        new TIOStreamTransport(new TConfiguration(limit, limit, MAX_THRIFT_DEPTH), in);
    struct.read(new InterningProtocol(new TCompactProtocol(transport, limit, limit)));
    return struct;
  }
}
