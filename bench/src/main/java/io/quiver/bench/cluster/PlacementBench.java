package io.quiver.bench.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.bench.data.LineitemGenerator;
import io.quiver.catalog.CatalogState;
import io.quiver.catalog.FileCatalogStore;
import io.quiver.catalog.Mount;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.PartitionType;
import io.quiver.catalog.TableDefinition;
import io.quiver.cluster.PlacementSimulation;
import io.quiver.server.ScanTicket;
import io.quiver.server.TicketSigner;
import io.quiver.storage.Location;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The cluster's side of the benchmark (report only, nothing asserted), the figures {@code
 * docs/CLUSTER.md} plans with:
 *
 * <ul>
 *   <li>rendezvous placement of many keys over 100 and 1,000 virtual members ({@link
 *       PlacementSimulation}): spread (max/mean) and keys moved when one member leaves or joins;
 *   <li>bytes of the catalog per mount and per table, serialized by the catalog's own store ({@link
 *       FileCatalogStore}; compact JSON as well as the file's indented form), against ZooKeeper's
 *       default 1 MB ({@code jute.maxbuffer}) limit;
 *   <li>bytes of a {@code GetFlightInfo} answer per endpoint, with tickets signed by the server's
 *       {@link TicketSigner} and one or two locations per endpoint.
 * </ul>
 *
 * <p>Runs in the caller's JVM; no server or network. Not thread-safe (one run at a time).
 */
public final class PlacementBench {
  /** ZooKeeper's default {@code jute.maxbuffer}: the largest znode and the largest request. */
  public static final int JUTE_MAX_BUFFER = 0xfffff;

  /** Bytes the catalog takes per mount and per table (averaged over {@code count} of each). */
  public record CatalogBytes(
      int count,
      double perMountCompact,
      double perTableCompact,
      double perMountFile,
      double perTableFile) {
    /** How many (mount, table) pairs fit in {@code limit} bytes of compact JSON. */
    public long pairsIn(long limit) {
      return (long) (limit / (perMountCompact + perTableCompact));
    }
  }

  /** Bytes of a serialized FlightInfo of {@code endpoints} endpoints, {@code locations} each. */
  public record FlightInfoBytes(int endpoints, int locations, long bytes, long millis) {
    public double perEndpoint() {
      return (double) bytes / endpoints;
    }
  }

  /** Everything one run measured. */
  public record Result(
      List<PlacementSimulation.Figures> placements,
      CatalogBytes catalog,
      List<FlightInfoBytes> flightInfos) {}

  private final List<Integer> memberCounts;
  private final int keys;
  private final int endpoints;

  /**
   * @param memberCounts virtual cluster sizes to simulate
   * @param keys keys placed in each simulation
   * @param endpoints endpoints of the FlightInfo measured
   */
  public PlacementBench(List<Integer> memberCounts, int keys, int endpoints) {
    this.memberCounts = List.copyOf(memberCounts);
    this.keys = keys;
    this.endpoints = endpoints;
  }

  /** Runs the simulations and measurements. */
  public Result run() throws IOException {
    List<PlacementSimulation.Figures> placements = new ArrayList<>();
    for (int members : memberCounts) {
      placements.add(PlacementSimulation.run(members, keys, 1));
    }
    placements.add(PlacementSimulation.run(memberCounts.get(0), keys, 2));
    CatalogBytes catalog = catalogBytes(1_000);
    List<FlightInfoBytes> infos =
        List.of(flightInfoBytes(endpoints, 1), flightInfoBytes(endpoints, 2));
    return new Result(placements, catalog, infos);
  }

  /** A mount as an operator of a large lake would make it: an S3 prefix with Quiver's options. */
  static Mount mount(int i) {
    return new Mount(
        NamespacePath.of(String.format(Locale.ROOT, "/lake/team_%03d/warehouse", i)),
        Location.of(
            String.format(Locale.ROOT, "s3://corp-lake-prod-eu-west-1/warehouse/team_%03d", i)),
        Map.of(
            "credentials", "lake-prod",
            "region", "eu-west-1",
            "cache-quota", "2t",
            "sync", "interval=5m",
            "roles", "analytics,team_" + i));
  }

  /** A table over a mount's directory, with a declared date partition column. */
  static TableDefinition table(int i) {
    Map<String, PartitionType> partitions = new LinkedHashMap<>();
    partitions.put("dt", PartitionType.DATE);
    return new TableDefinition(
        String.format(Locale.ROOT, "team_%03d.events_%04d", i % 1000, i),
        NamespacePath.of(
            String.format(Locale.ROOT, "/lake/team_%03d/warehouse/events_%04d", i % 1000, i)),
        "parquet",
        partitions);
  }

  /**
   * Serializes catalogs of {@code count} mounts, of {@code count} tables and an empty one through
   * {@link FileCatalogStore} (the catalog's own serialization) and returns the bytes per entry.
   */
  static CatalogBytes catalogBytes(int count) throws IOException {
    List<Mount> mounts = new ArrayList<>();
    List<TableDefinition> tables = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      mounts.add(mount(i));
      tables.add(table(i));
    }
    long[] empty = serializedBytes(CatalogState.EMPTY);
    long[] withMounts = serializedBytes(new CatalogState(mounts, List.of()));
    long[] withTables = serializedBytes(new CatalogState(List.of(), tables));
    return new CatalogBytes(
        count,
        (double) (withMounts[0] - empty[0]) / count,
        (double) (withTables[0] - empty[0]) / count,
        (double) (withMounts[1] - empty[1]) / count,
        (double) (withTables[1] - empty[1]) / count);
  }

  /** {compact JSON bytes, catalog file bytes} of {@code state} as the file store writes it. */
  private static long[] serializedBytes(CatalogState state) throws IOException {
    Path dir = Files.createTempDirectory("quiver-catalog-size");
    try (FileCatalogStore store = new FileCatalogStore(dir)) {
      store.update(0, state);
      byte[] file = Files.readAllBytes(store.file());
      ObjectMapper json = new ObjectMapper();
      byte[] compact = json.writeValueAsBytes(json.readTree(file));
      return new long[] {compact.length, file.length};
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Builds the FlightInfo of a plan of {@code endpoints} endpoints as the planner would (one signed
   * ticket per endpoint: the 16 lineitem columns, one part of up to 4 row groups of a partitioned
   * file) with {@code locations} node locations per endpoint, and serializes it.
   */
  static FlightInfoBytes flightInfoBytes(int endpoints, int locations) {
    long start = System.nanoTime();
    TicketSigner signer = new TicketSigner(Duration.ofHours(1));
    Instant expires = Instant.now().plus(Duration.ofHours(1));
    List<String> columns = LineitemGenerator.COLUMNS;
    List<FlightEndpoint> list = new ArrayList<>(endpoints);
    for (int e = 0; e < endpoints; e++) {
      String key = PlacementSimulation.key(e * 4L);
      String[] parts = key.split("\n", -1);
      String path = "/lake" + parts[0].substring("s3://lake-prod".length());
      String date = path.substring(path.indexOf("dt=") + 3, path.indexOf("dt=") + 13);
      ScanTicket.Part part =
          new ScanTicket.Part(
              path,
              "parquet",
              512L * 1024 * 1024,
              parts[1],
              List.of(0, 1, 2, 3),
              Map.of("dt", date));
      ScanTicket ticket = new ScanTicket(columns, List.of(part), null, "team_042.events", 0);
      org.apache.arrow.flight.Location[] where = new org.apache.arrow.flight.Location[locations];
      for (int l = 0; l < locations; l++) {
        where[l] =
            org.apache.arrow.flight.Location.forGrpcInsecure(
                String.format(
                    Locale.ROOT, "compute-%04d.rack%02d.cluster.internal", (e + l) % 1000, e % 25),
                47470);
      }
      list.add(
          new FlightEndpoint(
              new Ticket(signer.sign(ticket, "analyst@corp", expires)), expires, where));
    }
    List<Field> fields = new ArrayList<>();
    for (String c : columns) {
      fields.add(Field.nullable(c, ArrowType.Utf8.INSTANCE));
    }
    FlightInfo info =
        new FlightInfo(
            new Schema(fields),
            FlightDescriptor.path("team_042", "events"),
            list,
            (long) endpoints * 4 * 128 * 1024 * 1024,
            (long) endpoints * 4 * 1_000_000);
    long bytes = info.serialize().remaining();
    return new FlightInfoBytes(
        endpoints, locations, bytes, (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * The max/mean load a perfectly random placement would show: the busiest of N members holding λ
   * copies on average is about λ + √(2 λ ln N) (the normal approximation of the maximum of N
   * Poisson counts), over λ.
   */
  static double chanceMaxOverMean(PlacementSimulation.Figures f) {
    double lambda = (double) f.keys() * f.replicas() / f.members();
    return 1 + Math.sqrt(2 * Math.log(f.members()) / lambda);
  }

  /** The report's section. */
  public static String markdown(Result r) {
    StringBuilder md = new StringBuilder();
    md.append("## Cluster placement (simulation)\n\n");
    md.append(
        "Rendezvous placement (`io.quiver.cluster.PlacementSimulation`) of row-group keys shaped"
            + " like the server's (`<file>\\n<version>\\n<unit>`) over virtual members; every key"
            + " is placed again after one member leaves and after one joins, and compared. Report"
            + " only; `RendezvousSimulationTest` asserts the 100-member figures.\n\n");
    md.append(
        "| members | keys | copies | max/mean | by chance ≈ | min/mean | moved on leave | 1/N |"
            + " moved from others | moved on join | 1/(N+1) | moved to others | promotions"
            + " checked/failed | seconds |\n");
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
    for (PlacementSimulation.Figures f : r.placements()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %,d | %d | %.4f | %.3f | %.4f | %.5f | %.5f | %d | %.5f | %.5f | %d | %s |"
                  + " %.1f |%n",
              f.members(),
              f.keys(),
              f.replicas(),
              f.maxOverMean(),
              chanceMaxOverMean(f),
              f.minOverMean(),
              f.leaveFraction(),
              f.expectedLeaveFraction(),
              f.leaveMovedFromOthers(),
              f.joinFraction(),
              f.expectedJoinFraction(),
              f.joinMovedToOthers(),
              f.replicas() > 1 ? f.promotionsChecked() + "/" + f.promotionsFailed() : "—",
              f.millis() / 1000.0));
    }
    md.append(
        "\n\"By chance\" is what a perfectly random placement would show for the busiest member"
            + " (the normal approximation 1 + √(2 ln N / copies per member)): with a thousand keys"
            + " per member, counting noise alone puts the busiest member ~10% above the mean; it"
            + " shrinks as keys per member grow.\n");
    CatalogBytes c = r.catalog();
    md.append("\n### Cluster sizes (measured)\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Catalog, serialized by `FileCatalogStore` (averaged over %,d entries of each kind):"
                + " %.0f bytes per mount (an S3 prefix with five options) and %.0f per table (a"
                + " date partition column) as compact JSON; %.0f and %.0f in the file's indented"
                + " form. One ZooKeeper request (`jute.maxbuffer` = %,d bytes by default) holds"
                + " about %,d mount+table pairs of compact JSON.%n%n",
            c.count(),
            c.perMountCompact(),
            c.perTableCompact(),
            c.perMountFile(),
            c.perTableFile(),
            JUTE_MAX_BUFFER,
            c.pairsIn(JUTE_MAX_BUFFER)));
    md.append("| FlightInfo endpoints | locations each | bytes | bytes per endpoint | seconds |\n");
    md.append("|---:|---:|---:|---:|---:|\n");
    for (FlightInfoBytes f : r.flightInfos()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %,d | %d | %,d | %.0f | %.1f |%n",
              f.endpoints(),
              f.locations(),
              f.bytes(),
              f.perEndpoint(),
              f.millis() / 1000.0));
    }
    md.append(
        "\nTickets are signed by the server's `TicketSigner` (16 columns, one file part of 4 row"
            + " groups with its partition value); seconds include signing.\n");
    return md.toString();
  }

  /**
   * {@code PlacementBench [KEYS] [ENDPOINTS]}: the section for 100 and 1,000 members (default
   * 1,000,000 keys, 100,000 endpoints), printed as Markdown.
   */
  public static void main(String[] args) throws IOException {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int endpoints = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    System.out.print(markdown(new PlacementBench(List.of(100, 1_000), keys, endpoints).run()));
  }
}
