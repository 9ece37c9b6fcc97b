package io.quiver.bench.harness;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The Flight clients of one contender: one for scans, and {@code n} more (each its own gRPC
 * channel, like separate client processes) created on first use by the concurrent workload. Owns
 * its allocator; {@link #close()} closes every client, then the allocator (a leak fails there).
 */
final class FlightClients implements AutoCloseable {
  /** Bound on what the harness's clients may hold at once. */
  private static final long CLIENT_MEMORY = 8L << 30;

  private final BufferAllocator allocator;
  private final Location location;
  private final FlightClient main;
  private final List<FlightClient> many = new ArrayList<>();

  FlightClients(int port) {
    this.allocator = new RootAllocator(CLIENT_MEMORY);
    this.location = Location.forGrpcInsecure("127.0.0.1", port);
    this.main = FlightClient.builder(allocator, location).build();
  }

  FlightClient main() {
    return main;
  }

  /** {@code n} separate clients (created once, reused). */
  List<FlightClient> many(int n) {
    while (many.size() < n) {
      many.add(FlightClient.builder(allocator, location).build());
    }
    return many.subList(0, n);
  }

  @Override
  public void close() throws Exception {
    for (FlightClient c : many) {
      c.close();
    }
    main.close();
    allocator.close();
  }
}
