package io.quiver.bench.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The README's first command, small: generates, serves, scans cold then warm, and exits. */
class DemoMainTest {
  @TempDir Path tmp;

  private String runDemo() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new DemoMain());
    cli.setOut(new PrintWriter(out, true));
    int exit =
        cli.execute(
            "--data-dir",
            tmp.toString(),
            "--rows",
            "40000",
            "--files",
            "2",
            "--port",
            "0",
            "--memory",
            "256m",
            "--exit");
    assertEquals(0, exit, out.toString());
    return out.toString();
  }

  @Test
  void demoScansColdThenWarmWithoutStorageReads() throws Exception {
    String first = runDemo();
    assertTrue(first.contains("Generating 40000 rows, 2 files"), first);
    String warmLine = first.lines().filter(l -> l.startsWith("warm")).findFirst().orElseThrow();
    String coldLine = first.lines().filter(l -> l.startsWith("cold")).findFirst().orElseThrow();
    assertTrue(coldLine.contains(" 40000 "), coldLine);
    assertTrue(
        warmLine.contains(" 40000 ") && warmLine.contains("0 B") && warmLine.endsWith("100%"),
        warmLine);
    assertTrue(Files.exists(tmp.resolve("catalog.json")));

    // A second run reuses the data and the catalog (mount and table survive the restart).
    String second = runDemo();
    assertTrue(second.contains("Using sample data"), second);
    assertTrue(second.lines().anyMatch(l -> l.startsWith("warm")), second);
  }
}
