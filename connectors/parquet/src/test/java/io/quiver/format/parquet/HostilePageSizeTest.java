package io.quiver.format.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
import io.quiver.testing.PageHeaderPatch;
import io.quiver.testing.ParquetTestFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Page headers that declare impossible sizes (a hostile or broken writer) are refused with a
 * CorruptParquetException naming file, row group, column and the size, before anything of that size
 * is allocated: the decoding thread's heap allocations are measured and must stay far below the
 * declared sizes.
 */
class HostilePageSizeTest {
  private static final long HUGE = 1_500_000_000L;

  /** Decoding these small files allocates a few MiB of heap; the declared sizes are 256 MiB+. */
  private static final long MAX_ALLOCATED = 64L << 20;

  @TempDir static Path dir;
  static Path snappy;
  static Path uncompressed;
  static Path zstdV2;
  static Path nested;

  @BeforeAll
  static void writeFiles() throws IOException {
    snappy = allTypes("snappy.parquet", CompressionCodecName.SNAPPY, WriterVersion.PARQUET_1_0);
    uncompressed =
        allTypes("plain.parquet", CompressionCodecName.UNCOMPRESSED, WriterVersion.PARQUET_1_0);
    zstdV2 = allTypes("zstd-v2.parquet", CompressionCodecName.ZSTD, WriterVersion.PARQUET_2_0);
    nested =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            dir,
            "nested.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            500,
            64 << 20,
            3);
  }

  /** One row group, dictionary pages on, page checksums written. */
  private static Path allTypes(String name, CompressionCodecName codec, WriterVersion version)
      throws IOException {
    return ParquetTestFiles.writeAllTypesWithParquetHadoop(
        dir, name, codec, true, version, 3000, 64 << 20, 7);
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  private static Path patch(
      Path source, String name, String leaf, PageType type, Consumer<PageHeader> edit)
      throws IOException {
    return PageHeaderPatch.patch(source, dir.resolve(name), 0, leaf, type, edit);
  }

  /**
   * Decodes {@code intact} and {@code column} from {@code file}: it must fail as corrupt with a
   * message holding the file, row group 0, the column and every fragment, without allocating much
   * and with nothing left in the allocator.
   */
  private static void assertRefused(Path file, String intact, String column, String... fragments)
      throws IOException {
    try (StorageInput input = DecodedFile.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      long before = allocatedBytes();
      CorruptParquetException e =
          assertThrows(
              CorruptParquetException.class,
              () ->
                  RowGroupDecoder.decode(input, footer, 0, List.of(intact, column), allocator, 512)
                      .values()
                      .forEach(slices -> slices.forEach(FieldVector::close)));
      long allocated = allocatedBytes() - before;
      assertTrue(
          allocated < MAX_ALLOCATED, "allocated " + allocated + " bytes before failing: " + e);
      String message = e.getMessage();
      assertTrue(message.contains(input.entry().location().toString()), message);
      assertTrue(message.contains("row group 0, column '" + column + "'"), message);
      for (String fragment : fragments) {
        assertTrue(message.contains(fragment), "'" + fragment + "' in: " + message);
      }
      assertEquals(0, allocator.getAllocatedMemory(), "nothing left allocated");
    }
  }

  private static void assertRefusedFlat(Path file, String column, String... fragments)
      throws IOException {
    assertRefused(file, "i32_req", column, fragments);
  }

  @ParameterizedTest
  @ValueSource(longs = {HUGE, Integer.MAX_VALUE, -1, Integer.MIN_VALUE})
  void compressedPageSizeBeyondTheChunkIsRefused(long size) throws IOException {
    Path file =
        patch(
            snappy,
            "compressed-" + size + ".parquet",
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.setCompressed_page_size((int) size));
    assertRefusedFlat(file, "i64_req", "compressed_page_size " + size);
  }

  @ParameterizedTest
  @ValueSource(longs = {HUGE, Integer.MAX_VALUE, -1})
  void uncompressedPageSizeBeyondTheBudgetIsRefused(long size) throws IOException {
    Path file =
        patch(
            snappy,
            "uncompressed-" + size + ".parquet",
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.setUncompressed_page_size((int) size));
    assertRefusedFlat(file, "i64_req", "uncompressed_page_size " + size);
  }

  @Test
  void pageBudgetIsTheLimitForCodecsWithoutAMaximumRatio() throws IOException {
    // ZSTD can expand a few bytes to any size: only the per-page budget bounds it.
    int size = ColumnChunkPages.DEFAULT_MAX_PAGE_BYTES + 1;
    Path file =
        patch(
            zstdV2,
            "zstd-budget.parquet",
            "i64_req",
            PageType.DATA_PAGE_V2,
            h -> h.setUncompressed_page_size(size));
    assertRefusedFlat(
        file,
        "i64_req",
        "uncompressed_page_size " + size,
        ColumnChunkPages.MAX_PAGE_BYTES_PROPERTY);
  }

  @Test
  void uncompressedChunkPagesMustDeclareEqualSizes() throws IOException {
    Path file =
        patch(
            uncompressed,
            "plain-mismatch.parquet",
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.setUncompressed_page_size(h.getCompressed_page_size() + 1));
    assertRefusedFlat(file, "i64_req", "uncompressed_page_size", "UNCOMPRESSED");
  }

  @Test
  void snappyPagesMustDeclareTheirSnappyLength() throws IOException {
    // Within the ratio bound, but not what the Snappy stream says it decompresses to.
    Path file =
        patch(
            snappy,
            "snappy-mismatch.parquet",
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.setUncompressed_page_size(h.getUncompressed_page_size() + 1));
    assertRefusedFlat(file, "i64_req", "uncompressed_page_size", "SNAPPY");
  }

  @Test
  void snappyPagesCannotExpandBeyondSnappysRatio() throws IOException {
    Path file =
        patch(
            snappy,
            "snappy-ratio.parquet",
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.setUncompressed_page_size(200 << 20));
    assertRefusedFlat(file, "i64_req", "uncompressed_page_size " + (200 << 20), "SNAPPY");
  }

  @ParameterizedTest
  @ValueSource(longs = {HUGE, Integer.MAX_VALUE, -1})
  void dictionaryPageSizesAreCheckedLikeDataPages(long size) throws IOException {
    Path compressed =
        patch(
            snappy,
            "dictionary-compressed-" + size + ".parquet",
            "str_opt",
            PageType.DICTIONARY_PAGE,
            h -> h.setCompressed_page_size((int) size));
    assertRefusedFlat(compressed, "str_opt", "dictionary page", "compressed_page_size " + size);
    Path uncompressedSize =
        patch(
            snappy,
            "dictionary-uncompressed-" + size + ".parquet",
            "str_opt",
            PageType.DICTIONARY_PAGE,
            h -> h.setUncompressed_page_size((int) size));
    assertRefusedFlat(
        uncompressedSize, "str_opt", "dictionary page", "uncompressed_page_size " + size);
  }

  @ParameterizedTest
  @ValueSource(ints = {Integer.MAX_VALUE, 100_000_000, -1})
  void dictionaryValueCountMustFitTheDictionaryPage(int values) throws IOException {
    Path file =
        patch(
            snappy,
            "dictionary-values-" + values + ".parquet",
            "str_opt",
            PageType.DICTIONARY_PAGE,
            h -> h.getDictionary_page_header().setNum_values(values));
    assertRefusedFlat(file, "str_opt", "dictionary page", "num_values " + values);
  }

  @ParameterizedTest
  @ValueSource(ints = {Integer.MAX_VALUE, 3001, -5})
  void dataPageValueCountCannotExceedTheRowGroup(int values) throws IOException {
    Path file =
        patch(
            snappy,
            "data-values-" + values + ".parquet",
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.getData_page_header().setNum_values(values));
    assertRefusedFlat(file, "i64_req", "num_values " + values);
  }

  @ParameterizedTest
  @ValueSource(ints = {Integer.MAX_VALUE, -1})
  void dataPageV2LevelLengthsMustFitThePage(int length) throws IOException {
    Path definition =
        patch(
            zstdV2,
            "v2-definition-" + length + ".parquet",
            "i64_opt",
            PageType.DATA_PAGE_V2,
            h -> h.getData_page_header_v2().setDefinition_levels_byte_length(length));
    assertRefusedFlat(definition, "i64_opt", "definition_levels_byte_length " + length);
    Path repetition =
        patch(
            zstdV2,
            "v2-repetition-" + length + ".parquet",
            "i64_opt",
            PageType.DATA_PAGE_V2,
            h -> h.getData_page_header_v2().setRepetition_levels_byte_length(length));
    assertRefusedFlat(repetition, "i64_opt", "repetition_levels_byte_length " + length);
  }

  @ParameterizedTest
  @ValueSource(longs = {HUGE, Integer.MAX_VALUE})
  void nestedColumnsNameTheTopLevelColumn(long size) throws IOException {
    Path compressed =
        patch(
            nested,
            "nested-compressed-" + size + ".parquet",
            "point.label",
            PageType.DATA_PAGE,
            h -> h.setCompressed_page_size((int) size));
    assertRefused(compressed, "id", "point", "point.label", "compressed_page_size " + size);
    Path uncompressedSize =
        patch(
            nested,
            "nested-uncompressed-" + size + ".parquet",
            "point.label",
            PageType.DATA_PAGE,
            h -> h.setUncompressed_page_size((int) size));
    assertRefused(uncompressedSize, "id", "point", "point.label", "uncompressed_page_size " + size);
  }

  /**
   * A page header whose statistics declare a 100 MB value in a few bytes (parquet-java's Thrift
   * reader allows 100 MB per field): the header parse is bounded by the bytes left in the chunk.
   */
  @Test
  void pageHeaderThriftLengthsAreBoundedByTheChunk() throws IOException {
    byte[] marker = "QQQQQQQQQQQQQQQQ".getBytes(StandardCharsets.US_ASCII);
    Path file =
        PageHeaderPatch.patch(
            snappy,
            dir.resolve("header-string.parquet"),
            0,
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.getData_page_header().setStatistics(new Statistics().setMax_value(marker)),
            header -> {
              // The value's length (16, one varint byte) becomes 100,000,000.
              int at = indexOf(header, marker) - 1;
              assertEquals(marker.length, header[at]);
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              out.write(header, 0, at);
              writeVarint(out, 100_000_000);
              out.write(header, at + 1, header.length - at - 1);
              return out.toByteArray();
            });
    assertRefusedFlat(file, "i64_req", "unreadable page header");
  }

  private static int indexOf(byte[] bytes, byte[] part) {
    for (int i = 0; i + part.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  @Test
  void otherColumnsOfThePatchedRowGroupStillDecode() throws IOException {
    Path file =
        patch(
            snappy,
            "intact-others.parquet",
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.setCompressed_page_size(Integer.MAX_VALUE));
    try (StorageInput input = DecodedFile.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      RowGroupDecoder.decode(input, footer, 0, List.of("i32_req", "str_opt"), allocator, 512)
          .values()
          .forEach(slices -> slices.forEach(FieldVector::close));
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  /**
   * Chunk sizes in the footer (total_uncompressed_size, size statistics) only estimate how much a
   * first slice needs: a footer claiming exabytes decodes in a small allocator all the same.
   */
  @Test
  void footerSizeClaimsDoNotSizeAllocations() throws IOException {
    Consumer<FileMetaData> inflate =
        footer -> {
          for (RowGroup group : footer.getRow_groups()) {
            for (ColumnChunk column : group.getColumns()) {
              ColumnMetaData meta = column.getMeta_data();
              meta.setTotal_uncompressed_size(1L << 60);
              if (meta.isSetSize_statistics()) {
                meta.getSize_statistics().setUnencoded_byte_array_data_bytes(1L << 60);
              }
            }
          }
        };
    Path flat = PageHeaderPatch.patchFooter(snappy, dir.resolve("claims-flat.parquet"), inflate);
    Path tree = PageHeaderPatch.patchFooter(nested, dir.resolve("claims-nested.parquet"), inflate);
    for (Path file : List.of(flat, tree)) {
      try (StorageInput input = DecodedFile.open(file);
          BufferAllocator allocator = new RootAllocator(48 << 20)) {
        ParquetMetadata footer = ParquetFooters.read(input);
        List<String> columns = file == flat ? List.of("str_opt", "bin_req") : List.of("tags");
        RowGroupDecoder.decode(input, footer, 0, columns, allocator, 512)
            .values()
            .forEach(slices -> slices.forEach(FieldVector::close));
        assertEquals(0, allocator.getAllocatedMemory());
      }
    }
  }

  /**
   * Footers whose Thrift declares a 100-million-element list of schema elements or a 100 MB {@code
   * created_by} in a few bytes: the parser must refuse before allocating them.
   */
  @ParameterizedTest
  @ValueSource(strings = {"list", "string"})
  void footerThriftLengthsAreBoundedByTheFooter(String kind) throws IOException {
    ByteArrayOutputStream footer = new ByteArrayOutputStream();
    if (kind.equals("list")) {
      footer.write(0x15); // field 1 (version), i32
      footer.write(0x02); // 1
      footer.write(0x19); // field 2 (schema), list
      footer.write(0xFC); // size follows, of structs
    } else {
      footer.write(0x68); // field 6 (created_by), binary
    }
    writeVarint(footer, 100_000_000);
    footer.write(new byte[32], 0, 32);
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.write("PAR1".getBytes(StandardCharsets.US_ASCII));
    footer.writeTo(file);
    file.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.size()).array());
    file.write("PAR1".getBytes(StandardCharsets.US_ASCII));
    Path path = Files.write(dir.resolve("footer-" + kind + ".parquet"), file.toByteArray());
    try (StorageInput input = DecodedFile.open(path)) {
      long before = allocatedBytes();
      CorruptParquetException e =
          assertThrows(CorruptParquetException.class, () -> ParquetFooters.read(input));
      long allocated = allocatedBytes() - before;
      assertTrue(allocated < MAX_ALLOCATED, "allocated " + allocated + " bytes: " + e);
      assertTrue(e.getMessage().contains(input.entry().location().toString()), e.getMessage());
      assertTrue(e.getMessage().contains("footer"), e.getMessage());
    }
  }

  private static void writeVarint(ByteArrayOutputStream out, int value) {
    while ((value & ~0x7F) != 0) {
      out.write((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  @Test
  void maxPageBytesHasAFloorOfTheDefault() {
    assertEquals(ColumnChunkPages.DEFAULT_MAX_PAGE_BYTES, ColumnChunkPages.maxPageBytes(null));
    assertEquals(ColumnChunkPages.DEFAULT_MAX_PAGE_BYTES, ColumnChunkPages.maxPageBytes("1024"));
    assertEquals(1 << 30, ColumnChunkPages.maxPageBytes(String.valueOf(1 << 30)));
    assertEquals(Integer.MAX_VALUE - 8, ColumnChunkPages.maxPageBytes("99999999999"));
    assertThrows(IllegalArgumentException.class, () -> ColumnChunkPages.maxPageBytes("lots"));
  }
}
