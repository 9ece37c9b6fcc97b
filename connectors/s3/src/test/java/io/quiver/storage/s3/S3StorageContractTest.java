package io.quiver.storage.s3;

import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageContractTest;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract against a real S3 server (S3Proxy, in memory). */
class S3StorageContractTest extends StorageContractTest {
  private static final String BUCKET = "contract";
  private static S3ProxyServer server;
  private static S3Storage storage;

  /** Every test gets its own empty prefix. */
  private final Location root = Location.of("s3://" + BUCKET + "/run-" + UUID.randomUUID());

  @BeforeAll
  static void startServer() throws Exception {
    server = S3ProxyServer.startTransient();
    server.createBucket(BUCKET);
    storage = server.storage();
  }

  @AfterAll
  static void stopServer() throws Exception {
    try {
      if (storage != null) {
        storage.close();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Override
  protected Storage storage() {
    return storage;
  }

  @Override
  protected Location root() {
    return root;
  }
}
