package io.quiver.storage.azure;

import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageContractTest;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The storage contract against the real Blob API of Azurite, with shared-key credentials. */
class AzureBlobStorageContractTest extends StorageContractTest {
  @RegisterExtension static final AzuriteServer AZURITE = new AzuriteServer();

  private static final String CONTAINER = "contract";
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static AzureBlobStorage storage;

  // Every test gets its own empty prefix.
  private final Location root =
      Location.of(
          "abfs://"
              + CONTAINER
              + "@"
              + AzuriteServer.ACCOUNT
              + ".dfs.core.windows.net/t"
              + TESTS.incrementAndGet());

  @BeforeAll
  static void createStorage() {
    AZURITE.adminClient().createBlobContainer(CONTAINER);
    storage =
        new AzureBlobStorage(
            Map.of("endpoint", AZURITE.endpoint(), "account-key-env", "AZURITE_KEY"),
            Map.of("AZURITE_KEY", AzuriteServer.KEY)::get);
  }

  @AfterAll
  static void closeStorage() {
    storage.close();
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
