package io.quiver.storage.s3;

import io.quiver.storage.Location;
import io.quiver.storage.StorageUnavailableException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Translates AWS SDK failures into the storage SPI's {@link IOException}s. The one place where S3
 * errors are interpreted, so every operation reports them the same way.
 *
 * <p>Messages name the endpoint and, for refusals, which credentials were used (environment
 * variable names, profile name or "default chain"), never secret values.
 *
 * <p>Immutable and thread-safe.
 */
final class S3Errors {
  static final int NOT_FOUND = 404;
  static final int PRECONDITION_FAILED = 412;

  private static final Set<String> CREDENTIAL_ERRORS =
      Set.of(
          "AccessDenied",
          "AllAccessDisabled",
          "InvalidAccessKeyId",
          "SignatureDoesNotMatch",
          "ExpiredToken",
          "InvalidToken",
          "TokenRefreshRequired",
          "AccountProblem");

  private final String endpoint;
  private final String credentials;
  private final int maxAttempts;

  /**
   * @param endpoint the endpoint as users know it, for messages
   * @param credentials which credentials are used, as {@link
   *     S3MountOptions.CredentialSource#describe()} says
   */
  S3Errors(String endpoint, String credentials, int maxAttempts) {
    this.endpoint = endpoint;
    this.credentials = credentials;
    this.maxAttempts = maxAttempts;
  }

  String endpoint() {
    return endpoint;
  }

  /** The HTTP status of a service error, or -1 if {@code e} did not come from the server. */
  static int status(SdkException e) {
    return e instanceof AwsServiceException se ? se.statusCode() : -1;
  }

  /** The S3 error code ({@code NoSuchKey}, {@code SlowDown}, ...), or null. */
  static String errorCode(SdkException e) {
    if (e instanceof AwsServiceException se) {
      AwsErrorDetails details = se.awsErrorDetails();
      return details == null ? null : details.errorCode();
    }
    return null;
  }

  static boolean isMissingBucket(SdkException e) {
    return "NoSuchBucket".equals(errorCode(e));
  }

  FileNotFoundException missingBucket(String bucket) {
    return new FileNotFoundException("S3 bucket '" + bucket + "' does not exist at " + endpoint);
  }

  /**
   * The storage exception for a failed S3 call.
   *
   * @param operation the S3 operation, e.g. {@code GetObject}
   * @param location what it was about (an object, a prefix or a bucket root)
   */
  IOException translate(SdkException e, String operation, Location location) {
    if (e instanceof AwsServiceException se) {
      return serviceError(se, operation, location);
    }
    if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
      InterruptedIOException interrupted =
          new InterruptedIOException("S3 " + operation + " of " + location + " was interrupted");
      interrupted.initCause(e);
      return interrupted;
    }
    if (isUnreachable(e)) {
      return new StorageUnavailableException(
          "S3 endpoint "
              + endpoint
              + " did not answer "
              + operation
              + " of "
              + location
              + " (up to "
              + maxAttempts
              + " attempt"
              + (maxAttempts == 1 ? "" : "s")
              + "): "
              + rootMessage(e),
          e);
    }
    return new IOException(
        "S3 " + operation + " of " + location + " at " + endpoint + " failed: " + e.getMessage(),
        e);
  }

  private IOException serviceError(AwsServiceException e, String operation, Location location) {
    int status = e.statusCode();
    String code = errorCode(e);
    if ("NoSuchBucket".equals(code)) {
      return withCause(missingBucket(location.authority()), e);
    }
    if (status == NOT_FOUND) {
      return withCause(new FileNotFoundException("No such S3 object: " + location), e);
    }
    if (status == 403 || (code != null && CREDENTIAL_ERRORS.contains(code))) {
      AccessDeniedException denied =
          new AccessDeniedException(
              location.toString(),
              null,
              "S3 refused "
                  + operation
                  + " (HTTP "
                  + status
                  + (code == null ? "" : " " + code)
                  + ") for "
                  + credentials
                  + " at "
                  + endpoint);
      return withCause(denied, e);
    }
    // 501 Not Implemented is an answer, not an outage: it falls through to a plain IOException.
    if ((status >= 500 && status != 501) || status == 429 || e.isThrottlingException()) {
      return new StorageUnavailableException(
          "S3 at "
              + endpoint
              + " kept failing "
              + operation
              + " of "
              + location
              + " after "
              + maxAttempts
              + " attempt"
              + (maxAttempts == 1 ? "" : "s")
              + ": HTTP "
              + status
              + (code == null ? "" : " " + code),
          e);
    }
    String detail = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
    return new IOException(
        "S3 "
            + operation
            + " of "
            + location
            + " at "
            + endpoint
            + " failed: HTTP "
            + status
            + (code == null ? "" : " " + code)
            + (detail == null ? "" : ": " + detail),
        e);
  }

  private static boolean isUnreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApiCallAttemptTimeoutException
          || t instanceof ApiCallTimeoutException
          || t instanceof SocketException // includes ConnectException, NoRouteToHostException
          || t instanceof SocketTimeoutException
          || t instanceof UnknownHostException
          // Apache HttpClient: the endpoint closed a pooled connection without answering.
          || t instanceof org.apache.http.NoHttpResponseException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static <T extends IOException> T withCause(T exception, Throwable cause) {
    exception.initCause(cause);
    return exception;
  }
}
