package io.quiver.format.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.parquet.ColumnChunkPages;
import io.quiver.format.parquet.CorruptParquetException;
import io.quiver.format.parquet.ParquetFooters;
import io.quiver.storage.StorageInput;
import io.quiver.testing.PageHeaderPatch;
import io.quiver.testing.ParquetTestFiles;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Page headers declaring impossible sizes are refused by the native decoder in Java, before Arrow
 * C++ (which allocates declared sizes from its own pool, outside any Java limit) sees the chunk: a
 * CorruptParquetException names file, row group, column and size; the heap stays small, the
 * allocator empty and no temporary file is left.
 */
class NativeHostilePageSizeTest {
  private static final long HUGE = 1_500_000_000L;
  private static final long MAX_ALLOCATED = 64L << 20;

  @TempDir static Path dir;
  @TempDir Path scratch;
  static Path snappy;
  static Path uncompressed;
  static Path zstdV2;

  @BeforeAll
  static void writeFiles() throws IOException {
    snappy = allTypes("snappy.parquet", CompressionCodecName.SNAPPY, WriterVersion.PARQUET_1_0);
    uncompressed =
        allTypes("plain.parquet", CompressionCodecName.UNCOMPRESSED, WriterVersion.PARQUET_1_0);
    zstdV2 = allTypes("zstd-v2.parquet", CompressionCodecName.ZSTD, WriterVersion.PARQUET_2_0);
  }

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
      Path source, String name, String column, PageType type, Consumer<PageHeader> edit)
      throws IOException {
    return PageHeaderPatch.patch(source, dir.resolve(name), 0, column, type, edit);
  }

  private void assertRefused(Path file, String column, String... fragments) throws IOException {
    Assumptions.assumeTrue(NativeParquetDecoder.isAvailable(), "Arrow C++ is not available");
    NativeParquetDecoder decoder = new NativeParquetDecoder(scratch);
    try (StorageInput input = Decoding.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      long before = allocatedBytes();
      CorruptParquetException e =
          assertThrows(
              CorruptParquetException.class,
              () ->
                  decoder
                      .decodeRowGroup(input, footer, 0, List.of("i32_req", column), allocator, 512)
                      .values()
                      .forEach(slices -> slices.forEach(FieldVector::close)));
      long allocated = allocatedBytes() - before;
      assertTrue(
          allocated < MAX_ALLOCATED, "allocated " + allocated + " bytes before failing: " + e);
      String message = e.getMessage();
      assertTrue(message.contains(file.getFileName().toString()), message);
      assertTrue(message.contains("row group 0, column '" + column + "'"), message);
      for (String fragment : fragments) {
        assertTrue(message.contains(fragment), "'" + fragment + "' in: " + message);
      }
      assertEquals(0, allocator.getAllocatedMemory(), "nothing left allocated");
    }
    try (Stream<Path> left = Files.list(scratch)) {
      assertEquals(List.of(), left.toList(), "temporary files left behind");
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {HUGE, Integer.MAX_VALUE, -1})
  void compressedPageSizeBeyondTheChunkIsRefused(long size) throws IOException {
    Path file =
        patch(
            snappy,
            "compressed-" + size + ".parquet",
            "i64_req",
            PageType.DATA_PAGE,
            h -> h.setCompressed_page_size((int) size));
    assertRefused(file, "i64_req", "compressed_page_size " + size);
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
    assertRefused(file, "i64_req", "uncompressed_page_size " + size);
  }

  @Test
  void pageBudgetBoundsZstdPages() throws IOException {
    int size = ColumnChunkPages.DEFAULT_MAX_PAGE_BYTES + 1;
    Path file =
        patch(
            zstdV2,
            "zstd-budget.parquet",
            "i64_req",
            PageType.DATA_PAGE_V2,
            h -> h.setUncompressed_page_size(size));
    assertRefused(
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
    assertRefused(file, "i64_req", "uncompressed_page_size", "UNCOMPRESSED");
  }

  @ParameterizedTest
  @ValueSource(longs = {HUGE, Integer.MAX_VALUE})
  void dictionaryPageSizesAndCountsAreChecked(long size) throws IOException {
    assertRefused(
        patch(
            snappy,
            "dictionary-uncompressed-" + size + ".parquet",
            "str_opt",
            PageType.DICTIONARY_PAGE,
            h -> h.setUncompressed_page_size((int) size)),
        "str_opt",
        "dictionary page",
        "uncompressed_page_size " + size);
    assertRefused(
        patch(
            snappy,
            "dictionary-values-" + size + ".parquet",
            "str_opt",
            PageType.DICTIONARY_PAGE,
            h -> h.getDictionary_page_header().setNum_values((int) size)),
        "str_opt",
        "dictionary page",
        "num_values " + size);
  }

  @Test
  void dataPageValueCountCannotExceedTheRowGroup() throws IOException {
    Path file =
        patch(
            zstdV2,
            "values.parquet",
            "i64_opt",
            PageType.DATA_PAGE_V2,
            h -> h.getData_page_header_v2().setNum_values(Integer.MAX_VALUE));
    assertRefused(file, "i64_opt", "num_values " + Integer.MAX_VALUE);
  }
}
