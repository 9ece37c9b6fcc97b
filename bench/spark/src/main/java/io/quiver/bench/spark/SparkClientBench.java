package io.quiver.bench.spark;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Spark (local mode, one session) as a benchmark client: the same two jobs — {@code count()} and a
 * group-by reading four columns — over the benchmark table through the Quiver connector (warm: each
 * job once, unmeasured, before the runs) and over the same Parquet objects read straight from the
 * S3-shaped store through Hadoop's S3A. It runs its own repetitions, alternating which reader goes
 * first, checks that both readers give the same answers, and writes {@code --out} as JSON:
 *
 * <pre>{"results": [{"contender", "workload", "repetition", "wallNanos", "rows", "cpuNanos"}],
 *  "notes": [...], "startSeconds": s}</pre>
 *
 * Exit status 0 on success, 1 on a wrong answer or a failed job, 2 on bad arguments.
 */
public final class SparkClientBench {
  static final String QUIVER = "spark-quiver-warm";
  static final String S3A = "spark-s3a@s3-shaped";
  static final String COUNT = "spark-count";
  static final String GROUP_BY = "spark-groupby4";

  private SparkClientBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    if (a == null) {
      System.err.println(
          "usage: SparkClientBench --quiver HOST:PORT --table NAME --s3-endpoint URL --bucket B"
              + " --prefix P --access-key-env VAR --secret-key-env VAR --repetitions N --out FILE"
              + " [--master local[2]]");
      System.exit(2);
    }
    System.exit(run(a));
  }

  private static int run(Map<String, String> a) throws IOException {
    int reps = Integer.parseInt(a.get("repetitions"));
    String access = System.getenv(a.get("access-key-env"));
    String secret = System.getenv(a.get("secret-key-env"));
    if (access == null || secret == null) {
      System.err.println("SparkClientBench: the S3 key variables are not set");
      return 2;
    }
    long start = System.nanoTime();
    SparkSession spark =
        SparkSession.builder()
            .appName("quiver-bench-spark")
            .master(a.getOrDefault("master", "local[2]"))
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.hadoop.fs.s3a.endpoint", a.get("s3-endpoint"))
            .config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
            .config("spark.hadoop.fs.s3a.path.style.access", "true")
            .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
            .config("spark.hadoop.fs.s3a.access.key", access)
            .config("spark.hadoop.fs.s3a.secret.key", secret)
            // What Spark-on-S3 guides recommend for columnar formats: ranged GETs per column chunk.
            .config("spark.hadoop.fs.s3a.experimental.input.fadvise", "random")
            .getOrCreate();
    double startSeconds = (System.nanoTime() - start) / 1e9;
    List<String> notes = new ArrayList<>();
    List<Map<String, Object>> results = new ArrayList<>();
    try {
      Map<String, Function<SparkSession, Dataset<Row>>> readers = new java.util.LinkedHashMap<>();
      readers.put(
          QUIVER,
          s -> s.read().format("quiver").option("server", a.get("quiver")).load(a.get("table")));
      readers.put(
          S3A,
          s ->
              s.read()
                  .parquet("s3a://" + a.get("bucket") + "/" + stripSlashes(a.get("prefix")) + "/"));
      // Warm Quiver's cache (and both JVM code paths); the answers of this round are the reference.
      Map<String, String> expected = new HashMap<>();
      for (Map.Entry<String, Function<SparkSession, Dataset<Row>>> r : readers.entrySet()) {
        for (String job : List.of(COUNT, GROUP_BY)) {
          String answer = execute(job, r.getValue().apply(spark)).answer;
          String before = expected.putIfAbsent(job, answer);
          if (before != null && !before.equals(answer)) {
            System.err.printf(
                "SparkClientBench: %s answers %s differently:%n%s%nversus%n%s%n",
                r.getKey(), job, answer, before);
            return 1;
          }
        }
      }
      List<String> order = new ArrayList<>(readers.keySet());
      for (int rep = 0; rep < reps; rep++) {
        for (String job : List.of(COUNT, GROUP_BY)) {
          for (int i = 0; i < order.size(); i++) {
            String reader = order.get((i + rep) % order.size());
            Dataset<Row> df = readers.get(reader).apply(spark);
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            Outcome o = execute(job, df);
            long wall = System.nanoTime() - t0;
            long cpu = processCpuNanos() - cpu0;
            if (!o.answer.equals(expected.get(job))) {
              System.err.printf(
                  "SparkClientBench: %s answered %s differently in repetition %d:%n%s%n",
                  reader, job, rep, o.answer);
              return 1;
            }
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("contender", reader);
            m.put("workload", job);
            m.put("repetition", rep);
            m.put("wallNanos", wall);
            m.put("rows", o.rows);
            m.put("cpuNanos", cpu);
            results.add(m);
            System.out.printf(Locale.ROOT, "%s %s rep %d: %.1f ms%n", reader, job, rep, wall / 1e6);
          }
        }
      }
      notes.add(
          "Spark "
              + spark.version()
              + " in "
              + a.getOrDefault("master", "local[2]")
              + ", one session for both readers; session start "
              + String.format(Locale.ROOT, "%.1f s", startSeconds)
              + " (not measured). Jobs: "
              + COUNT
              + " = count(); "
              + GROUP_BY
              + " = group by l_returnflag, l_linestatus with sum(l_quantity), sum(l_extendedprice),"
              + " count(*) — four columns read. Both readers gave the same answers in every run.");
      notes.add(
          "spark-s3a@s3-shaped: spark.read.parquet over s3a:// (hadoop-aws 3.4.2, fadvise=random)"
              + " through the S3-shaped proxy; spark-quiver-warm: the quiver-spark -all jar, table "
              + a.get("table")
              + " (the same objects behind the same proxy), warmed by one unmeasured run per job.");
    } catch (RuntimeException e) {
      System.err.println("SparkClientBench: a job failed: " + e);
      e.printStackTrace();
      return 1;
    } finally {
      spark.stop();
    }
    write(Path.of(a.get("out")), results, notes, startSeconds);
    return 0;
  }

  private record Outcome(String answer, long rows) {}

  /** Runs {@code job} on {@code df}; the answer as sorted text, and the table's rows scanned. */
  private static Outcome execute(String job, Dataset<Row> df) {
    if (job.equals(COUNT)) {
      long n = df.count();
      return new Outcome(Long.toString(n), n);
    }
    List<Row> rows =
        df.groupBy("l_returnflag", "l_linestatus")
            .agg(sum("l_quantity"), sum("l_extendedprice"), count(lit(1)))
            .collectAsList();
    List<String> lines = new ArrayList<>();
    long scanned = 0;
    for (Row r : rows) {
      lines.add(r.mkString("|"));
      scanned += r.getLong(4);
    }
    lines.sort(null);
    return new Outcome(String.join("\n", lines), scanned);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static String stripSlashes(String p) {
    String s = p;
    while (s.startsWith("/")) {
      s = s.substring(1);
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static void write(
      Path out, List<Map<String, Object>> results, List<String> notes, double startSeconds)
      throws IOException {
    Map<String, Object> doc = new java.util.LinkedHashMap<>();
    doc.put("results", results);
    doc.put("notes", notes);
    doc.put("startSeconds", startSeconds);
    // Spark's own Jackson.
    new com.fasterxml.jackson.databind.ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(out.toFile(), doc);
  }

  /** {@code --key value} pairs; null when one is missing or malformed. */
  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        return null;
      }
      m.put(args[i].substring(2), args[i + 1]);
    }
    for (String k :
        List.of(
            "quiver",
            "table",
            "s3-endpoint",
            "bucket",
            "prefix",
            "access-key-env",
            "secret-key-env",
            "repetitions",
            "out")) {
      if (!m.containsKey(k)) {
        return null;
      }
    }
    return args.length % 2 == 0 ? m : null;
  }
}
