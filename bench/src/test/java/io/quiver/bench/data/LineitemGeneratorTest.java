package io.quiver.bench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineitemGeneratorTest {

  private static final int ROWS = 50_000;
  private static final long SMALL_ROW_GROUP = 256 * 1024;

  @TempDir Path tmp;

  private static LineitemGenerator.Options.Builder small() {
    return LineitemGenerator.Options.builder()
        .rows(ROWS)
        .files(3)
        .rowGroupSizeBytes(SMALL_ROW_GROUP)
        .pageSizeBytes(64 * 1024)
        .seed(42);
  }

  @Test
  @SuppressWarnings("deprecation") // Encoding.PLAIN_DICTIONARY is what format v1 files carry
  void writesExpectedRowsSchemaAndSeveralRowGroups() throws IOException {
    List<long[]> progress = new ArrayList<>();
    List<Path> files =
        LineitemGenerator.write(
            tmp.resolve("t"),
            small().build(),
            (done, total) -> progress.add(new long[] {done, total}));

    assertEquals(
        List.of("part-00000.parquet", "part-00001.parquet", "part-00002.parquet"),
        files.stream().map(p -> p.getFileName().toString()).toList());
    long[] expectedPerFile = {16_667, 16_667, 16_666};
    for (int f = 0; f < files.size(); f++) {
      ParquetMetadata footer = footer(files.get(f));
      assertEquals(LineitemGenerator.schema(false), footer.getFileMetaData().getSchema());
      checkSchema(footer.getFileMetaData().getSchema(), false);
      List<BlockMetaData> blocks = footer.getBlocks();
      assertTrue(blocks.size() >= 3, "row groups in file " + f + ": " + blocks.size());
      assertEquals(expectedPerFile[f], blocks.stream().mapToLong(BlockMetaData::getRowCount).sum());
      for (BlockMetaData block : blocks) {
        for (ColumnChunkMetaData column : block.getColumns()) {
          assertEquals(CompressionCodecName.SNAPPY, column.getCodec());
        }
        Set<Encoding> shipMode = column(block, "l_shipmode").getEncodings();
        assertTrue(
            shipMode.contains(Encoding.RLE_DICTIONARY)
                || shipMode.contains(Encoding.PLAIN_DICTIONARY),
            "dictionary encoding: " + shipMode);
      }
      Map<String, String> kv = footer.getFileMetaData().getKeyValueMetaData();
      assertEquals("42", kv.get("quiver.lineitem.seed"));
      assertEquals(Long.toString(f * 16_667L), kv.get("quiver.lineitem.first_row"));
    }

    List<Group> rows = readGroups(files);
    assertEquals(ROWS, rows.size());
    LineitemSource source = new LineitemSource(42);
    LineitemRow expected = new LineitemRow();
    Set<Integer> commentLengths = new HashSet<>();
    Set<String> comments = new HashSet<>();
    long previousOrderKey = 0;
    for (int i = 0; i < ROWS; i++) {
      Group g = rows.get(i);
      source.fill(i, expected);
      assertEquals(expected.toString(), format(g, false), "row " + i);
      checkTpchRules(g);
      String comment = g.getString("l_comment", 0);
      commentLengths.add(comment.length());
      comments.add(comment);
      long orderKey = g.getLong("l_orderkey", 0);
      assertTrue(orderKey >= previousOrderKey, "order keys ascend in the unsorted layout");
      previousOrderKey = orderKey;
    }
    assertEquals(34, commentLengths.size(), "every comment length 10..43 occurs");
    assertTrue(comments.size() > ROWS * 9 / 10, "comments vary: " + comments.size());

    assertEquals(0, progress.get(0)[0]);
    assertArrayEquals(new long[] {ROWS, ROWS}, progress.get(progress.size() - 1));
    for (int i = 1; i < progress.size(); i++) {
      assertTrue(progress.get(i)[0] >= progress.get(i - 1)[0]);
      assertEquals(ROWS, progress.get(i)[1]);
    }
  }

  @Test
  void sameSeedGivesSameBytesAndValuesIndependentOfFileCount() throws IOException {
    List<Path> a =
        LineitemGenerator.write(tmp.resolve("a"), small().build(), ProgressListener.NONE);
    List<Path> b =
        LineitemGenerator.write(
            tmp.resolve("b"), small().parallelism(1).build(), ProgressListener.NONE);
    assertEquals(a.size(), b.size());
    for (int f = 0; f < a.size(); f++) {
      assertEquals(-1, Files.mismatch(a.get(f), b.get(f)), "identical bytes: " + a.get(f));
    }

    List<String> threeFiles = readRows(a, false);
    List<Path> one =
        LineitemGenerator.write(
            tmp.resolve("one"), small().files(1).build(), ProgressListener.NONE);
    List<Path> seven =
        LineitemGenerator.write(
            tmp.resolve("seven"), small().files(7).build(), ProgressListener.NONE);
    assertEquals(1, one.size());
    assertEquals(7, seven.size());
    assertEquals(threeFiles, readRows(one, false));
    assertEquals(threeFiles, readRows(seven, false));

    List<Path> prefix =
        LineitemGenerator.write(
            tmp.resolve("prefix"), small().rows(1_000).files(2).build(), ProgressListener.NONE);
    assertEquals(threeFiles.subList(0, 1_000), readRows(prefix, false));

    List<Path> otherSeed =
        LineitemGenerator.write(
            tmp.resolve("other"), small().seed(43).build(), ProgressListener.NONE);
    List<String> other = readRows(otherSeed, false);
    assertEquals(ROWS, other.size());
    assertNotEquals(threeFiles, other);
  }

  @Test
  void sortedLayoutIsSortedByShipDateAndHoldsTheSameRows() throws IOException {
    List<Path> files =
        LineitemGenerator.write(
            tmp.resolve("sorted"), small().sortedByShipDate(true).build(), ProgressListener.NONE);

    int previous = Integer.MIN_VALUE;
    for (Group g : readGroups(files)) {
      int shipDate = g.getInteger("l_shipdate", 0);
      assertTrue(shipDate >= previous, "l_shipdate ascends");
      previous = shipDate;
    }

    int previousMax = Integer.MIN_VALUE;
    int rowGroups = 0;
    for (Path file : files) {
      ParquetMetadata footer = footer(file);
      assertEquals(
          "l_shipdate",
          footer.getFileMetaData().getKeyValueMetaData().get("quiver.lineitem.sorted_by"));
      for (BlockMetaData block : footer.getBlocks()) {
        var stats = column(block, "l_shipdate").getStatistics();
        int min = (Integer) stats.genericGetMin();
        int max = (Integer) stats.genericGetMax();
        assertTrue(min >= previousMax, "row group ship-date ranges do not overlap");
        previousMax = max;
        rowGroups++;
      }
    }
    assertTrue(rowGroups >= 9, "row groups: " + rowGroups);

    List<String> sortedRows = new ArrayList<>(readRows(files, false));
    List<String> unsortedRows =
        new ArrayList<>(
            readRows(
                LineitemGenerator.write(
                    tmp.resolve("unsorted"), small().build(), ProgressListener.NONE),
                false));
    assertNotEquals(unsortedRows, sortedRows);
    sortedRows.sort(null);
    unsortedRows.sort(null);
    assertEquals(unsortedRows, sortedRows);
  }

  @Test
  void decimalsAsDoubleAndCodecs() throws IOException {
    List<Path> files =
        LineitemGenerator.write(
            tmp.resolve("double"),
            small()
                .rows(5_000)
                .files(2)
                .decimalsAsDouble(true)
                .codec(CompressionCodecName.ZSTD)
                .build(),
            ProgressListener.NONE);
    ParquetMetadata footer = footer(files.get(0));
    checkSchema(footer.getFileMetaData().getSchema(), true);
    assertEquals(
        CompressionCodecName.ZSTD, footer.getBlocks().get(0).getColumns().get(0).getCodec());
    LineitemSource source = new LineitemSource(42);
    LineitemRow expected = new LineitemRow();
    List<Group> rows = readGroups(files);
    assertEquals(5_000, rows.size());
    for (int i = 0; i < rows.size(); i++) {
      source.fill(i, expected);
      Group g = rows.get(i);
      assertEquals(expected.quantityUnscaled() / 100.0, g.getDouble("l_quantity", 0));
      assertEquals(expected.extendedPriceUnscaled() / 100.0, g.getDouble("l_extendedprice", 0));
      assertEquals(expected.discountUnscaled() / 100.0, g.getDouble("l_discount", 0));
      assertEquals(expected.taxUnscaled() / 100.0, g.getDouble("l_tax", 0));
      assertEquals(expected.comment(), g.getString("l_comment", 0));
    }

    List<Path> plain =
        LineitemGenerator.write(
            tmp.resolve("plain"),
            small().rows(2_000).files(1).codec(CompressionCodecName.UNCOMPRESSED).build(),
            ProgressListener.NONE);
    assertEquals(
        CompressionCodecName.UNCOMPRESSED,
        footer(plain.get(0)).getBlocks().get(0).getColumns().get(0).getCodec());
    assertEquals(2_000, readGroups(plain).size());
  }

  @Test
  void staleFilesAreRemovedAndEmptyFilesAreValid() throws IOException {
    Path dir = tmp.resolve("reuse");
    LineitemGenerator.write(dir, small().rows(100).files(5).build(), ProgressListener.NONE);
    Files.writeString(dir.resolve("notes.txt"), "kept");
    List<Path> files =
        LineitemGenerator.write(dir, small().rows(1).files(2).build(), ProgressListener.NONE);
    try (Stream<Path> listing = Files.list(dir)) {
      assertEquals(
          List.of("notes.txt", "part-00000.parquet", "part-00001.parquet"),
          listing.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertEquals(1, readGroups(files.subList(0, 1)).size());
    assertEquals(0, readGroups(files.subList(1, 2)).size());
  }

  @Test
  void scaleFactorsAndValidation() {
    var builder = LineitemGenerator.Options.builder();
    assertEquals(600_122, builder.scaleFactor(0.1).build().rows());
    assertEquals(6_001_215, builder.scaleFactor(1).build().rows());
    assertEquals(30_006_075, builder.scaleFactor(5).build().rows());
    LineitemGenerator.Options defaults = LineitemGenerator.Options.builder().build();
    assertEquals(CompressionCodecName.SNAPPY, defaults.codec());
    assertEquals(128L * 1024 * 1024, defaults.rowGroupSizeBytes());
    assertEquals(defaults, defaults.toBuilder().build());
    assertEquals(1, small().files(1).build().effectiveParallelism());
    assertThrows(IllegalArgumentException.class, () -> small().files(0).build());
    assertThrows(IllegalArgumentException.class, () -> small().rows(-1).build());
    assertThrows(IllegalArgumentException.class, () -> builder.scaleFactor(-0.5));
  }

  private static void checkSchema(MessageType schema, boolean decimalsAsDouble) {
    assertEquals(LineitemGenerator.COLUMNS.size(), schema.getFieldCount());
    assertEquals(
        LineitemGenerator.COLUMNS, schema.getFields().stream().map(Type::getName).toList());
    for (Type field : schema.getFields()) {
      assertTrue(field.isRepetition(Type.Repetition.REQUIRED), field.getName());
    }
    for (String name : List.of("l_orderkey", "l_partkey", "l_suppkey")) {
      checkColumn(schema, name, PrimitiveTypeName.INT64, null);
    }
    checkColumn(schema, "l_linenumber", PrimitiveTypeName.INT32, null);
    for (String name : LineitemGenerator.DECIMAL_COLUMNS) {
      if (decimalsAsDouble) {
        checkColumn(schema, name, PrimitiveTypeName.DOUBLE, null);
      } else {
        PrimitiveType type = checkColumn(schema, name, PrimitiveTypeName.INT64, null);
        var decimal = (DecimalLogicalTypeAnnotation) type.getLogicalTypeAnnotation();
        assertEquals(15, decimal.getPrecision());
        assertEquals(2, decimal.getScale());
      }
    }
    for (String name : List.of("l_shipdate", "l_commitdate", "l_receiptdate")) {
      checkColumn(schema, name, PrimitiveTypeName.INT32, LogicalTypeAnnotation.dateType());
    }
    for (String name :
        List.of("l_returnflag", "l_linestatus", "l_shipinstruct", "l_shipmode", "l_comment")) {
      checkColumn(schema, name, PrimitiveTypeName.BINARY, LogicalTypeAnnotation.stringType());
    }
  }

  private static PrimitiveType checkColumn(
      MessageType schema, String name, PrimitiveTypeName primitive, LogicalTypeAnnotation logical) {
    PrimitiveType type = schema.getType(name).asPrimitiveType();
    assertEquals(primitive, type.getPrimitiveTypeName(), name);
    if (logical != null) {
      assertEquals(logical, type.getLogicalTypeAnnotation(), name);
    }
    return type;
  }

  /** TPC-H's relations between a row's columns. */
  private static void checkTpchRules(Group g) {
    int ship = g.getInteger("l_shipdate", 0);
    int commit = g.getInteger("l_commitdate", 0);
    int receipt = g.getInteger("l_receiptdate", 0);
    assertTrue(receipt > ship && receipt <= ship + 30);
    assertTrue(ship >= LineitemSource.MIN_SHIP_DATE && ship <= LineitemSource.MAX_SHIP_DATE);
    assertTrue(commit - ship >= 30 - 121 && commit - ship <= 90 - 1);
    String flag = g.getString("l_returnflag", 0);
    if (receipt <= LineitemSource.CURRENT_DATE) {
      assertTrue(flag.equals("R") || flag.equals("A"), flag);
    } else {
      assertEquals("N", flag);
    }
    assertEquals(ship > LineitemSource.CURRENT_DATE ? "O" : "F", g.getString("l_linestatus", 0));
    long quantity = g.getLong("l_quantity", 0);
    assertTrue(quantity >= 100 && quantity <= 5_000 && quantity % 100 == 0);
    long part = g.getLong("l_partkey", 0);
    assertTrue(part >= 1 && part <= LineitemSource.PARTS);
    long supplier = g.getLong("l_suppkey", 0);
    assertTrue(supplier >= 1 && supplier <= LineitemSource.SUPPLIERS);
    assertEquals(
        quantity / 100 * LineitemSource.retailPriceCents(part), g.getLong("l_extendedprice", 0));
    assertTrue(g.getLong("l_discount", 0) <= 10 && g.getLong("l_tax", 0) <= 8);
    int line = g.getInteger("l_linenumber", 0);
    assertTrue(line >= 1 && line <= 7);
    assertTrue(LineitemSource.SHIP_MODES.contains(g.getString("l_shipmode", 0)));
    assertTrue(LineitemSource.SHIP_INSTRUCTIONS.contains(g.getString("l_shipinstruct", 0)));
    int commentLength = g.getString("l_comment", 0).length();
    assertTrue(commentLength >= 10 && commentLength <= 43);
  }

  private static ColumnChunkMetaData column(BlockMetaData block, String name) {
    return block.getColumns().stream()
        .filter(c -> c.getPath().toDotString().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static ParquetMetadata footer(Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      return reader.getFooter();
    }
  }

  private static List<Group> readGroups(List<Path> files) throws IOException {
    List<Group> rows = new ArrayList<>();
    for (Path file : files) {
      try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          RecordReader<Group> records =
              new ColumnIOFactory()
                  .getColumnIO(schema)
                  .getRecordReader(pages, new GroupRecordConverter(schema));
          for (long r = 0; r < pages.getRowCount(); r++) {
            rows.add(records.read());
          }
        }
      }
    }
    return rows;
  }

  private static List<String> readRows(List<Path> files, boolean decimalsAsDouble)
      throws IOException {
    return readGroups(files).stream().map(g -> format(g, decimalsAsDouble)).toList();
  }

  /** Formats a row read back like {@link LineitemRow#toString()}. */
  private static String format(Group g, boolean decimalsAsDouble) {
    StringBuilder s = new StringBuilder();
    s.append(g.getLong("l_orderkey", 0)).append('|');
    s.append(g.getLong("l_partkey", 0)).append('|');
    s.append(g.getLong("l_suppkey", 0)).append('|');
    s.append(g.getInteger("l_linenumber", 0)).append('|');
    for (String name : LineitemGenerator.DECIMAL_COLUMNS) {
      if (decimalsAsDouble) {
        s.append(g.getDouble(name, 0));
      } else {
        s.append(BigDecimal.valueOf(g.getLong(name, 0), 2));
      }
      s.append('|');
    }
    s.append(g.getString("l_returnflag", 0)).append('|');
    s.append(g.getString("l_linestatus", 0)).append('|');
    s.append(LocalDate.ofEpochDay(g.getInteger("l_shipdate", 0))).append('|');
    s.append(LocalDate.ofEpochDay(g.getInteger("l_commitdate", 0))).append('|');
    s.append(LocalDate.ofEpochDay(g.getInteger("l_receiptdate", 0))).append('|');
    s.append(g.getString("l_shipinstruct", 0)).append('|');
    s.append(g.getString("l_shipmode", 0)).append('|');
    s.append(g.getString("l_comment", 0));
    return s.toString();
  }
}
