package io.quiver.storage.s3;

import io.quiver.storage.DirectoryListing;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * {@code s3://bucket/key} storage on Amazon S3 or an S3-compatible store (MinIO, Ceph, S3Proxy),
 * with the AWS SDK v2. Created by {@link S3StorageProvider} from mount options (see there for the
 * table).
 *
 * <p>Mapping onto the SPI:
 *
 * <ul>
 *   <li>The authority is the bucket; the path without its leading {@code /} is the key; path {@code
 *       /} is the bucket root.
 *   <li>An object's {@link ObjectVersion} is its ETag without quotes.
 *   <li>{@link #list} is recursive and lazy: one {@code ListObjectsV2} page is fetched when the
 *       stream is created (so a missing bucket or refused credentials fail the call itself), the
 *       next one only when the consumer gets to it. Listing {@code a/b} returns the objects below
 *       {@code a/b/} (never {@code a/bc/...}) and, last, the object {@code a/b} itself if there is
 *       one. Keys ending in {@code /} (folder markers) and keys that are not valid {@link Location}
 *       paths (empty, {@code .} or {@code ..} segments) are skipped. A failure on a later page
 *       surfaces as an {@link UncheckedIOException} from the stream.
 *   <li>{@link #listDirectory} is one {@code ListObjectsV2} with delimiter {@code /} per page: the
 *       objects directly below {@code prefix/} and its common prefixes as directories.
 *   <li>{@link #open} checks the entry's version with one {@code HeadObject}; every read of the
 *       returned input is a ranged {@code GetObject} with {@code If-Match: "etag"}, so a replaced
 *       object fails with {@link VersionChangedException} and returns no bytes.
 *   <li>{@link #exists}: an object, else a non-empty prefix {@code path/}; the bucket root exists
 *       iff the bucket does.
 * </ul>
 *
 * <p>Failures: a missing object is a {@link FileNotFoundException}; a missing bucket is one too,
 * naming the bucket; HTTP 403 and credential errors are {@link java.nio.file.AccessDeniedException}
 * saying which credentials were used; an unreachable endpoint, timeouts, throttling and 5xx after
 * the SDK's retries are {@link io.quiver.storage.StorageUnavailableException} naming the endpoint;
 * other S3 errors are {@link IOException}s with the HTTP status and S3 error code. Retries happen
 * only inside the SDK ({@code max-attempts}).
 *
 * <p>Thread-safe: one instance serves concurrent callers; inputs returned by {@link #open} are
 * thread-safe too (they hold no position). Listing streams are for one consumer. {@link #close()}
 * closes the S3 client and the credentials provider this storage created.
 */
public final class S3Storage implements Storage {
  /** S3's own maximum and default page size for {@code ListObjectsV2}. */
  static final int DEFAULT_LIST_PAGE_SIZE = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(S3Storage.class);
  private static final String OCTET_STREAM = "application/octet-stream";

  private final S3Client s3;
  private final AwsCredentialsProvider credentialsProvider;
  private final S3Errors errors;
  private final int listPageSize;

  /**
   * @param interceptors extra SDK interceptors (tests count requests with them)
   * @param listPageSize {@code max-keys} of each {@code ListObjectsV2} page, 1 to 1000
   * @throws IllegalArgumentException if the SDK cannot be configured (e.g. no region can be found)
   */
  S3Storage(S3MountOptions options, List<ExecutionInterceptor> interceptors, int listPageSize) {
    if (listPageSize < 1 || listPageSize > DEFAULT_LIST_PAGE_SIZE) {
      throw new IllegalArgumentException("list page size must be 1..1000, got " + listPageSize);
    }
    this.listPageSize = listPageSize;
    this.credentialsProvider = credentialsProvider(options.credentials());
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .connectionTimeout(options.connectTimeout())
                    .socketTimeout(options.requestTimeout()))
            .credentialsProvider(credentialsProvider)
            .forcePathStyle(options.pathStyle())
            .overrideConfiguration(
                o -> {
                  o.retryStrategy(r -> r.maxAttempts(options.maxAttempts()));
                  o.apiCallAttemptTimeout(options.requestTimeout());
                  interceptors.forEach(o::addExecutionInterceptor);
                });
    if (options.region() != null) {
      builder.region(options.region());
    }
    if (options.endpoint() != null) {
      // S3-compatible stores often reject or mis-verify the SDK's default flexible checksums
      // (S3Proxy: "x-amz-content-sha256 ... does not match"); use them only where S3 requires them.
      builder
          .endpointOverride(options.endpoint())
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    try {
      this.s3 = builder.build();
    } catch (SdkClientException e) {
      closeQuietly(credentialsProvider, e);
      throw new IllegalArgumentException(
          "Cannot configure the S3 client: "
              + e.getMessage()
              + (options.region() == null ? " (set the mount option 'region')" : ""),
          e);
    }
    String endpoint =
        options.endpoint() != null
            ? options.endpoint().toString()
            : "AWS S3 (region " + s3.serviceClientConfiguration().region().id() + ")";
    this.errors = new S3Errors(endpoint, options.credentials().describe(), options.maxAttempts());
  }

  private static AwsCredentialsProvider credentialsProvider(
      S3MountOptions.CredentialSource source) {
    if (source instanceof S3MountOptions.EnvironmentKeys keys) {
      return StaticCredentialsProvider.create(keys.keys());
    }
    if (source instanceof S3MountOptions.NamedProfile profile) {
      return ProfileCredentialsProvider.builder().profileName(profile.name()).build();
    }
    if (source instanceof S3MountOptions.Anonymous) {
      return AnonymousCredentialsProvider.create();
    }
    // Our own instance, not the shared singleton of create(), so that close() may close it.
    return DefaultCredentialsProvider.builder().build();
  }

  @Override
  public Stream<FileEntry> list(Location prefix) throws IOException {
    String bucket = bucket(prefix);
    String key = key(prefix);
    Listing listing =
        key.isEmpty()
            ? new Listing(prefix, bucket, "", null)
            : new Listing(prefix, bucket, key + "/", key);
    listing.fetchPage();
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(listing, Spliterator.NONNULL), false);
  }

  @Override
  public DirectoryListing listDirectory(Location prefix) throws IOException {
    String bucket = bucket(prefix);
    String key = key(prefix);
    String keyPrefix = key.isEmpty() ? "" : key + "/";
    Location bucketRoot = Location.of(S3StorageProvider.SCHEME + "://" + bucket);
    java.util.List<FileEntry> files = new java.util.ArrayList<>();
    java.util.List<Location> directories = new java.util.ArrayList<>();
    String token = null;
    do {
      ListObjectsV2Request.Builder request =
          ListObjectsV2Request.builder().bucket(bucket).delimiter("/").maxKeys(listPageSize);
      if (!keyPrefix.isEmpty()) {
        request.prefix(keyPrefix);
      }
      if (token != null) {
        request.continuationToken(token);
      }
      ListObjectsV2Response page;
      try {
        page = s3.listObjectsV2(request.build());
      } catch (SdkException e) {
        throw errors.translate(e, "ListObjectsV2", prefix);
      }
      for (S3Object object : page.contents()) {
        FileEntry entry = listedEntry(bucketRoot, object);
        if (entry != null) {
          files.add(entry);
        }
      }
      for (software.amazon.awssdk.services.s3.model.CommonPrefix common : page.commonPrefixes()) {
        String dir = common.prefix();
        dir = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
        try {
          directories.add(bucketRoot.resolve(dir));
        } catch (IllegalArgumentException e) {
          LOG.warn("Skipping S3 prefix {} in {}: not addressable as a location", dir, bucketRoot);
        }
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    return new DirectoryListing(files, directories);
  }

  @Override
  public boolean supportsDirectoryListing() {
    return true;
  }

  @Override
  public FileEntry stat(Location location) throws IOException {
    String bucket = bucket(location);
    String key = key(location);
    if (key.isEmpty()) {
      throw new FileNotFoundException(location + " is a bucket, not an object");
    }
    HeadObjectResponse head = headObject(bucket, key, location);
    return new FileEntry(
        location,
        head.contentLength(),
        version(head.eTag(), location),
        millis(head.lastModified()));
  }

  @Override
  public boolean exists(Location location) throws IOException {
    String bucket = bucket(location);
    String key = key(location);
    if (key.isEmpty()) {
      try {
        s3.headBucket(b -> b.bucket(bucket));
        return true;
      } catch (SdkException e) {
        if (S3Errors.status(e) == S3Errors.NOT_FOUND) {
          return false;
        }
        throw errors.translate(e, "HeadBucket", location);
      }
    }
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (SdkException e) {
      if (S3Errors.status(e) != S3Errors.NOT_FOUND) {
        throw errors.translate(e, "HeadObject", location);
      }
    }
    // Not an object: maybe a "directory". A missing bucket fails here with its name.
    try {
      ListObjectsV2Response page =
          s3.listObjectsV2(b -> b.bucket(bucket).prefix(key + "/").maxKeys(1));
      return page.hasContents() && !page.contents().isEmpty();
    } catch (SdkException e) {
      throw errors.translate(e, "ListObjectsV2", location);
    }
  }

  @Override
  public StorageInput open(FileEntry entry) throws IOException {
    Objects.requireNonNull(entry, "entry");
    Location location = entry.location();
    String bucket = bucket(location);
    String key = key(location);
    if (key.isEmpty()) {
      throw new FileNotFoundException(location + " is a bucket, not an object");
    }
    HeadObjectResponse head = headObject(bucket, key, location);
    ObjectVersion actual = version(head.eTag(), location);
    if (!actual.equals(entry.version())) {
      throw new VersionChangedException(location, entry.version(), actual);
    }
    return new S3Input(entry, bucket, key);
  }

  @Override
  public void write(Location location, byte[] contents) throws IOException {
    Objects.requireNonNull(contents, "contents");
    String bucket = bucket(location);
    String key = objectKey(location, "write");
    // fromByteArrayUnsafe: the SDK streams the caller's array instead of copying it.
    RequestBody body =
        RequestBody.fromContentProvider(
            ContentStreamProvider.fromByteArrayUnsafe(contents), contents.length, OCTET_STREAM);
    try {
      s3.putObject(b -> b.bucket(bucket).key(key).contentLength((long) contents.length), body);
    } catch (SdkException e) {
      throw errors.translate(e, "PutObject", location);
    }
  }

  @Override
  public void delete(Location location) throws IOException {
    String bucket = bucket(location);
    String key = objectKey(location, "delete");
    try {
      s3.deleteObject(b -> b.bucket(bucket).key(key));
    } catch (SdkException e) {
      // S3 answers 204 for a missing key; some compatible stores answer 404 instead.
      if (S3Errors.status(e) == S3Errors.NOT_FOUND && !S3Errors.isMissingBucket(e)) {
        return;
      }
      throw errors.translate(e, "DeleteObject", location);
    }
  }

  /** Closes the S3 client (and its HTTP connections) and the credentials provider. */
  @Override
  public void close() {
    try {
      s3.close();
    } finally {
      if (credentialsProvider instanceof SdkAutoCloseable closeable) {
        closeable.close();
      }
    }
  }

  @Override
  public String toString() {
    return "S3Storage[" + errors.endpoint() + "]";
  }

  private static void closeQuietly(AwsCredentialsProvider provider, Exception failure) {
    if (provider instanceof SdkAutoCloseable closeable) {
      try {
        closeable.close();
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
  }

  private static String bucket(Location location) {
    if (!location.scheme().equals(S3StorageProvider.SCHEME)) {
      throw new IllegalArgumentException("Not an s3:// location: " + location);
    }
    if (location.authority().isEmpty()) {
      throw new IllegalArgumentException(
          "s3:// locations need a bucket: '" + location + "' (write s3://bucket/key)");
    }
    return location.authority();
  }

  /** The key: the path without its leading slash; empty for the bucket root. */
  private static String key(Location location) {
    return location.path().substring(1);
  }

  private static String objectKey(Location location, String operation) {
    String key = key(location);
    if (key.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot " + operation + " " + location + ": it is a bucket, not an object");
    }
    return key;
  }

  /** The version of an ETag as S3 sends it ({@code "abc"}, quotes included). */
  private static ObjectVersion version(String eTag, Location location) throws IOException {
    String token = stripQuotes(eTag);
    if (token == null || token.isEmpty()) {
      throw new IOException("S3 returned no ETag for " + location + "; cannot version reads");
    }
    return new ObjectVersion(token);
  }

  static String stripQuotes(String eTag) {
    if (eTag == null) {
      return null;
    }
    String t = eTag.trim();
    if (t.startsWith("W/")) {
      t = t.substring(2);
    }
    if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
      t = t.substring(1, t.length() - 1);
    }
    return t;
  }

  private HeadObjectResponse headObject(String bucket, String key, Location location)
      throws IOException {
    try {
      return s3.headObject(b -> b.bucket(bucket).key(key));
    } catch (SdkException e) {
      if (S3Errors.status(e) == S3Errors.NOT_FOUND) {
        throw objectNotFound(bucket, location, e);
      }
      throw errors.translate(e, "HeadObject", location);
    }
  }

  /**
   * A HEAD answer 404 has no body, so it cannot say whether the key or the bucket is missing; one
   * {@code HeadBucket} on this (rare) path tells them apart for the message.
   */
  private FileNotFoundException objectNotFound(String bucket, Location location, SdkException e) {
    FileNotFoundException missing;
    if (bucketMissing(bucket)) {
      missing = errors.missingBucket(bucket);
    } else {
      missing = new FileNotFoundException("No such S3 object: " + location);
    }
    missing.initCause(e);
    return missing;
  }

  private boolean bucketMissing(String bucket) {
    try {
      s3.headBucket(b -> b.bucket(bucket));
      return false;
    } catch (SdkException e) {
      return S3Errors.status(e) == S3Errors.NOT_FOUND;
    }
  }

  private FileEntry listedEntry(Location bucketRoot, S3Object object) throws IOException {
    String key = object.key();
    if (key.endsWith("/")) {
      return null; // a folder marker, not data
    }
    Location location;
    try {
      location = bucketRoot.resolve(key);
    } catch (IllegalArgumentException e) {
      LOG.warn("Skipping S3 object {} in {}: not addressable as a location", key, bucketRoot);
      return null;
    }
    return new FileEntry(
        location, object.size(), version(object.eTag(), location), millis(object.lastModified()));
  }

  private static long millis(java.time.Instant time) {
    return time == null ? FileEntry.UNKNOWN_TIME : time.toEpochMilli();
  }

  /** The pages of one listing, fetched as the consumer advances. Not thread-safe. */
  private final class Listing implements Iterator<FileEntry> {
    private final Location prefix;
    private final String bucket;
    private final Location bucketRoot;
    private final String keyPrefix;
    private final String selfKey;
    private Iterator<S3Object> page = Collections.emptyIterator();
    private String continuationToken;
    private boolean morePages = true;
    private boolean selfChecked;
    private FileEntry next;

    Listing(Location prefix, String bucket, String keyPrefix, String selfKey) {
      this.prefix = prefix;
      this.bucket = bucket;
      this.bucketRoot = Location.of(S3StorageProvider.SCHEME + "://" + bucket);
      this.keyPrefix = keyPrefix;
      this.selfKey = selfKey;
    }

    void fetchPage() throws IOException {
      ListObjectsV2Request.Builder request =
          ListObjectsV2Request.builder().bucket(bucket).maxKeys(listPageSize);
      if (!keyPrefix.isEmpty()) {
        request.prefix(keyPrefix);
      }
      if (continuationToken != null) {
        request.continuationToken(continuationToken);
      }
      ListObjectsV2Response response;
      try {
        response = s3.listObjectsV2(request.build());
      } catch (SdkException e) {
        throw errors.translate(e, "ListObjectsV2", prefix);
      }
      page = response.contents().iterator();
      continuationToken = response.nextContinuationToken();
      // A truncated page without a token would loop forever; treat it as the last one.
      morePages = Boolean.TRUE.equals(response.isTruncated()) && continuationToken != null;
    }

    @Override
    public boolean hasNext() {
      try {
        while (next == null) {
          if (page.hasNext()) {
            next = listedEntry(bucketRoot, page.next());
          } else if (morePages) {
            fetchPage();
          } else if (selfKey != null && !selfChecked) {
            selfChecked = true;
            next = selfEntry();
          } else {
            return false;
          }
        }
        return true;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public FileEntry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      FileEntry entry = next;
      next = null;
      return entry;
    }

    private FileEntry selfEntry() throws IOException {
      Location location = bucketRoot.resolve(selfKey);
      try {
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(selfKey));
        return new FileEntry(
            location,
            head.contentLength(),
            version(head.eTag(), location),
            millis(head.lastModified()));
      } catch (SdkException e) {
        if (S3Errors.status(e) == S3Errors.NOT_FOUND) {
          return null;
        }
        throw errors.translate(e, "HeadObject", location);
      }
    }
  }

  /** What a ranged GET found before the body was read. */
  private record RangeRead(boolean ok, String actualETag, Long contentLength) {
    static final RangeRead OK = new RangeRead(true, null, null);
  }

  /** Ranged reads of one version; stateless apart from the closed flag, so thread-safe. */
  private final class S3Input implements StorageInput {
    private final FileEntry entry;
    private final String bucket;
    private final String key;
    private final String ifMatch;
    private volatile boolean closed;

    S3Input(FileEntry entry, String bucket, String key) {
      this.entry = entry;
      this.bucket = bucket;
      this.key = key;
      this.ifMatch = "\"" + entry.version().token() + "\"";
    }

    @Override
    public FileEntry entry() {
      return entry;
    }

    @Override
    public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
      if (closed) {
        throw new IOException("Input of " + entry.location() + " is closed");
      }
      StorageInput.checkRange(entry, position, buffer, offset, length);
      if (length == 0) {
        return;
      }
      GetObjectRequest request =
          GetObjectRequest.builder()
              .bucket(bucket)
              .key(key)
              .ifMatch(ifMatch)
              .range("bytes=" + position + "-" + (position + length - 1))
              .build();
      ResponseTransformer<GetObjectResponse, RangeRead> intoBuffer =
          (response, body) -> {
            // Checked before a byte is copied: a store that ignores If-Match must not hand us
            // bytes of another version, nor a body of the wrong size.
            String eTag = stripQuotes(response.eTag());
            if (eTag != null && !eTag.equals(entry.version().token())) {
              return new RangeRead(false, eTag, null);
            }
            Long contentLength = response.contentLength();
            if (contentLength == null || contentLength != length) {
              return new RangeRead(false, null, contentLength);
            }
            int n = body.readNBytes(buffer, offset, length);
            if (n != length) {
              // An IOException lets the SDK retry the attempt.
              throw new EOFException(
                  "S3 body of " + entry.location() + " ended after " + n + " of " + length);
            }
            return RangeRead.OK;
          };
      RangeRead result;
      try {
        result = s3.getObject(request, intoBuffer);
      } catch (SdkException e) {
        int status = S3Errors.status(e);
        if (status == S3Errors.PRECONDITION_FAILED) {
          throw versionChanged(e);
        }
        if (status == S3Errors.NOT_FOUND && !S3Errors.isMissingBucket(e)) {
          FileNotFoundException gone =
              new FileNotFoundException("S3 object was deleted: " + entry.location());
          gone.initCause(e);
          throw gone;
        }
        throw errors.translate(e, "GetObject", entry.location());
      }
      if (!result.ok()) {
        if (result.actualETag() != null) {
          throw new VersionChangedException(
              entry.location(), entry.version(), new ObjectVersion(result.actualETag()));
        }
        throw new IOException(
            "S3 at "
                + errors.endpoint()
                + " answered a "
                + length
                + "-byte range read of "
                + entry.location()
                + " with "
                + result.contentLength()
                + " bytes");
      }
    }

    /** After a 412: find the current version for the message, or that the object is gone. */
    private IOException versionChanged(SdkException cause) {
      ObjectVersion actual = null;
      IOException headFailure = null;
      try {
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
        actual = version(head.eTag(), entry.location());
      } catch (SdkException e) {
        if (S3Errors.status(e) == S3Errors.NOT_FOUND) {
          FileNotFoundException gone =
              new FileNotFoundException("S3 object was deleted: " + entry.location());
          gone.initCause(cause);
          return gone;
        }
        headFailure = errors.translate(e, "HeadObject", entry.location());
      } catch (IOException e) {
        headFailure = e;
      }
      VersionChangedException changed =
          new VersionChangedException(
              entry.location(),
              entry.version(),
              actual == null || actual.equals(entry.version()) ? null : actual);
      changed.initCause(cause);
      if (headFailure != null) {
        changed.addSuppressed(headFailure);
      }
      return changed;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
