package io.quiver.spark;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/** The tests' Spark session (local[2], loopback only, UTC) and row comparison helpers. */
final class LocalSpark {
  private static SparkSession session;

  private LocalSpark() {}

  /** One session for every test class of the JVM; Spark's shutdown hook stops it. */
  static synchronized SparkSession spark() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2]")
              .appName("quiver-spark-tests")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.sql.datetime.java8API.enabled", "true")
              // The test files are not written by Spark: read their dates as they are written.
              .config("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED")
              .config("spark.sql.parquet.int96RebaseModeInRead", "CORRECTED")
              .getOrCreate();
    }
    return session;
  }

  /** The rows of {@code df} as canonical strings, sorted: equal data gives equal lists. */
  static List<String> canonicalRows(Dataset<Row> df) {
    List<String> rows = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      rows.add(canonical(r));
    }
    rows.sort(null);
    return rows;
  }

  /** A value as a string that compares by content (binary, nested, maps in key order). */
  static String canonical(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof byte[] b) {
      return "0x" + HexFormat.of().formatHex(b);
    }
    if (v instanceof Row r) {
      List<String> fields = new ArrayList<>();
      for (int i = 0; i < r.length(); i++) {
        fields.add(canonical(r.get(i)));
      }
      return "{" + String.join(", ", fields) + "}";
    }
    if (v instanceof scala.collection.Map<?, ?> m) {
      Map<String, String> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : CollectionConverters.asJava(m).entrySet()) {
        sorted.put(canonical(e.getKey()), canonical(e.getValue()));
      }
      return "map" + sorted;
    }
    if (v instanceof scala.collection.Seq<?> s) {
      List<String> items = new ArrayList<>();
      for (Object o : CollectionConverters.asJava(s)) {
        items.add(canonical(o));
      }
      return "[" + String.join(", ", items) + "]";
    }
    return v.getClass().getSimpleName() + ":" + v;
  }
}
