package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.protocol.ScanCommand;
import io.quiver.testing.ParquetTestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node stops promptly and frees everything even while a client has stopped reading. */
class ShutdownTest {
  @TempDir Path tmp;

  @Test
  void aStalledClientDoesNotHoldTheShutdown() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake/t"));
    ParquetTestFiles.writeAllTypesWithParquetHadoop(
        lake,
        "big.parquet",
        CompressionCodecName.SNAPPY,
        false,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        60_000, // one row group of tens of MiB in Arrow: far more than the stream's window
        64 << 20,
        1);
    TestNode node = TestNode.start(tmp.resolve("data"), c -> c.withMemory(512L << 20));
    node.mount("/lake", tmp.resolve("lake")).createTable("t.big", "/lake/t");
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient stalled = FlightClient.builder(allocator, node.server().location()).build()) {
      FlightInfo info =
          stalled.getInfo(
              org.apache.arrow.flight.FlightDescriptor.command(
                  ScanCommand.table("t.big").toBytes()));
      // Open the stream, take one batch, then stop reading: the server fills the window and waits.
      FlightStream stream = stalled.getStream(info.getEndpoints().get(0).getTicket());
      assertTrue(stream.next());
      // Wait (with a deadline) until the server has stopped sending: the window is full.
      long sent = -1;
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline) {
        long now = node.stats().path("scans").path("rowsSent").asLong();
        if (now > 0 && now == sent) {
          break;
        }
        sent = now;
        java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
      }
      assertTrue(sent > 0, "the server sent batches before the client stalled");
      long start = System.nanoTime();
      node.close(); // fails if the stream still held cached chunks or buffers
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(millis < 15_000, "shutdown took " + millis + " ms");
      FlightRuntimeException e =
          assertThrows(
              FlightRuntimeException.class,
              () -> {
                while (stream.next()) {
                  // drain what was in flight
                }
              });
      assertTrue(
          e.status().code() == FlightStatusCode.UNAVAILABLE
              || e.status().code() == FlightStatusCode.CANCELLED,
          e.toString());
      try {
        stream.close();
      } catch (Exception ignored) {
        // the call already failed
      }
    }
  }
}
