package io.quiver.protocol;

import java.util.Optional;

/**
 * Machine-readable kinds of failure a Quiver node reports with every error, so that clients can act
 * on them without parsing messages. The node sends {@link #code()} in the error's Flight metadata
 * under {@link #METADATA_KEY} (a gRPC trailer), next to the Flight status it maps to.
 *
 * <p>What a client should do is part of the contract: {@link #STALE_TICKET} and {@link
 * #VERSION_CHANGED} ask for a new plan ({@code GetFlightInfo}) and then a retry; {@link
 * #STORAGE_UNAVAILABLE} and {@link #NODE_UNAVAILABLE} may be retried as they are, after a pause;
 * the others will fail again unchanged.
 *
 * <p>Codes are stable across releases; new ones may be added, so clients must treat an unknown code
 * like {@link #INTERNAL} ({@link #of} returns empty for it).
 */
public enum ErrorCode {
  /** The request itself is malformed or names something invalid (status INVALID_ARGUMENT). */
  INVALID_REQUEST("invalid-request"),
  /** A table, path or file does not exist (NOT_FOUND). */
  NOT_FOUND("not-found"),
  /** A mount or table already exists there (ALREADY_EXISTS). */
  ALREADY_EXISTS("already-exists"),
  /** No or wrong credentials (UNAUTHENTICATED). */
  UNAUTHENTICATED("unauthenticated"),
  /** The caller's role does not allow the operation or mount (UNAUTHORIZED). */
  PERMISSION_DENIED("permission-denied"),
  /**
   * The ticket has expired, was signed by another node or before a restart: plan again
   * (INVALID_ARGUMENT).
   */
  STALE_TICKET("stale-ticket"),
  /** A source file changed since the plan was made: plan again (INVALID_ARGUMENT). */
  VERSION_CHANGED("version-changed"),
  /** A source file is damaged; the message names it (INTERNAL: Flight has no DATA_LOSS). */
  CORRUPT_FILE("corrupt-file"),
  /** The node's memory budgets cannot hold the request (RESOURCE_EXHAUSTED). */
  RESOURCE_EXHAUSTED("resource-exhausted"),
  /**
   * The node cannot serve now, e.g. it is shutting down (UNAVAILABLE): retry later or elsewhere.
   */
  NODE_UNAVAILABLE("node-unavailable"),
  /** The client read nothing for too long and the node ended the stream (TIMED_OUT). */
  TIMED_OUT("timed-out"),
  /** A source store failed or could not be reached (UNAVAILABLE): retry later. */
  STORAGE_UNAVAILABLE("storage-unavailable"),
  /**
   * The node's own disk failed (its catalog file, disk tier or temporary files: disk full, I/O
   * error); the message names the path (INTERNAL: not UNAVAILABLE, retrying will not help until an
   * operator acts).
   */
  NODE_DISK("node-disk"),
  /** The call was cancelled (CANCELLED). */
  CANCELLED("cancelled"),
  /** The node does not offer this action or command (UNIMPLEMENTED). */
  UNIMPLEMENTED("unimplemented"),
  /**
   * A source file uses a feature Quiver does not read, e.g. encryption; the message names the file
   * and the feature (UNIMPLEMENTED).
   */
  UNSUPPORTED_FILE("unsupported-file"),
  /** A bug or a failure of the node itself; the node logged it with details (INTERNAL). */
  INTERNAL("internal");

  /** The Flight error metadata key that carries {@link #code()}. */
  public static final String METADATA_KEY = "quiver-error-code";

  private final String code;

  ErrorCode(String code) {
    this.code = code;
  }

  /** The code on the wire: lower-case words joined by hyphens. */
  public String code() {
    return code;
  }

  /** The error code with this wire form; empty for null or a code this version does not know. */
  public static Optional<ErrorCode> of(String code) {
    for (ErrorCode c : values()) {
      if (c.code.equals(code)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
