package io.quiver.server.stores;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.server.QuiverServer;
import io.quiver.storage.Location;
import io.quiver.testing.ParquetTestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a test (skipped unless {@code -Dquiver.measure=true}): cold and warm scan
 * throughput of one Parquet file through a Quiver node, per store (local disk, S3Proxy, Azurite,
 * MiniDFSCluster), both decoders. Run with:
 *
 * <pre>
 * mvn -pl flight-server test -Dtest=StoreThroughputReport -Dquiver.measure=true
 * </pre>
 *
 * and read {@code flight-server/target/store-throughput.md}. Medians of three runs; client and
 * server share this JVM; the stores run on loopback (Azurite in its own Node process).
 */
@EnabledIfSystemProperty(named = "quiver.measure", matches = "true")
class StoreThroughputReport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROWS = Integer.getInteger("quiver.measure.rows", 600_000);
  private static final int RUNS = 3;
  private static final List<String> DECODERS =
      io.quiver.format.FormatRegistry.loadInstalled().decoderNames("parquet");

  @TempDir Path tmp;

  private record Run(double seconds, long storageBytes, long arrowBytes, long rows) {}

  @Test
  void measure() throws Exception {
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            Files.createDirectories(tmp.resolve("data")),
            "part-0.parquet",
            CompressionCodecName.SNAPPY,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            ROWS,
            32 << 20,
            7);
    long fileBytes = Files.size(file);
    List<String> lines = new ArrayList<>();
    lines.add("# Cold and warm scans per store");
    lines.add("");
    lines.add(
        "One "
            + (fileBytes >> 20)
            + " MiB Snappy Parquet file (parquet-hadoop, "
            + ROWS
            + " rows, every flat type), all columns; medians of "
            + RUNS
            + " runs; MB/s of the file's bytes (cold) and of Arrow bytes delivered.");
    lines.add("");
    lines.add(
        "| store | decoder | cold s | cold file MB/s | cold Arrow MB/s | warm s | warm Arrow MB/s |");
    lines.add("|---|---|---|---|---|---|---|");
    measureLocal(file, lines);
    StoreFlightTest.Store s3 = S3StoreFlightTest.S3Store.start();
    try {
      measure("S3 (S3Proxy)", s3, file, lines);
    } finally {
      s3.stop();
    }
    StoreFlightTest.Store azure = AzureStoreFlightTest.AzureStore.start();
    try {
      measure("Azure (Azurite)", azure, file, lines);
    } finally {
      azure.stop();
    }
    StoreFlightTest.Store hdfs = HdfsStoreFlightTest.HdfsStore.start(tmp.resolve("hdfs"));
    try {
      measure("HDFS (MiniDFSCluster)", hdfs, file, lines);
    } finally {
      hdfs.stop();
    }
    Path report = Path.of("target", "store-throughput.md");
    Files.write(report, lines);
    lines.forEach(System.out::println);
  }

  private void measureLocal(Path file, List<String> lines) throws Exception {
    for (String decoder : DECODERS) {
      lines.add(
          row(
              "local disk",
              decoder,
              scan(Location.ofLocalPath(file.getParent()).toString(), Map.of(), decoder)));
    }
  }

  private void measure(String name, StoreFlightTest.Store store, Path file, List<String> lines)
      throws Exception {
    store.upload("bench/part-0.parquet", file);
    for (String decoder : DECODERS) {
      lines.add(row(name, decoder, scan(store.uri("bench"), store.options(), decoder)));
    }
  }

  private static String row(String store, String decoder, Run[][] runs) {
    Run cold = median(runs[0]);
    Run warm = median(runs[1]);
    return String.format(
        "| %s | %s | %.2f | %.0f | %.0f | %.2f | %.0f |",
        store,
        decoder,
        cold.seconds(),
        cold.storageBytes() / cold.seconds() / 1e6,
        cold.arrowBytes() / cold.seconds() / 1e6,
        warm.seconds(),
        warm.arrowBytes() / warm.seconds() / 1e6);
  }

  private static Run median(Run[] runs) {
    Run[] sorted = runs.clone();
    Arrays.sort(sorted, (a, b) -> Double.compare(a.seconds(), b.seconds()));
    return sorted[sorted.length / 2];
  }

  /** Runs [cold runs, warm runs] against a fresh node mounting {@code uri}. */
  private Run[][] scan(String uri, Map<String, String> options, String decoder) throws Exception {
    Run[][] runs = new Run[2][RUNS];
    Path dataDir = Files.createTempDirectory(tmp, "node-");
    try (BufferAllocator allocator = new RootAllocator();
        QuiverServer server =
            QuiverServer.start(
                QuiverServer.Config.defaults()
                    .withSecurity(
                        io.quiver.server.security.SecurityConfig.none()
                            .withAllowLocal(
                                java.util.List.of(
                                    java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
                    .withPort(0)
                    .withDataDir(dataDir)
                    .withMemory(2L << 30)
                    .withDecoder(decoder));
        FlightClient client = FlightClient.builder(allocator, server.location()).build()) {
      action(client, "mount", Map.of("path", "/m", "uri", uri, "options", options));
      action(client, "create-table", Map.of("name", "t", "path", "/m"));
      for (int i = 0; i < RUNS; i++) {
        action(client, "cache-free", Map.of());
        runs[0][i] = timedScan(server, client);
        runs[1][i] = timedScan(server, client);
        assertEquals(0, runs[1][i].storageBytes(), "warm scans read nothing");
      }
    }
    return runs;
  }

  private static Run timedScan(QuiverServer server, FlightClient client) throws Exception {
    long storageBefore = server.storageMetrics().bytesRead();
    long start = System.nanoTime();
    FlightInfo info = client.getInfo(FlightDescriptor.path("t"));
    long rows = 0;
    long bytes = 0;
    for (FlightEndpoint e : info.getEndpoints()) {
      try (FlightStream stream = client.getStream(e.getTicket())) {
        VectorSchemaRoot root = stream.getRoot();
        while (stream.next()) {
          rows += root.getRowCount();
          for (FieldVector v : root.getFieldVectors()) {
            bytes += v.getBufferSize();
          }
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(ROWS, rows);
    return new Run(seconds, server.storageMetrics().bytesRead() - storageBefore, bytes, rows);
  }

  private static void action(FlightClient client, String type, Map<String, ?> body)
      throws Exception {
    client.doAction(new Action(type, JSON.writeValueAsBytes(body))).forEachRemaining(r -> {});
  }
}
