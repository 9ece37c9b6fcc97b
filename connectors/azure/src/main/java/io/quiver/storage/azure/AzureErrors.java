package io.quiver.storage.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.storage.blob.models.BlobStorageException;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.StorageUnavailableException;
import io.quiver.storage.VersionChangedException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.concurrent.TimeoutException;

/**
 * The one place where Azure SDK failures become the storage SPI's {@link IOException}s.
 *
 * <p>HTTP status first (the error code only tells a missing container from a missing blob): 404 →
 * {@link FileNotFoundException}, 412 → {@link VersionChangedException}, 401/403 → {@link
 * AccessDeniedException}, 416 → {@link EOFException}, 408/429/5xx and failures without a response
 * (refused connection, unknown host, timeout) → {@link StorageUnavailableException} naming the
 * endpoint. The SDK has already retried what it retries; nothing here retries again. Messages carry
 * no secrets: the endpoint never holds one (the options refuse a query in it).
 */
final class AzureErrors {
  static final String CONTAINER_NOT_FOUND = "ContainerNotFound";
  private static final HttpHeaderName ERROR_CODE_HEADER =
      HttpHeaderName.fromString("x-ms-error-code");

  private AzureErrors() {}

  /** What was being done, for messages. */
  record Request(String operation, BlobPath path, String endpoint, int maxTries) {}

  /** The HTTP status of an SDK failure, or -1 if there was no response. */
  static int status(Throwable failure) {
    HttpResponseException http = httpFailure(failure);
    return http == null || http.getResponse() == null ? -1 : http.getResponse().getStatusCode();
  }

  /** The storage error code (e.g. {@code BlobNotFound}), or null. */
  static String errorCode(Throwable failure) {
    HttpResponseException http = httpFailure(failure);
    if (http instanceof BlobStorageException b && b.getErrorCode() != null) {
      return b.getErrorCode().toString();
    }
    if (http != null && http.getResponse() != null) {
      return http.getResponse().getHeaderValue(ERROR_CODE_HEADER);
    }
    return null;
  }

  static boolean isContainerNotFound(Throwable failure) {
    return status(failure) == 404 && CONTAINER_NOT_FOUND.equals(errorCode(failure));
  }

  /**
   * Translates {@code failure} of {@code request}. {@code expected} is the version a conditional
   * request was made for (null for unconditional ones). Use as {@code throw translate(...)}.
   *
   * @throws RuntimeException {@code failure} itself if it is neither an HTTP error nor an I/O
   *     failure (a bug or an illegal argument must not pass for a storage failure)
   */
  static IOException translate(RuntimeException failure, Request request, ObjectVersion expected) {
    Location location = request.path().location();
    HttpResponseException http = httpFailure(failure);
    if (http != null && http.getResponse() != null) {
      int status = http.getResponse().getStatusCode();
      String code = errorCode(failure);
      String what = "HTTP " + status + (code == null ? "" : " " + code);
      if (status == 404) {
        FileNotFoundException e =
            CONTAINER_NOT_FOUND.equals(code)
                ? new FileNotFoundException(
                    "Container '"
                        + request.path().container()
                        + "' does not exist in storage account '"
                        + request.path().account()
                        + "' (at "
                        + request.endpoint()
                        + "; "
                        + request.operation()
                        + " "
                        + location
                        + ")")
                : new FileNotFoundException("No such object: " + location);
        e.initCause(failure);
        return e;
      }
      if (status == 412 && expected != null) {
        VersionChangedException e = new VersionChangedException(location, expected, null);
        e.initCause(failure);
        return e;
      }
      if (status == 401 || status == 403) {
        AccessDeniedException e =
            new AccessDeniedException(
                location.toString(),
                null,
                "access denied by "
                    + request.endpoint()
                    + " ("
                    + what
                    + ") on "
                    + request.operation()
                    + ": check the mount's credentials and their permissions");
        e.initCause(failure);
        return e;
      }
      if (status == 416) {
        EOFException e =
            new EOFException("Range not satisfiable on " + request.operation() + " of " + location);
        e.initCause(failure);
        return e;
      }
      if (status == 408 || status == 429 || status >= 500) {
        return new StorageUnavailableException(
            "Azure Blob endpoint "
                + request.endpoint()
                + " kept failing ("
                + what
                + ") on "
                + request.operation()
                + " "
                + location
                + " after "
                + tries(request.maxTries()),
            failure);
      }
      return new IOException(
          "Azure Blob " + request.operation() + " of " + location + " failed: " + what, failure);
    }
    Throwable io = ioCause(failure);
    if (io != null) {
      return new StorageUnavailableException(
          "Azure Blob endpoint "
              + request.endpoint()
              + " is unreachable ("
              + io.getClass().getSimpleName()
              + (io.getMessage() == null ? "" : ": " + io.getMessage())
              + ") on "
              + request.operation()
              + " "
              + location
              + " after "
              + tries(request.maxTries()),
          failure);
    }
    throw failure;
  }

  private static HttpResponseException httpFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof HttpResponseException h) {
        return h;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /**
   * The outermost I/O failure or timeout in the chain: the SDK wraps it in unchecked exceptions,
   * and what it wraps (e.g. a {@code ConnectException} over a {@code ClosedChannelException}) says
   * most.
   */
  private static Throwable ioCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof TimeoutException) {
        return t;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static String tries(int n) {
    return n + (n == 1 ? " try" : " tries");
  }
}
