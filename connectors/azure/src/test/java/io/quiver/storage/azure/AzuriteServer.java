package io.quiver.storage.azure;

import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs Azurite's Blob service (installed by the build from {@code package.json}) as a child process
 * for one test class: started before the class on a free port of 127.0.0.1 with its data in a
 * temporary directory, stopped and waited for after it. Register as a static
 * {@code @RegisterExtension} field.
 *
 * <p>Public as test support shared with other modules via this module's test-jar.
 */
public final class AzuriteServer implements BeforeAllCallback, AfterAllCallback {
  /**
   * Azurite's documented development account and key: public, not a secret. Public as test support
   * shared with other modules via this module's test-jar.
   */
  public static final String ACCOUNT = "devstoreaccount1";

  /** Public as test support shared with other modules via this module's test-jar. */
  public static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private static final Pattern LISTENING =
      Pattern.compile("successfully listens on (http://127\\.0\\.0\\.1:(\\d+))");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  private Process process;
  private Path dataDir;
  private int port;
  private final Deque<String> output = new ArrayDeque<>();

  /** Public as test support shared with other modules via this module's test-jar. */
  public AzuriteServer() {}

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Path bin = Path.of(System.getProperty("azurite.bin", "node_modules/.bin/azurite-blob"));
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException(
          "Azurite is not installed at "
              + bin.toAbsolutePath()
              + ": the Maven build installs it (npm ci in connectors/azure, phase"
              + " process-test-resources)");
    }
    dataDir = Files.createTempDirectory("azurite-");
    process =
        new ProcessBuilder(
                List.of(
                    bin.toString(),
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    "0",
                    "--location",
                    dataDir.toString(),
                    "--silent",
                    "--skipApiVersionCheck",
                    "--disableTelemetry"))
            .redirectErrorStream(true)
            .start();
    process.getOutputStream().close();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              // Drains the output for the whole life of the process so that it never blocks.
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("(output closed: " + e + ")");
              }
            },
            "azurite-output");
    reader.setDaemon(true);
    reader.start();

    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (port == 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        stop();
        throw new IllegalStateException(
            "Azurite did not report its port within " + START_TIMEOUT + ": " + output);
      }
      String line =
          lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
      if (line != null) {
        remember(line);
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          port = Integer.parseInt(m.group(2));
        }
      } else if (!process.isAlive() && lines.isEmpty()) {
        throw new IllegalStateException(
            "Azurite exited with " + process.exitValue() + " before listening: " + output);
      }
    }
  }

  private void remember(String line) {
    output.addLast(line);
    while (output.size() > 20) {
      output.removeFirst();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    stop();
  }

  private void stop() throws IOException, InterruptedException {
    if (process != null) {
      List<ProcessHandle> children = process.descendants().toList();
      process.destroy();
      children.forEach(ProcessHandle::destroy);
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      process = null;
    }
    if (dataDir != null) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
      dataDir = null;
    }
  }

  int port() {
    return port;
  }

  /**
   * The Blob endpoint of the development account, for the {@code endpoint} option. Public as test
   * support shared with other modules via this module's test-jar.
   */
  public String endpoint() {
    return "http://127.0.0.1:" + port + "/" + ACCOUNT;
  }

  String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName="
        + ACCOUNT
        + ";AccountKey="
        + KEY
        + ";BlobEndpoint="
        + endpoint()
        + ";";
  }

  /**
   * A plain SDK client for setting up what the storage under test does not do (containers). Public
   * as test support shared with other modules via this module's test-jar.
   */
  public BlobServiceClient adminClient() {
    return new BlobServiceClientBuilder()
        .endpoint(endpoint())
        .credential(new StorageSharedKeyCredential(ACCOUNT, KEY))
        .buildClient();
  }
}
