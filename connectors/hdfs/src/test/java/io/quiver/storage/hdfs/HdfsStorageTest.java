package io.quiver.storage.hdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.StorageRegistry;
import io.quiver.storage.StorageUnavailableException;
import io.quiver.storage.VersionChangedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HDFS-specific behaviour of {@link HdfsStorage} against a real HDFS (MiniDFSCluster). */
class HdfsStorageTest {
  @TempDir static Path baseDir;
  private static MiniHdfs hdfs;
  private static HdfsStorage storage;

  @BeforeAll
  static void startCluster() throws Exception {
    hdfs = MiniHdfs.start(baseDir);
    storage = new HdfsStorage(MiniHdfs.OPTIONS);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (storage != null) {
        storage.close();
      }
    } finally {
      if (hdfs != null) {
        hdfs.close();
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void createEmpty(DistributedFileSystem fs, Location location) throws IOException {
    fs.create(MiniHdfs.path(location), false).close();
  }

  // --- listing ---------------------------------------------------------------------------------

  @Test
  void listsThousandsOfNestedFilesLazilyOnePagePerDirectory() throws Exception {
    // /many/t{0..2}/s{0..9}/f{000..099} (3000 files in 33 directories) and /many/wide with 250
    // files: three pages of MiniHdfs.LISTING_PAGE (100).
    Location many = hdfs.location("/many");
    DistributedFileSystem admin = hdfs.admin();
    Set<Location> expected = new HashSet<>();
    for (int t = 0; t < 3; t++) {
      for (int s = 0; s < 10; s++) {
        for (int f = 0; f < 100; f++) {
          expected.add(many.resolve(String.format("t%d/s%d/f%03d", t, s, f)));
        }
      }
    }
    for (int f = 0; f < 250; f++) {
      expected.add(many.resolve(String.format("wide/w%03d", f)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> creates = new ArrayList<>();
      for (Location file : expected) {
        creates.add(
            pool.submit(
                () -> {
                  createEmpty(admin, file);
                  return null;
                }));
      }
      for (Future<?> create : creates) {
        create.get();
      }
    } finally {
      pool.shutdown();
    }
    int directories = 1 + 3 + 30 + 1;
    int extraPages = 2; // /many/wide: 100 + 100 + 50

    long before = hdfs.listingCalls();
    try (Stream<FileEntry> listing = storage.list(many)) {
      // Only the first page of /many itself has been read.
      assertEquals(1, hdfs.listingCalls() - before);
      Iterator<FileEntry> it = listing.iterator();
      for (int i = 0; i < 5; i++) {
        assertEquals(0, it.next().length());
      }
      // Depth first: /many, /many/t0, /many/t0/s0 — one page each, nothing else.
      assertEquals(3, hdfs.listingCalls() - before);
    }

    before = hdfs.listingCalls();
    Set<Location> listed;
    try (Stream<FileEntry> listing = storage.list(many)) {
      listed = listing.map(FileEntry::location).collect(Collectors.toSet());
    }
    assertEquals(expected, listed);
    assertEquals(directories + extraPages, hdfs.listingCalls() - before);

    // A prefix naming one file lists that file.
    Location one = many.resolve("t1/s2/f003");
    try (Stream<FileEntry> listing = storage.list(one)) {
      assertEquals(List.of(one), listing.map(FileEntry::location).toList());
    }
  }

  @Test
  void listingSkipsDirectoriesDeletedWhileListing() throws Exception {
    Location root = hdfs.location("/vanishing");
    DistributedFileSystem admin = hdfs.admin();
    createEmpty(admin, root.resolve("a/keep.bin"));
    createEmpty(admin, root.resolve("b/gone.bin"));
    try (Stream<FileEntry> listing = storage.list(root)) {
      Iterator<FileEntry> it = listing.iterator();
      assertEquals(root.resolve("a/keep.bin"), it.next().location());
      admin.delete(MiniHdfs.path(root.resolve("b")), true);
      assertFalse(it.hasNext());
    }
  }

  // --- reads -----------------------------------------------------------------------------------

  @Test
  void positionalReadsAtRandomOffsetsReturnExactlyTheBytesWritten() throws Exception {
    int blockSize = 1 << 20; // the NameNode's minimum
    byte[] data = new byte[3 * blockSize + 123_457];
    Random random = new Random(42);
    random.nextBytes(data);
    Location file = hdfs.location("/reads/data.bin");
    // Small blocks so that reads cross block (and DataNode read) boundaries.
    try (HdfsStorage small =
        new HdfsStorage(
            Map.of("hadoop.dfs.blocksize", "" + blockSize, "hadoop.dfs.replication", "1"))) {
      small.write(file, data);
    }
    assertEquals(blockSize, hdfs.admin().getFileStatus(MiniHdfs.path(file)).getBlockSize());

    FileEntry entry = storage.stat(file);
    assertEquals(data.length, entry.length());
    try (StorageInput in = storage.open(entry)) {
      long fileInfoBefore = hdfs.fileInfoCalls();
      int reads = 0;
      for (int i = 0; i < 200; i++) {
        int length = random.nextInt(256 * 1024);
        int position = random.nextInt(data.length - length + 1);
        assertRange(data, in, position, length);
        reads++;
      }
      for (int boundary = blockSize; boundary < data.length; boundary += blockSize) {
        assertRange(data, in, boundary - 7, 14);
        reads++;
      }
      assertRange(data, in, 0, data.length);
      assertRange(data, in, data.length, 0);
      reads += 2;
      // The cost of the version check: one getFileInfo per read.
      assertEquals(reads, hdfs.fileInfoCalls() - fileInfoBefore);
      assertArrayEquals(Arrays.copyOfRange(data, data.length - 100, data.length), in.readTail(100));
      assertThrows(java.io.EOFException.class, () -> in.read(data.length - 10, 11));
      assertThrows(java.io.EOFException.class, () -> in.read(-1, 1));
    }
  }

  @Test
  void concurrentPositionalReadsOnOneInput() throws Exception {
    byte[] data = new byte[2_000_000];
    new Random(7).nextBytes(data);
    Location file = hdfs.location("/reads/concurrent.bin");
    storage.write(file, data);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (StorageInput in = storage.open(storage.stat(file))) {
      List<Future<?>> readers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long seed = t;
        readers.add(
            pool.submit(
                () -> {
                  Random random = new Random(seed);
                  for (int i = 0; i < 40; i++) {
                    int length = random.nextInt(100_000);
                    int position = random.nextInt(data.length - length + 1);
                    assertRange(data, in, position, length);
                  }
                  return null;
                }));
      }
      for (Future<?> reader : readers) {
        reader.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static void assertRange(byte[] data, StorageInput in, int position, int length)
      throws IOException {
    assertArrayEquals(
        Arrays.copyOfRange(data, position, position + length),
        in.read(position, length),
        "bytes at " + position + "+" + length);
  }

  @Test
  void appendOrDeleteDuringReadIsDetected() throws Exception {
    Location file = hdfs.location("/reads/appended.bin");
    storage.write(file, new byte[100]);
    FileEntry entry = storage.stat(file);
    try (StorageInput in = storage.open(entry)) {
      in.read(0, 10);
      // An append keeps the file (same inode, same blocks): only the version check notices.
      try (FSDataOutputStream out = hdfs.admin().append(MiniHdfs.path(file))) {
        out.write(new byte[10]);
      }
      assertThrows(VersionChangedException.class, () -> in.read(10, 10));
      storage.delete(file);
      assertThrows(FileNotFoundException.class, () -> in.read(10, 10));
    }
  }

  // --- writes and deletes ----------------------------------------------------------------------

  @Test
  void writeReplacesWholeObjectAndLeavesNoTemporaryFile() throws Exception {
    Location dir = hdfs.location("/writes/deep/er");
    Location file = dir.resolve("x.bin");
    storage.write(file, bytes("first"));
    storage.write(file, bytes("second, longer"));
    try (Stream<FileEntry> listing = storage.list(hdfs.location("/writes"))) {
      List<FileEntry> entries = listing.toList();
      assertEquals(List.of(file), entries.stream().map(FileEntry::location).toList());
      try (StorageInput in = storage.open(entries.get(0))) {
        assertArrayEquals(bytes("second, longer"), in.readTail(100));
      }
    }
    storage.delete(file);
    storage.delete(file);
    assertFalse(storage.exists(file));
    assertTrue(storage.exists(dir), "directories stay");
    assertThrows(FileNotFoundException.class, () -> storage.stat(dir));
  }

  // --- failures --------------------------------------------------------------------------------

  @Test
  void refusedConnectionToNameNodeIsUnavailable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String nameNode = "hdfs://127.0.0.1:" + port;
    Location location = Location.of(nameNode + "/data/x.parquet");
    try (HdfsStorage unreachable = new HdfsStorage(Map.of())) {
      // A generous bound, not a timing assertion: the non-HA NameNode proxy tries to connect once.
      StorageUnavailableException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60),
              () ->
                  assertThrows(
                      StorageUnavailableException.class, () -> unreachable.stat(location)));
      assertTrue(e.getMessage().contains(nameNode), e.getMessage());
      assertInstanceOf(java.net.ConnectException.class, e.getCause());
      assertTimeoutPreemptively(
          Duration.ofSeconds(60),
          () -> assertThrows(StorageUnavailableException.class, () -> unreachable.list(location)));
    }
  }

  @Test
  void nameNodeThatNeverAnswersFailsTheCallAfterTheRpcTimeout() throws Exception {
    // The kernel completes the connection (backlog) but nobody ever reads or answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        HdfsStorage impatient =
            new HdfsStorage(Map.of("hadoop.ipc.client.rpc-timeout.ms", "1500"))) {
      String nameNode = "hdfs://127.0.0.1:" + silent.getLocalPort();
      StorageUnavailableException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60),
              () ->
                  assertThrows(
                      StorageUnavailableException.class,
                      () -> impatient.stat(Location.of(nameNode + "/x"))));
      assertTrue(e.getMessage().contains(nameNode), e.getMessage());
      assertInstanceOf(java.net.SocketTimeoutException.class, e.getCause());
    }
  }

  @Test
  void permissionDeniedIsAccessDenied() throws Exception {
    DistributedFileSystem admin = hdfs.admin();
    Location shared = hdfs.location("/perm");
    Location secretDir = shared.resolve("secret");
    storage.write(shared.resolve("public/a.bin"), bytes("everyone's"));
    Location secret = secretDir.resolve("data.bin");
    storage.write(secret, bytes("alice's"));
    admin.setOwner(MiniHdfs.path(secretDir), "alice", null);
    admin.setPermission(MiniHdfs.path(secretDir), new FsPermission((short) 0700));
    Location bobsDir = hdfs.location("/home/bob");
    admin.mkdirs(MiniHdfs.path(bobsDir));
    admin.setOwner(MiniHdfs.path(bobsDir), "bob", null);
    FileEntry entry = storage.stat(secret); // as the superuser

    try (HdfsStorage bob = new HdfsStorage(Map.of("user", "bob", "hadoop.dfs.replication", "1"))) {
      assertEquals("bob", bob.user());
      AccessDeniedException denied =
          assertThrows(AccessDeniedException.class, () -> bob.stat(secret));
      assertEquals(secret.toString(), denied.getFile());
      assertTrue(denied.getMessage().contains("Permission denied"), denied.getMessage());
      assertThrows(AccessDeniedException.class, () -> bob.exists(secret));
      assertThrows(AccessDeniedException.class, () -> bob.open(entry));
      assertThrows(AccessDeniedException.class, () -> bob.list(secretDir));
      assertThrows(
          AccessDeniedException.class, () -> bob.write(secretDir.resolve("new.bin"), bytes("x")));
      assertThrows(AccessDeniedException.class, () -> bob.delete(secret));

      // Denied below a listable prefix: the stream throws as it reaches the directory.
      try (Stream<FileEntry> listing = bob.list(shared)) {
        Iterator<FileEntry> it = listing.iterator();
        assertEquals(shared.resolve("public/a.bin"), it.next().location());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, it::hasNext);
        assertInstanceOf(AccessDeniedException.class, e.getCause());
      }

      // What HDFS does let bob do, he does as bob.
      Location own = bobsDir.resolve("mine.bin");
      bob.write(own, bytes("bob's"));
      assertEquals("bob", admin.getFileStatus(MiniHdfs.path(own)).getOwner());
    }
    assertEquals(entry, storage.stat(secret));
  }

  @Test
  void closedStorageRefusesCalls() throws Exception {
    Location file = hdfs.location("/closing/file.bin");
    storage.write(file, bytes("x"));
    HdfsStorage closing = new HdfsStorage(MiniHdfs.OPTIONS);
    assertEquals(1, closing.stat(file).length());
    closing.close();
    closing.close();
    assertThrows(IOException.class, () -> closing.stat(file));
  }

  // --- options ---------------------------------------------------------------------------------

  @Test
  void unknownOptionsAreRefusedListingTheAcceptedForms() {
    HdfsStorageProvider provider = new HdfsStorageProvider();
    assertEquals("hdfs", provider.scheme());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> provider.create(Map.of("region", "eu", "hadoop.", "x", "user", "bob")));
    assertTrue(e.getMessage().contains("hadoop., region"), e.getMessage());
    assertTrue(e.getMessage().contains("config-dir="), e.getMessage());
    assertTrue(e.getMessage().contains("user="), e.getMessage());
    assertTrue(e.getMessage().contains("hadoop.<"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> provider.create(Map.of("user", " ")));
    assertThrows(
        IllegalArgumentException.class,
        () -> provider.create(Map.of("hadoop.hadoop.security.authentication", "kerberos")));
  }

  @Test
  void configurationLayersClientDefaultsConfigDirAndHadoopOptions(@TempDir Path confDir)
      throws Exception {
    assertThrows(
        IllegalArgumentException.class,
        () -> new HdfsStorage(Map.of("config-dir", confDir.resolve("missing").toString())));
    assertThrows(
        IllegalArgumentException.class,
        () -> new HdfsStorage(Map.of("config-dir", confDir.toString())),
        "a directory without site files");

    Files.writeString(
        confDir.resolve("core-site.xml"),
        """
        <configuration>
          <property><name>ipc.client.connect.max.retries</name><value>7</value></property>
          <property><name>dfs.client.use.datanode.hostname</name><value>false</value></property>
        </configuration>
        """);
    Map<String, String> options =
        Map.of("config-dir", confDir.toString(), "hadoop.dfs.client.use.datanode.hostname", "true");
    try (HdfsStorage configured = new HdfsStorage(options)) {
      Configuration conf = configured.configuration();
      assertEquals("true", conf.get("dfs.client.use.datanode.hostname"), "option over file");
      assertEquals("7", conf.get("ipc.client.connect.max.retries"), "file over client default");
      assertEquals("4000", conf.get("ipc.client.connect.timeout"), "client default");
      assertEquals("60000", conf.get("ipc.client.rpc-timeout.ms"), "client default");
    }

    Files.writeString(confDir.resolve("hdfs-site.xml"), "<configuration><oops");
    assertThrows(
        IllegalArgumentException.class,
        () -> new HdfsStorage(Map.of("config-dir", confDir.toString())));
  }

  @Test
  void foundThroughTheRegistryAndRejectsForeignLocations() throws Exception {
    try (Storage viaRegistry =
        StorageRegistry.loadInstalled().create(hdfs.location("/"), Map.of())) {
      assertInstanceOf(HdfsStorage.class, viaRegistry);
      assertTrue(viaRegistry.exists(hdfs.location("/")));
    }
    assertThrows(IllegalArgumentException.class, () -> storage.stat(Location.of("s3://b/k")));
    assertThrows(IllegalArgumentException.class, () -> storage.stat(Location.of("hdfs:///k")));
  }
}
