package io.quiver.bench.harness;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * DuckDB reading the objects from the S3 store as its {@code httpfs} extension would — which cannot
 * be downloaded on this machine, so the harness does the extension's I/O itself: each run (every
 * run is cold, as DuckDB caches neither objects nor, by default, footers) it fetches through the
 * profile's endpoint, with the AWS SDK v2 and {@value #CONNECTIONS} connections in parallel, each
 * object's footer and the column chunks the query needs ({@link SparseParquetCopies}), into sparse
 * local files; then DuckDB (embedded, default settings) runs the query over those files. The
 * measured time covers the requests, writing the copies (to the page cache) and the query. The
 * copies are deleted after each run.
 */
final class DuckDbS3Contender implements SqlContender {
  /** Parallel requests: more than DuckDB's threads (one per core here) would keep in flight. */
  static final int CONNECTIONS = 8;

  private final BenchEnv env;
  private final Profile profile;
  private final String table;
  private final Path dir;
  private final List<Path> copies = new ArrayList<>();
  private final ExecutorService pool;
  private final S3Client s3;
  private final SparseParquetCopies copier;
  private final Connection duckdb;
  private QueryResult last;

  DuckDbS3Contender(BenchEnv env, Profile profile) throws IOException, SQLException {
    this.env = env;
    this.profile = profile;
    this.table = QuiverNode.table(profile);
    this.dir = Files.createTempDirectory("quiver-bench-duckdb-s3-");
    for (Path f : env.localFiles()) {
      copies.add(dir.resolve(f.getFileName().toString()));
    }
    this.pool = Executors.newFixedThreadPool(CONNECTIONS);
    S3Client client = null;
    Connection db = null;
    try {
      client =
          S3Client.builder()
              .endpointOverride(URI.create(env.endpoint(profile)))
              .region(Region.US_EAST_1)
              .forcePathStyle(true)
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create(env.accessKey(), env.secretKey())))
              .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
              .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
              .httpClientBuilder(ApacheHttpClient.builder().maxConnections(2 * CONNECTIONS))
              .build();
      S3Client c = client;
      this.copier =
          new SparseParquetCopies(
              new SparseParquetCopies.ObjectReader() {
                @Override
                public long length(String key) {
                  return c.headObject(b -> b.bucket(env.bucket()).key(key)).contentLength();
                }

                @Override
                public byte[] read(String key, long offset, int length) {
                  ResponseBytes<GetObjectResponse> bytes =
                      c.getObject(
                          b ->
                              b.bucket(env.bucket())
                                  .key(key)
                                  .range("bytes=" + offset + "-" + (offset + length - 1)),
                          ResponseTransformer.toBytes());
                  return bytes.asByteArrayUnsafe();
                }
              },
              pool);
      // The view is bound once over footer-only copies (unmeasured); every run replaces them.
      copier.copy(env.objectKeys(), copies, List.of(), null);
      db = DuckDb.open();
      DuckDb.createView(db, table, copies);
      deleteCopies();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(db, client);
      throw new IOException("interrupted while fetching footers", e);
    } catch (IOException | SQLException | RuntimeException e) {
      closeQuietly(db, client);
      throw e;
    }
    this.s3 = client;
    this.duckdb = db;
  }

  /** Undoes a failed construction; the original failure is what matters. */
  private void closeQuietly(Connection db, S3Client client) {
    try {
      if (db != null) {
        db.close();
      }
      if (client != null) {
        client.close();
      }
      pool.shutdownNow();
      QuiverNode.deleteRecursively(dir);
    } catch (IOException | SQLException | RuntimeException suppressed) {
      // reported by the caller's exception
    }
  }

  @Override
  public String name() {
    return profile.contenderName("duckdb-s3");
  }

  @Override
  public boolean supports(Workload workload) {
    return workload.isSql();
  }

  @Override
  public RunResult run(Workload w) throws Exception {
    long fetched = copier.copy(env.objectKeys(), copies, w.columns(), w.sql().zoneFilter());
    last = DuckDb.query(duckdb, w.sql().sql(table));
    return RunResult.scan(last.rowCount(), 0, fetched);
  }

  @Override
  public RunResult complete(Workload w, RunResult r) throws IOException {
    deleteCopies(); // the next run starts from nothing, as a cold reader would
    return r;
  }

  private void deleteCopies() throws IOException {
    for (Path p : copies) {
      Files.deleteIfExists(p);
    }
  }

  @Override
  public QueryResult lastResult() {
    return last;
  }

  @Override
  public void close() throws SQLException, IOException {
    try {
      duckdb.close();
      s3.close();
    } finally {
      pool.shutdownNow();
      QuiverNode.deleteRecursively(dir);
    }
  }
}
