package io.quiver.spark;

import io.quiver.client.QuiverClient;
import io.quiver.protocol.Filter;
import io.quiver.protocol.FilterJson;
import io.quiver.protocol.ScanCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.types.StructType;

/**
 * One scan of a Quiver table: planned once on the driver (GetFlightInfo with the projection and the
 * pushed filter), one input partition per Flight endpoint, read in columnar batches. The plan's
 * estimate of the decoded bytes is reported as the scan's size (so small tables are broadcast in
 * joins). Used by Spark from one thread.
 */
final class QuiverScan implements Scan, Batch, SupportsReportStatistics {
  private final QuiverOptions options;
  private final List<Field> columns;
  private final Filter filter;
  private final List<String> sent;
  private FlightInfo plan;

  QuiverScan(QuiverOptions options, Schema arrowSchema, List<Field> columns, Filter filter) {
    this.options = options;
    this.columns = List.copyOf(columns);
    this.filter = filter;
    this.sent =
        columns.isEmpty()
            ? List.of(narrowest(arrowSchema).getName())
            : columns.stream().map(Field::getName).toList();
  }

  /**
   * The column to send when the query needs none (a count): the narrowest fixed-width one; the
   * server needs a projection, and the batches' row counts are what Spark wants.
   */
  private static Field narrowest(Schema schema) {
    Field best = schema.getFields().get(0);
    int bestWidth = Integer.MAX_VALUE;
    for (Field f : schema.getFields()) {
      int width =
          switch (f.getType().getTypeID()) {
            case Bool -> 1;
            case Int -> ((ArrowType.Int) f.getType()).getBitWidth();
            case Date, FloatingPoint, Time -> 32;
            case Timestamp, Decimal -> 64;
            default -> Integer.MAX_VALUE;
          };
      if (width < bestWidth) {
        best = f;
        bestWidth = width;
      }
    }
    return best;
  }

  ScanCommand command() {
    ScanCommand c = options.command().withColumns(sent);
    return filter == null ? c : c.withFilter(filter);
  }

  @Override
  public StructType readSchema() {
    return ArrowToSpark.sparkSchema(new Schema(columns));
  }

  @Override
  public String description() {
    return "QuiverScan "
        + options.target()
        + " columns="
        + columns.stream().map(Field::getName).toList()
        + (filter == null ? "" : " filter=" + FilterJson.toJson(filter));
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  @Override
  public ColumnarSupportMode columnarSupportMode() {
    return ColumnarSupportMode.SUPPORTED;
  }

  /** The plan, asked from the node once. */
  private FlightInfo plan() {
    if (plan == null) {
      try (BufferAllocator allocator = TaskMemory.allocator("quiver-driver-plan", 1L << 20);
          QuiverClient client = options.connect(allocator)) {
        plan = client.info(command());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while closing a Quiver client", e);
      }
    }
    return plan;
  }

  @Override
  public InputPartition[] planInputPartitions() {
    List<FlightEndpoint> endpoints = plan().getEndpoints();
    InputPartition[] partitions = new InputPartition[endpoints.size()];
    for (int i = 0; i < partitions.length; i++) {
      FlightEndpoint e = endpoints.get(i);
      List<String> locations = new ArrayList<>();
      for (Location l : e.getLocations()) {
        locations.add(l.getUri().toString());
      }
      partitions[i] =
          new QuiverPartition(
              i, partitions.length, e.getTicket().getBytes(), locations.toArray(new String[0]));
    }
    return partitions;
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new QuiverReaderFactory(options, columns.stream().map(Field::getName).toList());
  }

  @Override
  public Statistics estimateStatistics() {
    FlightInfo info = plan();
    long bytes = info.getBytes();
    long rows = info.getRecords();
    return new Statistics() {
      @Override
      public OptionalLong sizeInBytes() {
        return bytes >= 0 ? OptionalLong.of(bytes) : OptionalLong.empty();
      }

      @Override
      public OptionalLong numRows() {
        // With a filter the plan counts the rows of the units kept, before rows are filtered.
        return filter == null && rows >= 0 ? OptionalLong.of(rows) : OptionalLong.empty();
      }
    };
  }
}
