package io.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.server.TestNode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures reach Spark users as clear errors, never as hangs. */
class QuiverSparkFailureTest {
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType("message t { required int64 id; }");

  /** The node the running job's first task stops (local mode: tasks run in this JVM). */
  private static final AtomicReference<TestNode> TO_STOP = new AtomicReference<>();

  private static final AtomicReference<Throwable> STOP_FAILURE = new AtomicReference<>();

  @TempDir Path tmp;

  private void writeTable(Path dir) throws Exception {
    Files.createDirectories(dir);
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("t.parquet")))
            .withType(SCHEMA)
            .withRowGroupRowCountLimit(500)
            .build()) {
      for (long id = 0; id < 4_000; id++) {
        writer.write(groups.newGroup().append("id", id));
      }
    }
  }

  /**
   * The node stops while the job runs (its first task stops it, then reads): the job fails with the
   * connector's message naming the table, the endpoint, the node and UNAVAILABLE.
   */
  @Test
  void aServerStoppedMidJobFailsTheJobWithAClearError() throws Exception {
    writeTable(tmp.resolve("lake/t"));
    TestNode node =
        TestNode.start(tmp.resolve("quiver-data"), c -> c.withRowGroupsPerEndpoint(1))
            .mount("/lake", tmp.resolve("lake"))
            .createTable("f.t", "/lake/t");
    int port = node.port();
    TO_STOP.set(node);
    SparkSession spark = LocalSpark.spark();
    SparkException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () ->
                assertThrows(
                    SparkException.class,
                    () ->
                        spark
                            .read()
                            .format("quiver")
                            .option("server", "127.0.0.1:" + port)
                            .load("f.t")
                            .foreachPartition(
                                (ForeachPartitionFunction<Row>)
                                    rows -> {
                                      if (TaskContext.getPartitionId() == 0) {
                                        stopNode();
                                      }
                                      while (rows.hasNext()) {
                                        rows.next();
                                      }
                                    })));
    // The stop itself went well (the node closes at zero off-heap memory).
    assertNull(STOP_FAILURE.get());
    String message = e.getMessage();
    assertTrue(message.contains("QuiverReadException"), message);
    assertTrue(message.contains("Quiver read of f.t (endpoint "), message);
    assertTrue(message.contains("from 127.0.0.1:" + port), message);
    assertTrue(message.contains("UNAVAILABLE"), message);
  }

  private static void stopNode() {
    TestNode node = TO_STOP.getAndSet(null);
    if (node != null) {
      try {
        node.close();
      } catch (Throwable t) {
        STOP_FAILURE.set(t);
      }
    }
  }

  @Test
  void unknownTablesDeadServersAndBadOptionsFailAtLoad() throws Exception {
    SparkSession spark = LocalSpark.spark();
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    int port = dead;
    FlightRuntimeException down =
        assertThrows(
            FlightRuntimeException.class,
            () -> spark.read().format("quiver").option("server", "127.0.0.1:" + port).load("a.b"));
    assertEquals(FlightStatusCode.UNAVAILABLE, down.status().code());

    writeTable(tmp.resolve("lake/t"));
    try (TestNode node =
        TestNode.start(tmp.resolve("quiver-data")).mount("/lake", tmp.resolve("lake"))) {
      FlightRuntimeException unknown =
          assertThrows(
              FlightRuntimeException.class,
              () ->
                  spark
                      .read()
                      .format("quiver")
                      .option("server", "127.0.0.1:" + node.port())
                      .load("no.such"));
      assertEquals(FlightStatusCode.NOT_FOUND, unknown.status().code());
      assertTrue(unknown.getMessage().contains("no.such"), unknown.getMessage());
    }

    IllegalArgumentException option =
        assertThrows(
            IllegalArgumentException.class,
            () -> spark.read().format("quiver").option("sever", "h:1").load("a.b"));
    assertTrue(option.getMessage().contains("\"sever\""), option.getMessage());
    IllegalArgumentException server =
        assertThrows(
            IllegalArgumentException.class,
            () -> spark.read().format("quiver").option("server", "http://h:1").load("a.b"));
    assertTrue(server.getMessage().contains("Option \"server\""), server.getMessage());
  }
}
