package io.quiver.bench.catalog;

import io.quiver.bench.harness.ObjectStoreMain;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.FileCatalogStore;
import io.quiver.catalog.MetadataCache;
import io.quiver.catalog.NamespaceListing;
import io.quiver.catalog.NamespacePath;
import io.quiver.format.FormatRegistry;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageMetrics;
import io.quiver.storage.StorageRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.jclouds.blobstore.BlobStore;

/**
 * The catalog's side of the benchmark (report only, nothing asserted): through an S3-shaped store
 * (S3Proxy behind a proxy adding a first-byte latency to every response), how a cached {@code ls}
 * of a large prefix compares with listing it from the store, how long a plan of a many-file table
 * takes cold (listing + footers) and warm (kept listing + footer cache: no store call), and a
 * metadata-only {@code mv} of that table against what a store without rename needs (copy + delete
 * of every object).
 *
 * <p>Runs in the harness's JVM (it needs the S3 keys in {@link ObjectStoreMain#ACCESS_VAR} and
 * {@link ObjectStoreMain#SECRET_VAR}); the store is started here over its own directory.
 */
public final class CatalogBench {
  private static final String BUCKET = "catalog";

  /** One measured comparison: median seconds of Quiver and of the alternative. */
  public record Comparison(
      String name,
      String quiverLabel,
      double quiver,
      String otherLabel,
      double other,
      String note) {
    /** How many times faster Quiver's side is. */
    public double speedup() {
      return other / quiver;
    }
  }

  private final Path work;
  private final int objects;
  private final int tableFiles;
  private final int repetitions;
  private final long latencyMillis;
  private final boolean inMemoryStore;

  /**
   * @param objects objects in the prefix listed
   * @param tableFiles files of the table planned and moved
   */
  public CatalogBench(Path work, int objects, int tableFiles, int repetitions, long latencyMillis) {
    this(work, objects, tableFiles, repetitions, latencyMillis, false);
  }

  /**
   * @param inMemoryStore S3Proxy over jclouds' in-memory backend rather than files (see {@link
   *     ObjectStoreMain#start(Path, long, long, String, String, boolean)}): for 100,000 objects
   */
  public CatalogBench(
      Path work,
      int objects,
      int tableFiles,
      int repetitions,
      long latencyMillis,
      boolean inMemoryStore) {
    this.work = work;
    this.objects = objects;
    this.tableFiles = tableFiles;
    this.repetitions = repetitions;
    this.latencyMillis = latencyMillis;
    this.inMemoryStore = inMemoryStore;
  }

  /** Runs every comparison; the store and catalogs are closed again. */
  public List<Comparison> run() throws Exception {
    Path basedir = work.resolve("store");
    Path oneFile = work.resolve("one.parquet");
    writeParquet(oneFile);
    String access = System.getenv(ObjectStoreMain.ACCESS_VAR);
    String secret = System.getenv(ObjectStoreMain.SECRET_VAR);
    if (access == null || secret == null) {
      throw new IllegalStateException(
          "set " + ObjectStoreMain.ACCESS_VAR + " and " + ObjectStoreMain.SECRET_VAR);
    }
    List<Comparison> out = new ArrayList<>();
    try (ObjectStoreMain.Running store =
        ObjectStoreMain.start(basedir, latencyMillis, 0, access, secret, inMemoryStore)) {
      // Through the blob store (not as bare files): it keeps each object's ETag.
      BlobStore blobs = store.context().getBlobStore();
      blobs.createContainerInLocation(null, BUCKET);
      byte[] small = "quiver".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (int i = 0; i < objects; i++) {
        put(blobs, String.format(Locale.ROOT, "many/part-%07d.bin", i), small);
      }
      byte[] parquet = Files.readAllBytes(oneFile);
      for (int i = 0; i < tableFiles; i++) {
        put(blobs, String.format(Locale.ROOT, "table/part-%05d.parquet", i), parquet);
        put(blobs, String.format(Locale.ROOT, "copied/part-%05d.parquet", i), parquet);
      }
      Map<String, String> options =
          Map.of(
              "endpoint",
              "http://127.0.0.1:" + store.shapedPort(),
              "path-style",
              "true",
              "access-key-env",
              ObjectStoreMain.ACCESS_VAR,
              "secret-key-env",
              ObjectStoreMain.SECRET_VAR);
      StorageRegistry registry = StorageRegistry.loadInstalled();
      FormatRegistry formats = FormatRegistry.loadInstalled();
      try (Storage s3 = registry.create(Location.of("s3://" + BUCKET + "/"), options);
          FileCatalogStore catalogStore = new FileCatalogStore(work.resolve("catalog"));
          Catalog catalog = catalog(catalogStore, registry, formats, new StorageMetrics())) {
        catalog.mount(
            NamespacePath.of("/lake"), Location.of("s3://" + BUCKET + "/"), withSync(options));
        out.add(ls(s3, catalog));
        catalog.createTable("t", NamespacePath.of("/lake/table"), "parquet");
        out.add(plan(catalogStore, registry, formats, catalog));
        out.add(move(s3, catalog));
      }
    }
    return out;
  }

  private static Map<String, String> withSync(Map<String, String> options) {
    Map<String, String> m = new java.util.HashMap<>(options);
    m.put("sync", "never");
    return m;
  }

  private static Catalog catalog(
      FileCatalogStore store, StorageRegistry registry, FormatRegistry formats, StorageMetrics m)
      throws IOException {
    return new Catalog(store, registry, formats, m, new MetadataCache(256L << 20));
  }

  private Comparison ls(Storage s3, Catalog catalog) throws Exception {
    Location prefix = Location.of("s3://" + BUCKET + "/many");
    double[] store = new double[repetitions];
    double[] cached = new double[repetitions];
    NamespaceListing listing = new NamespaceListing(catalog);
    lsAll(listing); // the first ls fills the kept listing
    for (int i = 0; i < repetitions; i++) {
      long t0 = System.nanoTime();
      long n;
      try (Stream<FileEntry> entries = s3.list(prefix)) {
        n = entries.count();
      }
      store[i] = seconds(t0);
      check(n);
      t0 = System.nanoTime();
      check(lsAll(listing));
      cached[i] = seconds(t0);
    }
    return new Comparison(
        "ls of " + objects + " objects (all pages of 1,000)",
        "Quiver ls (kept listing)",
        median(cached),
        "S3 LIST",
        median(store),
        latencyMillis + " ms first byte per store response");
  }

  private void check(long n) {
    if (n != objects) {
      throw new IllegalStateException("listed " + n + " objects, expected " + objects);
    }
  }

  private long lsAll(NamespaceListing listing) throws IOException {
    long n = 0;
    String after = null;
    do {
      NamespaceListing.Page page = listing.list(NamespacePath.of("/lake/many"), after, 1_000);
      n += page.entries().size();
      after = page.next();
    } while (after != null);
    return n;
  }

  private Comparison plan(
      FileCatalogStore catalogStore,
      StorageRegistry registry,
      FormatRegistry formats,
      Catalog catalog)
      throws Exception {
    double[] cold = new double[repetitions];
    double[] warm = new double[repetitions];
    for (int i = 0; i < repetitions; i++) {
      // Cold: a node that has seen nothing (no kept listing, no footer).
      try (Catalog fresh = catalog(catalogStore, registry, formats, new StorageMetrics())) {
        long t0 = System.nanoTime();
        int files = fresh.tableDataset("t").files().size();
        cold[i] = seconds(t0);
        if (files != tableFiles) {
          throw new IllegalStateException("planned " + files + " files");
        }
      }
      catalog.tableDataset("t");
      long t0 = System.nanoTime();
      catalog.tableDataset("t");
      warm[i] = seconds(t0);
    }
    return new Comparison(
        "plan of a " + tableFiles + "-file table",
        "warm (no store call)",
        median(warm),
        "cold (LIST + footers)",
        median(cold),
        "");
  }

  private Comparison move(Storage s3, Catalog catalog) throws Exception {
    double[] mv = new double[repetitions];
    for (int i = 0; i < repetitions; i++) {
      String from = i % 2 == 0 ? "/lake/table" : "/lake/moved";
      String to = i % 2 == 0 ? "/lake/moved" : "/lake/table";
      long t0 = System.nanoTime();
      catalog.move(NamespacePath.of(from), NamespacePath.of(to));
      mv[i] = seconds(t0);
    }
    // What a store without rename needs: every object read, written again, deleted (once: it is
    // slow, and it changes the store).
    Location src = Location.of("s3://" + BUCKET + "/copied");
    Location dst = Location.of("s3://" + BUCKET + "/copied-moved");
    long t0 = System.nanoTime();
    List<FileEntry> entries;
    try (Stream<FileEntry> listed = s3.list(src)) {
      entries = listed.toList();
    }
    for (FileEntry e : entries) {
      byte[] bytes;
      try (var in = s3.open(e)) {
        bytes = in.read(0, (int) e.length());
      }
      s3.write(dst.resolve(src.relativize(e.location())), bytes);
      s3.delete(e.location());
    }
    double copy = seconds(t0);
    return new Comparison(
        "mv of a " + tableFiles + "-file table",
        "Quiver mv (metadata only)",
        median(mv),
        "copy + delete in the store",
        copy,
        "");
  }

  private static void put(BlobStore blobs, String key, byte[] bytes) {
    blobs.putBlob(BUCKET, blobs.blobBuilder(key).payload(bytes).build());
  }

  private static void writeParquet(Path file) throws IOException {
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message t { required int64 id; required binary name (STRING); }");
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(schema).build()) {
      SimpleGroupFactory groups = new SimpleGroupFactory(schema);
      for (int i = 0; i < 100; i++) {
        w.write(groups.newGroup().append("id", (long) i).append("name", "row " + i));
      }
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** The comparisons as a Markdown section. */
  public static String markdown(List<Comparison> results) {
    StringBuilder md = new StringBuilder("## Catalog (S3-shaped store)\n\n");
    md.append("| what | Quiver | s | alternative | s | Quiver faster |\n");
    md.append("| --- | --- | ---: | --- | ---: | ---: |\n");
    for (Comparison c : results) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.4f | %s | %.4f | %.1f× |%n",
              c.name(),
              c.quiverLabel(),
              c.quiver(),
              c.otherLabel(),
              c.other(),
              c.speedup()));
    }
    results.stream()
        .filter(c -> !c.note().isEmpty())
        .forEach(c -> md.append("\n").append(c.name()).append(": ").append(c.note()).append(".\n"));
    return md.toString();
  }

  /** {@code CatalogBench WORKDIR [OBJECTS] [TABLE_FILES]}: runs and prints the Markdown. */
  public static void main(String[] args) throws Exception {
    Path work = Path.of(args.length > 0 ? args[0] : "bench/results/catalog");
    int objects = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int files = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
    boolean inMemory = args.length > 3 && args[3].equals("memory");
    System.out.println(markdown(new CatalogBench(work, objects, files, 3, 30, inMemory).run()));
  }
}
