package io.quiver.testing;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.common.type.HiveDecimal;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.DecimalColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.DoubleColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ListColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.MapColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.StructColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.TimestampColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.UnionColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.orc.CompressionKind;
import org.apache.orc.OrcConf;
import org.apache.orc.OrcFile;
import org.apache.orc.TypeDescription;
import org.apache.orc.Writer;

/**
 * Writers of ORC test data: files written by orc-core's writer with every ORC type Quiver decodes
 * (nested ones included), with nulls, several stripes and a chosen codec, and a file with a union
 * column. (Arrow C++ cannot write ORC through the {@code arrow-dataset} JNI bindings 18.3: {@code
 * DatasetFileWriter} fails with "Must provide file_write_options", as the JNI layer passes no ORC
 * write options.)
 *
 * <p>Data is random but deterministic for a given seed and mixes edge values (minimum and maximum,
 * NaN and infinities, empty and multi-byte UTF-8 strings, negative decimals and pre-1970
 * timestamps) with values drawn from a small per-column pool, so that dictionary encoding is used.
 * Every column is null in about 10% of rows, except {@code c_no_null} (never null), {@code c_const}
 * (always the same value, so that orc-core reads it as a repeating vector) and {@code c_all_null}
 * (always null).
 *
 * <p>Stateless and thread-safe; every method writes a new file and returns its path. Damaged copies
 * can be made with {@link ParquetTestFiles#truncatedCopy} and {@link
 * ParquetTestFiles#corruptedCopy}, which work on any file.
 */
public final class OrcTestFiles {
  private static final int POOL_SIZE = 16;
  private static final String[] WORDS = {
    "", "a", "quiver", "ünïcødé", "中文字符", "emoji 😀", "tab\there", "  padded  ", "x".repeat(40)
  };

  private OrcTestFiles() {}

  /** The schema of {@link #writeAllTypesWithOrcCore}. */
  public static TypeDescription allTypesSchema() {
    return TypeDescription.fromString(
        "struct<c_bool:boolean,c_byte:tinyint,c_short:smallint,c_int:int,c_long:bigint,"
            + "c_float:float,c_double:double,c_string:string,c_varchar:varchar(12),"
            + "c_char:char(6),c_binary:binary,c_dec_small:decimal(10,2),"
            + "c_dec_large:decimal(32,6),c_date:date,c_ts:timestamp,"
            + "c_tsl:timestamp with local time zone,c_list:array<int>,"
            + "c_map:map<string,double>,c_struct:struct<a:int,b:string,c:array<string>>,"
            + "c_list_struct:array<struct<x:bigint,y:string>>,"
            + "c_const:int,c_all_null:string,c_no_null:bigint>");
  }

  /**
   * Writes {@code rows} rows of {@link #allTypesSchema()} with orc-core to {@code dir/name}.
   *
   * @param codec the compression codec
   * @param stripeBytes orc-core's target stripe size; small values (e.g. 64 KiB) give several
   *     stripes, whose row counts are not round numbers
   */
  public static Path writeAllTypesWithOrcCore(
      Path dir, String name, int rows, CompressionKind codec, long stripeBytes, long seed)
      throws IOException {
    return writeWithOrcCore(dir, name, allTypesSchema(), rows, codec, stripeBytes, seed);
  }

  /**
   * Writes {@code rows} random rows of {@code schema} (any ORC types, unions included) with
   * orc-core to {@code dir/name}. Timestamps are written in UTC. Columns named {@code c_const},
   * {@code c_all_null} and {@code c_no_null} get the values the class comment describes.
   */
  public static Path writeWithOrcCore(
      Path dir,
      String name,
      TypeDescription schema,
      int rows,
      CompressionKind codec,
      long stripeBytes,
      long seed)
      throws IOException {
    return writeWithOrcCore(dir, name, schema, rows, codec, stripeBytes, seed, true);
  }

  /**
   * As {@link #writeWithOrcCore(Path, String, TypeDescription, int, CompressionKind, long, long)};
   * with {@code utcTimestamps} false, {@code timestamp} values are written in the JVM's default
   * time zone (orc-core records it as the writer's time zone), as Hive does.
   */
  public static Path writeWithOrcCore(
      Path dir,
      String name,
      TypeDescription schema,
      int rows,
      CompressionKind codec,
      long stripeBytes,
      long seed,
      boolean utcTimestamps)
      throws IOException {
    Path file = dir.resolve(name);
    Files.deleteIfExists(file);
    Configuration conf = new Configuration(false);
    // Check the stripe size often, so that small stripe sizes really cut small stripes.
    OrcConf.ROWS_BETWEEN_CHECKS.setLong(conf, 128);
    OrcFile.WriterOptions options =
        OrcFile.writerOptions(conf)
            .setSchema(schema)
            .compress(codec)
            .stripeSize(stripeBytes)
            .bufferSize(16 * 1024)
            .rowIndexStride(1000)
            .useUTCTimestamp(utcTimestamps);
    Random random = new Random(seed);
    Object[][] pools = new Object[schema.getMaximumId() + 1][];
    try (Writer writer =
        OrcFile.createWriter(new org.apache.hadoop.fs.Path(file.toUri()), options)) {
      VectorizedRowBatch batch = schema.createRowBatch(1000);
      List<String> names = schema.getFieldNames();
      List<TypeDescription> children = schema.getChildren();
      for (int written = 0; written < rows; ) {
        batch.reset();
        int n = Math.min(batch.getMaxSize(), rows - written);
        for (int c = 0; c < names.size(); c++) {
          ColumnVector column = batch.cols[c];
          for (int r = 0; r < n; r++) {
            switch (names.get(c)) {
              case "c_const":
                ((LongColumnVector) column).vector[r] = 42;
                break;
              case "c_all_null":
                setNull(column, r);
                break;
              case "c_no_null":
                ((LongColumnVector) column).vector[r] = random.nextLong();
                break;
              default:
                fill(column, children.get(c), r, random, pools);
            }
          }
        }
        batch.size = n;
        writer.addRowBatch(batch);
        written += n;
      }
    }
    Files.deleteIfExists(dir.resolve("." + name + ".crc"));
    return file;
  }

  /**
   * Writes a small file whose column {@code u} is {@code uniontype<int,string>}, next to an int
   * column {@code id}.
   */
  public static Path writeUnionFile(Path dir, String name) throws IOException {
    return writeWithOrcCore(
        dir,
        name,
        TypeDescription.fromString("struct<id:int,u:uniontype<int,string>>"),
        100,
        CompressionKind.NONE,
        64 * 1024,
        1);
  }

  private static void setNull(ColumnVector column, int row) {
    column.noNulls = false;
    column.isNull[row] = true;
  }

  /** Sets row {@code row} of {@code column}: null in ~10% of rows, else a random value. */
  private static void fill(
      ColumnVector column, TypeDescription type, int row, Random random, Object[][] pools) {
    if (random.nextInt(10) == 0) {
      setNull(column, row);
      return;
    }
    column.isNull[row] = false;
    switch (type.getCategory()) {
      case BOOLEAN:
        ((LongColumnVector) column).vector[row] = random.nextBoolean() ? 1 : 0;
        break;
      case BYTE:
        ((LongColumnVector) column).vector[row] =
            (byte) pick(random, pools, type, () -> (long) (byte) random.nextInt());
        break;
      case SHORT:
        ((LongColumnVector) column).vector[row] =
            (short) pick(random, pools, type, () -> (long) (short) random.nextInt());
        break;
      case INT:
        ((LongColumnVector) column).vector[row] =
            (int) pick(random, pools, type, () -> (long) edgeInt(random));
        break;
      case LONG:
        ((LongColumnVector) column).vector[row] = pick(random, pools, type, () -> edgeLong(random));
        break;
      case FLOAT:
        ((DoubleColumnVector) column).vector[row] = (float) edgeDouble(random);
        break;
      case DOUBLE:
        ((DoubleColumnVector) column).vector[row] = edgeDouble(random);
        break;
      case STRING:
      case VARCHAR:
      case CHAR:
        {
          String s = (String) pickObject(random, pools, type, () -> randomString(random));
          ((BytesColumnVector) column).setVal(row, s.getBytes(StandardCharsets.UTF_8));
          break;
        }
      case BINARY:
        {
          byte[] bytes = new byte[random.nextInt(17)];
          random.nextBytes(bytes);
          ((BytesColumnVector) column).setVal(row, bytes);
          break;
        }
      case DECIMAL:
        {
          int digits = 1 + random.nextInt(type.getPrecision());
          BigInteger unscaled = new BigInteger(digits * 3, random);
          if (unscaled.toString().length() > type.getPrecision()) {
            unscaled = unscaled.mod(BigInteger.TEN.pow(type.getPrecision()));
          }
          if (random.nextBoolean()) {
            unscaled = unscaled.negate();
          }
          ((DecimalColumnVector) column)
              .vector[row].set(HiveDecimal.create(new BigDecimal(unscaled, type.getScale())));
          break;
        }
      case DATE:
        // Days from about 1700 to 2250, some before the epoch.
        ((LongColumnVector) column).vector[row] = random.nextInt(200_000) - 100_000;
        break;
      case TIMESTAMP:
      case TIMESTAMP_INSTANT:
        {
          TimestampColumnVector ts = (TimestampColumnVector) column;
          long seconds = random.nextInt(2_000_000_000) - 1_000_000_000L;
          int nanos = random.nextBoolean() ? random.nextInt(1_000_000_000) : 0;
          ts.time[row] = seconds * 1000 + nanos / 1_000_000;
          ts.nanos[row] = nanos;
          break;
        }
      case LIST:
        {
          ListColumnVector list = (ListColumnVector) column;
          int n = random.nextInt(5);
          int start = list.childCount;
          list.offsets[row] = start;
          list.lengths[row] = n;
          list.childCount += n;
          list.child.ensureSize(list.childCount, true);
          for (int i = 0; i < n; i++) {
            fill(list.child, type.getChildren().get(0), start + i, random, pools);
          }
          break;
        }
      case MAP:
        {
          MapColumnVector map = (MapColumnVector) column;
          int n = random.nextInt(4);
          int start = map.childCount;
          map.offsets[row] = start;
          map.lengths[row] = n;
          map.childCount += n;
          map.keys.ensureSize(map.childCount, true);
          map.values.ensureSize(map.childCount, true);
          for (int i = 0; i < n; i++) {
            // Arrow requires non-null map keys.
            ((BytesColumnVector) map.keys)
                .setVal(start + i, ("k" + random.nextInt(50)).getBytes(StandardCharsets.UTF_8));
            map.keys.isNull[start + i] = false;
            fill(map.values, type.getChildren().get(1), start + i, random, pools);
          }
          break;
        }
      case STRUCT:
        {
          StructColumnVector struct = (StructColumnVector) column;
          for (int f = 0; f < struct.fields.length; f++) {
            fill(struct.fields[f], type.getChildren().get(f), row, random, pools);
          }
          break;
        }
      case UNION:
        {
          UnionColumnVector union = (UnionColumnVector) column;
          int tag = random.nextInt(union.fields.length);
          union.tags[row] = tag;
          fill(union.fields[tag], type.getChildren().get(tag), row, random, pools);
          break;
        }
      default:
        throw new IllegalArgumentException("Cannot generate " + type);
    }
  }

  private interface LongGen {
    long next();
  }

  private interface ObjectGen {
    Object next();
  }

  /** Half of the values come from a per-column pool of {@value #POOL_SIZE}. */
  private static long pick(Random random, Object[][] pools, TypeDescription type, LongGen gen) {
    return (Long) pickObject(random, pools, type, gen::next);
  }

  private static Object pickObject(
      Random random, Object[][] pools, TypeDescription type, ObjectGen gen) {
    Object[] pool = pools[type.getId()];
    if (pool == null) {
      pool = new Object[POOL_SIZE];
      for (int i = 0; i < POOL_SIZE; i++) {
        pool[i] = gen.next();
      }
      pools[type.getId()] = pool;
    }
    return random.nextBoolean() ? pool[random.nextInt(POOL_SIZE)] : gen.next();
  }

  private static int edgeInt(Random random) {
    switch (random.nextInt(20)) {
      case 0:
        return Integer.MIN_VALUE;
      case 1:
        return Integer.MAX_VALUE;
      case 2:
        return 0;
      default:
        return random.nextInt();
    }
  }

  private static long edgeLong(Random random) {
    switch (random.nextInt(20)) {
      case 0:
        return Long.MIN_VALUE;
      case 1:
        return Long.MAX_VALUE;
      case 2:
        return 0;
      default:
        return random.nextLong();
    }
  }

  private static double edgeDouble(Random random) {
    switch (random.nextInt(30)) {
      case 0:
        return Double.NaN;
      case 1:
        return Double.POSITIVE_INFINITY;
      case 2:
        return Double.NEGATIVE_INFINITY;
      case 3:
        return -0.0;
      default:
        return (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(12));
    }
  }

  private static String randomString(Random random) {
    if (random.nextInt(4) == 0) {
      return WORDS[random.nextInt(WORDS.length)];
    }
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(20);
    for (int i = 0; i < n; i++) {
      s.append((char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }
}
