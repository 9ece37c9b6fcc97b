package io.quiver.bench.alluxio;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.util.HadoopStreams;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} over a given Hadoop {@link FileSystem} instance.
 *
 * <p>parquet-hadoop's own {@code HadoopInputFile.fromPath} goes through Hadoop's process-wide
 * FileSystem cache, which would hand a later run in the same JVM (the tests run the contender
 * twice) a client still bound to a stopped Alluxio cluster. This one uses the instance it is given,
 * which the caller owns and closes. The length is taken once, from the listing.
 *
 * <p>Thread-safe: each {@link #newStream()} opens an independent stream.
 */
final class HadoopFsInputFile implements InputFile {
  private final FileSystem fs;
  private final Path path;
  private final long length;

  HadoopFsInputFile(FileSystem fs, Path path, long length) {
    this.fs = fs;
    this.path = path;
    this.length = length;
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    return HadoopStreams.wrap(fs.open(path));
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
