package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: headless Chromium loads {@code /} of a node that has mounted a
 * table and scanned it twice, runs the page's script (under its Content-Security-Policy) and dumps
 * the DOM, which must show the table, a non-zero hit ratio and a hostile error message as text; a
 * screenshot is kept as {@code target/status-page/status.png}.
 *
 * <p>Needs Debian's {@code chromium} on the PATH ({@code apt-get install chromium}). Without it the
 * test is skipped, unless {@code QUIVER_REQUIRE_CHROMIUM=1} (as {@code .ci/run} sets) makes that a
 * failure.
 */
class StatusPageBrowserTest {
  /** Where the screenshot is kept (relative to the module, where Maven runs tests). */
  static final Path ARTIFACTS = Path.of("target", "status-page");

  private static final long BROWSER_TIMEOUT_SECONDS = 90;

  @TempDir Path tmp;

  @Test
  void thePageRendersTheTableAndTheHitRatioInChromium() throws Exception {
    Path chromium = chromium();
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    StatusPageTest.writeOrders(lake.resolve("orders"));
    try (TestNode node =
        TestNode.start(
            tmp.resolve("data"), c -> c.withHttpPort(QuiverServer.Config.HTTP_ANY_PORT))) {
      node.mount("/lake", lake).createTable("sales.orders", "/lake/orders");
      StatusPageTest.scanTwiceAndFailOnce(node);
      assertThrows(() -> node.client().getInfo(FlightDescriptor.path("x", StatusPageTest.HOSTILE)));
      StatusPageTest.statusWithErrors(node.server().httpPort(), 2);
      String url = "http://127.0.0.1:" + node.server().httpPort() + "/";

      String dom = run(chromium, "dom", "--dump-dom", url);
      // What the script rendered (the embedded JSON names the table too: look at the sections).
      String topTables = section(dom, "top-tables");
      assertTrue(topTables.contains(">sales.orders<"), topTables);
      assertTrue(section(dom, "tables").contains(">sales.orders<"), dom);
      assertTrue(section(dom, "mounts").contains(">/lake<"), dom);
      Matcher ratio = Pattern.compile("id=\"hit-ratio\"[^>]*>([0-9.]+)%<").matcher(dom);
      assertTrue(ratio.find(), "hit ratio rendered: " + dom);
      assertTrue(Double.parseDouble(ratio.group(1)) > 0, ratio.group());
      assertTrue(
          dom.contains(">" + node.server().location().getUri() + "<"), "node location: " + dom);
      assertTrue(dom.contains("<polyline"), "the chart was drawn: " + dom);
      String errors = section(dom, "errors");
      assertTrue(errors.contains("GetFlightInfo"), errors);
      // The hostile message is text (serialized escaped), never an element.
      assertTrue(errors.contains("&lt;img src=x onerror=alert(1)&gt;"), errors);
      assertFalse(errors.contains("<img"), errors);
      // Rendered from the embedded state, then again from a fetch of status.json (the CSP lets it).
      Matcher loads = Pattern.compile("<body data-loads=\"(\\d+)\"").matcher(dom);
      assertTrue(loads.find(), dom);
      assertTrue(Integer.parseInt(loads.group(1)) >= 2, "refreshed: " + loads.group());
      assertTrue(dom.contains("<span id=\"stale\"></span>"), "no failed refresh: " + dom);

      Files.createDirectories(ARTIFACTS);
      Path png = ARTIFACTS.resolve("status.png").toAbsolutePath();
      Files.deleteIfExists(png);
      run(chromium, "screenshot", "--screenshot=" + png, "--window-size=1280,1000", url);
      assertTrue(Files.exists(png), "chromium wrote no screenshot at " + png);
      byte[] bytes = Files.readAllBytes(png);
      assertTrue(bytes.length > 20_000, "a screenshot of a rendered page: " + bytes.length + " B");
      byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
      for (int i = 0; i < signature.length; i++) {
        assertEquals(signature[i], bytes[i], "PNG signature");
      }
      ByteBuffer ihdr = ByteBuffer.wrap(bytes, 16, 8);
      assertEquals(1280, ihdr.getInt(), "width");
      assertEquals(1000, ihdr.getInt(), "height");
    }
  }

  private static void assertThrows(Runnable call) {
    try {
      call.run();
      fail("the call should have failed");
    } catch (FlightRuntimeException expected) {
      // recorded by the node as a recent error
    }
  }

  /** The markup of the element with {@code id} up to the end of its section. */
  private static String section(String dom, String id) {
    int start = dom.indexOf("id=\"" + id + "\"");
    assertTrue(start >= 0, "no #" + id + " in " + dom);
    int end = dom.indexOf("</section>", start);
    return dom.substring(start, end < 0 ? dom.length() : end);
  }

  /** Chromium on the PATH; skips (or fails under QUIVER_REQUIRE_CHROMIUM=1) when missing. */
  private static Path chromium() {
    Optional<Path> found = findOnPath("chromium");
    if (found.isEmpty()) {
      String message =
          "chromium is not installed (Debian: apt-get install chromium); the status page's browser"
              + " test needs it";
      if ("1".equals(System.getenv("QUIVER_REQUIRE_CHROMIUM"))) {
        fail(message + " and QUIVER_REQUIRE_CHROMIUM=1 says it must run");
      }
      Assumptions.abort(message);
    }
    return found.get();
  }

  private static Optional<Path> findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir).resolve(name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Runs headless Chromium with its own profile; returns its standard output. Kills it (and every
   * process it started) if it takes longer than {@value #BROWSER_TIMEOUT_SECONDS} s.
   */
  private String run(Path chromium, String name, String... args) throws Exception {
    Path profile = Files.createDirectories(tmp.resolve("chromium-" + name));
    List<String> command =
        new ArrayList<>(
            List.of(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                "--user-data-dir=" + profile,
                // Lets the page's script run and its refresh timer fire once before the dump.
                "--virtual-time-budget="
                    + (io.quiver.server.monitoring.StatusPage.REFRESH.toMillis() + 3000)));
    command.addAll(List.of(args));
    Path out = tmp.resolve(name + ".out");
    Path err = tmp.resolve(name + ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      if (!p.waitFor(BROWSER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail(
            "chromium did not finish within "
                + BROWSER_TIMEOUT_SECONDS
                + " s: "
                + String.join(" ", command)
                + "\n"
                + tail(err));
      }
    } finally {
      kill(p);
    }
    assertEquals(0, p.exitValue(), () -> "chromium failed: " + tail(err));
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static void kill(Process p) throws InterruptedException {
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    tree.add(p.toHandle());
    for (ProcessHandle h : tree) {
      h.destroyForcibly();
    }
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // reported by the caller's assertions if it matters
      }
    }
  }

  private static String tail(Path file) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }
}
