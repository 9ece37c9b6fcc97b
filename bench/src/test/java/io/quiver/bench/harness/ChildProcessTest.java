package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting, watching and stopping the harness's child processes, with real processes. */
class ChildProcessTest {
  @TempDir Path tmp;

  @Test
  void waitsForTheReadyLineAndExposesItsGroupsAndProcStats() throws Exception {
    try (ChildProcess p =
        ChildProcess.start(
            "echo",
            List.of("sh", "-c", "echo starting; echo \"READY port=$PORT_VALUE\"; exec sleep 30"),
            Map.of("PORT_VALUE", "4242"),
            tmp.resolve("echo.log"),
            Pattern.compile("READY port=(\\d+)"),
            Duration.ofSeconds(20))) {
      assertEquals("4242", p.readyMatch().group(1));
      assertTrue(p.isAlive());
      assertTrue(p.cpuNanos() >= 0);
      assertTrue(p.peakRssBytes() > 0);
      p.close();
      assertFalse(p.isAlive());
    }
  }

  @Test
  void aProcessThatNeverGetsReadyIsStoppedAndItsLogQuoted() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                ChildProcess.start(
                    "slow",
                    List.of("sh", "-c", "echo something went wrong; exec sleep 30"),
                    Map.of(),
                    tmp.resolve("slow.log"),
                    Pattern.compile("READY"),
                    Duration.ofMillis(1500)));
    assertTrue(e.getMessage().contains("not ready after"), e.getMessage());
    assertTrue(e.getMessage().contains("something went wrong"), e.getMessage());
  }

  @Test
  void aProcessThatExitsFirstFailsAtOnce() {
    long start = System.nanoTime();
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                ChildProcess.start(
                    "dies",
                    List.of("sh", "-c", "echo no such bucket; exit 3"),
                    Map.of(),
                    tmp.resolve("dies.log"),
                    Pattern.compile("READY"),
                    Duration.ofSeconds(60)));
    assertTrue(e.getMessage().contains("failed to start"), e.getMessage());
    assertTrue(e.getMessage().contains("no such bucket"), e.getMessage());
    assertTrue(System.nanoTime() - start < 30_000_000_000L, "should not wait for the timeout");
  }

  @Test
  void readsThisJvmsCpuAndMemoryFromProc() {
    long pid = ProcessHandle.current().pid();
    assertTrue(ProcStats.cpuNanos(pid) > 0);
    assertTrue(ProcStats.selfCpuNanos() > 0);
    // The resident set read first: the high-water mark read after it can only be as high or higher
    // (read the other way round, the JVM may grow in between).
    long rss = ProcStats.rssBytes(pid);
    assertTrue(ProcStats.peakRssBytes(pid) >= rss);
    assertEquals(-1, ProcStats.cpuNanos(-5));
  }
}
