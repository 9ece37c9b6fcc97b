package io.quiver.storage.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** S3-specific behaviour of {@link S3Storage} against S3Proxy: keys, versions, ranges. */
class S3StorageTest {
  private static final String BUCKET = "semantics";
  private static S3ProxyServer server;
  private static RequestRecorder requests;
  private static S3Storage storage;

  private final Location root = Location.of("s3://" + BUCKET + "/t-" + UUID.randomUUID());

  @BeforeAll
  static void startServer() throws Exception {
    server = S3ProxyServer.startTransient();
    server.createBucket(BUCKET);
    requests = new RequestRecorder();
    storage = server.storage(List.of(requests), S3Storage.DEFAULT_LIST_PAGE_SIZE);
  }

  @AfterAll
  static void stopServer() throws Exception {
    try {
      if (storage != null) {
        storage.close();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @BeforeEach
  void resetCounts() {
    requests.reset();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private List<String> listed(Location prefix) throws Exception {
    try (Stream<FileEntry> s = storage.list(prefix)) {
      return s.map(e -> root.relativize(e.location())).sorted().toList();
    }
  }

  @Test
  void prefixMatchesWholeSegmentsAndTheObjectItself() throws Exception {
    for (String key : List.of("a/b", "a/b/x", "a/b/y/z", "a/bc/w", "a/b.txt", "a/b-1", "a/c")) {
      storage.write(root.resolve(key), bytes(key));
    }
    assertEquals(List.of("a/b", "a/b/x", "a/b/y/z"), listed(root.resolve("a/b")));
    assertEquals(List.of("a/b/y/z"), listed(root.resolve("a/b/y")));
    assertEquals(7, listed(root).size());
    assertEquals(List.of(), listed(root.resolve("a/b/x/nothing")));
  }

  @Test
  void listOfAnObjectIsTheObject() throws Exception {
    Location file = root.resolve("single.parquet");
    storage.write(file, bytes("PAR1"));
    try (Stream<FileEntry> s = storage.list(file)) {
      assertEquals(List.of(storage.stat(file)), s.toList());
    }
  }

  @Test
  void existsForObjectsDirectoriesAndBuckets() throws Exception {
    storage.write(root.resolve("d/e/f.bin"), bytes("f"));
    assertTrue(storage.exists(root.resolve("d/e/f.bin")));
    assertTrue(storage.exists(root.resolve("d/e")));
    assertTrue(storage.exists(root.resolve("d")));
    assertFalse(storage.exists(root.resolve("d/e/f")));
    assertFalse(storage.exists(root.resolve("d/e/f.bin/g")));
    assertTrue(storage.exists(Location.of("s3://" + BUCKET)));
    assertFalse(storage.exists(Location.of("s3://no-such-bucket-here")));
  }

  @Test
  void versionIsTheUnquotedETag() throws Exception {
    Location file = root.resolve("etag.bin");
    storage.write(file, bytes("hello"));
    FileEntry entry = storage.stat(file);
    // S3 (and S3Proxy) use the MD5 of a single-part upload as its ETag.
    assertEquals("5d41402abc4b2a76b9719d911017c592", entry.version().token());
    try (Stream<FileEntry> s = storage.list(root)) {
      assertEquals(List.of(entry), s.toList());
    }
  }

  @Test
  void everyRangedGetIsConditionedOnTheETag() throws Exception {
    Location file = root.resolve("headers.bin");
    storage.write(file, bytes("0123456789"));
    FileEntry entry = storage.stat(file);
    requests.reset();
    try (StorageInput in = storage.open(entry)) {
      assertArrayEquals(bytes("2345"), in.read(2, 4));
      assertArrayEquals(bytes("9"), in.read(9, 1));
    }
    List<SdkHttpRequest> gets = requests.getObjectRequests();
    assertEquals(2, gets.size());
    String ifMatch = "\"" + entry.version().token() + "\"";
    assertEquals(List.of(ifMatch), gets.get(0).headers().get("If-Match"));
    assertEquals(List.of("bytes=2-5"), gets.get(0).headers().get("Range"));
    assertEquals(List.of(ifMatch), gets.get(1).headers().get("If-Match"));
    assertEquals(List.of("bytes=9-9"), gets.get(1).headers().get("Range"));
    assertEquals(1, requests.count("HeadObject"), "open checks the version once");
  }

  @Test
  void overwriteAfterOpenFailsTheReadWithoutBytes() throws Exception {
    Location file = root.resolve("changing.bin");
    storage.write(file, bytes("old contents"));
    FileEntry old = storage.stat(file);
    try (StorageInput in = storage.open(old)) {
      storage.write(file, bytes("new contents"));
      FileEntry now = storage.stat(file);
      assertNotEquals(old.version(), now.version());
      byte[] buffer = new byte[12];
      Arrays.fill(buffer, (byte) '#');
      VersionChangedException e =
          assertThrows(VersionChangedException.class, () -> in.readFully(0, buffer, 0, 12));
      assertArrayEquals(bytes("############"), buffer, "no bytes of the new version");
      assertEquals(file, e.location());
      assertTrue(e.getMessage().contains(now.version().token()), e.getMessage());
      // The server refused the conditional GET (412), not just our own ETag check.
      assertEquals(412, ((S3Exception) e.getCause()).statusCode());
    }
    assertThrows(VersionChangedException.class, () -> storage.open(old));
  }

  @Test
  void deleteAfterOpenOrStatIsNotFound() throws Exception {
    Location file = root.resolve("going.bin");
    storage.write(file, bytes("soon gone"));
    FileEntry entry = storage.stat(file);
    try (StorageInput in = storage.open(entry)) {
      storage.delete(file);
      assertThrows(FileNotFoundException.class, () -> in.read(0, 4));
    }
    assertThrows(FileNotFoundException.class, () -> storage.open(entry));
    assertThrows(FileNotFoundException.class, () -> storage.stat(file));
    storage.delete(file); // again: not an error
  }

  @Test
  void parquetSizedRangedReadsReturnExactlyTheBytesWritten() throws Exception {
    Random random = new Random(42);
    byte[] contents = new byte[12 * 1024 * 1024 + 17];
    random.nextBytes(contents);
    Location file = root.resolve("big.parquet");
    storage.write(file, contents);
    FileEntry entry = storage.stat(file);
    assertEquals(contents.length, entry.length());
    try (StorageInput in = storage.open(entry)) {
      // Footer-style tail reads, then column-chunk-sized ranges at random offsets.
      assertArrayEquals(
          Arrays.copyOfRange(contents, contents.length - 8, contents.length), in.readTail(8));
      for (int i = 0; i < 40; i++) {
        int length = 1 + random.nextInt(i % 4 == 0 ? 2 * 1024 * 1024 : 64 * 1024);
        long position = (long) random.nextInt(contents.length - length + 1);
        int offset = random.nextInt(100);
        byte[] buffer = new byte[offset + length + 100];
        Arrays.fill(buffer, (byte) 0x5A);
        in.readFully(position, buffer, offset, length);
        assertTrue(
            Arrays.equals(
                contents, (int) position, (int) position + length, buffer, offset, offset + length),
            "range " + position + "+" + length);
        for (int j = 0; j < buffer.length; j++) {
          if (j < offset || j >= offset + length) {
            assertEquals((byte) 0x5A, buffer[j], "byte outside the range was written");
          }
        }
      }
      assertArrayEquals(contents, in.read(0, contents.length));
    }
  }

  @Test
  void readsPastTheEndFailWithoutRequests() throws Exception {
    Location file = root.resolve("short.bin");
    storage.write(file, bytes("12345"));
    try (StorageInput in = storage.open(storage.stat(file))) {
      requests.reset();
      assertThrows(EOFException.class, () -> in.read(3, 3));
      assertThrows(EOFException.class, () -> in.read(-1, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> in.readFully(0, new byte[2], 1, 2));
      assertArrayEquals(new byte[0], in.read(5, 0));
      assertEquals(0, requests.total());
    }
  }

  @Test
  void emptyObjects() throws Exception {
    Location file = root.resolve("empty.bin");
    storage.write(file, new byte[0]);
    FileEntry entry = storage.stat(file);
    assertEquals(0, entry.length());
    try (StorageInput in = storage.open(entry)) {
      assertArrayEquals(new byte[0], in.readTail(10));
    }
  }

  @Test
  void oneInputServesConcurrentReaders() throws Exception {
    byte[] contents = new byte[256 * 1024];
    new Random(7).nextBytes(contents);
    Location file = root.resolve("shared.bin");
    storage.write(file, contents);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (StorageInput in = storage.open(storage.stat(file))) {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int start = t * 16 * 1024;
        results.add(
            pool.submit(
                () ->
                    Arrays.equals(
                        Arrays.copyOfRange(contents, start, start + 16 * 1024),
                        in.read(start, 16 * 1024))));
      }
      for (Future<Boolean> r : results) {
        assertTrue(r.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void bucketRootAndForeignLocations() {
    Location bucket = Location.of("s3://" + BUCKET);
    assertThrows(FileNotFoundException.class, () -> storage.stat(bucket));
    assertThrows(IllegalArgumentException.class, () -> storage.write(bucket, new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> storage.delete(bucket));
    assertThrows(IllegalArgumentException.class, () -> storage.stat(Location.of("file:///tmp/x")));
    assertThrows(IllegalArgumentException.class, () -> storage.stat(Location.of("s3:///x")));
  }

  @Test
  void folderMarkersAreNotListed() throws Exception {
    String prefix = root.path().substring(1);
    server
        .blobStore()
        .putBlob(
            BUCKET,
            server.blobStore().blobBuilder(prefix + "/m/dir/").payload(new byte[0]).build());
    storage.write(root.resolve("m/dir/data.bin"), bytes("d"));
    assertEquals(List.of("m/dir/data.bin"), listed(root.resolve("m")));
  }
}
