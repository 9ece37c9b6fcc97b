package io.quiver.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.format.parquet.ParquetFooters;
import io.quiver.format.parquet.RowGroupDecoder;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import io.quiver.storage.local.LocalStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * The "speed of light" contender: a plain Arrow Flight server that decodes every column of the
 * dataset into memory once at start-up (with the same decoder and batch size as Quiver) and then
 * streams those batches, zero-copy, with no cache, catalog or storage in the way. What Quiver warm
 * can at best approach.
 *
 * <p>{@code GetFlightInfo} takes a command {@code {"columns": [...]}} (all when absent) and answers
 * one endpoint per {@link ScanUnits.Unit}, like Quiver. Streams run on their own threads and honour
 * gRPC back-pressure, as Quiver's do.
 *
 * <p>It runs with the node's JVM settings and environment (heap, glibc malloc tuning), so that the
 * two differ only in what the server does. A twin port serves the same producer with a larger Netty
 * write buffer ({@link #TUNED_WRITE_HIGH_WATERMARK}; Netty's default high-water mark is 64 KiB):
 * the report's Wire section measures that knob side by side.
 *
 * <p>Arguments: {@code DATA_DIR BATCH_ROWS [TUNED_WRITE_HIGH_WATERMARK]}; prints {@code SOL READY
 * port=P bytes=B tuned-port=Q} when serving.
 */
public final class SpeedOfLightServer extends NoOpFlightProducer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Bytes a connection of the twin port may queue before it turns unwritable (Netty's default, on
   * the main port: 64 KiB).
   */
  static final int TUNED_WRITE_HIGH_WATERMARK = 4 << 20;

  private final Schema schema;
  private final List<ScanUnits.Unit> units;
  // [file][rowGroup][slice] -> vectors in schema order; owned by this server, never mutated.
  private final List<List<List<List<FieldVector>>>> data;
  private final BufferAllocator streams;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  private SpeedOfLightServer(
      Schema schema,
      List<ScanUnits.Unit> units,
      List<List<List<List<FieldVector>>>> data,
      BufferAllocator streams) {
    this.schema = schema;
    this.units = units;
    this.data = data;
    this.streams = streams;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int batchRows = Integer.parseInt(args[1]);
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
    // Unsafe allocation like Quiver's cache, so both send the same kind of buffers.
    // The whole table lives in memory; the machine's RAM is the only sensible bound.
    long limit =
        ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize();
    BufferAllocator root =
        new RootAllocator(
            RootAllocator.configBuilder()
                .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
                .maxAllocation(limit)
                .build());
    BufferAllocator dataAllocator = root.newChildAllocator("data", 0, limit);
    LocalStorage storage = new LocalStorage();
    List<List<List<List<FieldVector>>>> data = new ArrayList<>();
    Schema schema = null;
    int[] rowGroups = new int[files.size()];
    for (int f = 0; f < files.size(); f++) {
      FileEntry entry = storage.stat(Location.ofLocalPath(files.get(f)));
      List<List<List<FieldVector>>> fileData = new ArrayList<>();
      try (StorageInput input = storage.open(entry)) {
        ParquetMetadata footer = ParquetFooters.read(input);
        List<String> columns =
            footer.getFileMetaData().getSchema().getFields().stream()
                .map(org.apache.parquet.schema.Type::getName)
                .toList();
        rowGroups[f] = footer.getBlocks().size();
        for (int rg = 0; rg < rowGroups[f]; rg++) {
          Map<String, List<FieldVector>> decoded =
              RowGroupDecoder.decode(input, footer, rg, columns, dataAllocator, batchRows);
          int slices = decoded.get(columns.get(0)).size();
          List<List<FieldVector>> rgData = new ArrayList<>();
          for (int i = 0; i < slices; i++) {
            List<FieldVector> slice = new ArrayList<>();
            for (String c : columns) {
              slice.add(decoded.get(c).get(i));
            }
            rgData.add(slice);
          }
          fileData.add(rgData);
          if (schema == null && slices > 0) {
            schema = new Schema(rgData.get(0).stream().map(FieldVector::getField).toList());
          }
        }
      }
      data.add(fileData);
    }
    if (schema == null) {
      throw new IllegalStateException("no rows under " + dir);
    }
    BufferAllocator streams = root.newChildAllocator("streams", 0, limit);
    SpeedOfLightServer producer =
        new SpeedOfLightServer(schema, ScanUnits.plan(rowGroups), data, streams);
    FlightServer server = serve(root, limit, producer, 0);
    // The same producer and data with a larger write buffer: that knob's A/B in one run.
    int watermark = args.length > 2 ? Integer.parseInt(args[2]) : TUNED_WRITE_HIGH_WATERMARK;
    FlightServer twin = serve(root, limit, producer, watermark);
    System.out.println(
        "SOL READY port="
            + server.getPort()
            + " bytes="
            + dataAllocator.getAllocatedMemory()
            + " tuned-port="
            + twin.getPort());
    System.out.flush();
    // Serve until killed; the OS reclaims the memory (this JVM exists only for the benchmark).
    new CountDownLatch(1).await();
  }

  /** A Flight server over {@code producer}; {@code watermark} 0 keeps Netty's write buffer. */
  private static FlightServer serve(
      BufferAllocator root, long limit, SpeedOfLightServer producer, int watermark)
      throws IOException {
    FlightServer.Builder builder =
        FlightServer.builder(
            root.newChildAllocator("flight-" + watermark, 0, limit),
            org.apache.arrow.flight.Location.forGrpcInsecure("127.0.0.1", 0),
            producer);
    if (watermark > 0) {
      builder.transportHint(
          "grpc.builderConsumer",
          (java.util.function.Consumer<io.grpc.netty.NettyServerBuilder>)
              b ->
                  b.withChildOption(
                      io.netty.channel.ChannelOption.WRITE_BUFFER_WATER_MARK,
                      new io.netty.channel.WriteBufferWaterMark(watermark / 2, watermark)));
    }
    return builder.build().start();
  }

  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    List<String> columns = columnsOf(descriptor);
    Schema projected = project(columns);
    List<FlightEndpoint> endpoints = new ArrayList<>();
    for (ScanUnits.Unit u : units) {
      ObjectNode ticket = JSON.createObjectNode();
      ticket.put("file", u.file()).put("rg", u.firstRowGroup()).put("n", u.rowGroups());
      columns.forEach(ticket.putArray("columns")::add);
      endpoints.add(
          new FlightEndpoint(new Ticket(ticket.toString().getBytes(StandardCharsets.UTF_8))));
    }
    return new FlightInfo(projected, descriptor, endpoints, -1, -1);
  }

  private List<String> columnsOf(FlightDescriptor descriptor) {
    List<String> all = schema.getFields().stream().map(Field::getName).toList();
    if (!descriptor.isCommand()) {
      return all;
    }
    try {
      JsonNode cmd = JSON.readTree(descriptor.getCommand());
      if (!cmd.hasNonNull("columns")) {
        return all;
      }
      List<String> columns = new ArrayList<>();
      for (JsonNode c : cmd.get("columns")) {
        if (!all.contains(c.asText())) {
          throw CallStatus.INVALID_ARGUMENT
              .withDescription("unknown column " + c.asText())
              .toRuntimeException();
        }
        columns.add(c.asText());
      }
      return columns;
    } catch (IOException e) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("bad command").toRuntimeException();
    }
  }

  private Schema project(List<String> columns) {
    return new Schema(columns.stream().map(schema::findField).toList());
  }

  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    threads.execute(
        () -> {
          try {
            stream(ticket, listener);
          } catch (RuntimeException e) {
            listener.error(
                CallStatus.INTERNAL.withDescription(String.valueOf(e)).toRuntimeException());
          }
        });
  }

  private void stream(Ticket ticket, ServerStreamListener listener) {
    JsonNode t;
    try {
      t = JSON.readTree(ticket.getBytes());
    } catch (IOException e) {
      listener.error(
          CallStatus.INVALID_ARGUMENT.withDescription("bad ticket").toRuntimeException());
      return;
    }
    List<String> columns = new ArrayList<>();
    t.get("columns").forEach(c -> columns.add(c.asText()));
    List<String> all = schema.getFields().stream().map(Field::getName).toList();
    int[] index = columns.stream().mapToInt(all::indexOf).toArray();
    Schema projected = project(columns);
    BackpressureStrategy backpressure = new BackpressureStrategy.CallbackBackpressureStrategy();
    backpressure.register(listener);
    try (VectorSchemaRoot out = VectorSchemaRoot.create(projected, streams)) {
      listener.setUseZeroCopy(true);
      listener.start(out);
      VectorLoader loader = new VectorLoader(out);
      List<List<List<FieldVector>>> file = data.get(t.get("file").asInt());
      int first = t.get("rg").asInt();
      for (int rg = first; rg < first + t.get("n").asInt(); rg++) {
        for (List<FieldVector> slice : file.get(rg)) {
          if (backpressure.waitForListener(30_000) != BackpressureStrategy.WaitResult.READY) {
            return;
          }
          List<FieldVector> vectors = new ArrayList<>(index.length);
          for (int i : index) {
            vectors.add(slice.get(i));
          }
          // A view over the shared vectors: the unloader retains their buffers; nothing is copied.
          VectorSchemaRoot view =
              new VectorSchemaRoot(projected.getFields(), vectors, slice.get(0).getValueCount());
          try (ArrowRecordBatch batch = new VectorUnloader(view).getRecordBatch()) {
            loader.load(batch);
          }
          listener.putNext();
        }
      }
      listener.completed();
    }
  }
}
