package io.quiver.storage.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.DownloadRetryOptions;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Storage} on Azure Blob Storage (and ADLS Gen2 accounts through their Blob endpoint), with
 * the Azure SDK for Java ({@code azure-storage-blob}) over the JDK's HTTP client.
 *
 * <h2>Locations</h2>
 *
 * <p>{@code abfs://container@account.dfs.core.windows.net/path/to/object} (also {@code abfss://}),
 * or {@code wasbs://container@account.blob.core.windows.net/path}. The container is the part of the
 * authority before {@code @}, the storage account the first label of the host. All three schemes
 * mean the same object and always use HTTPS unless the {@code endpoint} option says otherwise; the
 * rest of the host only selects the cloud ({@code core.windows.net}, {@code core.chinacloudapi.cn},
 * ...). A location's path is the blob name; the container root ({@code
 * abfs://c@a.dfs.core.windows.net/}) can be listed and tested with {@link #exists} but is not an
 * object. One storage serves every container and account its credentials open.
 *
 * <h2>Options (all optional but one credential)</h2>
 *
 * <ul>
 *   <li>{@code endpoint}: the Blob service URL to use instead of {@code
 *       https://ACCOUNT.blob.SUFFIX}, e.g. {@code http://127.0.0.1:10000/devstoreaccount1} for
 *       Azurite; no query allowed.
 *   <li>{@code connection-string-env}, {@code account-key-env}, {@code sas-token-env}: exactly one,
 *       the <em>name</em> of the environment variable holding a connection string, the account's
 *       shared key or a SAS token. Secrets are never given in options. Azure AD ({@code
 *       DefaultAzureCredential}) is not supported.
 *   <li>{@code request-timeout}: per-try timeout (connect, response, and between body reads),
 *       default {@code 60s}.
 *   <li>{@code max-tries}: tries of one request by the SDK's exponential retry policy (1–20),
 *       default 3. Nothing here retries on top of the SDK.
 * </ul>
 *
 * <p>Unknown options, missing variables and contradictory credentials fail construction with an
 * {@link IllegalArgumentException} naming them.
 *
 * <h2>Versions and failures</h2>
 *
 * <p>An object's {@link ObjectVersion} is its ETag without quotes. {@link #open} checks it and
 * every read of the returned input is a ranged download with {@code If-Match}, so bytes of two
 * versions are never mixed: a changed blob fails with {@link VersionChangedException}, a deleted
 * one with {@link FileNotFoundException}. A missing container is a {@link FileNotFoundException}
 * naming it (except for {@link #exists} and {@link #delete}, where it is just "nothing there");
 * 401/403 is a {@link java.nio.file.AccessDeniedException}; an endpoint that cannot be reached or
 * keeps failing after the SDK's retries is a {@link io.quiver.storage.StorageUnavailableException}
 * naming it. Zero-length blobs marked {@code hdi_isfolder=true} (ADLS Gen2 directories) and names
 * ending in {@code /} are directories, not objects.
 *
 * <p>Thread-safe: SDK clients are immutable and shared, one per account.
 */
public final class AzureBlobStorage implements Storage {
  private static final Logger LOG = LoggerFactory.getLogger(AzureBlobStorage.class);

  /** The service's own maximum and default page size. */
  static final int DEFAULT_LIST_PAGE_SIZE = 5000;

  private static final String FOLDER_METADATA = "hdi_isfolder";
  private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final AzureOptions options;
  private final HttpClient httpClient;
  private final List<HttpPipelinePolicy> extraPolicies;
  private final int listPageSize;
  private final ConcurrentHashMap<String, BlobServiceClient> clients = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * A storage with the given mount options, reading credentials from the process environment.
   *
   * @throws IllegalArgumentException if an option is unknown or invalid or a named environment
   *     variable is not set
   */
  public AzureBlobStorage(Map<String, String> options) {
    this(options, System::getenv);
  }

  /**
   * As {@link #AzureBlobStorage(Map)}, with environment variables looked up through {@code env}.
   */
  AzureBlobStorage(Map<String, String> options, Function<String, String> env) {
    this(options, env, List.of(), DEFAULT_LIST_PAGE_SIZE);
  }

  /**
   * As {@link #AzureBlobStorage(Map, Function)}, adding {@code extraPolicies} to every client's
   * pipeline (run on every try) and listing {@code listPageSize} blobs per request.
   */
  AzureBlobStorage(
      Map<String, String> options,
      Function<String, String> env,
      List<HttpPipelinePolicy> extraPolicies,
      int listPageSize) {
    this.options = AzureOptions.parse(options, env);
    this.extraPolicies = List.copyOf(extraPolicies);
    if (listPageSize < 1 || listPageSize > DEFAULT_LIST_PAGE_SIZE) {
      throw new IllegalArgumentException("list page size must be 1.." + DEFAULT_LIST_PAGE_SIZE);
    }
    this.listPageSize = listPageSize;
    if (this.options.credentialKind() == AzureOptions.CredentialKind.CONNECTION_STRING) {
      try {
        new BlobServiceClientBuilder().connectionString(this.options.secret());
      } catch (IllegalArgumentException e) {
        // The SDK's message may quote the connection string: name the variable instead.
        throw new IllegalArgumentException(
            "Environment variable "
                + this.options.credentialEnv()
                + " does not hold a usable Azure Storage connection string (it needs a blob"
                + " endpoint or AccountName, and AccountKey or SharedAccessSignature)");
      }
    }
    Duration timeout = this.options.requestTimeout();
    this.httpClient =
        new JdkHttpClientBuilder()
            .connectionTimeout(
                timeout.compareTo(MAX_CONNECT_TIMEOUT) < 0 ? timeout : MAX_CONNECT_TIMEOUT)
            .writeTimeout(timeout)
            .responseTimeout(timeout)
            .readTimeout(timeout)
            .build();
  }

  @Override
  public Stream<FileEntry> list(Location prefix) throws IOException {
    BlobPath path = BlobPath.of(prefix);
    BlobServiceClient service = service(path);
    BlobContainerClient container = service.getBlobContainerClient(path.container());
    Optional<FileEntry> self = Optional.empty();
    String listPrefix = null;
    if (!path.isContainerRoot()) {
      self = statIfObject(path, service);
      listPrefix = path.blobName() + "/";
    }
    ListBlobsOptions listOptions =
        new ListBlobsOptions()
            .setPrefix(listPrefix)
            .setMaxResultsPerPage(listPageSize)
            .setDetails(new BlobListDetails().setRetrieveMetadata(true));
    AzureErrors.Request request = request("list", path, service);
    Iterator<PagedResponse<BlobItem>> pages;
    try {
      // Creating the page iterator fetches the first page: a missing container or denied access
      // is a checked exception of list() itself; later pages come only as the stream is consumed.
      pages = container.listBlobs(listOptions, null).iterableByPage().iterator();
    } catch (RuntimeException e) {
      throw AzureErrors.translate(e, request, null);
    }
    Iterator<PagedResponse<BlobItem>> translated =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            try {
              return pages.hasNext();
            } catch (RuntimeException e) {
              throw new UncheckedIOException(AzureErrors.translate(e, request, null));
            }
          }

          @Override
          public PagedResponse<BlobItem> next() {
            try {
              return pages.next();
            } catch (RuntimeException e) {
              throw new UncheckedIOException(AzureErrors.translate(e, request, null));
            }
          }
        };
    Stream<FileEntry> listed =
        StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(
                    translated, Spliterator.ORDERED | Spliterator.NONNULL),
                false)
            .flatMap(page -> page.getValue().stream())
            .map(item -> toEntry(path, item))
            .flatMap(Optional::stream);
    return Stream.concat(self.stream(), listed);
  }

  private static Optional<FileEntry> toEntry(BlobPath listed, BlobItem item) {
    String name = item.getName();
    if (name.endsWith("/") || isFolder(item.getMetadata())) {
      return Optional.empty();
    }
    Location location;
    try {
      location = listed.sibling(name);
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "Skipping blob '{}' in container {}: its name is not a valid location ({})",
          name,
          listed.container(),
          e.getMessage());
      return Optional.empty();
    }
    Long length = item.getProperties().getContentLength();
    return Optional.of(
        new FileEntry(
            location,
            length == null ? 0 : length,
            version(item.getProperties().getETag()),
            millis(item.getProperties().getLastModified())));
  }

  @Override
  public FileEntry stat(Location location) throws IOException {
    BlobPath path = BlobPath.of(location);
    if (path.isContainerRoot()) {
      throw new FileNotFoundException("Not an object: " + location + " is a container");
    }
    BlobServiceClient service = service(path);
    BlobProperties properties;
    try {
      properties = blob(service, path).getProperties();
    } catch (RuntimeException e) {
      throw AzureErrors.translate(e, request("stat", path, service), null);
    }
    if (isFolder(properties.getMetadata())) {
      throw new FileNotFoundException("Not an object: " + location + " is a directory");
    }
    return new FileEntry(location, properties.getBlobSize(), version(properties.getETag()));
  }

  /** The object at exactly {@code path}, if there is one (a missing container still fails). */
  private Optional<FileEntry> statIfObject(BlobPath path, BlobServiceClient service)
      throws IOException {
    BlobProperties properties;
    try {
      properties = blob(service, path).getProperties();
    } catch (RuntimeException e) {
      if (AzureErrors.status(e) == 404 && !AzureErrors.isContainerNotFound(e)) {
        return Optional.empty();
      }
      throw AzureErrors.translate(e, request("list", path, service), null);
    }
    if (isFolder(properties.getMetadata())) {
      return Optional.empty();
    }
    return Optional.of(
        new FileEntry(
            path.location(),
            properties.getBlobSize(),
            version(properties.getETag()),
            millis(properties.getLastModified())));
  }

  private static long millis(java.time.OffsetDateTime time) {
    return time == null ? FileEntry.UNKNOWN_TIME : time.toInstant().toEpochMilli();
  }

  @Override
  public boolean exists(Location location) throws IOException {
    BlobPath path = BlobPath.of(location);
    BlobServiceClient service = service(path);
    AzureErrors.Request request = request("exists", path, service);
    BlobContainerClient container = service.getBlobContainerClient(path.container());
    if (path.isContainerRoot()) {
      try {
        return container.exists();
      } catch (RuntimeException e) {
        throw AzureErrors.translate(e, request, null);
      }
    }
    try {
      container.getBlobClient(path.blobName()).getProperties();
      return true;
    } catch (RuntimeException e) {
      if (AzureErrors.status(e) != 404) {
        throw AzureErrors.translate(e, request, null);
      }
      if (AzureErrors.isContainerNotFound(e)) {
        return false;
      }
    }
    try {
      ListBlobsOptions one =
          new ListBlobsOptions().setPrefix(path.blobName() + "/").setMaxResultsPerPage(1);
      Iterator<PagedResponse<BlobItem>> pages =
          container.listBlobs(one, null).iterableByPage().iterator();
      return pages.hasNext() && !pages.next().getValue().isEmpty();
    } catch (RuntimeException e) {
      if (AzureErrors.isContainerNotFound(e)) {
        return false;
      }
      throw AzureErrors.translate(e, request, null);
    }
  }

  @Override
  public StorageInput open(FileEntry entry) throws IOException {
    BlobPath path = BlobPath.of(entry.location());
    if (path.isContainerRoot()) {
      throw new FileNotFoundException("Not an object: " + entry.location() + " is a container");
    }
    BlobServiceClient service = service(path);
    BlobClient blob = blob(service, path);
    AzureErrors.Request request = request("open", path, service);
    try {
      blob.getPropertiesWithResponse(ifMatch(entry.version()), null, Context.NONE);
    } catch (RuntimeException e) {
      throw conditionalFailure(e, request, blob, entry.version());
    }
    return new AzureBlobInput(entry, blob, request("read", path, service), options.maxTries());
  }

  @Override
  public void write(Location location, byte[] contents) throws IOException {
    Objects.requireNonNull(contents, "contents");
    BlobPath path = BlobPath.of(location);
    if (path.isContainerRoot()) {
      throw new IllegalArgumentException("Cannot write to a container root: " + location);
    }
    BlobServiceClient service = service(path);
    try {
      // One Put Blob: the new version replaces the old one atomically.
      blob(service, path)
          .getBlockBlobClient()
          .uploadWithResponse(
              new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(contents)), null, Context.NONE);
    } catch (RuntimeException e) {
      throw AzureErrors.translate(e, request("write", path, service), null);
    }
  }

  @Override
  public void delete(Location location) throws IOException {
    BlobPath path = BlobPath.of(location);
    if (path.isContainerRoot()) {
      throw new IllegalArgumentException("Cannot delete a container root: " + location);
    }
    BlobServiceClient service = service(path);
    try {
      blob(service, path).deleteWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null, null);
    } catch (RuntimeException e) {
      if (AzureErrors.status(e) == 404) {
        return;
      }
      throw AzureErrors.translate(e, request("delete", path, service), null);
    }
  }

  /**
   * Forgets the SDK clients; calls after {@code close()} fail with {@link IllegalStateException}.
   * The JDK HTTP client's threads are daemons of a shared pool and end with it.
   */
  @Override
  public void close() {
    closed = true;
    clients.clear();
  }

  private BlobServiceClient service(BlobPath path) {
    if (closed) {
      throw new IllegalStateException("Azure Blob storage is closed");
    }
    String key = path.account() + "@" + path.hostSuffix();
    return clients.computeIfAbsent(key, k -> newServiceClient(path));
  }

  private BlobServiceClient newServiceClient(BlobPath path) {
    BlobServiceClientBuilder builder =
        new BlobServiceClientBuilder()
            .httpClient(httpClient)
            .retryOptions(
                new RequestRetryOptions(
                    RetryPolicyType.EXPONENTIAL,
                    options.maxTries(),
                    options.requestTimeout(),
                    null,
                    null,
                    null));
    extraPolicies.forEach(builder::addPolicy);
    switch (options.credentialKind()) {
      case CONNECTION_STRING -> {
        Optional<String> account = options.connectionStringAccount();
        if (account.isPresent() && !account.get().equalsIgnoreCase(path.account())) {
          throw new IllegalArgumentException(
              "The connection string in "
                  + options.credentialEnv()
                  + " is for storage account '"
                  + account.get()
                  + "', but "
                  + path.location()
                  + " names account '"
                  + path.account()
                  + "'");
        }
        builder.connectionString(options.secret());
      }
      case ACCOUNT_KEY ->
          builder.credential(new StorageSharedKeyCredential(path.account(), options.secret()));
      case SAS_TOKEN -> builder.sasToken(options.secret());
    }
    Optional<String> endpoint = options.endpoint();
    if (endpoint.isPresent()) {
      builder.endpoint(endpoint.get());
    } else if (options.credentialKind() != AzureOptions.CredentialKind.CONNECTION_STRING) {
      builder.endpoint(
          path.defaultEndpoint()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "Cannot tell the Blob endpoint of "
                              + path.location()
                              + ": write the host as account.dfs.core.windows.net (or"
                              + " account.blob.<cloud suffix>), or give the endpoint option")));
    }
    return builder.buildClient();
  }

  private static BlobClient blob(BlobServiceClient service, BlobPath path) {
    return service.getBlobContainerClient(path.container()).getBlobClient(path.blobName());
  }

  private AzureErrors.Request request(String operation, BlobPath path, BlobServiceClient service) {
    return new AzureErrors.Request(operation, path, service.getAccountUrl(), options.maxTries());
  }

  /**
   * Translates the failure of a request conditioned on {@code expected}. On a failed condition the
   * blob is looked up once more: the store answers 412 for a deleted blob too (as HTTP says), which
   * the SPI reports as missing, and a version change names the version the blob has now.
   */
  static IOException conditionalFailure(
      RuntimeException failure,
      AzureErrors.Request request,
      BlobClient blob,
      ObjectVersion expected) {
    IOException translated = AzureErrors.translate(failure, request, expected);
    if (!(translated instanceof VersionChangedException)) {
      return translated;
    }
    ObjectVersion actual;
    try {
      actual = version(blob.getProperties().getETag());
    } catch (RuntimeException lookup) {
      if (AzureErrors.status(lookup) == 404) {
        FileNotFoundException gone =
            new FileNotFoundException("Object was deleted: " + request.path().location());
        gone.initCause(failure);
        return gone;
      }
      translated.addSuppressed(lookup);
      return translated;
    }
    VersionChangedException changed =
        new VersionChangedException(request.path().location(), expected, actual);
    changed.initCause(failure);
    return changed;
  }

  static boolean isFolder(Map<String, String> metadata) {
    if (metadata == null) {
      return false;
    }
    return metadata.entrySet().stream()
        .anyMatch(
            e ->
                e.getKey().equalsIgnoreCase(FOLDER_METADATA)
                    && "true".equalsIgnoreCase(e.getValue()));
  }

  /** An ETag as a version: without the quotes HTTP puts around it. */
  static ObjectVersion version(String etag) {
    if (etag == null) {
      throw new IllegalStateException("Azure returned a blob without an ETag");
    }
    String t = etag.strip();
    if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
      t = t.substring(1, t.length() - 1);
    }
    return new ObjectVersion(t);
  }

  static BlobRequestConditions ifMatch(ObjectVersion version) {
    return new BlobRequestConditions().setIfMatch("\"" + version.token() + "\"");
  }

  /**
   * Positional reads of one version of a blob: each read is one ranged download with {@code
   * If-Match}. Holds no connection between reads; thread-safe.
   */
  private static final class AzureBlobInput implements StorageInput {
    private final FileEntry entry;
    private final BlobClient blob;
    private final AzureErrors.Request request;
    private final DownloadRetryOptions downloadRetry;

    AzureBlobInput(FileEntry entry, BlobClient blob, AzureErrors.Request request, int maxTries) {
      this.entry = entry;
      this.blob = blob;
      this.request = request;
      // Resumes an interrupted body from where it broke off, still conditioned on the ETag.
      this.downloadRetry = new DownloadRetryOptions().setMaxRetryRequests(maxTries - 1);
    }

    @Override
    public FileEntry entry() {
      return entry;
    }

    @Override
    public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
      StorageInput.checkRange(entry, position, buffer, offset, length);
      if (length == 0) {
        return;
      }
      RangeSink sink = new RangeSink(buffer, offset, length);
      try {
        blob.downloadStreamWithResponse(
            sink,
            new BlobRange(position, (long) length),
            downloadRetry,
            ifMatch(entry.version()),
            false,
            null,
            Context.NONE);
      } catch (RuntimeException e) {
        if (sink.overflowed()) {
          throw new IOException(
              "Azure returned more than the "
                  + length
                  + " bytes asked for at "
                  + position
                  + " of "
                  + entry.location(),
              e);
        }
        throw conditionalFailure(e, request, blob, entry.version());
      }
      if (sink.written() != length) {
        throw new EOFException(
            "Got "
                + sink.written()
                + " of "
                + length
                + " bytes at "
                + position
                + " of "
                + entry.location());
      }
    }

    @Override
    public void close() {}
  }

  /** Writes a download straight into the caller's array slice; refuses to overflow it. */
  private static final class RangeSink extends OutputStream {
    private final byte[] buffer;
    private final int start;
    private final int end;
    private int position;
    private boolean overflowed;

    RangeSink(byte[] buffer, int offset, int length) {
      this.buffer = buffer;
      this.start = offset;
      this.end = offset + length;
      this.position = offset;
    }

    int written() {
      return position - start;
    }

    boolean overflowed() {
      return overflowed;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > end - position) {
        overflowed = true;
        throw new IOException("Azure returned more bytes than the " + (end - start) + " requested");
      }
      System.arraycopy(b, off, buffer, position, len);
      position += len;
    }
  }
}
