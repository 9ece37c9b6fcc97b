package io.quiver.storage.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.StorageRegistry;
import io.quiver.storage.StorageUnavailableException;
import io.quiver.storage.VersionChangedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/** Azure-specific behaviour against Azurite: paging, conditions, credentials, failures. */
class AzureBlobStorageTest {
  @RegisterExtension static final AzuriteServer AZURITE = new AzuriteServer();

  private static final String CONTAINER = "data";
  private static final Function<String, String> ENV =
      Map.of("AZURITE_KEY", AzuriteServer.KEY, "WRONG_KEY", wrongKey())::get;

  private static String wrongKey() {
    byte[] key = new byte[64];
    java.util.Arrays.fill(key, (byte) 7);
    return Base64.getEncoder().encodeToString(key);
  }

  @BeforeAll
  static void createContainer() {
    AZURITE.adminClient().createBlobContainer(CONTAINER);
  }

  private static Map<String, String> keyOptions(String... more) {
    Map<String, String> options = new HashMap<>();
    options.put("endpoint", AZURITE.endpoint());
    options.put("account-key-env", "AZURITE_KEY");
    for (int i = 0; i < more.length; i += 2) {
      options.put(more[i], more[i + 1]);
    }
    return options;
  }

  private static AzureBlobStorage storage() {
    return new AzureBlobStorage(keyOptions(), ENV);
  }

  private static Location loc(String container, String path) {
    return Location.of(
        "abfs://" + container + "@" + AzuriteServer.ACCOUNT + ".dfs.core.windows.net/" + path);
  }

  private static Location loc(String path) {
    return loc(CONTAINER, path);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Counts list-blob requests (every try) going through the pipeline. */
  private static final class ListRequests implements HttpPipelinePolicy {
    final AtomicInteger count = new AtomicInteger();

    private void record(HttpPipelineCallContext context) {
      String query = context.getHttpRequest().getUrl().getQuery();
      if (query != null && query.contains("comp=list")) {
        count.incrementAndGet();
      }
    }

    @Override
    public Mono<HttpResponse> process(
        HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      record(context);
      return next.process();
    }

    @Override
    public HttpResponse processSync(
        HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
      record(context);
      return next.processSync();
    }
  }

  @Test
  void listsThousandsOfBlobsLazilyPageByPage() throws Exception {
    int n = 2050;
    try (AzureBlobStorage writer = storage()) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          Location file = loc(String.format("many/p%02d/f%05d.bin", i % 10, i));
          writes.add(
              pool.submit(
                  () -> {
                    writer.write(file, bytes("x"));
                    return null;
                  }));
        }
        for (Future<?> w : writes) {
          w.get();
        }
      } finally {
        pool.shutdownNow();
      }
      writer.write(loc("many"), bytes("the prefix itself is an object too"));
      writer.write(loc("many-not/outside.bin"), bytes("shares the prefix string only"));
    }

    ListRequests requests = new ListRequests();
    try (AzureBlobStorage storage =
        new AzureBlobStorage(keyOptions(), ENV, List.of(requests), 100)) {
      try (Stream<FileEntry> listing = storage.list(loc("many"))) {
        assertEquals(1, requests.count.get(), "list() fetches the first page only");
        Iterator<FileEntry> it = listing.iterator();
        for (int i = 0; i < 150; i++) {
          it.next();
        }
        assertEquals(2, requests.count.get(), "150 entries = the blob itself + two pages");
      }
      assertEquals(2, requests.count.get(), "closing the stream fetches nothing");

      requests.count.set(0);
      Set<Location> all;
      try (Stream<FileEntry> listing = storage.list(loc("many"))) {
        all = listing.map(FileEntry::location).collect(Collectors.toSet());
      }
      assertEquals(n + 1, all.size());
      assertTrue(all.contains(loc("many")));
      assertTrue(all.contains(loc("many/p07/f00007.bin")));
      assertFalse(all.contains(loc("many-not/outside.bin")));
      assertEquals((n + 99) / 100, requests.count.get());
    }
  }

  @Test
  void readsAreConditionedOnTheVersion() throws Exception {
    try (AzureBlobStorage storage = storage()) {
      Location file = loc("cond/v.bin");
      storage.write(file, bytes("0123456789"));
      FileEntry old = storage.stat(file);
      assertEquals(10, old.length());
      assertFalse(old.version().token().contains("\""), "ETag quotes are stripped");
      try (StorageInput in = storage.open(old)) {
        byte[] buf = new byte[8];
        in.readFully(3, buf, 2, 4);
        assertArrayEquals(bytes("\0\0" + "3456" + "\0\0"), buf);
        in.readFully(0, buf, 0, 0);

        storage.write(file, bytes("ABCDEFGHIJ"));
        FileEntry now = storage.stat(file);
        VersionChangedException e =
            assertThrows(VersionChangedException.class, () -> in.read(0, 4));
        assertTrue(e.getMessage().contains(now.version().token()), e.getMessage());
      }
      assertThrows(VersionChangedException.class, () -> storage.open(old));

      FileEntry now = storage.stat(file);
      try (StorageInput in = storage.open(now)) {
        storage.delete(file);
        assertThrows(FileNotFoundException.class, () -> in.read(0, 4));
      }
      assertThrows(FileNotFoundException.class, () -> storage.open(now));
      assertThrows(FileNotFoundException.class, () -> storage.stat(file));
      storage.delete(file);
    }
  }

  @Test
  void wrongAccountKeyIsAccessDenied() throws Exception {
    try (AzureBlobStorage good = storage();
        AzureBlobStorage bad =
            new AzureBlobStorage(
                Map.of("endpoint", AZURITE.endpoint(), "account-key-env", "WRONG_KEY"), ENV)) {
      Location file = loc("denied/a.bin");
      good.write(file, bytes("secret data"));
      AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> bad.stat(file));
      assertTrue(e.getMessage().contains("403"), e.getMessage());
      assertThrows(AccessDeniedException.class, () -> bad.list(loc("denied")).close());
      assertThrows(AccessDeniedException.class, () -> bad.write(file, bytes("x")));
      assertThrows(AccessDeniedException.class, () -> bad.open(good.stat(file)));
    }
  }

  @Test
  void missingContainerIsNotFoundAndNamed() throws Exception {
    try (AzureBlobStorage storage = storage()) {
      Location file = loc("no-such-container", "a/b.bin");
      for (ThrowingCall call :
          List.<ThrowingCall>of(
              () -> storage.stat(file),
              () -> storage.list(loc("no-such-container", "a")).close(),
              () -> storage.list(loc("no-such-container", "")).close(),
              () -> storage.write(file, bytes("x")))) {
        FileNotFoundException e = assertThrows(FileNotFoundException.class, call::run);
        assertTrue(e.getMessage().contains("'no-such-container'"), e.getMessage());
      }
      assertFalse(storage.exists(file));
      assertFalse(storage.exists(loc("no-such-container", "")));
      storage.delete(file); // nothing there: not an error
    }
  }

  private interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  @Timeout(120) // only a guard against a hang: the SDK's backoff decides the real time
  void unreachableEndpointIsUnavailableAfterRetries() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + closedPort + "/" + AzuriteServer.ACCOUNT;
    try (AzureBlobStorage storage =
        new AzureBlobStorage(
            Map.of("endpoint", endpoint, "account-key-env", "AZURITE_KEY", "max-tries", "2"),
            ENV)) {
      StorageUnavailableException e =
          assertThrows(StorageUnavailableException.class, () -> storage.stat(loc("x.bin")));
      assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort), e.getMessage());
      assertTrue(e.getMessage().contains("2 tries"), e.getMessage());
    }
    try (AzureBlobStorage once =
        new AzureBlobStorage(
            Map.of("endpoint", endpoint, "account-key-env", "AZURITE_KEY", "max-tries", "1"),
            ENV)) {
      assertThrows(StorageUnavailableException.class, () -> once.list(loc("x")));
      assertThrows(StorageUnavailableException.class, () -> once.write(loc("x"), bytes("x")));
    }
  }

  @Test
  @Timeout(120)
  void silentServerTimesOutPerRequestTimeout() throws Exception {
    // Accepts connections and never answers: only request-timeout ends the call.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> accepted = new ArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Socket s = silent.accept();
                    synchronized (accepted) {
                      accepted.add(s);
                    }
                  }
                } catch (IOException closed) {
                  // the server socket was closed: the test is over
                }
              },
              "silent-server");
      acceptor.setDaemon(true);
      acceptor.start();
      String endpoint = "http://127.0.0.1:" + silent.getLocalPort() + "/" + AzuriteServer.ACCOUNT;
      try (AzureBlobStorage storage =
          new AzureBlobStorage(
              Map.of(
                  "endpoint",
                  endpoint,
                  "account-key-env",
                  "AZURITE_KEY",
                  "max-tries",
                  "1",
                  "request-timeout",
                  "1s"),
              ENV)) {
        StorageUnavailableException e =
            assertThrows(StorageUnavailableException.class, () -> storage.stat(loc("x.bin")));
        assertTrue(e.getMessage().contains(endpoint), e.getMessage());
      } finally {
        synchronized (accepted) {
          for (Socket s : accepted) {
            s.close();
          }
        }
      }
    }
  }

  @Test
  void connectionStringAndSasTokenWork() throws Exception {
    BlobContainerClient container = AZURITE.adminClient().getBlobContainerClient(CONTAINER);
    String sas =
        container.generateSas(
            new BlobServiceSasSignatureValues(
                OffsetDateTime.now().plusHours(1),
                new BlobContainerSasPermission()
                    .setReadPermission(true)
                    .setWritePermission(true)
                    .setListPermission(true)
                    .setDeletePermission(true)));
    Function<String, String> env = Map.of("CS", AZURITE.connectionString(), "SAS", "?" + sas)::get;
    try (AzureBlobStorage byConnectionString =
            new AzureBlobStorage(Map.of("connection-string-env", "CS"), env);
        AzureBlobStorage bySas =
            new AzureBlobStorage(
                Map.of("endpoint", AZURITE.endpoint(), "sas-token-env", "SAS"), env)) {
      Location file = loc("creds/cs.bin");
      byConnectionString.write(file, bytes("via connection string"));
      FileEntry entry = bySas.stat(file);
      try (StorageInput in = bySas.open(entry)) {
        assertArrayEquals(bytes("via"), in.read(0, 3));
      }
      try (Stream<FileEntry> s = bySas.list(loc("creds"))) {
        assertEquals(List.of(entry), s.toList());
      }
      Location otherAccount =
          Location.of("abfs://" + CONTAINER + "@other.dfs.core.windows.net/x.bin");
      IllegalArgumentException wrongAccount =
          assertThrows(IllegalArgumentException.class, () -> byConnectionString.stat(otherAccount));
      assertTrue(wrongAccount.getMessage().contains("'other'"), wrongAccount.getMessage());
    }
  }

  @Test
  void directoriesAreNotObjects() throws Exception {
    BlobContainerClient container = AZURITE.adminClient().getBlobContainerClient(CONTAINER);
    // What an ADLS Gen2 directory looks like through the Blob API.
    container
        .getBlobClient("tree/dir")
        .uploadWithResponse(
            new BlobParallelUploadOptions(BinaryData.fromBytes(new byte[0]))
                .setMetadata(Map.of("hdi_isfolder", "true")),
            null,
            null);
    container.getBlobClient("tree/marker/").upload(BinaryData.fromBytes(new byte[0]));
    try (AzureBlobStorage storage = storage()) {
      storage.write(loc("tree/dir/f.bin"), bytes("f"));
      try (Stream<FileEntry> s = storage.list(loc("tree"))) {
        assertEquals(List.of(loc("tree/dir/f.bin")), s.map(FileEntry::location).toList());
      }
      try (Stream<FileEntry> s = storage.list(loc("tree/dir"))) {
        assertEquals(List.of(loc("tree/dir/f.bin")), s.map(FileEntry::location).toList());
      }
      assertThrows(FileNotFoundException.class, () -> storage.stat(loc("tree/dir")));
      assertTrue(storage.exists(loc("tree/dir")));
      assertTrue(storage.exists(loc("tree")));
      assertFalse(storage.exists(loc("tre")));
      assertTrue(storage.exists(loc(CONTAINER, "")));
      assertThrows(FileNotFoundException.class, () -> storage.stat(loc(CONTAINER, "")));
    }
  }

  @Test
  void schemesNameTheSameObjectAndAreRegistered() throws Exception {
    try (AzureBlobStorage storage = storage()) {
      Location abfs = loc("schemes/a.bin");
      storage.write(abfs, bytes("same"));
      Location wasbs =
          Location.of(
              "wasbs://"
                  + CONTAINER
                  + "@"
                  + AzuriteServer.ACCOUNT
                  + ".blob.core.windows.net/schemes/a.bin");
      Location abfss = Location.of("abfss" + abfs.toString().substring("abfs".length()));
      assertEquals(storage.stat(abfs).version(), storage.stat(wasbs).version());
      assertEquals(storage.stat(abfs).version(), storage.stat(abfss).version());
      try (Stream<FileEntry> s = storage.list(wasbs)) {
        assertEquals(List.of(wasbs), s.map(FileEntry::location).toList());
      }
    }
    StorageRegistry registry = StorageRegistry.loadInstalled();
    for (String scheme : List.of("abfs", "abfss", "wasbs")) {
      Location location = Location.of(scheme + "://c@acct.dfs.core.windows.net/x");
      IllegalArgumentException unknown =
          assertThrows(
              IllegalArgumentException.class,
              () -> registry.create(location, Map.of("region", "westeurope")));
      assertTrue(unknown.getMessage().contains("region"), unknown.getMessage());
      assertTrue(unknown.getMessage().contains("account-key-env"), unknown.getMessage());
      IllegalArgumentException unset =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  registry.create(
                      location, Map.of("account-key-env", "QUIVER_TEST_VARIABLE_NOT_SET_42")));
      assertTrue(
          unset.getMessage().contains("QUIVER_TEST_VARIABLE_NOT_SET_42"), unset.getMessage());
    }
  }

  @Test
  void laterPageFailuresSurfaceAsUncheckedIoExceptions() throws Exception {
    // Deleting the container between pages: the next page fails, translated.
    AZURITE.adminClient().createBlobContainer("doomed");
    try (AzureBlobStorage storage = new AzureBlobStorage(keyOptions(), ENV, List.of(), 1)) {
      for (int i = 0; i < 3; i++) {
        storage.write(loc("doomed", "p/f" + i + ".bin"), bytes("x"));
      }
      try (Stream<FileEntry> listing = storage.list(loc("doomed", "p"))) {
        Iterator<FileEntry> it = listing.iterator();
        it.next();
        AZURITE.adminClient().deleteBlobContainer("doomed");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, it::next);
        assertTrue(e.getCause() instanceof FileNotFoundException, e.toString());
      }
    }
  }

  @Test
  void closedStorageRefusesCalls() throws Exception {
    Storage storage = storage();
    storage.close();
    assertThrows(IllegalStateException.class, () -> storage.stat(loc("x.bin")));
  }
}
