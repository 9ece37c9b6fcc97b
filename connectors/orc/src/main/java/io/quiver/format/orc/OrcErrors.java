package io.quiver.format.orc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Damaged-data errors for clients: where (file, stripe, column) and what could not be read, never
 * orc-core's or the JVM's own exception text (an index out of bounds, a protobuf dump), which is
 * logged here instead.
 */
final class OrcErrors {
  private static final Logger LOG = LoggerFactory.getLogger(OrcErrors.class);

  private OrcErrors() {}

  /**
   * A {@link CorruptOrcException} reading {@code prefix} and {@code what} ("its tail cannot be
   * parsed"), with {@code cause} kept as the cause and logged with its detail.
   */
  static CorruptOrcException corrupt(String prefix, String what, Throwable cause) {
    LOG.warn("{}{}", prefix, what, cause);
    return new CorruptOrcException(
        prefix + what + " (the file is damaged or written wrongly)", cause);
  }

  /**
   * What went wrong, for a client: the exception's own message when it is a plain sentence (a
   * codec's "Bad compression data"), else a generic phrase — never a class name or a dump. The
   * exception itself stays the cause of the error the caller raises.
   */
  static String reason(Throwable e) {
    String m = e.getMessage();
    if (m == null
        || m.isBlank()
        || m.length() > 200
        || m.contains("Exception")
        || m.contains("java.")
        || m.contains("\n")) {
      return "the bytes cannot be decoded";
    }
    return m;
  }
}
