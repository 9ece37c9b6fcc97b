package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded catalog survives {@code kill -9} at any moment: a child process commits changes in a
 * loop and is killed after a random delay, many times over the same directory. After every kill the
 * catalog loads, holds every change the child was told was committed, and is consistent (the state
 * of revision r has exactly the tables t1..tr: no half-applied change).
 */
class FileCatalogStoreCrashTest {
  private static final int KILLS = 20;

  @TempDir Path dir;

  @Test
  void killNineAtRandomMomentsLosesNoCommittedChange() throws Exception {
    Random random = new Random(20261203L);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    long acknowledgedTotal = 0;
    for (int round = 0; round < KILLS; round++) {
      Process child =
          new ProcessBuilder(
                  java,
                  "-Xshare:auto",
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  classpath,
                  CatalogWriterChild.class.getName(),
                  dir.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      AtomicLong acknowledged = new AtomicLong();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = out.readLine()) != null) {
                    if (line.startsWith("committed ")) {
                      acknowledged.set(Long.parseLong(line.substring("committed ".length())));
                    }
                  }
                } catch (java.io.IOException e) {
                  // the child was killed
                }
              });
      reader.start();
      try {
        // Let it start and commit a while: the kill lands anywhere in an update.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long before = acknowledged.get();
        while (acknowledged.get() == before && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        Thread.sleep(random.nextInt(150));
      } finally {
        child.destroyForcibly(); // SIGKILL
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        reader.join(10_000);
      }
      long acked = acknowledged.get();
      assertTrue(acked > acknowledgedTotal, "round " + round + ": the child committed nothing");
      try (FileCatalogStore store = new FileCatalogStore(dir)) {
        CatalogStore.Snapshot s = store.load();
        assertTrue(
            s.revision() >= acked,
            "round " + round + ": revision " + s.revision() + " lost committed " + acked);
        // At most the one update that was under way when killed went through unacknowledged.
        assertTrue(s.revision() <= acked + 1, "round " + round + ": revision " + s.revision());
        List<String> names = s.state().tables().stream().map(TableDefinition::name).toList();
        assertEquals(s.revision(), names.size(), "round " + round + ": half-applied change");
        for (int t = 1; t <= s.revision(); t++) {
          assertEquals("t" + t, names.get(t - 1), "round " + round);
        }
        acknowledgedTotal = s.revision();
      }
    }
  }
}
