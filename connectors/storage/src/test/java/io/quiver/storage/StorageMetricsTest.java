package io.quiver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.local.LocalStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-mount storage counters: each adds to the node's, and leaves when its last storage closes. */
class StorageMetricsTest {
  @TempDir Path tmp;

  private static StorageMetrics.Source source(String mount, String store) {
    return new StorageMetrics.Source(mount, store);
  }

  @Test
  void mountsCountIntoTheirOwnCountersAndTheNodes() throws Exception {
    byte[] data = new byte[1000];
    Path file = Files.write(tmp.resolve("f.bin"), data);
    StorageMetrics node = new StorageMetrics();
    try (MeteredStorage a = new MeteredStorage(new LocalStorage(), node.forMount("/a", "file"));
        MeteredStorage b = new MeteredStorage(new LocalStorage(), node.forMount("/b", "file"))) {
      FileEntry entry = a.stat(Location.ofLocalPath(file));
      try (StorageInput in = a.open(entry)) {
        in.readFully(0, new byte[600], 0, 600);
      }
      try (StorageInput in = b.open(b.stat(Location.ofLocalPath(file)))) {
        in.readFully(100, new byte[300], 0, 300);
        in.readFully(0, new byte[10], 0, 10);
      }
      StorageMetrics ma = node.byMount().get(source("/a", "file"));
      StorageMetrics mb = node.byMount().get(source("/b", "file"));
      assertEquals(600, ma.bytesRead());
      assertEquals(1, ma.reads());
      assertEquals(310, mb.bytesRead());
      assertEquals(2, mb.reads());
      assertEquals(910, node.bytesRead());
      assertEquals(3, node.reads());
      assertEquals(2, node.opens());
      assertEquals(2, node.stats());
      assertEquals(
          List.of(source("/a", "file"), source("/b", "file")),
          List.copyOf(node.byMount().keySet()));
      assertTrue(ma.byMount().isEmpty());
      assertThrows(IllegalStateException.class, () -> ma.forMount("/c", "file"));
    }
    assertTrue(node.byMount().isEmpty(), "closed storages release their counters");
    assertEquals(910, node.bytesRead(), "the node's totals stay");
  }

  @Test
  void aMountsCountersStayWhileAnyOfItsStoragesIsOpen() throws Exception {
    StorageMetrics node = new StorageMetrics();
    MeteredStorage first = new MeteredStorage(new LocalStorage(), node.forMount("/a", "s3"));
    MeteredStorage second = new MeteredStorage(new LocalStorage(), node.forMount("/a", "s3"));
    StorageMetrics shared = node.byMount().get(source("/a", "s3"));
    first.close();
    first.close(); // twice: released once
    assertSame(shared, node.byMount().get(source("/a", "s3")), "the remount still counts");
    second.close();
    assertTrue(node.byMount().isEmpty());
    node.release(); // no-op on the node's own
  }

  @Test
  void concurrentMountsAndUnmountsLeaveNoCountersBehind() throws Exception {
    StorageMetrics node = new StorageMetrics();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> work = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        work.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2000; i++) {
                    StorageMetrics m = node.forMount("/m" + (i % 3), "file");
                    m.recordRead(1);
                    m.release();
                  }
                  return null;
                }));
      }
      for (Future<?> f : work) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertTrue(node.byMount().isEmpty(), node.byMount().toString());
    assertEquals(8000, node.bytesRead());
  }
}
