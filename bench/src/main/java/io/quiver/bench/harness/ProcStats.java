package io.quiver.bench.harness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads CPU time and memory high-water marks of processes from Linux's {@code /proc}. Returns -1
 * where {@code /proc} is not available (the report then shows "n/a"). Thread-safe.
 */
public final class ProcStats {
  private static final long TICKS_PER_SECOND = clockTicks();

  private ProcStats() {}

  /** User + system CPU time of process {@code pid} in nanoseconds, or -1 if unknown. */
  public static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) may contain spaces; the fields after its ')' are fixed.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** CPU time of this JVM in nanoseconds (all threads, JIT and GC included), or -1. */
  public static long selfCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** Peak resident set size (VmHWM) of {@code pid} in bytes, or -1. */
  public static long peakRssBytes(long pid) {
    return statusKib(pid, "VmHWM:");
  }

  /** Current resident set size (VmRSS) of {@code pid} in bytes, or -1. */
  public static long rssBytes(long pid) {
    return statusKib(pid, "VmRSS:");
  }

  private static long statusKib(long pid, String field) {
    try {
      List<String> lines =
          Files.readAllLines(
              Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII);
      for (String line : lines) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
      p.waitFor();
      long ticks = Long.parseLong(out);
      return ticks > 0 ? ticks : 100;
    } catch (IOException | RuntimeException e) {
      return 100; // USER_HZ on every mainstream Linux build
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
