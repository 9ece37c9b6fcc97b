package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.bench.data.LineitemGenerator;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DuckDB over the sparse copies gives the same answers as over the whole files, while the copies
 * fetched only footers and the needed column chunks of the row groups the zone filter keeps.
 */
class SparseParquetCopiesTest {
  private static final String TABLE = "bench.loopback";

  @TempDir Path tmp;

  /** Local files as the "store", counting requests. */
  private static final class LocalReader implements SparseParquetCopies.ObjectReader {
    final Path dir;
    final AtomicInteger requests = new AtomicInteger();

    LocalReader(Path dir) {
      this.dir = dir;
    }

    @Override
    public long length(String key) throws IOException {
      requests.incrementAndGet();
      return Files.size(dir.resolve(key));
    }

    @Override
    public byte[] read(String key, long offset, int length) throws IOException {
      requests.incrementAndGet();
      try (RandomAccessFile f = new RandomAccessFile(dir.resolve(key).toFile(), "r")) {
        byte[] b = new byte[length];
        f.seek(offset);
        f.readFully(b);
        return b;
      }
    }
  }

  @Test
  void duckDbAnswersFromTheCopiesAsFromTheFiles() throws Exception {
    List<Path> files = SqlWorkloadsTest.write(tmp.resolve("data"), true);
    List<String> keys = files.stream().map(f -> f.getFileName().toString()).toList();
    List<Path> copies = new ArrayList<>();
    for (String k : keys) {
      copies.add(tmp.resolve("copy-" + k));
    }
    long total = 0;
    int rowGroups = 0;
    for (Path f : files) {
      total += Files.size(f);
      rowGroups += footer(f).getBlocks().size();
    }
    assertTrue(rowGroups >= 4, "several row groups to prune: " + rowGroups);
    LocalReader reader = new LocalReader(tmp.resolve("data"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Connection whole = DuckDb.open();
        Connection sparse = DuckDb.open()) {
      SparseParquetCopies copier = new SparseParquetCopies(reader, pool);
      DuckDb.createView(whole, TABLE, files);
      assertTrue(copier.copy(keys, copies, List.of(), null) > 0);
      DuckDb.createView(sparse, TABLE, copies);
      long[] range = SqlWorkloads.onePercentRange(whole, TABLE, "l_shipdate");
      long fetchedFilter = 0;
      long fetchedBaseline = 0;
      for (SqlQuery q : SqlWorkloads.all("l_shipdate", range[0], range[1])) {
        int before = reader.requests.get();
        long fetched =
            copier.copy(keys, copies, q.columns(LineitemGenerator.COLUMNS), q.zoneFilter());
        int requests = reader.requests.get() - before;
        assertTrue(fetched < total, q.name() + " fetched " + fetched + " of " + total);
        assertTrue(requests >= 2 * keys.size(), "a HEAD and a tail per object: " + requests);
        for (Path c : copies) {
          assertEquals(Files.size(files.get(copies.indexOf(c))), Files.size(c), "same length");
        }
        QueryResult want = DuckDb.query(whole, q.sql(TABLE));
        assertTrue(want.rowCount() > 0, q.name());
        assertNull(want.difference(DuckDb.query(sparse, q.sql(TABLE)), q.ordered()), q.name());
        if (q.name().equals(SqlWorkloads.FILTER)) {
          fetchedFilter = fetched;
        } else if (q.name().equals(SqlWorkloads.FILTER_NO_PUSHDOWN)) {
          fetchedBaseline = fetched;
        }
      }
      assertTrue(
          fetchedFilter * 2 < fetchedBaseline,
          "zone filter skips row groups: " + fetchedFilter + " vs " + fetchedBaseline);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void rangesCoverTheColumnsOfTheKeptRowGroupsMergingNeighbours() throws Exception {
    Path f = SqlWorkloadsTest.write(tmp.resolve("d"), true).get(0);
    ParquetMetadata footer = footer(f);
    // Adjacent columns 4..7 (quantity, extendedprice, discount, tax) are one range per row group.
    List<ParquetRanges.Range> four =
        ParquetRanges.plan(
            footer, List.of("l_quantity", "l_extendedprice", "l_discount", "l_tax"), null);
    assertEquals(footer.getBlocks().size(), four.size());
    long sum = 0;
    for (var block : footer.getBlocks()) {
      for (int c = 4; c < 8; c++) {
        sum += block.getColumns().get(c).getTotalSize();
      }
    }
    assertEquals(sum, four.stream().mapToLong(ParquetRanges.Range::length).sum());
    // Two columns apart are two ranges per row group.
    assertEquals(
        2 * footer.getBlocks().size(),
        ParquetRanges.plan(footer, List.of("l_orderkey", "l_shipdate"), null).size());
    // A range no row group's ship dates reach keeps none.
    assertEquals(
        0,
        ParquetRanges.plan(
                footer, List.of("l_shipdate"), new SqlQuery.ZoneFilter("l_shipdate", 0, 10))
            .size());
  }

  private static ParquetMetadata footer(Path f) throws IOException {
    try (ParquetFileReader r =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(f.toUri()),
                new org.apache.hadoop.conf.Configuration()))) {
      return r.getFooter();
    }
  }
}
