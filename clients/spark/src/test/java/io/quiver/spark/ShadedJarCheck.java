package io.quiver.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Run by {@link ShadedJarIT} in a JVM whose classpath is Spark's plus the connector's -all jar:
 * reads a table the way a user would and prints what it saw. Exits non-zero on any failure.
 */
public final class ShadedJarCheck {
  private ShadedJarCheck() {}

  public static void main(String[] args) throws Exception {
    String server = args[0];
    // Nothing but the jar may provide Flight or gRPC: both are relocated inside it.
    for (String name : new String[] {"org.apache.arrow.flight.FlightClient", "io.grpc.Channel"}) {
      try {
        Class.forName(name);
        throw new AssertionError(name + " is on the classpath: the check would prove nothing");
      } catch (ClassNotFoundException expected) {
        // as it should be
      }
    }
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("quiver-shaded-jar-check")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    try {
      Dataset<Row> t = spark.read().format("quiver").option("server", server).load("j.t");
      long rows = t.count();
      long filtered = t.where("id >= 1000 AND id < 1500").count();
      long sum = t.where("id < 10").selectExpr("sum(id)").first().getLong(0);
      String source =
          Class.forName("io.quiver.spark.QuiverDataSource")
              .getProtectionDomain()
              .getCodeSource()
              .getLocation()
              .toString();
      System.out.println("rows=" + rows + " filtered=" + filtered + " sum=" + sum);
      System.out.println("source=" + source);
    } finally {
      spark.stop();
    }
  }
}
