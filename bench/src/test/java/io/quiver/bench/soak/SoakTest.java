package io.quiver.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.bench.data.LineitemGenerator;
import io.quiver.bench.data.ProgressListener;
import io.quiver.client.QuiverClient;
import io.quiver.server.QuiverServer;
import io.quiver.server.security.SecurityConfig;
import io.quiver.storage.Location;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The soak's short version: mixed load from several clients, no errors, memory bounded. */
@Tag("long") // run by .ci/run (mvn -Plong), not by mvn verify: see README "Tests"
class SoakTest {
  @TempDir Path tmp;

  @Test
  void mixedLoadRunsWithoutErrorsAndWithinTheCache() throws Exception {
    Path data = tmp.resolve("lineitem");
    LineitemGenerator.write(
        data,
        LineitemGenerator.Options.builder()
            .rows(60_000)
            .files(2)
            .codec(CompressionCodecName.SNAPPY)
            .rowGroupSizeBytes(1L << 20)
            .build(),
        ProgressListener.NONE);
    long capacity = 128L << 20;
    try (QuiverServer server =
        QuiverServer.start(
            QuiverServer.Config.defaults()
                .withPort(0)
                .withDataDir(tmp.resolve("node"))
                .withMemory(capacity)
                .withBatchRows(8192)
                .withSecurity(SecurityConfig.none().withAllowLocal(List.of(data))))) {
      try (QuiverClient admin = QuiverClient.connect("127.0.0.1", server.port())) {
        admin.mount("/li", Location.ofLocalPath(data).toString(), java.util.Map.of());
        admin.createTable("bench.li", "/li", "parquet");
      }
      Soak.Result r =
          new Soak("127.0.0.1", server.port(), "bench.li", LineitemGenerator.COLUMNS, "l_orderkey")
              .run(4, Duration.ofSeconds(15), Duration.ofSeconds(1), () -> -1);
      assertEquals(0, r.totalErrors(), "errors: " + r.errors());
      assertTrue(
          r.operationsByKind().keySet().containsAll(List.of("scan", "sql", "cache", "stats")),
          r.operationsByKind().toString());
      assertTrue(r.samples().size() >= 10, "samples: " + r.samples().size());
      for (Soak.Sample s : r.samples()) {
        assertTrue(
            s.offHeapBytes() <= server.allocator().getLimit(),
            "off-heap within the node's budget: " + s);
      }
      assertTrue(server.cache().stats().bytes() <= capacity);
    }
  }
}
