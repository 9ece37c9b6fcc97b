package io.quiver.bench.alluxio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

/**
 * The harness starts the contender without {@code --add-opens}; a child JVM started that way must
 * still be able to allocate Arrow memory once {@link JavaNioAccess#ensureOpen()} ran, and must fail
 * without it.
 */
class JavaNioAccessTest {

  /** Child JVM entry point: optionally opens java.nio, then allocates and frees an Arrow buffer. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("open")) {
      JavaNioAccess.ensureOpen();
    }
    try (BufferAllocator allocator = new RootAllocator(1 << 20);
        ArrowBuf buf = allocator.buffer(64)) {
      buf.setLong(0, 42);
      System.out.println("arrow ok " + buf.getLong(0));
    }
  }

  @Test
  void opensJavaNioForArrowInAJvmStartedWithoutTheFlag() throws Exception {
    Result opened = runChild("open");
    assertEquals(0, opened.code(), opened.output());
    assertTrue(opened.output().contains("arrow ok 42"), opened.output());

    Result plain = runChild("plain");
    assertFalse(plain.code() == 0, "without ensureOpen Arrow should refuse: " + plain.output());
    assertTrue(plain.output().contains("add-opens"), plain.output());
  }

  private record Result(int code, String output) {}

  private static Result runChild(String mode) throws IOException, InterruptedException {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                List.of(java.toString(), "-cp", classpath, JavaNioAccessTest.class.getName(), mode))
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("child JVM did not finish");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
