package io.quiver.spark;

import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/** Creates the columnar reader of each partition on the executors. Immutable, serializable. */
final class QuiverReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;

  private final QuiverOptions options;
  private final List<String> columns;

  /**
   * @param columns the columns of Spark's batches, in order (maybe none: a count)
   */
  QuiverReaderFactory(QuiverOptions options, List<String> columns) {
    this.options = options;
    this.columns = List.copyOf(columns);
  }

  @Override
  public boolean supportColumnarReads(InputPartition partition) {
    return true;
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    return new QuiverPartitionReader(options, (QuiverPartition) partition, columns);
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    throw new UnsupportedOperationException("Quiver partitions are read in columnar batches only");
  }
}
