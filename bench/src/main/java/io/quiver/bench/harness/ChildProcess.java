package io.quiver.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM (or any program) started by the harness: its output goes to a log file, and {@link #start}
 * waits until a line matches a readiness pattern (e.g. the server's "listening on" line). {@link
 * #close()} stops it (SIGTERM, then SIGKILL after 10 s) — only this process, which the harness
 * started.
 *
 * <p>Thread-safe for the accessors; {@link #close()} once.
 */
public final class ChildProcess implements AutoCloseable {
  /** Children still running; a shutdown hook stops them if the harness itself is stopped. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "bench-children-stop"));
  }

  private final String name;
  private final Process process;
  private final Path log;
  private final Matcher ready;

  private ChildProcess(String name, Process process, Path log, Matcher ready) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.ready = ready;
  }

  /** The command line of a JVM running {@code mainClass} on {@code classpath}. */
  public static List<String> javaCommand(
      String classpath, List<String> jvmOptions, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /**
   * Starts {@code command} and waits up to {@code timeout} for a line of its output (stdout and
   * stderr) matching {@code readyPattern}.
   *
   * @throws IOException if it cannot start, exits first or is not ready in time (the message names
   *     the log file and quotes its last lines)
   */
  public static ChildProcess start(
      String name,
      List<String> command,
      Map<String, String> environment,
      Path log,
      Pattern readyPattern,
      Duration timeout)
      throws IOException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    LIVE.add(process);
    CompletableFuture<Matcher> readyLine = new CompletableFuture<>();
    Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
    Thread pump =
        new Thread(
            () -> {
              try (out;
                  BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(
                              process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  out.write(line);
                  out.write('\n');
                  out.flush();
                  Matcher m = readyPattern.matcher(line);
                  if (!readyLine.isDone() && m.find()) {
                    readyLine.complete(m);
                  }
                }
              } catch (IOException e) {
                readyLine.completeExceptionally(e);
              } finally {
                readyLine.completeExceptionally(new IOException(name + " exited before ready"));
              }
            },
            "bench-log-" + name);
    pump.setDaemon(true);
    pump.start();
    try {
      Matcher m = readyLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new ChildProcess(name, process, log, m);
    } catch (ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      throw new IOException(
          name
              + (e instanceof TimeoutException ? " not ready after " + timeout : " failed to start")
              + "; log "
              + log
              + ":\n"
              + tail(log, 15),
          e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting " + name, e);
    }
  }

  /** The last {@code lines} lines of {@code file}, or a note that it cannot be read. */
  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  /** The match of the readiness line (groups carry e.g. the port). */
  public Matcher readyMatch() {
    return ready;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** User + system CPU nanoseconds of this process so far, or -1. */
  public long cpuNanos() {
    return ProcStats.cpuNanos(pid());
  }

  /** Peak RSS of this process so far in bytes, or -1. */
  public long peakRssBytes() {
    return ProcStats.peakRssBytes(pid());
  }

  @Override
  public void close() throws IOException {
    LIVE.remove(process);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping " + name, e);
    }
  }
}
