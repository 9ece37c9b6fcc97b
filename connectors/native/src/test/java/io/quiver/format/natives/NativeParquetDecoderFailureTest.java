package io.quiver.format.natives;

import static io.quiver.testing.ArrowAssertions.assertSameTable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.parquet.CorruptParquetException;
import io.quiver.format.parquet.ParquetFooters;
import io.quiver.format.parquet.ParquetSchemas;
import io.quiver.format.parquet.RowGroupDecoder;
import io.quiver.format.parquet.UnsupportedParquetSchemaException;
import io.quiver.storage.FileEntry;
import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failure paths of {@link NativeParquetDecoder}: damaged chunks (caught by the page checksum in
 * Java, and by Arrow C++ itself where there is none), storage failures, allocators that run out,
 * refused types and bad arguments. Every case checks that the allocator closes clean and the
 * scratch directory is empty.
 */
class NativeParquetDecoderFailureTest {
  @TempDir static Path dir;
  @TempDir Path scratch;
  static Path allTypes;
  static Path noChecksums;
  static Path unsupported;

  @BeforeAll
  static void writeFiles() throws IOException {
    allTypes =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "all.parquet",
            CompressionCodecName.ZSTD,
            true,
            WriterVersion.PARQUET_2_0,
            3000,
            640 * 1024,
            5);
    noChecksums = writeWithoutChecksums(dir.resolve("no-crc.parquet"));
    unsupported = ParquetTestFiles.writeUnsupportedTypesWithParquetHadoop(dir, "nested.parquet");
  }

  /** Snappy, no page checksums: damage can only be noticed by Arrow C++ decompressing. */
  private static Path writeWithoutChecksums(Path file) throws IOException {
    MessageType schema =
        Types.buildMessage()
            .required(PrimitiveTypeName.INT64)
            .named("id")
            .optional(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("text")
            .named("plain");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withDictionaryEncoding(false)
            .withPageWriteChecksumEnabled(false)
            .build()) {
      for (int row = 0; row < 5000; row++) {
        Group g = groups.newGroup();
        g.add("id", (long) row * 7919);
        g.add("text", "row " + row + " of a text column that compresses " + (row % 13));
        writer.write(g);
      }
    }
    return file;
  }

  private NativeParquetDecoder decoder() {
    return new NativeParquetDecoder(scratch);
  }

  private void assertScratchEmpty() throws IOException {
    try (Stream<Path> left = Files.list(scratch)) {
      assertEquals(List.of(), left.toList(), "temporary files left behind");
    }
  }

  private static void closeAll(Map<String, List<FieldVector>> columns) {
    columns.values().forEach(slices -> slices.forEach(FieldVector::close));
  }

  private static ColumnChunkMetaData chunk(ParquetMetadata footer, int rowGroup, String column) {
    return footer.getBlocks().get(rowGroup).getColumns().stream()
        .filter(c -> c.getPath().toDotString().equals(column))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void damagedPageWithChecksumIsCorruptAndNamesTheColumn() throws IOException {
    ParquetMetadata footer;
    try (StorageInput input = Decoding.open(allTypes)) {
      footer = ParquetFooters.read(input);
    }
    ColumnChunkMetaData target = chunk(footer, 0, "i64_req");
    // Past the first page header: page data, so the header still parses and the CRC catches it.
    long offset = target.getStartingPos() + target.getTotalSize() - 16;
    Path damaged = ParquetTestFiles.corruptedCopy(allTypes, dir, "crc-damaged.parquet", offset, 8);
    try (StorageInput input = Decoding.open(damaged);
        BufferAllocator allocator = new RootAllocator()) {
      List<String> columns = List.of("f64_opt", "i64_req", "str_opt");
      CorruptParquetException e =
          assertThrows(
              CorruptParquetException.class,
              () -> decoder().decodeRowGroup(input, footer, 0, columns, allocator, 1024));
      assertTrue(e.getMessage().contains(damaged.getFileName().toString()), e.getMessage());
      assertTrue(e.getMessage().contains("row group 0, column 'i64_req'"), e.getMessage());
      assertTrue(e.getMessage().contains("checksum"), e.getMessage());
      assertEquals(0, allocator.getAllocatedMemory());
      // The other columns are intact and still decode.
      closeAll(
          decoder().decodeRowGroup(input, footer, 0, List.of("f64_opt", "str_opt"), allocator, 64));
    }
    assertScratchEmpty();
  }

  @Test
  void damageArrowCppFindsIsCorruptAndNamesTheColumn() throws IOException {
    ParquetMetadata footer;
    try (StorageInput input = Decoding.open(noChecksums)) {
      footer = ParquetFooters.read(input);
    }
    ColumnChunkMetaData target = chunk(footer, 0, "text");
    long offset = target.getStartingPos() + target.getTotalSize() / 2;
    Path damaged =
        ParquetTestFiles.corruptedCopy(noChecksums, dir, "snappy-damaged.parquet", offset, 64);
    try (StorageInput input = Decoding.open(damaged);
        BufferAllocator allocator = new RootAllocator()) {
      CorruptParquetException e =
          assertThrows(
              CorruptParquetException.class,
              () ->
                  decoder()
                      .decodeRowGroup(input, footer, 0, List.of("id", "text"), allocator, 1024));
      assertTrue(e.getMessage().contains(damaged.getFileName().toString()), e.getMessage());
      assertTrue(e.getMessage().contains("row group 0, column 'text'"), e.getMessage());
      assertEquals(0, allocator.getAllocatedMemory());
      // The undamaged column of the same row group decodes, equal to Arrow C++'s reading.
      assertSameTable(
          ArrowOracle.readParquet(damaged, List.of("id")),
          Decoding.decode(input, footer, List.of("id"), 1024, decoder()::decodeRowGroup));
    }
    assertScratchEmpty();
  }

  @Test
  void storageFailuresPropagateUnchanged() throws IOException {
    try (StorageInput good = Decoding.open(allTypes);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(good);
      FileNotFoundException gone = new FileNotFoundException("deleted under us");
      StorageInput failing =
          new StorageInput() {
            @Override
            public FileEntry entry() {
              return good.entry();
            }

            @Override
            public void readFully(long position, byte[] buffer, int offset, int length)
                throws IOException {
              throw gone;
            }

            @Override
            public void close() {}
          };
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  decoder().decodeRowGroup(failing, footer, 0, List.of("i64_req"), allocator, 64));
      assertTrue(e == gone, "the storage exception itself: " + e);
      assertEquals(0, allocator.getAllocatedMemory());
    }
    assertScratchEmpty();
  }

  @Test
  void failuresAtAnyAllocationLeaveNothingAllocated() throws IOException {
    // As in the server: the bounded allocator is a child of an unbounded root.
    try (StorageInput input = Decoding.open(allTypes);
        BufferAllocator root = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<String> names = Decoding.allColumns(footer);
      int failures = 0;
      boolean succeeded = false;
      for (long limit = 8 * 1024; !succeeded; limit = limit * 3 / 2) {
        try (BufferAllocator allocator = root.newChildAllocator("cache", 0, limit)) {
          try {
            closeAll(decoder().decodeRowGroup(input, footer, 0, names, allocator, 256));
            succeeded = true;
          } catch (OutOfMemoryException e) {
            failures++;
          }
          assertEquals(0, allocator.getAllocatedMemory(), "limit " + limit);
        }
        assertEquals(0, root.getAllocatedMemory(), "limit " + limit);
      }
      assertTrue(failures > 5, "failures: " + failures);
    }
    assertScratchEmpty();
  }

  @Test
  void nestedAndUnusualColumnsAreRefusedOrDecodedLikeTheJavaDecoder() throws IOException {
    // What Quiver decodes at all is ParquetSchemas' decision (it grows: nested types, INT96);
    // the native decoder must refuse by name what it refuses, and decode the rest identically.
    try (StorageInput input = Decoding.open(unsupported);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      MessageType schema = footer.getFileMetaData().getSchema();
      for (String column : List.of("tags", "ts96", "scores", "point")) {
        List<String> columns = List.of("id", column);
        boolean flat =
            schema.getType(column).isPrimitive()
                && !schema
                    .getType(column)
                    .isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED);
        boolean mapped = true;
        try {
          ParquetSchemas.toArrow(new MessageType("m", schema.getType(column)));
        } catch (UnsupportedParquetSchemaException e) {
          mapped = false;
        }
        assertEquals(flat && mapped, NativeParquetDecoder.supports(footer, columns), column);
        if (!mapped) {
          UnsupportedParquetSchemaException e =
              assertThrows(
                  UnsupportedParquetSchemaException.class,
                  () -> decoder().decodeRowGroup(input, footer, 0, columns, allocator, 8));
          assertEquals(column, e.column());
          continue;
        }
        Table actual;
        try {
          actual = Decoding.decode(input, footer, columns, 8, decoder()::decodeRowGroup);
        } catch (UnsupportedByNativeDecoderException e) {
          assertEquals(column, e.column());
          assertTrue(e.getMessage().contains("'" + column + "'"), e.getMessage());
          continue;
        }
        assertSameTable(
            Decoding.decode(input, footer, columns, 8, RowGroupDecoder::decode), actual);
        assertSameTable(ArrowOracle.readParquet(unsupported, columns), actual);
      }
      assertTrue(NativeParquetDecoder.supports(footer, List.of("id")));
      assertEquals(0, allocator.getAllocatedMemory());
    }
    assertScratchEmpty();
  }

  @Test
  void badArgumentsAreRefused() throws IOException {
    try (StorageInput input = Decoding.open(allTypes);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      NativeParquetDecoder d = decoder();
      IllegalArgumentException unknown =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  d.decodeRowGroup(input, footer, 0, List.of("i64_req", "no_such"), allocator, 8));
      assertTrue(unknown.getMessage().contains("'no_such'"), unknown.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> d.decodeRowGroup(input, footer, 0, List.of("i64_req"), allocator, 1001));
      assertThrows(
          IllegalArgumentException.class,
          () -> d.decodeRowGroup(input, footer, 0, List.of("i64_req"), allocator, 0));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              d.decodeRowGroup(
                  input, footer, footer.getBlocks().size(), List.of("i64_req"), allocator, 8));
      assertThrows(
          IllegalArgumentException.class,
          () -> d.decodeRowGroup(input, footer, 0, List.of("i64_req", "i64_req"), allocator, 8));
      assertThrows(
          IllegalArgumentException.class,
          () -> d.decodeRowGroup(input, footer, 0, List.of(), allocator, 8));
      assertFalse(NativeParquetDecoder.supports(footer, List.of("no_such")));
      assertFalse(NativeParquetDecoder.supports(footer, List.of("i64_req", "i64_req")));
      assertFalse(NativeParquetDecoder.supports(footer, List.of()));
      assertEquals(0, allocator.getAllocatedMemory());
    }
    assertScratchEmpty();
  }
}
