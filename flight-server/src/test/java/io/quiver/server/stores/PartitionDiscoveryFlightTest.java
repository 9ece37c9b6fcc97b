package io.quiver.server.stores;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.TestNode;
import io.quiver.server.security.SecurityConfig;
import io.quiver.storage.s3.S3ProxyServer;
import io.quiver.testing.ColumnFiles;
import io.quiver.testing.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightInfo;
import org.jclouds.blobstore.BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query on one partition of a hive-partitioned table on S3 (S3Proxy, which notes every request):
 * cold, it lists only the table's root level and that partition and reads only that partition's
 * footers; warm, its plan asks the store nothing.
 */
class PartitionDiscoveryFlightTest {
  private static final String BUCKET = "lake";

  @TempDir Path tmp;

  private TestNode node(Path data, S3ProxyServer proxy, boolean mount) throws Exception {
    TestNode node =
        TestNode.start(
            data,
            c ->
                c.withSecurity(
                    SecurityConfig.none()
                        .withCredentialSet(
                            "test-s3",
                            Map.of(
                                "access-key-env", "QUIVER_TEST_S3_ACCESS_KEY",
                                "secret-key-env", "QUIVER_TEST_S3_SECRET_KEY"))));
    if (mount) {
      node.action(
          "mount",
          Map.of(
              "path",
              "/s3",
              "uri",
              "s3://" + BUCKET + "/",
              "options",
              Map.of("endpoint", proxy.endpoint().toString(), "credentials", "test-s3")));
      node.createTable("lake.t", "/s3/t");
    }
    return node;
  }

  @Test
  void aColdQueryOnOnePartitionListsAndReadsOnlyThatPartition() throws Exception {
    Path files = Files.createDirectories(tmp.resolve("files"));
    long id = 0;
    for (int year : List.of(2023, 2024, 2025)) {
      for (String region : List.of("eu", "us")) {
        ColumnFiles.file()
            .column("id", "int64", List.of(++id, ++id))
            .write(files.resolve("t/year=" + year + "/region=" + region + "/part-0.parquet"));
      }
    }
    try (S3ProxyServer proxy = S3ProxyServer.startTransient()) {
      proxy.createBucket(BUCKET);
      BlobStore blobs = proxy.blobStore();
      try (var walk = Files.walk(files)) {
        for (Path f : walk.filter(Files::isRegularFile).toList()) {
          String key = files.relativize(f).toString().replace('\\', '/');
          blobs.putBlob(BUCKET, blobs.blobBuilder(key).payload(Files.readAllBytes(f)).build());
        }
      }
      Path data = tmp.resolve("quiver-data");
      node(data, proxy, true).close();

      // A restarted node: nothing listed, no footer known.
      try (TestNode node = node(data, proxy, false)) {
        proxy.clearRequests();
        ScanCommand onePartition =
            ScanCommand.table("lake.t")
                .withFilter(new Filter.Compare("year", Filter.CompareOp.EQ, 2024));
        FlightInfo info = node.plan(onePartition);
        List<String> cold = proxy.requests();
        for (String r : cold) {
          assertTrue(
              r.equals("LIST t/ delimiter=/") || r.contains(" t/year=2024"),
              "a request outside the table's root level and year=2024: " + r + " in " + cold);
        }
        assertTrue(cold.contains("LIST t/ delimiter=/"), cold.toString());
        assertTrue(cold.contains("LIST t/year=2024/ delimiter=/"), cold.toString());
        assertEquals(
            List.of("t/year=2024/region=eu/part-0.parquet", "t/year=2024/region=us/part-0.parquet"),
            cold.stream()
                .filter(r -> r.startsWith("GET "))
                .map(r -> r.substring(4))
                .distinct()
                .sorted()
                .toList(),
            "footers of year=2024's files only");
        assertEquals(2, info.getEndpoints().size());

        proxy.clearRequests();
        FlightInfo warm = node.plan(onePartition);
        assertEquals(List.of(), proxy.requests(), "a warm plan asked the store");
        assertEquals(info.getRecords(), warm.getRecords());

        Table t = node.read(warm);
        assertEquals(List.of(5L, 6L, 7L, 8L), t.column("id"));
        assertEquals(List.of(2024L, 2024L, 2024L, 2024L), t.column("year"));
        // The whole table is still all there for other queries.
        assertEquals(12, node.read(node.plan(ScanCommand.table("lake.t"))).column("id").size());
      }
    }
  }
}
