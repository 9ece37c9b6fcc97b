package io.quiver.bench.alluxio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.bench.alluxio.ParquetArrowDecoder.DecodeStats;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Parquet→Arrow decoder against a local file whose values are known (written with
 * parquet-hadoop by {@link TestLineitem}): every value of every column, projections, batching
 * across row groups, and that error paths release every buffer (each test closes its allocator,
 * which fails on a leak).
 */
class ParquetArrowDecoderTest {

  private static final int ROWS = 5_000;
  private static final long FIRST = 1_000;

  @TempDir static Path dir;
  private static Path file;
  private static FileSystem local;
  private static Configuration options;

  @BeforeAll
  static void writeFile() throws IOException {
    file = dir.resolve("lineitem.parquet");
    TestLineitem.write(file, FIRST, ROWS);
    Configuration conf = new Configuration(false);
    local = FileSystem.newInstance(java.net.URI.create("file:///"), conf);
    options = conf;
  }

  @AfterAll
  static void closeFs() throws IOException {
    local.close();
  }

  private static HadoopFsInputFile input() throws IOException {
    return new HadoopFsInputFile(
        local, new org.apache.hadoop.fs.Path(file.toUri()), Files.size(file));
  }

  @Test
  void decodesEveryValueOfEveryColumn() throws IOException {
    try (BufferAllocator allocator = new RootAllocator(256L << 20)) {
      // 999 rows a batch: batches end inside row groups and row groups end inside batches' span.
      ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 999, options);
      AtomicLong next = new AtomicLong(FIRST);
      DecodeStats stats =
          decoder.decode(input(), file.toString(), List.of(), batch -> check(batch, next));
      assertEquals(ROWS, stats.rows());
      assertEquals(FIRST + ROWS, next.get());
      assertTrue(stats.arrowBytes() > 0);
      assertTrue(stats.batches() > ROWS / 999, "several row groups, each split into batches");
      assertEquals(0, allocator.getAllocatedMemory(), "every batch released");
    }
  }

  private static void check(VectorSchemaRoot batch, AtomicLong next) {
    assertEquals(TestLineitem.COLUMNS.size(), batch.getFieldVectors().size());
    BigIntVector orderKey = (BigIntVector) batch.getVector("l_orderkey");
    IntVector lineNumber = (IntVector) batch.getVector("l_linenumber");
    DecimalVector quantity = (DecimalVector) batch.getVector("l_quantity");
    DecimalVector price = (DecimalVector) batch.getVector("l_extendedprice");
    Float8Vector discount = (Float8Vector) batch.getVector("l_discount");
    VarCharVector flag = (VarCharVector) batch.getVector("l_returnflag");
    DateDayVector shipDate = (DateDayVector) batch.getVector("l_shipdate");
    VarCharVector comment = (VarCharVector) batch.getVector("l_comment");
    DecimalVector tax = (DecimalVector) batch.getVector("x_tax");
    DecimalVector bigDec = (DecimalVector) batch.getVector("x_bigdec");
    VarBinaryVector raw = (VarBinaryVector) batch.getVector("x_raw");
    BitVector xFlag = (BitVector) batch.getVector("x_flag");
    Float4Vector xFloat = (Float4Vector) batch.getVector("x_float");
    assertEquals(new ArrowType.Decimal(15, 2, 128), price.getField().getType());
    assertEquals(new ArrowType.Decimal(20, 3, 128), bigDec.getField().getType());
    for (int r = 0; r < batch.getRowCount(); r++) {
      long i = next.getAndIncrement();
      String at = "row " + i;
      assertEquals(TestLineitem.orderKey(i), orderKey.get(r), at);
      assertEquals(TestLineitem.lineNumber(i), lineNumber.get(r), at);
      assertEquals(TestLineitem.quantity(i), quantity.getObject(r), at);
      assertEquals(TestLineitem.extendedPrice(i), price.getObject(r), at);
      assertEquals(TestLineitem.discount(i), discount.get(r), at);
      assertEquals(TestLineitem.returnFlag(i), str(flag.get(r)), at);
      assertEquals(TestLineitem.shipDate(i), shipDate.get(r), at);
      assertEquals(TestLineitem.comment(i), str(comment.get(r)), at);
      assertNullableEquals(TestLineitem.tax(i), tax.isNull(r) ? null : tax.getObject(r), at);
      assertNullableEquals(
          TestLineitem.bigDecimal(i), bigDec.isNull(r) ? null : bigDec.getObject(r), at);
      byte[] expectedRaw = TestLineitem.raw(i);
      if (expectedRaw == null) {
        assertTrue(raw.isNull(r), at);
      } else {
        assertArrayEquals(expectedRaw, raw.get(r), at);
      }
      Boolean expectedFlag = TestLineitem.flag(i);
      if (expectedFlag == null) {
        assertTrue(xFlag.isNull(r), at);
      } else {
        assertEquals(expectedFlag ? 1 : 0, xFlag.get(r), at);
      }
      assertEquals(TestLineitem.xFloat(i), xFloat.get(r), at);
    }
  }

  private static void assertNullableEquals(BigDecimal expected, BigDecimal actual, String at) {
    assertEquals(expected, actual, at);
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void projectsColumnsInRequestedOrder() throws IOException {
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 65_536, options);
      AtomicLong next = new AtomicLong(FIRST);
      DecodeStats stats =
          decoder.decode(
              input(),
              file.toString(),
              List.of("l_shipdate", "l_orderkey"),
              batch -> {
                assertEquals(2, batch.getFieldVectors().size());
                assertEquals("l_shipdate", batch.getSchema().getFields().get(0).getName());
                DateDayVector d = (DateDayVector) batch.getVector(0);
                BigIntVector k = (BigIntVector) batch.getVector(1);
                for (int r = 0; r < batch.getRowCount(); r++) {
                  long i = next.getAndIncrement();
                  assertEquals(TestLineitem.shipDate(i), d.get(r));
                  assertEquals(TestLineitem.orderKey(i), k.get(r));
                }
              });
      assertEquals(ROWS, stats.rows());
      // 4 bytes of date + 8 of key per row, plus validity bitmaps.
      assertTrue(stats.arrowBytes() >= ROWS * 12L, "arrowBytes " + stats.arrowBytes());
    }
  }

  @Test
  void decodesOneRowGroup() throws IOException {
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 65_536, options);
      DecodeStats first =
          decoder.decodeRowGroup(input(), file.toString(), List.of("l_extendedprice"), 0, b -> {});
      DecodeStats second =
          decoder.decodeRowGroup(input(), file.toString(), List.of("l_extendedprice"), 1, b -> {});
      assertTrue(first.rows() > 0 && second.rows() > 0);
      assertTrue(first.rows() + second.rows() <= ROWS);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  decoder.decodeRowGroup(
                      input(), file.toString(), List.of("l_extendedprice"), 10_000, b -> {}));
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
  }

  @Test
  void concurrentRowGroupDecodesSeeCorrectValues() throws Exception {
    // Row offsets of the row groups, from the footer.
    List<Long> firstRow = new java.util.ArrayList<>();
    try (org.apache.parquet.hadoop.ParquetFileReader r =
        org.apache.parquet.hadoop.ParquetFileReader.open(
            input(), org.apache.parquet.HadoopReadOptions.builder(options).build())) {
      long row = FIRST;
      for (var block : r.getRowGroups()) {
        firstRow.add(row);
        row += block.getRowCount();
      }
    }
    assertTrue(firstRow.size() > 1);
    int threads = 8;
    int requestsPerThread = 6;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try (BufferAllocator allocator = new RootAllocator(256L << 20)) {
      ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 700, options);
      List<java.util.concurrent.Future<Long>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  long rows = 0;
                  for (int q = 0; q < requestsPerThread; q++) {
                    int group = (thread + q) % firstRow.size();
                    AtomicLong next = new AtomicLong(firstRow.get(group));
                    rows +=
                        decoder
                            .decodeRowGroup(
                                input(),
                                file.toString(),
                                List.of("l_extendedprice", "l_comment"),
                                group,
                                batch -> {
                                  DecimalVector p = (DecimalVector) batch.getVector(0);
                                  VarCharVector c = (VarCharVector) batch.getVector(1);
                                  for (int r = 0; r < batch.getRowCount(); r++) {
                                    long i = next.getAndIncrement();
                                    assertEquals(TestLineitem.extendedPrice(i), p.getObject(r));
                                    assertEquals(TestLineitem.comment(i), str(c.get(r)));
                                  }
                                })
                            .rows();
                  }
                  return rows;
                }));
      }
      for (var f : futures) {
        assertTrue(f.get() > 0);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unknownColumnNamesFileAndColumn() throws IOException {
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 1024, options);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> decoder.decode(input(), file.toString(), List.of("l_nope"), b -> {}));
      assertTrue(e.getMessage().contains("l_nope"), e.getMessage());
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
  }

  @Test
  void failingSinkReleasesTheBatchInFlight() throws IOException {
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 1000, options);
      AtomicLong seen = new AtomicLong();
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  decoder.decode(
                      input(),
                      file.toString(),
                      List.of(),
                      b -> {
                        if (seen.incrementAndGet() == 3) {
                          throw new IOException("consumer gave up");
                        }
                      }));
      assertEquals("consumer gave up", e.getMessage());
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void truncatedFileFailsWithoutLeaking() throws IOException {
    Path truncated = dir.resolve("truncated.parquet");
    byte[] all = Files.readAllBytes(file);
    // Keep the footer, lose the middle: page reads hit garbage or the end of the file.
    byte[] broken = all.clone();
    java.util.Arrays.fill(broken, 4, all.length / 2, (byte) 0x5a);
    Files.write(truncated, broken);
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 1000, options);
      HadoopFsInputFile in =
          new HadoopFsInputFile(
              local, new org.apache.hadoop.fs.Path(truncated.toUri()), broken.length);
      assertThrows(Exception.class, () -> decoder.decode(in, "truncated", List.of(), b -> {}));
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void rejectsUnsupportedTypesNamingTheColumn() throws IOException {
    Path nested = dir.resolve("nested.parquet");
    org.apache.parquet.schema.MessageType schema =
        org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message m { required int64 id; repeated int32 tags; }");
    org.apache.parquet.example.data.simple.SimpleGroupFactory groups =
        new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema);
    try (org.apache.parquet.hadoop.ParquetWriter<org.apache.parquet.example.data.Group> w =
        org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                new org.apache.hadoop.fs.Path(nested.toUri()))
            .withConf(new Configuration(false))
            .withType(schema)
            .build()) {
      w.write(groups.newGroup().append("id", 1L).append("tags", 3));
    }
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      ParquetArrowDecoder decoder = new ParquetArrowDecoder(allocator, 1000, options);
      HadoopFsInputFile in =
          new HadoopFsInputFile(
              local, new org.apache.hadoop.fs.Path(nested.toUri()), Files.size(nested));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> decoder.decode(in, "nested.parquet", List.of("tags"), b -> {}));
      assertTrue(e.getMessage().contains("nested.parquet"), e.getMessage());
      assertTrue(e.getMessage().contains("tags"), e.getMessage());
      // The flat column of the same file still decodes.
      assertEquals(1, decoder.decode(in, "nested.parquet", List.of("id"), b -> {}).rows());
    }
  }

  @Test
  void workloadSpecs() {
    assertEquals(new Workload("full", List.of()), Workload.parse("full="));
    assertEquals(new Workload("proj4", List.of("a", "b", "c")), Workload.parse("proj4=a, b ,c"));
    assertThrows(IllegalArgumentException.class, () -> Workload.parse("noequals"));
    assertThrows(IllegalArgumentException.class, () -> Workload.parse("=a"));
    assertThrows(IllegalArgumentException.class, () -> Workload.parse("x=a,,b"));
  }
}
