package io.quiver.server.stores;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import io.quiver.storage.azure.AzuriteServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The end-to-end scenarios on Azure Blob Storage: Azurite (installed by connectors/azure's build)
 * as a child process, with the development account's shared key from the environment.
 */
class AzureStoreFlightTest extends StoreFlightTest {
  private static final String CONTAINER = "lake";
  private static final String KEY_VAR = "QUIVER_TEST_AZURE_KEY";
  private static final String WRONG_KEY_VAR = "QUIVER_TEST_AZURE_WRONG_KEY";

  private static AzureStore shared;

  @BeforeAll
  static void startAzurite() throws Exception {
    // Azurite accepts only the development account's key: the environment must hold it.
    assertEquals(AzuriteServer.KEY, env(KEY_VAR), KEY_VAR);
    shared = AzureStore.start();
  }

  @AfterAll
  static void stopAzurite() throws Exception {
    if (shared != null) {
      shared.stop();
    }
  }

  @Override
  Store store() {
    return shared;
  }

  @Override
  Store startOwnStore(Path dir) throws Exception {
    return AzureStore.start();
  }

  @Override
  List<RefusedMount> refusedMounts(String prefix) throws Exception {
    String unreachable = "http://127.0.0.1:" + closedPort() + "/" + account();
    return List.of(
        new RefusedMount(
            "wrong account key",
            FlightStatusCode.UNAUTHORIZED,
            shared.uri(prefix),
            with(shared.options(), "credentials", "wrong-key"),
            List.of("access denied", "HTTP 403", shared.endpoint())),
        new RefusedMount(
            "missing container",
            FlightStatusCode.INVALID_ARGUMENT,
            "abfs://no-such-container@" + account() + ".dfs.core.windows.net/" + prefix,
            shared.options(),
            List.of("nothing exists", "no-such-container")),
        new RefusedMount(
            "unreachable endpoint",
            FlightStatusCode.UNAVAILABLE,
            shared.uri(prefix),
            with(shared.failFastOptions(), "endpoint", unreachable),
            List.of(unreachable, "unreachable")));
  }

  @Override
  Map<String, Map<String, String>> credentialSets() {
    return Map.of(
        "test-azure", Map.of("account-key-env", KEY_VAR),
        "wrong-key", Map.of("account-key-env", WRONG_KEY_VAR));
  }

  @Override
  List<String> secretValues() {
    return List.of(env(KEY_VAR), env(WRONG_KEY_VAR));
  }

  private static String account() {
    return AzuriteServer.ACCOUNT;
  }

  /** One Azurite process (the azure connector's test server) with one container. */
  static final class AzureStore implements Store {
    private final AzuriteServer azurite;
    private final String endpoint;
    private final BlobContainerClient container;
    private boolean closed;

    private AzureStore(AzuriteServer azurite) {
      this.azurite = azurite;
      this.endpoint = azurite.endpoint();
      BlobServiceClient admin = azurite.adminClient();
      this.container = admin.createBlobContainer(CONTAINER);
    }

    static AzureStore start() throws Exception {
      AzuriteServer azurite = new AzuriteServer();
      // A JUnit extension whose callbacks ignore their context: started and stopped by hand here.
      azurite.beforeAll(null);
      try {
        return new AzureStore(azurite);
      } catch (Exception | Error e) {
        azurite.afterAll(null);
        throw e;
      }
    }

    @Override
    public String uri(String path) {
      return "abfs://" + CONTAINER + "@" + account() + ".dfs.core.windows.net/" + path;
    }

    @Override
    public Map<String, String> options() {
      return Map.of("endpoint", endpoint, "credentials", "test-azure");
    }

    @Override
    public Map<String, String> failFastOptions() {
      return with(options(), "max-tries", "1", "request-timeout", "2s");
    }

    @Override
    public String endpoint() {
      return endpoint;
    }

    @Override
    public void upload(String path, Path local) {
      container.getBlobClient(path).upload(BinaryData.fromFile(local), true);
    }

    @Override
    public void delete(String path) {
      container.getBlobClient(path).delete();
    }

    @Override
    public void stop() throws Exception {
      if (!closed) {
        closed = true;
        // Ends the Azurite process (and its children) and deletes its data.
        azurite.afterAll(null);
      }
    }
  }
}
