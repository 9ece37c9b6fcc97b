package io.quiver.bench.harness;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;

/**
 * The benchmark's object store, run in its own JVM so that its CPU is not counted as the client's
 * or a server's: S3Proxy over jclouds' {@code filesystem} backend (bucket {@code b}'s object {@code
 * k} is the file {@code BASEDIR/b/k}), with SigV4 keys taken from the environment variables named
 * by {@link #ACCESS_VAR} and {@link #SECRET_VAR}, and in front of it a {@link ShapingProxy} for the
 * S3-shaped profile. Prints {@code OBJECT-STORE READY port=P shaped=Q} and runs until killed.
 *
 * <p>Arguments: {@code BASEDIR LATENCY_MILLIS BANDWIDTH_BYTES_PER_SECOND}.
 */
public final class ObjectStoreMain {
  /** Environment variable holding the access key, for every contender. */
  public static final String ACCESS_VAR = "QUIVER_BENCH_S3_ACCESS";

  /** Environment variable holding the secret key, for every contender. */
  public static final String SECRET_VAR = "QUIVER_BENCH_S3_SECRET";

  private ObjectStoreMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println(
          "usage: ObjectStoreMain BASEDIR LATENCY_MILLIS BANDWIDTH_BYTES_PER_SECOND");
      System.exit(2);
    }
    String access = System.getenv(ACCESS_VAR);
    String secret = System.getenv(SECRET_VAR);
    if (access == null || secret == null) {
      System.err.println("set " + ACCESS_VAR + " and " + SECRET_VAR);
      System.exit(2);
    }
    Running store =
        start(Path.of(args[0]), Long.parseLong(args[1]), Long.parseLong(args[2]), access, secret);
    System.out.println("OBJECT-STORE READY port=" + store.port() + " shaped=" + store.shapedPort());
    System.out.flush();
    CountDownLatch forever = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    store.close();
                  } catch (Exception e) {
                    System.err.println("object store shutdown: " + e);
                  } finally {
                    forever.countDown();
                  }
                }));
    forever.await();
  }

  /** A running store: S3Proxy on {@link #port}, shaped on {@link #shapedPort}. */
  public record Running(
      S3Proxy proxy, BlobStoreContext context, ShapingProxy shaped, int port, int shapedPort)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      try {
        shaped.close();
        proxy.stop();
      } finally {
        context.close();
      }
    }
  }

  /**
   * Starts S3Proxy over {@code basedir} (bucket {@code b}'s object {@code k} is the file {@code
   * basedir/b/k}) with the keys {@code access}/{@code secret}, and a shaping proxy before it.
   */
  public static Running start(
      Path basedir, long latencyMillis, long bandwidth, String access, String secret)
      throws Exception {
    return start(basedir, latencyMillis, bandwidth, access, secret, false);
  }

  /**
   * As {@link #start(Path, long, long, String, String)}; with {@code inMemory} S3Proxy runs over
   * jclouds' {@code transient} backend (objects in this JVM's heap, {@code basedir} unused), whose
   * listing pages cost microseconds per object instead of a file-system walk per page: what lets a
   * 100,000-object LIST finish in minutes rather than tens of minutes.
   */
  public static Running start(
      Path basedir,
      long latencyMillis,
      long bandwidth,
      String access,
      String secret,
      boolean inMemory)
      throws Exception {
    Path dir = basedir.toAbsolutePath();
    Files.createDirectories(dir);
    Properties properties = new Properties();
    properties.setProperty(FilesystemConstants.PROPERTY_BASEDIR, dir.toString());
    BlobStoreContext context =
        ContextBuilder.newBuilder(inMemory ? "transient" : "filesystem")
            .credentials("identity", "credential")
            .overrides(properties)
            .build(BlobStoreContext.class);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, access, secret)
            .build();
    proxy.start();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        context.close();
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.sleep(5);
    }
    ShapingProxy shaped =
        new ShapingProxy(
            new InetSocketAddress("127.0.0.1", proxy.getPort()),
            latencyMillis * 1_000_000L,
            bandwidth);
    return new Running(proxy, context, shaped, proxy.getPort(), shaped.port());
  }
}
