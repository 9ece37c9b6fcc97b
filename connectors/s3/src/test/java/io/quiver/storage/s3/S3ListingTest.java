package io.quiver.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jclouds.blobstore.BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Listing many objects: pagination is complete and lazy. The 10,000+ objects are put once per class
 * straight into the in-memory backend of S3Proxy; the listings go through S3's HTTP API.
 */
class S3ListingTest {
  private static final String BUCKET = "many";
  private static final int OBJECTS = 10_250;
  private static final int PAGE = 1000;

  private static S3ProxyServer server;
  private static RequestRecorder requests;
  private static S3Storage storage;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3ProxyServer.startTransient();
    server.createBucket(BUCKET);
    requests = new RequestRecorder();
    storage = server.storage(List.of(requests), PAGE);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < OBJECTS; i++) {
      keys.add(String.format("data/part-%03d/file-%05d.bin", i / 100, i));
    }
    // Neighbours that a listing of "data" must not return.
    keys.add("data-old/x.bin");
    keys.add("database/y.bin");
    // Straight into S3Proxy's backend: 10,000 HTTP PUTs would dominate the suite's time.
    BlobStore backend = server.blobStore();
    for (String key : keys) {
      backend.putBlob(
          BUCKET, backend.blobBuilder(key).payload(key.getBytes(StandardCharsets.UTF_8)).build());
    }
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

  @Test
  void listsEveryObjectPageByPage() throws Exception {
    Set<Location> seen = new HashSet<>();
    try (Stream<FileEntry> s = storage.list(Location.of("s3://" + BUCKET + "/data"))) {
      s.forEach(
          e -> {
            assertTrue(seen.add(e.location()), "listed twice: " + e.location());
            assertTrue(e.length() > 0);
          });
    }
    assertEquals(OBJECTS, seen.size());
    assertEquals((OBJECTS + PAGE - 1) / PAGE, requests.count("ListObjectsV2"));
    assertEquals(1, requests.count("HeadObject"), "the object 'data' itself, checked last");
  }

  @Test
  void firstEntriesFetchOnlyTheFirstPage() throws Exception {
    try (Stream<FileEntry> s = storage.list(Location.of("s3://" + BUCKET + "/data"))) {
      assertEquals(10, s.limit(10).count());
    }
    assertEquals(1, requests.count("ListObjectsV2"));
    assertEquals(1, requests.total());

    requests.reset();
    try (Stream<FileEntry> s = storage.list(Location.of("s3://" + BUCKET + "/data"))) {
      assertEquals(PAGE + 1, s.limit(PAGE + 1).count());
    }
    assertEquals(2, requests.count("ListObjectsV2"));
  }

  @Test
  void listingTheBucketRootIncludesEverything() throws Exception {
    try (Stream<FileEntry> s = storage.list(Location.of("s3://" + BUCKET))) {
      assertEquals(OBJECTS + 2, s.count());
    }
    assertEquals(0, requests.count("HeadObject"));
  }
}
