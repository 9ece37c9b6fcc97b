package io.quiver.testing;

import static org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit.MICROS;
import static org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit.MILLIS;
import static org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit.NANOS;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BOOLEAN;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT96;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Writers of Parquet test data: an all-types file written by parquet-hadoop, the same kind of data
 * written by Arrow C++, a file with types Quiver refuses (nested, repeated, INT96), and damaged
 * copies (truncated, overwritten bytes, garbage).
 *
 * <p>Data is random but deterministic for a given seed, and mixes edge values (minimum and maximum,
 * NaN and infinities, empty strings and binaries, multi-byte UTF-8, negative decimals) with values
 * drawn from a small per-column pool, so that dictionary encoding is really used when enabled.
 * OPTIONAL/nullable columns (suffix {@code _opt}) are null in about 10% of rows; REQUIRED/non-null
 * columns have suffix {@code _req}.
 *
 * <p>Stateless and thread-safe; every method writes a new file and returns its path.
 *
 * <p><b>Size.</b> Over the ~800-line guideline: test support only (never on a runtime classpath),
 * one writer per kind of test file, each with the schema and value generators it needs next to it
 * so a test's data can be read in one place.
 */
public final class ParquetTestFiles {
  /** Distinct values per column that half of the rows draw from (keeps dictionaries small). */
  private static final int POOL_SIZE = 16;

  private static final BigInteger TEN = BigInteger.TEN;

  private ParquetTestFiles() {}

  /** A random value of one column; returns a value accepted by {@link Group#add}. */
  @FunctionalInterface
  private interface Gen {
    Object next(Random random);
  }

  private record Spec(
      String base,
      PrimitiveType.PrimitiveTypeName physical,
      int length,
      LogicalTypeAnnotation logical,
      Gen gen,
      List<Object> edges) {}

  private static List<Spec> parquetSpecs() {
    List<Spec> s = new ArrayList<>();
    s.add(spec("bool", BOOLEAN, 0, null, Random::nextBoolean, true, false));
    s.add(
        spec("i32", INT32, 0, null, Random::nextInt, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1));
    s.add(spec("int8", INT32, 0, intType(8, true), r -> r.nextInt(256) - 128, -128, 127, 0));
    s.add(spec("uint8", INT32, 0, intType(8, false), r -> r.nextInt(256), 0, 255, 128));
    s.add(spec("int16", INT32, 0, intType(16, true), r -> r.nextInt(65536) - 32768, -32768, 32767));
    s.add(spec("uint16", INT32, 0, intType(16, false), r -> r.nextInt(65536), 0, 65535, 32768));
    s.add(spec("int32", INT32, 0, intType(32, true), Random::nextInt, Integer.MIN_VALUE, -1));
    s.add(spec("uint32", INT32, 0, intType(32, false), Random::nextInt, 0, -1, Integer.MIN_VALUE));
    s.add(
        spec(
            "date",
            INT32,
            0,
            LogicalTypeAnnotation.dateType(),
            r -> r.nextInt(-719162, 2932897),
            -719162,
            0,
            2932896));
    s.add(
        spec(
            "dec9_2_i32",
            INT32,
            0,
            LogicalTypeAnnotation.decimalType(2, 9),
            r -> r.nextInt(-999_999_999, 1_000_000_000),
            -999_999_999,
            999_999_999,
            0));
    s.add(
        spec(
            "dec18_4_i64",
            INT64,
            0,
            LogicalTypeAnnotation.decimalType(4, 18),
            r -> r.nextLong(-999_999_999_999_999_999L, 1_000_000_000_000_000_000L),
            -999_999_999_999_999_999L,
            999_999_999_999_999_999L,
            -1L));
    s.add(decimalBytes("dec38_10_flba16", FIXED_LEN_BYTE_ARRAY, 16, 38, 10));
    s.add(decimalBytes("dec10_3_flba5", FIXED_LEN_BYTE_ARRAY, 5, 10, 3));
    s.add(decimalBytes("dec30_5_bin", BINARY, 0, 30, 5));
    s.add(decimalBytes("dec45_3_flba20", FIXED_LEN_BYTE_ARRAY, 20, 45, 3));
    s.add(
        spec(
            "time_ms",
            INT32,
            0,
            LogicalTypeAnnotation.timeType(true, MILLIS),
            r -> r.nextInt(86_400_000),
            0,
            86_399_999));
    s.add(spec("i64", INT64, 0, null, Random::nextLong, Long.MIN_VALUE, Long.MAX_VALUE, 0L));
    s.add(spec("int64", INT64, 0, intType(64, true), Random::nextLong, Long.MIN_VALUE, -1L));
    s.add(spec("uint64", INT64, 0, intType(64, false), Random::nextLong, 0L, -1L, Long.MIN_VALUE));
    // Year 1 to 9999, so that Arrow Java's LocalDateTime conversions stay in range.
    long minMillis = -62_135_596_800_000L;
    long maxMillis = 253_402_300_799_999L;
    for (boolean utc : new boolean[] {true, false}) {
      String zone = utc ? "_utc" : "_local";
      s.add(
          spec(
              "ts_ms" + zone,
              INT64,
              0,
              LogicalTypeAnnotation.timestampType(utc, MILLIS),
              r -> r.nextLong(minMillis, maxMillis + 1),
              minMillis,
              maxMillis,
              0L));
      s.add(
          spec(
              "ts_us" + zone,
              INT64,
              0,
              LogicalTypeAnnotation.timestampType(utc, MICROS),
              r -> r.nextLong(minMillis * 1000, maxMillis * 1000 + 1),
              minMillis * 1000,
              maxMillis * 1000,
              -1L));
      s.add(
          spec(
              "ts_ns" + zone,
              INT64,
              0,
              LogicalTypeAnnotation.timestampType(utc, NANOS),
              Random::nextLong,
              Long.MIN_VALUE,
              Long.MAX_VALUE,
              0L));
    }
    s.add(
        spec(
            "time_us",
            INT64,
            0,
            LogicalTypeAnnotation.timeType(true, MICROS),
            r -> r.nextLong(86_400_000_000L),
            0L,
            86_399_999_999L));
    s.add(
        spec(
            "time_ns",
            INT64,
            0,
            LogicalTypeAnnotation.timeType(false, NANOS),
            r -> r.nextLong(86_400_000_000_000L),
            0L,
            86_399_999_999_999L));
    s.add(
        spec(
            "f32",
            FLOAT,
            0,
            null,
            r -> r.nextFloat() * 2e6f - 1e6f,
            Float.NaN,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            -0.0f,
            Float.MIN_VALUE,
            Float.MAX_VALUE,
            -Float.MAX_VALUE));
    s.add(
        spec(
            "f64",
            DOUBLE,
            0,
            null,
            r -> r.nextGaussian() * 1e9,
            Double.NaN,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            -0.0,
            Double.MIN_VALUE,
            Double.MAX_VALUE));
    s.add(
        spec(
            "str",
            BINARY,
            0,
            LogicalTypeAnnotation.stringType(),
            r -> Binary.fromString(randomString(r, 24)),
            Binary.fromString(""),
            Binary.fromString("\uD83D\uDE00"),
            Binary.fromString("日本語テキスト"),
            Binary.fromString("x".repeat(300))));
    s.add(
        spec(
            "enum",
            BINARY,
            0,
            LogicalTypeAnnotation.enumType(),
            r ->
                Binary.fromString(
                    List.of("RED", "GREEN", "BLUE", "ÜLTRAVIOLETT").get(r.nextInt(4))),
            Binary.fromString("")));
    s.add(
        spec(
            "json",
            BINARY,
            0,
            LogicalTypeAnnotation.jsonType(),
            r ->
                Binary.fromString(
                    "{\"id\":" + r.nextInt(1000) + ",\"s\":\"" + randomString(r, 6) + "\"}"),
            Binary.fromString("{}"),
            Binary.fromString("[]")));
    s.add(
        spec(
            "bin",
            BINARY,
            0,
            null,
            r -> Binary.fromConstantByteArray(randomBytes(r, r.nextInt(33))),
            Binary.fromConstantByteArray(new byte[0]),
            Binary.fromConstantByteArray(new byte[] {0}),
            Binary.fromConstantByteArray(filled(40, (byte) 0xFF))));
    s.add(
        spec(
            "fixed7",
            FIXED_LEN_BYTE_ARRAY,
            7,
            null,
            r -> Binary.fromConstantByteArray(randomBytes(r, 7)),
            Binary.fromConstantByteArray(new byte[7]),
            Binary.fromConstantByteArray(filled(7, (byte) 0xFF))));
    s.add(
        spec(
            "uuid",
            FIXED_LEN_BYTE_ARRAY,
            16,
            LogicalTypeAnnotation.uuidType(),
            r -> Binary.fromConstantByteArray(randomBytes(r, 16)),
            Binary.fromConstantByteArray(new byte[16])));
    return s;
  }

  private static Spec spec(
      String base,
      PrimitiveTypeName physical,
      int length,
      LogicalTypeAnnotation logical,
      Gen gen,
      Object... edges) {
    return new Spec(base, physical, length, logical, gen, Arrays.asList(edges));
  }

  private static LogicalTypeAnnotation intType(int bits, boolean signed) {
    return LogicalTypeAnnotation.intType(bits, signed);
  }

  private static Spec decimalBytes(
      String base, PrimitiveTypeName physical, int length, int precision, int scale) {
    BigInteger max = TEN.pow(precision).subtract(BigInteger.ONE);
    int bytes = length;
    Gen gen =
        r -> Binary.fromConstantByteArray(toTwosComplement(randomBelow(r, max, precision), bytes));
    return spec(
        base,
        physical,
        length,
        LogicalTypeAnnotation.decimalType(scale, precision),
        gen,
        Binary.fromConstantByteArray(toTwosComplement(max, bytes)),
        Binary.fromConstantByteArray(toTwosComplement(max.negate(), bytes)),
        Binary.fromConstantByteArray(toTwosComplement(BigInteger.ONE.negate(), bytes)),
        Binary.fromConstantByteArray(toTwosComplement(BigInteger.ZERO, bytes)));
  }

  /** A signed random integer with up to {@code digits} decimal digits, of varied magnitude. */
  private static BigInteger randomBelow(Random r, BigInteger max, int digits) {
    int d = 1 + r.nextInt(digits);
    BigInteger bound = TEN.pow(d);
    BigInteger v = new BigInteger(bound.bitLength() + 8, r).mod(bound).min(max);
    return r.nextBoolean() ? v.negate() : v;
  }

  /** Big-endian two's complement of {@code v} in {@code width} bytes, or minimal if width is 0. */
  private static byte[] toTwosComplement(BigInteger v, int width) {
    byte[] minimal = v.toByteArray();
    if (width == 0) {
      return minimal;
    }
    byte[] out = new byte[width];
    Arrays.fill(out, v.signum() < 0 ? (byte) 0xFF : 0);
    System.arraycopy(minimal, 0, out, width - minimal.length, minimal.length);
    return out;
  }

  private static final String ALPHABET = "abcXYZ019 _-é中文😀ß";

  private static String randomString(Random r, int maxLength) {
    int n = r.nextInt(maxLength + 1);
    StringBuilder sb = new StringBuilder();
    int[] codePoints = ALPHABET.codePoints().toArray();
    for (int i = 0; i < n; i++) {
      sb.appendCodePoint(codePoints[r.nextInt(codePoints.length)]);
    }
    return sb.toString();
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static byte[] filled(int n, byte value) {
    byte[] b = new byte[n];
    Arrays.fill(b, value);
    return b;
  }

  /** Draws column values: about 5% edge values, 50% from a small pool, the rest random. */
  private static final class ValueSource {
    private final Spec spec;
    private final List<Object> pool = new ArrayList<>();

    ValueSource(Spec spec) {
      this.spec = spec;
    }

    Object next(Random r) {
      int p = r.nextInt(100);
      if (p < 5 && !spec.edges().isEmpty()) {
        return spec.edges().get(r.nextInt(spec.edges().size()));
      }
      if (p < 55 && pool.size() == POOL_SIZE) {
        return pool.get(r.nextInt(POOL_SIZE));
      }
      Object v = spec.gen().next(r);
      if (pool.size() < POOL_SIZE) {
        pool.add(v);
      }
      return v;
    }
  }

  /**
   * The schema of {@link #writeAllTypesWithParquetHadoop}: for every kind of value an OPTIONAL
   * column {@code <kind>_opt} and a REQUIRED column {@code <kind>_req}, plus {@code
   * i64_allnull_opt} (OPTIONAL INT64, always null).
   */
  public static MessageType allTypesSchema() {
    Types.MessageTypeBuilder message = Types.buildMessage();
    for (Spec spec : parquetSpecs()) {
      for (Type.Repetition repetition :
          new Type.Repetition[] {Type.Repetition.OPTIONAL, Type.Repetition.REQUIRED}) {
        String suffix = repetition == Type.Repetition.OPTIONAL ? "_opt" : "_req";
        Types.PrimitiveBuilder<PrimitiveType> b = Types.primitive(spec.physical(), repetition);
        if (spec.length() > 0) {
          b = b.length(spec.length());
        }
        if (spec.logical() != null) {
          b = b.as(spec.logical());
        }
        message.addField(b.named(spec.base() + suffix));
      }
    }
    message.addField(Types.optional(INT64).named("i64_allnull_opt"));
    return message.named("all_types");
  }

  /**
   * Writes {@code rows} rows of every supported type with parquet-hadoop to {@code dir/name}.
   *
   * <p>Pages are small (8 KiB, at most 700 rows) so that column chunks have several pages whose
   * boundaries do not line up with decoder batches; with {@code dictionary} on, the dictionary page
   * limit is 16 KiB so high-cardinality chunks fall back from dictionary to plain pages midway.
   * With dictionary off and page v1, floats and doubles use BYTE_STREAM_SPLIT; page v2
   * (PARQUET_2_0) uses the delta encodings. Page checksums are written.
   *
   * @param rowGroupSizeBytes target row group size; small values give several row groups
   */
  public static Path writeAllTypesWithParquetHadoop(
      Path dir,
      String name,
      CompressionCodecName codec,
      boolean dictionary,
      ParquetProperties.WriterVersion pageVersion,
      int rows,
      int rowGroupSizeBytes,
      long seed)
      throws IOException {
    MessageType schema = allTypesSchema();
    List<Spec> specs = parquetSpecs();
    List<ValueSource> sources = new ArrayList<>();
    for (Spec spec : specs) {
      sources.add(new ValueSource(spec));
      sources.add(new ValueSource(spec));
    }
    Path file = dir.resolve(name);
    Random random = new Random(seed);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(codec)
            .withDictionaryEncoding(dictionary)
            .withDictionaryPageSize(16 * 1024)
            .withByteStreamSplitEncoding(
                !dictionary && pageVersion == ParquetProperties.WriterVersion.PARQUET_1_0)
            .withWriterVersion(pageVersion)
            .withPageSize(8 * 1024)
            .withPageRowCountLimit(700)
            .withMinRowCountForPageSizeCheck(50)
            .withRowGroupSize((long) rowGroupSizeBytes)
            .withPageWriteChecksumEnabled(true)
            .build()) {
      for (int row = 0; row < rows; row++) {
        Group group = groups.newGroup();
        for (int c = 0; c < sources.size(); c++) {
          boolean optional = c % 2 == 0;
          if (optional && random.nextInt(10) == 0) {
            continue;
          }
          add(group, c, sources.get(c).next(random));
        }
        writer.write(group);
      }
    }
    return file;
  }

  private static void add(Group group, int field, Object value) {
    if (value instanceof Integer v) {
      group.add(field, v);
    } else if (value instanceof Long v) {
      group.add(field, v);
    } else if (value instanceof Boolean v) {
      group.add(field, v);
    } else if (value instanceof Float v) {
      group.add(field, v);
    } else if (value instanceof Double v) {
      group.add(field, v);
    } else if (value instanceof Binary v) {
      group.add(field, v);
    } else {
      throw new IllegalArgumentException("Unexpected test value " + value);
    }
  }

  /**
   * Writes a file with a column Quiver cannot decode: {@code id} (REQUIRED INT64), {@code tags}
   * (LIST of strings), {@code ts96} (INT96), {@code scores} (REPEATED INT32) and {@code point} (a
   * group of two doubles), which Quiver decodes, and {@code tags_spans} (a LIST of INTERVAL), which
   * it refuses. Three rows.
   */
  public static Path writeUnsupportedTypesWithParquetHadoop(Path dir, String name)
      throws IOException {
    MessageType schema =
        Types.buildMessage()
            .required(INT64)
            .named("id")
            .optionalList()
            .optionalElement(BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("tags")
            .optional(INT96)
            .named("ts96")
            .repeated(INT32)
            .named("scores")
            .optionalGroup()
            .required(DOUBLE)
            .named("x")
            .required(DOUBLE)
            .named("y")
            .named("point")
            .optionalList()
            .optionalElement(FIXED_LEN_BYTE_ARRAY)
            .length(12)
            .as(LogicalTypeAnnotation.intervalType())
            .named("tags_spans")
            .named("unsupported");
    Path file = dir.resolve(name);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (int row = 0; row < 3; row++) {
        Group g = groups.newGroup();
        g.add("id", (long) row);
        Group tags = g.addGroup("tags");
        tags.addGroup("list").add("element", "t" + row);
        g.add("ts96", Binary.fromConstantByteArray(new byte[12]));
        g.add("scores", row);
        g.add("scores", row + 1);
        Group point = g.addGroup("point");
        point.add("x", row * 1.5);
        point.add("y", -row * 1.5);
        g.addGroup("tags_spans")
            .addGroup("list")
            .add("element", Binary.fromConstantByteArray(new byte[12]));
        writer.write(g);
      }
    }
    return file;
  }

  // ---------------------------------------------------------------------------------------------
  // Nested types and INT96

  /**
   * The schema of {@link #writeNestedWithParquetHadoop}: every nesting form Quiver decodes, each
   * with nulls possible at every OPTIONAL level and empty lists.
   *
   * <ul>
   *   <li>{@code id}: REQUIRED INT64;
   *   <li>standard 3-level lists: {@code tags} (optional list of optional strings), {@code
   *       ints_req} (required list of required ints), {@code decimals} (of DECIMAL(38, 10));
   *   <li>legacy lists: {@code legacy_two_level} (repeated primitive named {@code array}), {@code
   *       legacy_array_struct} (repeated group {@code array} of one field: a list of structs),
   *       {@code legacy_tuple} (repeated group {@code *_tuple}), {@code legacy_one_field} (a
   *       repeated group of one field not so named: a list of that field);
   *   <li>unannotated repeated fields: {@code scores} (INT32), {@code points} (a group);
   *   <li>structs: {@code point} with a nested struct holding a repeated field, {@code leaf_types}
   *       with one field of every primitive kind;
   *   <li>maps: {@code attrs} (string to int), {@code map_lists} (string to list of ints), {@code
   *       legacy_map} (MAP_KEY_VALUE inner group), {@code key_only_map} (keys only: a list);
   *   <li>{@code list_of_lists}, {@code list_of_structs} (struct with a list inside);
   *   <li>INT96: {@code ts96} (optional), {@code ts96_req}, {@code ts96_list}.
   * </ul>
   */
  public static MessageType nestedSchema() {
    return MessageTypeParser.parseMessageType(
        String.join(
            "\n",
            "message nested {",
            "  required int64 id;",
            "  optional group tags (LIST) { repeated group list {",
            "    optional binary element (STRING); } }",
            "  required group ints_req (LIST) { repeated group list { required int32 element; } }",
            "  optional group decimals (LIST) { repeated group list {",
            "    optional fixed_len_byte_array(16) element (DECIMAL(38,10)); } }",
            "  optional group legacy_two_level (LIST) { repeated int32 array; }",
            "  optional group legacy_array_struct (LIST) { repeated group array {",
            "    optional binary s (STRING); } }",
            "  optional group legacy_tuple (LIST) { repeated group legacy_tuple_tuple {",
            "    required int32 a; optional double b; } }",
            "  optional group legacy_one_field (LIST) { repeated group item { required int64 v; } }",
            "  repeated int32 scores;",
            "  repeated group points { required double x; optional double y; }",
            "  optional group point {",
            "    required double x;",
            "    optional binary label (STRING);",
            "    optional group inner { optional int32 a; repeated int64 b; } }",
            "  optional group attrs (MAP) { repeated group key_value {",
            "    required binary key (STRING); optional int32 value; } }",
            "  optional group map_lists (MAP) { repeated group key_value {",
            "    required binary key (STRING);",
            "    optional group value (LIST) { repeated group list { optional int32 element; } } } }",
            "  optional group legacy_map (MAP) { repeated group map (MAP_KEY_VALUE) {",
            "    required binary key (UTF8); optional int64 value; } }",
            "  optional group key_only_map (MAP) { repeated group key_value { required int32 key; } }",
            "  optional group list_of_lists (LIST) { repeated group list {",
            "    optional group element (LIST) { repeated group list { optional int64 element; } } } }",
            "  optional group list_of_structs (LIST) { repeated group list {",
            "    optional group element {",
            "      optional int32 a;",
            "      optional group names (LIST) { repeated group list {",
            "        optional binary element (STRING); } }",
            "      required boolean flag; } } }",
            "  optional int96 ts96;",
            "  required int96 ts96_req;",
            "  optional group ts96_list (LIST) { repeated group list { optional int96 element; } }",
            "  optional group leaf_types {",
            "    optional boolean b;",
            "    optional int32 i8 (INTEGER(8,true));",
            "    optional int32 u16 (INTEGER(16,false));",
            "    optional int64 u64 (INTEGER(64,false));",
            "    optional float f;",
            "    required double d;",
            "    optional int32 day (DATE);",
            "    optional int32 tm (TIME(MILLIS,true));",
            "    optional int64 tus (TIME(MICROS,true));",
            "    optional int64 ts (TIMESTAMP(MICROS,true));",
            "    optional int64 tsn (TIMESTAMP(NANOS,false));",
            "    optional int32 dec9 (DECIMAL(9,2));",
            "    optional int64 dec18 (DECIMAL(18,4));",
            "    optional fixed_len_byte_array(5) dec10 (DECIMAL(10,3));",
            "    optional binary dec30 (DECIMAL(30,5));",
            "    optional fixed_len_byte_array(20) dec45 (DECIMAL(45,3));",
            "    optional fixed_len_byte_array(16) uuid (UUID);",
            "    optional fixed_len_byte_array(7) fixed7;",
            "    optional binary bin;",
            "    optional binary js (JSON);",
            "    optional binary en (ENUM); }",
            "}"));
  }

  /**
   * Writes {@code rows} rows of {@link #nestedSchema()} with parquet-hadoop's example Group writer
   * to {@code dir/name}. OPTIONAL fields are null in about 1 of 7 cases; REPEATED fields occur 0 to
   * 4 times (0 in about 20%: empty lists and maps). Leaf values come from the same generators as
   * {@link #writeAllTypesWithParquetHadoop} (edge values, a small pool for dictionaries, random);
   * INT96 values are Julian days within about 137 years of 1970 with nanoseconds of the day, plus
   * edge values (Julian day 0, nanoseconds beyond a day or negative, 64-bit overflow). Pages are
   * small (4 KiB, at most 500 rows) so page boundaries fall inside rows' repeated values.
   */
  public static Path writeNestedWithParquetHadoop(
      Path dir,
      String name,
      CompressionCodecName codec,
      boolean dictionary,
      ParquetProperties.WriterVersion pageVersion,
      int rows,
      int rowGroupSizeBytes,
      long seed)
      throws IOException {
    return writeNestedWithParquetHadoop(
        dir, name, codec, dictionary, pageVersion, rows, rowGroupSizeBytes, seed, true);
  }

  /**
   * Like {@link #writeNestedWithParquetHadoop(Path, String, CompressionCodecName, boolean,
   * ParquetProperties.WriterVersion, int, int, long)}, with page checksums written or not: without
   * them a damaged page is only noticed when it is decompressed or decoded, in the middle of a
   * column chunk.
   */
  public static Path writeNestedWithParquetHadoop(
      Path dir,
      String name,
      CompressionCodecName codec,
      boolean dictionary,
      ParquetProperties.WriterVersion pageVersion,
      int rows,
      int rowGroupSizeBytes,
      long seed,
      boolean pageChecksums)
      throws IOException {
    MessageType schema = nestedSchema();
    Path file = dir.resolve(name);
    NestedValues values = new NestedValues(new Random(seed));
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(codec)
            .withDictionaryEncoding(dictionary)
            .withDictionaryPageSize(16 * 1024)
            .withWriterVersion(pageVersion)
            .withPageSize(4 * 1024)
            .withPageRowCountLimit(500)
            .withMinRowCountForPageSizeCheck(50)
            .withRowGroupSize((long) rowGroupSizeBytes)
            .withPageWriteChecksumEnabled(pageChecksums)
            .build()) {
      for (int row = 0; row < rows; row++) {
        Group group = groups.newGroup();
        values.fill(group, schema, "");
        writer.write(group);
      }
    }
    return file;
  }

  /**
   * Writes the data of {@link #writeNestedWithParquetHadoop} again with Arrow C++: the
   * parquet-hadoop file (uncompressed, dictionary, page v1) is read by Arrow C++ into Arrow batches
   * of {@code batchRows} rows (ListVector, StructVector, MapVector with nulls at every level) and
   * handed to Arrow C++'s writer ({@code DatasetFileWriter}), which writes its own layout (3-level
   * lists with {@code element}, {@code key_value} maps, INT96 as INT64 nanosecond timestamps, the
   * {@code ARROW:schema} metadata) and one row group per batch.
   */
  public static Path writeNestedWithArrowCpp(
      Path dir, String name, int rows, int batchRows, long seed) throws IOException {
    Path staging = Files.createTempDirectory(dir, ".arrow-cpp-nested-");
    try {
      Path source =
          writeNestedWithParquetHadoop(
              staging,
              "source.parquet",
              CompressionCodecName.UNCOMPRESSED,
              true,
              ParquetProperties.WriterVersion.PARQUET_1_0,
              rows,
              64 << 20,
              seed);
      Path out = Files.createDirectory(staging.resolve("out"));
      rewriteWithArrowCpp(source, out, batchRows);
      List<Path> written;
      try (Stream<Path> files = Files.list(out)) {
        written = files.toList();
      }
      if (written.size() != 1) {
        throw new IOException("Arrow C++ wrote " + written + " instead of one file");
      }
      return Files.move(written.get(0), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    } finally {
      deleteRecursively(staging);
    }
  }

  // Dataset and Scanner declare close() throws Exception.
  @SuppressWarnings("try")
  private static void rewriteWithArrowCpp(Path source, Path outDir, int batchRows)
      throws IOException {
    String uri = source.toAbsolutePath().normalize().toUri().toString();
    try (BufferAllocator allocator = new RootAllocator()) {
      try (FileSystemDatasetFactory factory =
              new FileSystemDatasetFactory(
                  allocator, NativeMemoryPool.getDefault(), FileFormat.PARQUET, uri);
          Dataset dataset = factory.finish();
          Scanner scanner = dataset.newScan(new ScanOptions(batchRows));
          ArrowReader reader = scanner.scanBatches()) {
        DatasetFileWriter.write(
            allocator,
            reader,
            FileFormat.PARQUET,
            outDir.toUri().toString(),
            new String[0],
            1,
            "part-{i}.parquet");
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("Arrow C++ could not rewrite " + source + ": " + e, e);
      }
      awaitReleased(allocator);
    }
  }

  /** Fills example Groups with random nested values; leaf generators are kept per leaf path. */
  private static final class NestedValues {
    private final Random random;
    private final List<Spec> specs = parquetSpecs();
    private final java.util.Map<String, ValueSource> sources = new java.util.HashMap<>();

    NestedValues(Random random) {
      this.random = random;
    }

    void fill(Group group, GroupType type, String prefix) {
      for (int i = 0; i < type.getFieldCount(); i++) {
        Type field = type.getType(i);
        String path = prefix + "." + field.getName();
        int n;
        switch (field.getRepetition()) {
          case REQUIRED:
            n = 1;
            break;
          case OPTIONAL:
            n = random.nextInt(7) == 0 ? 0 : 1;
            break;
          default:
            int p = random.nextInt(10);
            n = p < 2 ? 0 : p < 5 ? 1 : 2 + random.nextInt(3);
        }
        for (int k = 0; k < n; k++) {
          if (field.isPrimitive()) {
            add(group, i, source(path, field.asPrimitiveType()).next(random));
          } else {
            fill(group.addGroup(i), field.asGroupType(), path);
          }
        }
      }
    }

    private ValueSource source(String path, PrimitiveType type) {
      return sources.computeIfAbsent(path, p -> new ValueSource(specFor(type)));
    }

    private Spec specFor(PrimitiveType type) {
      if (type.getPrimitiveTypeName() == INT96) {
        return int96Spec();
      }
      int length = type.getPrimitiveTypeName() == FIXED_LEN_BYTE_ARRAY ? type.getTypeLength() : 0;
      for (Spec spec : specs) {
        if (spec.physical() == type.getPrimitiveTypeName()
            && spec.length() == length
            && java.util.Objects.equals(spec.logical(), type.getLogicalTypeAnnotation())) {
          return spec;
        }
      }
      throw new IllegalArgumentException("No test value generator for " + type);
    }
  }

  private static final long UNIX_EPOCH_JULIAN_DAY = 2_440_588L;
  private static final long NANOS_PER_DAY = 86_400_000_000_000L;

  /** INT96 timestamps: Julian day and nanoseconds of the day, within about 137 years of 1970. */
  private static Spec int96Spec() {
    return spec(
        "int96",
        INT96,
        0,
        null,
        r -> int96(UNIX_EPOCH_JULIAN_DAY + r.nextInt(-50_000, 50_000), r.nextLong(NANOS_PER_DAY)),
        int96(UNIX_EPOCH_JULIAN_DAY, 0),
        int96(UNIX_EPOCH_JULIAN_DAY - 1, NANOS_PER_DAY - 1),
        int96(UNIX_EPOCH_JULIAN_DAY + 1, 1),
        // Odd values readers must still convert like Arrow C++: Julian day 0, nanoseconds beyond
        // a day or negative, and a day whose nanoseconds overflow 64 bits (wrap around).
        int96(0, 12_345),
        int96(UNIX_EPOCH_JULIAN_DAY + 2, NANOS_PER_DAY + 7),
        int96(UNIX_EPOCH_JULIAN_DAY, -1),
        int96(4_000_000_000L, 3));
  }

  /** The 12 bytes of an INT96 timestamp: nanoseconds of the day, then the Julian day. */
  public static Binary int96(long julianDay, long nanosOfDay) {
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(nanosOfDay).putInt((int) julianDay);
    return Binary.fromConstantByteArray(b.array());
  }

  /** Copies the first {@code length} bytes of {@code source} to {@code dir/name}. */
  public static Path truncatedCopy(Path source, Path dir, String name, long length)
      throws IOException {
    byte[] all = Files.readAllBytes(source);
    if (length > all.length) {
      throw new IllegalArgumentException(source + " has only " + all.length + " bytes");
    }
    return Files.write(dir.resolve(name), Arrays.copyOf(all, (int) length));
  }

  /**
   * Copies {@code source} to {@code dir/name} with the {@code length} bytes at {@code offset}
   * inverted (each XOR 0xFF), e.g. to damage one column chunk while the footer stays intact.
   */
  public static Path corruptedCopy(Path source, Path dir, String name, long offset, int length)
      throws IOException {
    byte[] all = Files.readAllBytes(source);
    for (int i = 0; i < length; i++) {
      all[(int) offset + i] ^= (byte) 0xFF;
    }
    return Files.write(dir.resolve(name), all);
  }

  /**
   * Writes {@code length} random bytes to {@code dir/name}. With {@code parquetTail} the file ends
   * like a Parquet file (a plausible footer length and the {@code PAR1} magic) so that a reader
   * gets as far as parsing a footer made of garbage.
   */
  public static Path garbageFile(Path dir, String name, int length, boolean parquetTail, long seed)
      throws IOException {
    byte[] bytes = randomBytes(new Random(seed), length);
    if (parquetTail) {
      if (length < 16) {
        throw new IllegalArgumentException("Too short for a Parquet tail: " + length);
      }
      System.arraycopy("PAR1".getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 4);
      ByteBuffer.wrap(bytes, length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(length / 2);
      System.arraycopy("PAR1".getBytes(StandardCharsets.US_ASCII), 0, bytes, length - 4, 4);
    }
    return Files.write(dir.resolve(name), bytes);
  }

  // ---------------------------------------------------------------------------------------------
  // Arrow C++ writer

  /**
   * Writes {@code data} as one Parquet file {@code dir/name} with Arrow C++ ({@code
   * DatasetFileWriter}, default Parquet writer properties of Arrow C++: format version 2.6, data
   * page v1, dictionary on, no compression, and the {@code ARROW:schema} metadata). The rows are
   * handed to Arrow C++ in batches of {@code batchRows}. {@code data} stays owned by the caller.
   */
  public static Path writeWithArrowCpp(Path dir, String name, VectorSchemaRoot data, int batchRows)
      throws IOException {
    if (batchRows <= 0) {
      throw new IllegalArgumentException("batchRows must be positive: " + batchRows);
    }
    Path staging = Files.createTempDirectory(dir, ".arrow-cpp-");
    try (BufferAllocator allocator = new RootAllocator()) {
      byte[] stream = toIpcStream(data, batchRows);
      try (ArrowReader reader =
          new ArrowStreamReader(new ByteArrayInputStream(stream), allocator)) {
        DatasetFileWriter.write(
            allocator,
            reader,
            FileFormat.PARQUET,
            staging.toUri().toString(),
            new String[0],
            1,
            "part-{i}.parquet");
        awaitReleased(allocator);
      }
      List<Path> written;
      try (Stream<Path> files = Files.list(staging)) {
        written = files.toList();
      }
      if (written.size() != 1) {
        throw new IOException("Arrow C++ wrote " + written + " instead of one file");
      }
      return Files.move(written.get(0), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    } finally {
      deleteRecursively(staging);
    }
  }

  /**
   * Arrow C++ releases the last exported batches from one of its own threads shortly after {@code
   * write} returns; closing the allocator before that would report a leak. Polls with a deadline.
   */
  private static void awaitReleased(BufferAllocator allocator) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (allocator.getAllocatedMemory() > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Arrow C++ still holds " + allocator.getAllocatedMemory() + " bytes after writing");
      }
      LockSupport.parkNanos(100_000L);
    }
  }

  private static byte[] toIpcStream(VectorSchemaRoot data, int batchRows) throws IOException {
    if (data.getFieldVectors().isEmpty()) {
      throw new IllegalArgumentException("No columns to write");
    }
    // Batches move between vectors without copies, which needs the data's allocator tree.
    BufferAllocator dataAllocator = data.getFieldVectors().get(0).getAllocator();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (VectorSchemaRoot staging = VectorSchemaRoot.create(data.getSchema(), dataAllocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(staging, null, out)) {
      writer.start();
      VectorLoader loader = new VectorLoader(staging);
      for (int offset = 0; offset < data.getRowCount(); offset += batchRows) {
        int n = Math.min(batchRows, data.getRowCount() - offset);
        try (VectorSchemaRoot slice = data.slice(offset, n);
            ArrowRecordBatch batch = new VectorUnloader(slice).getRecordBatch()) {
          loader.load(batch);
          writer.writeBatch();
        }
      }
      writer.end();
    }
    return out.toByteArray();
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * The Arrow schema of {@link #writeAllTypesWithArrowCpp}: the Arrow types whose Parquet form
   * Arrow C++ reads back as the same type, each nullable ({@code _opt}) and non-null ({@code
   * _req}).
   */
  public static Schema arrowAllTypesSchema() {
    List<Field> fields = new ArrayList<>();
    for (ArrowKind kind : arrowKinds()) {
      fields.add(new Field(kind.base() + "_opt", FieldType.nullable(kind.type()), null));
      fields.add(new Field(kind.base() + "_req", FieldType.notNullable(kind.type()), null));
    }
    return new Schema(fields);
  }

  private record ArrowKind(String base, ArrowType type, Spec values) {}

  private static List<ArrowKind> arrowKinds() {
    List<Spec> specs = parquetSpecs();
    List<ArrowKind> kinds = new ArrayList<>();
    kinds.add(new ArrowKind("bool", ArrowType.Bool.INSTANCE, find(specs, "bool")));
    kinds.add(new ArrowKind("int8", new ArrowType.Int(8, true), find(specs, "int8")));
    kinds.add(new ArrowKind("uint8", new ArrowType.Int(8, false), find(specs, "uint8")));
    kinds.add(new ArrowKind("int16", new ArrowType.Int(16, true), find(specs, "int16")));
    kinds.add(new ArrowKind("uint16", new ArrowType.Int(16, false), find(specs, "uint16")));
    kinds.add(new ArrowKind("int32", new ArrowType.Int(32, true), find(specs, "i32")));
    kinds.add(new ArrowKind("uint32", new ArrowType.Int(32, false), find(specs, "uint32")));
    kinds.add(new ArrowKind("int64", new ArrowType.Int(64, true), find(specs, "i64")));
    kinds.add(new ArrowKind("uint64", new ArrowType.Int(64, false), find(specs, "uint64")));
    kinds.add(
        new ArrowKind(
            "f32", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE), find(specs, "f32")));
    kinds.add(
        new ArrowKind(
            "f64", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), find(specs, "f64")));
    kinds.add(new ArrowKind("str", ArrowType.Utf8.INSTANCE, find(specs, "str")));
    kinds.add(new ArrowKind("bin", ArrowType.Binary.INSTANCE, find(specs, "bin")));
    kinds.add(new ArrowKind("fixed7", new ArrowType.FixedSizeBinary(7), find(specs, "fixed7")));
    kinds.add(new ArrowKind("dec9_2", new ArrowType.Decimal(9, 2, 128), find(specs, "dec9_2_i32")));
    kinds.add(
        new ArrowKind("dec18_4", new ArrowType.Decimal(18, 4, 128), find(specs, "dec18_4_i64")));
    kinds.add(
        new ArrowKind(
            "dec38_10", new ArrowType.Decimal(38, 10, 128), find(specs, "dec38_10_flba16")));
    kinds.add(new ArrowKind("date", new ArrowType.Date(DateUnit.DAY), find(specs, "date")));
    kinds.add(
        new ArrowKind(
            "time_ms", new ArrowType.Time(TimeUnit.MILLISECOND, 32), find(specs, "time_ms")));
    kinds.add(
        new ArrowKind(
            "time_us", new ArrowType.Time(TimeUnit.MICROSECOND, 64), find(specs, "time_us")));
    kinds.add(
        new ArrowKind(
            "time_ns", new ArrowType.Time(TimeUnit.NANOSECOND, 64), find(specs, "time_ns")));
    for (String zone : new String[] {null, "UTC"}) {
      String suffix = zone == null ? "_local" : "_utc";
      kinds.add(
          new ArrowKind(
              "ts_ms" + suffix,
              new ArrowType.Timestamp(TimeUnit.MILLISECOND, zone),
              find(specs, "ts_ms" + suffix)));
      kinds.add(
          new ArrowKind(
              "ts_us" + suffix,
              new ArrowType.Timestamp(TimeUnit.MICROSECOND, zone),
              find(specs, "ts_us" + suffix)));
      kinds.add(
          new ArrowKind(
              "ts_ns" + suffix,
              new ArrowType.Timestamp(TimeUnit.NANOSECOND, zone),
              find(specs, "ts_ns" + suffix)));
    }
    return kinds;
  }

  private static Spec find(List<Spec> specs, String base) {
    for (Spec s : specs) {
      if (s.base().equals(base)) {
        return s;
      }
    }
    throw new IllegalStateException("No value kind " + base);
  }

  /**
   * Writes {@code rows} rows of {@link #arrowAllTypesSchema()} with Arrow C++ to {@code dir/name},
   * handed over in batches of {@code batchRows} rows.
   */
  public static Path writeAllTypesWithArrowCpp(
      Path dir, String name, int rows, int batchRows, long seed) throws IOException {
    Random random = new Random(seed);
    List<ArrowKind> kinds = arrowKinds();
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(arrowAllTypesSchema(), allocator)) {
      root.allocateNew();
      List<FieldVector> vectors = root.getFieldVectors();
      List<ValueSource> sources = new ArrayList<>();
      for (ArrowKind kind : kinds) {
        sources.add(new ValueSource(kind.values()));
        sources.add(new ValueSource(kind.values()));
      }
      for (int row = 0; row < rows; row++) {
        for (int c = 0; c < vectors.size(); c++) {
          boolean optional = c % 2 == 0;
          if (optional && random.nextInt(10) == 0) {
            vectors.get(c).setNull(row);
            continue;
          }
          setArrowValue(vectors.get(c), row, sources.get(c).next(random));
        }
      }
      root.setRowCount(rows);
      return writeWithArrowCpp(dir, name, root, batchRows);
    }
  }

  private static void setArrowValue(FieldVector vector, int row, Object value) {
    if (vector instanceof BitVector v) {
      v.setSafe(row, (Boolean) value ? 1 : 0);
    } else if (vector instanceof TinyIntVector v) {
      v.setSafe(row, (Integer) value);
    } else if (vector instanceof UInt1Vector v) {
      v.setSafe(row, (Integer) value);
    } else if (vector instanceof SmallIntVector v) {
      v.setSafe(row, (Integer) value);
    } else if (vector instanceof UInt2Vector v) {
      v.setSafe(row, (Integer) value);
    } else if (vector instanceof IntVector v) {
      v.setSafe(row, (Integer) value);
    } else if (vector instanceof UInt4Vector v) {
      v.setSafe(row, (Integer) value);
    } else if (vector instanceof DateDayVector v) {
      v.setSafe(row, (Integer) value);
    } else if (vector instanceof TimeMilliVector v) {
      v.setSafe(row, (Integer) value);
    } else if (vector instanceof BigIntVector v) {
      v.setSafe(row, (Long) value);
    } else if (vector instanceof UInt8Vector v) {
      v.setSafe(row, (Long) value);
    } else if (vector instanceof TimeMicroVector v) {
      v.setSafe(row, (Long) value);
    } else if (vector instanceof TimeNanoVector v) {
      v.setSafe(row, (Long) value);
    } else if (vector instanceof TimeStampVector v) {
      v.setSafe(row, (Long) value);
    } else if (vector instanceof Float4Vector v) {
      v.setSafe(row, (Float) value);
    } else if (vector instanceof Float8Vector v) {
      v.setSafe(row, (Double) value);
    } else if (vector instanceof VarCharVector v) {
      v.setSafe(row, ((Binary) value).getBytes());
    } else if (vector instanceof VarBinaryVector v) {
      v.setSafe(row, ((Binary) value).getBytes());
    } else if (vector instanceof FixedSizeBinaryVector v) {
      v.setSafe(row, ((Binary) value).getBytes());
    } else if (vector instanceof DecimalVector v) {
      int scale = v.getScale();
      BigInteger unscaled =
          value instanceof Integer i
              ? BigInteger.valueOf(i)
              : value instanceof Long l
                  ? BigInteger.valueOf(l)
                  : new BigInteger(((Binary) value).getBytes());
      v.setSafe(row, new BigDecimal(unscaled, scale));
    } else {
      throw new IllegalArgumentException("No test value writer for " + vector.getField());
    }
  }
}
