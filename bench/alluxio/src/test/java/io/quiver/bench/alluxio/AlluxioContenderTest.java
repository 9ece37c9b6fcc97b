package io.quiver.bench.alluxio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the contender end to end in this JVM against an in-process S3Proxy holding two small
 * lineitem files: the real Alluxio master and worker, the S3 under-storage, the {@code alluxio://}
 * Hadoop client and the decoder. Checks the JSON it writes — row counts, Arrow bytes, cold reads
 * fetched from S3 and warm reads served entirely from Alluxio — for short-circuit on and off, and
 * that bad input ends in one clear line and a non-zero exit code with the cluster stopped.
 */
@Tag("long") // run by .ci/run (mvn -Plong), not by mvn verify: see README "Tests"
class AlluxioContenderTest {

  private static final String BUCKET = "bench";
  private static final String PREFIX = "lineitem/sf-tiny/";
  private static final String ACCESS = "test-access";
  private static final String SECRET = "test-secret";
  private static final Map<String, String> ENV = Map.of("AK", ACCESS, "SK", SECRET);
  private static final int ROWS_A = 3_000;
  private static final int ROWS_B = 2_000;

  @TempDir static Path dir;
  private static BlobStoreContext blobs;
  private static S3Proxy s3;
  private static String endpoint;

  @BeforeAll
  static void startS3() throws Exception {
    Properties props = new Properties();
    blobs =
        ContextBuilder.newBuilder("transient")
            .credentials("unused", "unused")
            .overrides(props)
            .build(BlobStoreContext.class);
    BlobStore store = blobs.getBlobStore();
    store.createContainerInLocation(null, BUCKET);
    Path a = dir.resolve("part-0.parquet");
    Path b = dir.resolve("part-1.parquet");
    TestLineitem.write(a, 0, ROWS_A);
    TestLineitem.write(b, ROWS_A, ROWS_B);
    for (Path p : List.of(a, b)) {
      byte[] bytes = Files.readAllBytes(p);
      store.putBlob(
          BUCKET,
          store
              .blobBuilder(PREFIX + p.getFileName())
              .payload(bytes)
              .contentLength(bytes.length)
              .build());
    }
    // Not Parquet, must be ignored.
    store.putBlob(BUCKET, store.blobBuilder(PREFIX + "_SUCCESS").payload(new byte[0]).build());
    s3 =
        S3Proxy.builder()
            .blobStore(store)
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
            .endpoint(URI.create("http://127.0.0.1:0"))
            .build();
    s3.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!AbstractLifeCycle.STARTED.equals(s3.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // poll interval
    }
    endpoint = "http://127.0.0.1:" + s3.getPort();
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.stop();
    }
    if (blobs != null) {
      blobs.close();
    }
  }

  private static List<String> args(Path out, boolean shortCircuit, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--s3-endpoint",
                endpoint,
                "--bucket",
                BUCKET,
                "--prefix",
                PREFIX,
                "--access-key-env",
                "AK",
                "--secret-key-env",
                "SK",
                "--work-dir",
                dir.resolve("work-" + shortCircuit).toString(),
                "--short-circuit",
                Boolean.toString(shortCircuit),
                "--repetitions",
                "1",
                "--batch-rows",
                "1000",
                "--out",
                out.toString()));
    a.addAll(List.of(extra));
    return a;
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void coldAndWarmReadsThroughAlluxio(boolean shortCircuit) throws Exception {
    List<Path> memBefore = memTierDirs();
    Path out = dir.resolve("result-" + shortCircuit + ".json");
    int code =
        AlluxioContender.run(
            ENV::get,
            args(
                    out,
                    shortCircuit,
                    "--workload",
                    "full=",
                    "--workload",
                    "proj1=l_extendedprice",
                    "--workload",
                    "proj4=l_orderkey,l_quantity,l_extendedprice,l_shipdate",
                    "--concurrent-clients",
                    "4",
                    "--concurrent-column",
                    "l_extendedprice")
                .toArray(String[]::new));
    assertEquals(0, code);
    System.out.println(Files.readString(out));

    ContenderReport report = ContenderReport.read(out);
    assertEquals("alluxio", report.contender());
    assertEquals(shortCircuit, report.shortCircuit());
    assertEquals("2.9.4", report.alluxioVersion());
    assertTrue(report.startSeconds() > 0);
    assertEquals(2, report.files());
    assertEquals(ROWS_A + ROWS_B, report.rowsInFiles());
    assertTrue(report.serverHeapBytes() > 0);
    assertTrue(report.notes().stream().anyMatch(n -> n.contains("share this JVM")));
    assertEquals(3 * 2, report.results().size(), "3 workloads x (cold, warm) x 1 repetition");

    for (ContenderReport.Result r : report.results()) {
      String what = r.workload() + "/" + r.phase();
      assertEquals(ROWS_A + ROWS_B, r.rows(), what);
      assertTrue(r.arrowBytes() > 0, what);
      assertTrue(r.wallNanos() > 0 && r.cpuNanos() > 0, what);
      if (r.phase().equals("cold")) {
        assertEquals(0, r.cachedPercentBefore(), what + ": nothing cached before a cold read");
        assertTrue(r.ufsBytes() > 0, what + ": a cold read fetches from S3");
      } else {
        assertEquals("warm", r.phase());
        assertEquals(100, r.cachedPercentBefore(), what + ": fully cached before a warm read");
        assertEquals(0, r.ufsBytes(), what + ": a warm read is served from Alluxio alone");
        if (shortCircuit) {
          assertTrue(r.shortCircuitBytes() > 0, what + ": read the worker's block files directly");
        } else {
          assertEquals(0, r.shortCircuitBytes(), what + ": streamed over gRPC");
        }
      }
    }
    long fullBytes = bytesOf(report, "full");
    long proj1Bytes = bytesOf(report, "proj1");
    assertTrue(proj1Bytes < fullBytes, "one column decodes to fewer bytes than all");
    // One DECIMAL(15,2) column: 16 bytes a value plus a validity bit.
    assertTrue(proj1Bytes >= 16L * (ROWS_A + ROWS_B), "proj1 arrowBytes " + proj1Bytes);

    ContenderReport.Concurrent c = report.concurrent();
    assertNotNull(c);
    assertEquals(4, c.clients());
    assertEquals(4, c.requests());
    assertEquals(4, c.latencyNanos().size());
    assertTrue(c.latencyNanos().stream().allMatch(l -> l > 0));
    assertTrue(c.wallNanos() > 0 && c.rows() > 0 && c.arrowBytes() > 0);
    assertClusterStopped(memBefore);
  }

  private static long bytesOf(ContenderReport report, String workload) {
    return report.results().stream()
        .filter(r -> r.workload().equals(workload) && r.phase().equals("warm"))
        .findFirst()
        .orElseThrow()
        .arrowBytes();
  }

  @Test
  void unknownColumnFailsWithOneLineAndStopsTheCluster() throws Exception {
    List<Path> memBefore = memTierDirs();
    Path out = dir.resolve("bad-column.json");
    String err =
        stderrOf(
            () ->
                assertEquals(
                    1,
                    AlluxioContender.run(
                        ENV::get,
                        args(out, true, "--workload", "bad=l_nope").toArray(String[]::new))));
    assertTrue(err.contains("l_nope") && err.contains("part-0.parquet"), err);
    assertTrue(Files.notExists(out));
    assertClusterStopped(memBefore);
  }

  /** MEM tier directories in /dev/shm (others' runs may leave theirs; only new ones count). */
  private static List<Path> memTierDirs() throws IOException {
    if (!Files.isDirectory(Path.of("/dev/shm"))) {
      return List.of();
    }
    try (var shm = Files.list(Path.of("/dev/shm"))) {
      return shm.filter(p -> p.getFileName().toString().startsWith("quiver-alluxio-mem-")).toList();
    }
  }

  /** No master or worker thread left running and no MEM tier directory beyond {@code before}. */
  private static void assertClusterStopped(List<Path> before) throws Exception {
    List<String> alive =
        Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .map(Thread::getName)
            .filter(n -> n.startsWith("MasterThread-") || n.startsWith("WorkerThread-"))
            .toList();
    assertTrue(alive.isEmpty(), "still running: " + alive);
    List<Path> left = new ArrayList<>(memTierDirs());
    left.removeAll(before);
    assertTrue(left.isEmpty(), "MEM tier left behind: " + left);
  }

  @Test
  void badArgumentsAndMissingDataFailClearly() throws Exception {
    Path out = dir.resolve("never.json");
    String missingEnv =
        stderrOf(
            () ->
                assertNotEquals(
                    0,
                    AlluxioContender.run(
                        name -> null,
                        args(out, true, "--workload", "full=").toArray(String[]::new))));
    assertTrue(missingEnv.contains("AK"), missingEnv);

    String noData =
        stderrOf(
            () -> {
              List<String> a = args(out, true, "--workload", "full=");
              a.set(a.indexOf(PREFIX), "nothing/here/");
              assertEquals(1, AlluxioContender.run(ENV::get, a.toArray(String[]::new)));
            });
    assertTrue(noData.contains("no .parquet objects"), noData);

    String badWorkload =
        stderrOf(
            () ->
                assertEquals(
                    2,
                    AlluxioContender.run(
                        ENV::get, args(out, true, "--workload", "oops").toArray(String[]::new))));
    assertTrue(badWorkload.contains("name=col1,col2"), badWorkload);
    assertTrue(Files.notExists(out));
  }

  /** Captures what the contender prints on stderr (picocli's err writer is System.err). */
  private static String stderrOf(ThrowingRunnable body) throws Exception {
    PrintStream saved = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(saved);
    }
    String s = buf.toString(StandardCharsets.UTF_8);
    saved.print(s);
    return s;
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
