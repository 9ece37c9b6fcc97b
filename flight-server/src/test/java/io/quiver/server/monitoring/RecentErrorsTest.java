package io.quiver.server.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ring of recent errors: bounded, newest first, messages cut, safe under concurrent adds. */
class RecentErrorsTest {
  private static RecentErrors.Entry entry(int i) {
    return new RecentErrors.Entry(
        Instant.ofEpochSecond(i), "DoGet", "NOT_FOUND", "not-found", "error " + i);
  }

  @Test
  void keepsTheNewestUpToItsCapacity() {
    RecentErrors errors = new RecentErrors(3);
    assertEquals(List.of(), errors.newestFirst());
    for (int i = 1; i <= 5; i++) {
      errors.add(entry(i));
    }
    assertEquals(List.of(entry(5), entry(4), entry(3)), errors.newestFirst());
    assertEquals(5, errors.total());
    assertThrows(IllegalArgumentException.class, () -> new RecentErrors(0));
  }

  @Test
  void longMessagesAreCutAndMissingOnesEmpty() {
    RecentErrors.Entry longOne =
        new RecentErrors.Entry(Instant.EPOCH, "DoAction", "INTERNAL", null, "x".repeat(10_000));
    assertEquals(RecentErrors.MAX_MESSAGE, longOne.message().length());
    assertTrue(longOne.message().endsWith("…"));
    assertEquals(
        "", new RecentErrors.Entry(Instant.EPOCH, "DoGet", "CANCELLED", null, null).message());
  }

  @Test
  void concurrentAddsStayBounded() throws Exception {
    RecentErrors errors = new RecentErrors(50);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> adds =
          java.util.stream.IntStream.range(0, 4)
              .<Future<?>>mapToObj(
                  t ->
                      pool.submit(
                          () -> {
                            for (int i = 0; i < 10_000; i++) {
                              errors.add(entry(i));
                            }
                          }))
              .toList();
      for (Future<?> f : adds) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
    assertEquals(40_000, errors.total());
    assertEquals(50, errors.newestFirst().size());
  }
}
