package io.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.server.TestNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one jar users add: a Spark session in a JVM of its own, whose classpath is Spark 4.1.1's
 * (this module's provided dependencies) plus {@code quiver-spark-VERSION-all.jar} (and the test
 * classes, for {@link ShadedJarCheck}), reads a table of a node running in this JVM. Run by
 * failsafe after {@code package}.
 */
class ShadedJarIT {
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message t { required int64 id; optional binary s (STRING); }");

  @TempDir Path tmp;

  @Test
  void theAllJarReadsThroughSparkAlone() throws Exception {
    Path jar = Path.of(System.getProperty("quiver.spark.jar"));
    assertTrue(Files.isRegularFile(jar), "missing " + jar);
    // Spark's classpath, from the lists the build wrote (duplicates are harmless).
    List<String> sparkJars = new ArrayList<>();
    for (String list : System.getProperty("quiver.spark.classpath").split(File.pathSeparator)) {
      sparkJars.add(Files.readString(Path.of(list)).trim());
    }
    String sparkClasspath = String.join(File.pathSeparator, sparkJars);
    Path dir = Files.createDirectories(tmp.resolve("lake/t"));
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("t.parquet")))
            .withType(SCHEMA)
            .withRowGroupRowCountLimit(1_000)
            .build()) {
      for (long id = 0; id < 5_000; id++) {
        writer.write(groups.newGroup().append("id", id).append("s", "v" + id));
      }
    }
    try (TestNode node =
        TestNode.start(tmp.resolve("quiver-data"))
            .mount("/lake", tmp.resolve("lake"))
            .createTable("j.t", "/lake/t")) {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String option : System.getProperty("quiver.spark.jvmOptions").trim().split("\\s+")) {
        command.add(option);
      }
      command.add("-Xmx1g");
      command.add("-cp");
      command.add(
          String.join(
              File.pathSeparator,
              jar.toString(),
              System.getProperty("quiver.spark.testClasses"),
              sparkClasspath));
      command.add(ShadedJarCheck.class.getName());
      command.add("127.0.0.1:" + node.port());
      Path log = tmp.resolve("check.log");
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      Process p =
          builder
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .redirectOutput(log.toFile())
              .start();
      p.getOutputStream().close();
      boolean finished = p.waitFor(120, TimeUnit.SECONDS);
      if (!finished) {
        p.destroyForcibly();
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertTrue(finished, "the check did not finish within 120 s:\n" + output);
      assertEquals(0, p.exitValue(), output);
      assertTrue(output.contains("rows=5000 filtered=500 sum=45"), output);
      // The connector's classes came from the jar.
      assertTrue(
          output.contains("source=file:") && output.contains(jar.getFileName() + "\n"), output);
    }
  }
}
