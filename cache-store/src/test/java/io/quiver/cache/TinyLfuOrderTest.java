package io.quiver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TinyLfuOrder} on its own: how its sketch is sized and how admission decides. */
class TinyLfuOrderTest {

  @Test
  void theSketchIsSizedByEntriesNotBytes() {
    // 1 GiB of 8 MiB chunks: 128 entries. Sized by bytes (one counter per 64 KiB) the sketch would
    // have had 16,384 counters a row and halved once every 163,840 requests: 1,280 per entry.
    long capacity = 1L << 30;
    TinyLfuOrder order = new TinyLfuOrder(capacity, 0);
    assertEquals(32, order.sketch().capacity(), "starts as if every chunk were 32 MiB");
    List<CacheEntry> entries = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      CacheEntry entry = entry(i, 8L << 20);
      order.add(entry);
      entries.add(entry);
    }
    assertEquals(512, order.sketch().width(), "four counters per entry");
    assertEquals(1280, order.sketch().samplePeriod(), "ten requests per entry between halvings");

    // Smaller chunks later: the sketch grows with the number of entries.
    for (CacheEntry entry : entries) {
      order.remove(entry);
    }
    for (int i = 0; i < 4096; i++) {
      order.add(entry(1000 + i, 256L << 10));
    }
    assertEquals(4096, order.sketch().capacity());
    assertEquals(40_960, order.sketch().samplePeriod());
  }

  @Test
  void growingTheSketchKeepsTheCachedEntriesEstimates() {
    TinyLfuOrder order = new TinyLfuOrder(1L << 30, 0);
    CacheEntry hot = entry(0, 1 << 20);
    for (int i = 0; i < 6; i++) {
      order.recordAccess(hot.key);
    }
    order.add(hot);
    int width = order.sketch().width();
    for (int i = 1; i <= 200; i++) {
      order.add(entry(i, 1 << 20));
    }
    assertTrue(order.sketch().width() > width, "reallocated: " + order.sketch().width());
    assertEquals(6, order.sketch().frequency(hot.key.hashCode()));
  }

  @Test
  void aCandidateNeedsTwoMoreRequestsThanTheMainVictim() {
    // Room for three entries of 100 bytes; the window (1%) keeps only the newest.
    TinyLfuOrder order = new TinyLfuOrder(300, 0);
    CacheEntry a = entry(1, 100);
    CacheEntry b = entry(2, 100);
    order.add(a);
    order.add(b);
    CacheEntry c = entry(3, 100);
    order.add(c); // a and b go to main (room), c stays in the window
    assertEquals(TinyLfuOrder.MAIN, a.region);
    assertEquals(TinyLfuOrder.WINDOW, c.region);

    // c one request ahead of the main victim a (the loop case): c is the victim.
    order.recordAccess(a.key);
    order.recordAccess(c.key);
    order.recordAccess(c.key);
    assertSame(c, order.victim());

    // Two requests ahead: c is admitted and a, main's least recently used, goes.
    order.recordAccess(c.key);
    assertSame(a, order.victim());
    assertEquals(TinyLfuOrder.MAIN, c.region);
  }

  private static CacheEntry entry(int id, long size) {
    CacheEntry entry = new CacheEntry(new ColumnChunkKey("file:///t/" + id, "v1", 0, "c"));
    entry.sizeBytes = size;
    return entry;
  }
}
