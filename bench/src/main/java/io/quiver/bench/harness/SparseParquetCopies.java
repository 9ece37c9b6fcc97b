package io.quiver.bench.harness;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * Makes local copies of remote Parquet objects holding only the bytes a query needs, so that
 * DuckDB, which cannot reach the object store here (its {@code httpfs} extension cannot be
 * downloaded), reads no more from the store than its {@code httpfs} reader would. Per object: a
 * HEAD for its length, one GET of its last {@value #TAIL_BYTES} bytes (a second if the footer is
 * longer), then one ranged GET per run of adjacent needed column chunks of every row group that the
 * query's zone filter does not rule out ({@link ParquetRanges}). Requests run on the given pool.
 * Every copy is a sparse file of the object's length: the fetched bytes at their offsets, the
 * leading {@code PAR1} magic written locally, zeros (holes) elsewhere — bytes DuckDB never reads
 * for the query, as the result check after every run confirms.
 *
 * <p>Thread-safe if the {@link ObjectReader} is.
 */
final class SparseParquetCopies {
  /** How much of an object's end the first footer request reads (Parquet readers guess so too). */
  static final int TAIL_BYTES = 64 * 1024;

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  /** The store as the copies need it: an object's length, and a range of its bytes. */
  interface ObjectReader {
    long length(String key) throws IOException;

    byte[] read(String key, long offset, int length) throws IOException;
  }

  private final ObjectReader reader;
  private final ExecutorService pool;

  SparseParquetCopies(ObjectReader reader, ExecutorService pool) {
    this.reader = reader;
    this.pool = pool;
  }

  /**
   * Copies what a query reading {@code columns} (none: footers only) with {@code zone} needs of
   * object {@code keys[i]} into the file {@code targets[i]} (replaced). Returns the bytes fetched.
   */
  long copy(List<String> keys, List<Path> targets, List<String> columns, SqlQuery.ZoneFilter zone)
      throws IOException, InterruptedException {
    AtomicLong fetched = new AtomicLong();
    List<FileChannel> channels = new ArrayList<>();
    try {
      for (Path t : targets) {
        channels.add(
            FileChannel.open(
                t,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING));
      }
      List<Callable<ParquetMetadata>> footerTasks = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        String key = keys.get(i);
        FileChannel channel = channels.get(i);
        footerTasks.add(() -> footer(key, channel, fetched));
      }
      List<ParquetMetadata> footers = all(footerTasks);
      List<Callable<Void>> rangeTasks = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        String key = keys.get(i);
        FileChannel channel = channels.get(i);
        for (ParquetRanges.Range r : ParquetRanges.plan(footers.get(i), columns, zone)) {
          rangeTasks.add(
              () -> {
                byte[] bytes = reader.read(key, r.offset(), Math.toIntExact(r.length()));
                fetched.addAndGet(bytes.length);
                write(channel, bytes, r.offset());
                return null;
              });
        }
      }
      all(rangeTasks);
    } finally {
      for (FileChannel c : channels) {
        c.close();
      }
    }
    return fetched.get();
  }

  /** Fetches the object's footer into {@code channel} (at its offset) and parses it. */
  private ParquetMetadata footer(String key, FileChannel channel, AtomicLong fetched)
      throws IOException {
    long length = reader.length(key);
    if (length < 12) {
      throw new IOException(key + " is too short for Parquet (" + length + " bytes)");
    }
    int n = (int) Math.min(TAIL_BYTES, length);
    byte[] tail = reader.read(key, length - n, n);
    fetched.addAndGet(n);
    ByteBuffer end = ByteBuffer.wrap(tail, n - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
    int footerLength = end.getInt();
    if (end.get() != 'P' || end.get() != 'A' || end.get() != 'R' || end.get() != '1') {
      throw new IOException(key + " does not end with Parquet's magic");
    }
    if (footerLength < 0 || footerLength + 8L + MAGIC.length > length) {
      throw new IOException(key + " has a bad footer length " + footerLength);
    }
    write(channel, MAGIC, 0);
    write(channel, tail, length - n);
    byte[] footer = new byte[footerLength];
    int inTail = Math.min(footerLength, n - 8);
    System.arraycopy(tail, n - 8 - inTail, footer, footerLength - inTail, inTail);
    if (inTail < footerLength) {
      long start = length - 8 - footerLength;
      byte[] rest = reader.read(key, start, footerLength - inTail);
      fetched.addAndGet(rest.length);
      write(channel, rest, start);
      System.arraycopy(rest, 0, footer, 0, rest.length);
    }
    return new ParquetMetadataConverter()
        .readParquetMetadata(new ByteArrayInputStream(footer), ParquetMetadataConverter.NO_FILTER);
  }

  private static void write(FileChannel channel, byte[] bytes, long position) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      position += channel.write(b, position);
    }
  }

  private <T> List<T> all(List<Callable<T>> tasks) throws IOException, InterruptedException {
    List<Future<T>> futures = new ArrayList<>();
    try {
      for (Callable<T> t : tasks) {
        futures.add(pool.submit(t));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(cause);
    } finally {
      for (Future<T> f : futures) {
        f.cancel(true);
      }
    }
  }
}
