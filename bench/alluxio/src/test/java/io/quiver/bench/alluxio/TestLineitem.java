package io.quiver.bench.alluxio;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes lineitem-like Parquet files with parquet-hadoop whose every value is a function of the
 * row's global index, so a reader's output can be checked value by value. Besides the lineitem
 * types (INT64, INT32, DECIMAL on INT64, DOUBLE, STRING, DATE) it carries optional columns of the
 * other covered encodings: DECIMAL on INT32 and on FIXED_LEN_BYTE_ARRAY, raw BINARY, BOOLEAN,
 * FLOAT, with nulls.
 */
final class TestLineitem {

  static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message lineitem {"
              + " required int64 l_orderkey;"
              + " required int32 l_linenumber;"
              + " required int64 l_quantity (DECIMAL(15,2));"
              + " required int64 l_extendedprice (DECIMAL(15,2));"
              + " required double l_discount;"
              + " required binary l_returnflag (STRING);"
              + " required int32 l_shipdate (DATE);"
              + " required binary l_comment (STRING);"
              + " optional int32 x_tax (DECIMAL(9,2));"
              + " optional fixed_len_byte_array(9) x_bigdec (DECIMAL(20,3));"
              + " optional binary x_raw;"
              + " optional boolean x_flag;"
              + " optional float x_float;"
              + "}");

  static final List<String> COLUMNS =
      SCHEMA.getFields().stream().map(org.apache.parquet.schema.Type::getName).toList();

  private static final String[] FLAGS = {"A", "N", "R"};

  private TestLineitem() {}

  /**
   * Writes rows {@code [first, first + rows)} to a local file, snappy, small row groups so that
   * even a few thousand rows span several.
   */
  static void write(java.nio.file.Path file, long first, int rows) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new Path(file.toUri()))
            .withConf(new Configuration(false))
            .withType(SCHEMA)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupSize(64 * 1024)
            .withPageSize(8 * 1024)
            .build()) {
      for (long i = first; i < first + rows; i++) {
        Group g = groups.newGroup();
        g.add("l_orderkey", orderKey(i));
        g.add("l_linenumber", lineNumber(i));
        g.add("l_quantity", quantity(i).unscaledValue().longValueExact());
        g.add("l_extendedprice", extendedPrice(i).unscaledValue().longValueExact());
        g.add("l_discount", discount(i));
        g.add("l_returnflag", returnFlag(i));
        g.add("l_shipdate", shipDate(i));
        g.add("l_comment", comment(i));
        if (tax(i) != null) {
          g.add("x_tax", tax(i).unscaledValue().intValueExact());
        }
        if (bigDecimal(i) != null) {
          g.add("x_bigdec", Binary.fromConstantByteArray(fixed9(bigDecimal(i).unscaledValue())));
        }
        if (raw(i) != null) {
          g.add("x_raw", Binary.fromConstantByteArray(raw(i)));
        }
        if (flag(i) != null) {
          g.add("x_flag", flag(i));
        }
        g.add("x_float", xFloat(i));
        writer.write(g);
      }
    }
  }

  static long orderKey(long i) {
    return i * 7 + 1;
  }

  static int lineNumber(long i) {
    return (int) (i % 7);
  }

  static BigDecimal quantity(long i) {
    return BigDecimal.valueOf((i % 50 + 1) * 100, 2);
  }

  static BigDecimal extendedPrice(long i) {
    return BigDecimal.valueOf(i * 13 % 10_000_000 + 99, 2);
  }

  static double discount(long i) {
    return (i % 11) / 100.0;
  }

  static String returnFlag(long i) {
    return FLAGS[(int) (i % 3)];
  }

  static int shipDate(long i) {
    return (int) (8000 + i % 2500);
  }

  static String comment(long i) {
    return "comment " + i + (i % 5 == 0 ? " and a longer tail to vary lengths" : "");
  }

  static BigDecimal tax(long i) {
    return i % 4 == 0 ? null : BigDecimal.valueOf(i % 1000 - 500, 2);
  }

  /** DECIMAL(20,3) values beyond the long range, negative for odd rows. */
  static BigDecimal bigDecimal(long i) {
    if (i % 6 == 0) {
      return null;
    }
    BigInteger v = BigInteger.valueOf(i).multiply(BigInteger.TEN.pow(16)).add(BigInteger.ONE);
    return new BigDecimal(i % 2 == 1 ? v.negate() : v, 3);
  }

  static byte[] raw(long i) {
    return i % 3 == 0 ? null : new byte[] {(byte) i, (byte) (i >> 8), 0, (byte) 0xff};
  }

  static Boolean flag(long i) {
    return i % 5 == 0 ? null : i % 2 == 0;
  }

  static float xFloat(long i) {
    return i / 4f;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Big-endian two's complement in exactly 9 bytes, sign-extended. */
  private static byte[] fixed9(BigInteger v) {
    byte[] minimal = v.toByteArray();
    byte[] out = new byte[9];
    Arrays.fill(out, v.signum() < 0 ? (byte) 0xff : 0);
    System.arraycopy(minimal, 0, out, 9 - minimal.length, minimal.length);
    return out;
  }
}
